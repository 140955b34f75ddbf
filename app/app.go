// Package app is Beacon's application: HTTP handlers (one file per
// resource), the route table, configuration and the view builders.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/static"
)

// App is one Beacon server: its configuration, database, templates and
// routes. Build it with New, serve it with Serve.
type App struct {
	cfg    Config
	db     *models.DB
	log    *slog.Logger
	echo   *echo.Echo
	render *Renderer
	assets *static.Assets
	page   PageInfo
	secret []byte // signs links; from SECRET_KEY or generated once and stored
	now    func() time.Time

	sessions *scs.SessionManager // console sessions, stored in the database (sessions.go)
	snapshot *snapshot           // rendered public responses (snapshot.go)
	origin   string              // this replica's id in change announcements
	// snapshotPaths are the route paths served from the snapshot.
	snapshotPaths map[string]bool
	// securityHeaderList are the security headers of every response.
	securityHeaderList []headerValue
	notify             *notifier // the outbox dispatcher and mail workers (notifier.go)
}

// New builds the App on an open, migrated database: it loads (or creates)
// the page id and secret key and parses every template, so a broken
// template fails here, not on a customer's request. With no user yet it
// logs a setup code for the first administrator.
func New(ctx context.Context, cfg Config, db *models.DB, log *slog.Logger) (*App, error) {
	pageID, err := db.EnsureSetting(ctx, models.SettingPageID, models.NewID)
	if err != nil {
		return nil, err
	}
	secret := cfg.SecretKey
	if secret == "" {
		secret, err = db.EnsureSetting(ctx, models.SettingSecretKey, func() string { return models.RandomHex(32) })
		if err != nil {
			return nil, err
		}
	}
	assets := static.New()
	render, err := NewRenderer(assets)
	if err != nil {
		return nil, fmt.Errorf("app: templates: %w", err)
	}
	emails, err := NewEmailTemplates()
	if err != nil {
		return nil, fmt.Errorf("app: templates: %w", err)
	}
	mailer := cfg.Mailer
	switch {
	case mailer != nil:
	case cfg.SMTP != nil:
		mailer = NewSMTPMailer(*cfg.SMTP)
	default:
		mailer = logMailer{log: log}
	}
	if cfg.APIRateLimit <= 0 {
		cfg.APIRateLimit = DefaultAPIRateLimit
	}
	a := &App{
		cfg: cfg, db: db, log: log, render: render, assets: assets,
		page:   PageInfo{ID: pageID, Name: cfg.PageName, URL: cfg.BaseURL, TimeZone: cfg.TimeZoneName},
		secret: []byte(secret),
		now:    time.Now,
		notify: newNotifier(cfg, emails, mailer),
	}
	a.sessions = newSessionManager(cfg, db, a.now)
	if err := a.announceSetup(ctx); err != nil {
		return nil, err
	}
	a.snapshot, a.origin = newSnapshot(a.now), models.NewID()
	a.echo = a.newEcho()
	a.snapshot.handler = a.echo
	return a, nil
}

// Handler is the App's HTTP handler, for tests and embedding.
func (a *App) Handler() http.Handler { return a }

// ServeHTTP answers a request. A snapshot hit, the bulk of an outage
// day's traffic, is answered here before the router: no echo context, no
// middleware chain, but the same headers (the security headers, the
// request id) and the same log line as through it. Everything else, and a
// page whose rendition is missing or stale, goes through echo.
func (a *App) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if (req.Method == http.MethodGet || req.Method == http.MethodHead) && req.URL.RawPath == "" {
		if r := a.snapshot.hit(snapshotKey(req.URL)); r != nil {
			start := time.Now()
			id := requestIDOf(req)
			setHeaderValues(w.Header(), a.securityHeaderList)
			w.Header()[echo.HeaderXRequestID] = []string{id}
			status, n := writeRendition(w, req, r)
			a.logRequest(req.Context(), start, accessLine{id: id, method: req.Method, path: req.URL.Path,
				status: status, bytes: int64(n), remote: a.echo.IPExtractor(req)})
			return
		}
	}
	a.echo.ServeHTTP(w, req)
}

// Serve listens on the configured port, and runs the maintenance scheduler
// and the notifier, until ctx is cancelled, then stops accepting
// connections and lets in-flight requests (bounded by ShutdownTimeout), the
// scheduler's round and the messages being sent finish. The caller closes
// the database afterwards.
func (a *App) Serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(a.cfg.Port))
	if err != nil {
		return fmt.Errorf("app: listen on port %d: %w", a.cfg.Port, err)
	}
	return a.ServeListener(ctx, ln)
}

// ServeListener is Serve on a listener the caller opened.
func (a *App) ServeListener(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	stopSweeper := a.startSweeper(ctx)
	defer stopSweeper()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	// The scheduler stops with the server, before the caller closes the
	// database: on return, after its current round.
	schedCtx, stopScheduler := context.WithCancel(ctx)
	schedDone := make(chan struct{})
	go func() { defer close(schedDone); a.RunScheduler(schedCtx) }()
	waitScheduler := func() { stopScheduler(); <-schedDone }
	defer waitScheduler()
	snapCtx, stopSnapshot := context.WithCancel(ctx)
	defer stopSnapshot()
	go a.runSnapshot(snapCtx)
	// So does the notifier: its workers finish the message they are
	// sending and give back the deliveries they claimed.
	notifyCtx, stopNotifier := context.WithCancel(ctx)
	notifyDone := make(chan struct{})
	go func() { defer close(notifyDone); a.RunNotifier(notifyCtx) }()
	waitNotifier := func() { stopNotifier(); <-notifyDone }
	defer waitNotifier()
	a.log.Info("serving", "addr", ln.Addr().String(), "url", a.cfg.BaseURL, "database", string(a.db.Dialect))

	select {
	case err := <-errc:
		return fmt.Errorf("app: serve: %w", err)
	case <-ctx.Done():
	}
	a.log.Info("shutting down: finishing in-flight requests", "timeout", a.cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("app: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("app: serve: %w", err)
	}
	waitScheduler()
	waitNotifier()
	a.log.Info("stopped")
	return nil
}
