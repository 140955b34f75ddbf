// Package app is Beacon's application: it wires the packages under app/
// (the public pages, the APIs and the console; the snapshot and the
// notifier; the kits they share) into one App, with the route table, the
// configuration, the error handler and the middlewares. See
// docs/architecture.md for the map.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/api"
	"github.com/beaconstatus/beacon/app/console"
	"github.com/beaconstatus/beacon/app/egress"
	"github.com/beaconstatus/beacon/app/integrations"
	"github.com/beaconstatus/beacon/app/lang"
	"github.com/beaconstatus/beacon/app/links"
	"github.com/beaconstatus/beacon/app/mirror"
	"github.com/beaconstatus/beacon/app/notify"
	"github.com/beaconstatus/beacon/app/public"
	"github.com/beaconstatus/beacon/app/snapshot"
	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/static"
)

// App is one Beacon server: its configuration, database, the surfaces
// that answer requests (public, api, console), the snapshot that serves
// the public ones, and the notifier. Build it with New, serve it with
// Serve.
type App struct {
	cfg  Config
	db   *models.DB
	log  *slog.Logger
	echo *echo.Echo
	now  func() time.Time
	site *view.Site
	// identity is the page's name, website and time zone now (PAGE_NAME,
	// PAGE_TIME_ZONE or the settings stored by PATCH /v1/pages/{id}).
	identity *view.PageIdentity
	pageID   string
	render   *view.Renderer
	writes   *web.Writes // every handler's writes; their effects come back to afterWrite

	public       *public.Handler
	api          *api.Handler
	console      *console.Handler
	integrations *integrations.Handler

	snapshot *snapshot.Cache  // rendered public responses
	langs    *lang.Catalog    // the public side's languages
	branding *branding        // the page's branding now
	origin   string           // this replica's id in change announcements
	notifier *notify.Notifier // the outbox dispatcher and mail workers
	mirror   *mirror.Mirror   // copies the core set to MIRROR_URL; nil without one
	saves    *saver           // saves the core set to SNAPSHOT_DIR
	// snapshotPaths are the route paths served from the snapshot.
	snapshotPaths map[string]bool
	// securityHeaderList are the security headers of every response.
	securityHeaderList []web.HeaderValue
}

// New builds the App on an open, migrated database: it loads (or creates)
// the page id and secret key and parses every template, so a broken
// template fails here, not on a customer's request. With no user yet it
// logs a setup code for the first administrator.
func New(ctx context.Context, cfg Config, db *models.DB, log *slog.Logger) (*App, error) {
	pageID, err := ensureSetting(ctx, db, log, models.SettingPageID, models.NewID)
	if err != nil {
		return nil, err
	}
	ps, err := db.LoadPageSettings(ctx)
	if err != nil {
		return nil, err
	}
	secret := cfg.SecretKey
	if secret == "" {
		secret, err = ensureSetting(ctx, db, log, models.SettingSecretKey, func() string { return models.RandomHex(32) })
		if err != nil {
			return nil, err
		}
	}
	assets := static.New()
	langs, err := lang.NewCatalog(cfg.Languages, cfg.Language)
	if err != nil {
		return nil, fmt.Errorf("app: languages: %w", err)
	}
	branding, err := newBranding(cfg.Branding)
	if err != nil {
		return nil, fmt.Errorf("app: branding: %w", err)
	}
	if err := branding.reload(ctx, db); err != nil {
		return nil, fmt.Errorf("app: branding: %w", err)
	}
	render, err := view.NewRenderer(assets, langs)
	if err != nil {
		return nil, fmt.Errorf("app: templates: %w", err)
	}
	emails, err := notify.NewEmailTemplates(langs)
	if err != nil {
		return nil, fmt.Errorf("app: templates: %w", err)
	}
	if cfg.APIRateLimit <= 0 {
		cfg.APIRateLimit = DefaultAPIRateLimit
	}
	a := &App{cfg: cfg, db: db, log: log, render: render, now: time.Now, origin: models.NewID(), saves: newSaver()}
	a.pageID, a.identity = pageID, view.NewPageIdentity(cfg.identityOf(pageID, ps))
	a.site = &view.Site{
		DB: db, Identity: a.identity,
		BaseURL: cfg.BaseURL, PartialOutageWeight: cfg.PartialOutageWeight, Now: a.now,
		Langs: langs, Branding: branding.Brand,
	}
	a.branding = branding
	a.langs = langs
	signer := links.NewSigner([]byte(secret), cfg.BaseURL)
	if a.cfg.Hooks.Guard == nil {
		a.cfg.Hooks.Guard = &egress.Guard{}
	}
	a.notifier = notify.New(db, a.mailer(), emails, signer, log, a.now, a.notifySettings())
	// The public surfaces read the public view of the database (db: no
	// draft incident in any read); the console, the management API, the
	// integrations and every write see drafts.
	operators := db.WithDrafts()
	a.writes = web.NewWrites(operators, a.afterWrite)
	limits := web.NewLimits(db, a.now, log)
	a.public = &public.Handler{DB: db, Site: a.site, Langs: langs, BrandAsset: branding.Asset, Render: render, Assets: assets, Links: signer,
		Writes: a.writes, Limits: limits, Egress: a.cfg.Hooks.Guard, Log: log, Now: a.now}
	box := models.NewSecretBox(secret) // integrations' signing secrets, sealed with SECRET_KEY
	a.api = &api.Handler{DB: operators, Site: a.site, Writes: a.writes, Limits: limits,
		RateLimit: cfg.APIRateLimit, Egress: a.cfg.Hooks.Guard, Log: log, Now: a.now, Secrets: box}
	a.console = &console.Handler{DB: operators, Site: a.site.In(view.English()), Render: render, Writes: a.writes, Egress: a.cfg.Hooks.Guard,
		Sessions: console.NewSessions(db, a.now, cfg.BaseURL), Secret: []byte(secret), Log: log, Now: a.now, Secrets: box}
	a.integrations = &integrations.Handler{DB: operators, Writes: a.writes, Box: box, Log: log, Now: a.now}
	if err := a.console.AnnounceSetup(ctx); err != nil {
		return nil, err
	}
	a.snapshot = snapshot.New(a.now, log)
	if langs.Multi() {
		// One rendition per language in use: the default's under the
		// plain key, the others' under the key and their code.
		def := langs.Default()
		a.snapshot.SetVariant(func(req *http.Request) string {
			if l := langs.Of(req); l != def {
				return l.Code
			}
			return ""
		}, func(path string) bool { return !strings.HasPrefix(path, "/api/") }, "Accept-Language", "Cookie")
	}
	a.echo = a.newEcho()
	a.snapshot.SetHandler(a.echo)
	a.snapshot.SetCore(a.CoreKeys, a.coreBuilt)
	if cfg.Mirror != nil {
		getenv := cfg.mirrorEnv
		if getenv == nil {
			getenv = func(string) string { return "" }
		}
		target, err := mirror.Open(ctx, *cfg.Mirror, getenv)
		if err != nil {
			return nil, fmt.Errorf("app: MIRROR_URL: %w", err)
		}
		a.mirror = mirror.New(target, assets.All(), log, a.now)
		a.console.Mirror = a.mirrorState
	}
	return a, nil
}

// identityOf is the page's identity: PAGE_NAME and PAGE_TIME_ZONE, or in
// their place the settings stored through the management API (PATCH
// /v1/pages/{id}), and the organisation's website.
func (cfg Config) identityOf(pageID string, ps models.PageSettings) view.Identity {
	id := view.Identity{
		Info:    view.PageInfo{ID: pageID, Name: cfg.PageName, URL: cfg.BaseURL, TimeZone: cfg.TimeZoneName},
		Website: ps.URL, TimeZone: cfg.TimeZone,
	}
	if ps.Name != "" {
		id.Info.Name = ps.Name
	}
	if loc, err := time.LoadLocation(ps.TimeZone); ps.TimeZone != "" && err == nil {
		id.Info.TimeZone, id.TimeZone = ps.TimeZone, loc
	}
	return id
}

// reloadIdentity reads the page's settings again after a page-wide change
// (PATCH /v1/pages/{id} here or on another replica); a failure keeps the
// identity in use.
func (a *App) reloadIdentity() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ps, err := a.db.LoadPageSettings(ctx)
	if err != nil {
		a.log.Warn("page settings: could not reload them", "error", err)
		return
	}
	a.identity.Store(a.cfg.identityOf(a.pageID, ps))
}

// ensureSetting is the stored setting key, made with generate and stored
// the first time. A database that cannot store it (a read-only file) is
// served all the same with a value for this run only: its pages need no
// write.
func ensureSetting(ctx context.Context, db *models.DB, log *slog.Logger, key string, generate func() string) (string, error) {
	v, err := db.EnsureSetting(ctx, key, generate)
	if models.Unwritable(err) {
		log.Warn("the database cannot store a setting: using one for this run only", "setting", key, "error", err)
		return generate(), nil
	}
	return v, err
}

// mailer is the mail driver of the configuration: the one given (tests),
// SMTP when SMTP_URL is set, else the log driver.
func (a *App) mailer() notify.Mailer {
	switch {
	case a.cfg.Mailer != nil:
		return a.cfg.Mailer
	case a.cfg.SMTP != nil:
		return notify.NewSMTPMailer(*a.cfg.SMTP)
	}
	return notify.LogMailer(a.log)
}

// notifySettings are the notifier's part of the configuration.
func (a *App) notifySettings() notify.Settings {
	set := notify.Settings{
		Tuning: a.cfg.Notify, Workers: a.cfg.MailWorkers, MailRate: a.cfg.MailRate,
		OneWriter: a.db.Dialect == models.SQLite,
		PageID:    a.pageID, PageName: a.cfg.PageName, BaseURL: a.cfg.BaseURL, TimeZone: a.cfg.TimeZone,
		FromName: a.cfg.MailFromName, FromAddress: a.cfg.MailFromAddress,
		Current: func() (string, string, *time.Location) {
			id := a.identity.Load()
			from := a.cfg.MailFromName
			if from == a.cfg.PageName { // MAIL_FROM without its own name: the page's name now
				from = id.Info.Name
			}
			return id.Info.Name, from, id.TimeZone
		},
		Mail: "log (SMTP_URL unset)", Hooks: a.cfg.Hooks, Language: a.langs.Default().Code,
		Branding: func() (string, string) {
			b := a.branding.Brand()
			logo := ""
			if b.LogoURL != "" && !strings.HasSuffix(b.LogoURL, ".svg") { // mail clients seldom show SVG
				logo = a.cfg.BaseURL + b.LogoURL
			}
			return logo, b.Accent
		},
	}
	switch {
	case a.cfg.Mailer != nil:
		set.Mail = fmt.Sprintf("%T", a.cfg.Mailer)
	case a.cfg.SMTP != nil:
		set.Mail, set.SendTimeout = "smtp "+a.cfg.SMTP.String(), a.cfg.SMTP.Timeout
	}
	return set
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
		if r := a.snapshot.Hit(a.snapshot.KeyOf(req)); r != nil {
			start := time.Now()
			id := requestIDOf(req)
			web.SetHeaderValues(w.Header(), a.securityHeaderList)
			w.Header()[echo.HeaderXRequestID] = []string{id}
			status, n := snapshot.WriteRendition(w, req, r)
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
	addr := net.JoinHostPort(a.cfg.Host, strconv.Itoa(a.cfg.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("app: listen on %s: %w", addr, err)
	}
	return a.ServeListener(ctx, ln)
}

// ServeListener is Serve on a listener the caller opened.
func (a *App) ServeListener(ctx context.Context, ln net.Listener) error {
	srv := newHTTPServer(a, a.log)
	srv.Addr = ln.Addr().String()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	return a.run(ctx, srv, errc)
}

// newHTTPServer is the HTTP server of h, with Beacon's timeouts.
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// run runs the background work (sessions' sweeper, scheduler, snapshot,
// notifier) beside srv, which serves (its Serve's result comes on errc),
// until ctx is cancelled; then it shuts srv down gracefully.
func (a *App) run(ctx context.Context, srv *http.Server, errc chan error) error {
	stopSweeper := a.console.StartSweeper(ctx)
	defer stopSweeper()
	// The scheduler stops with the server, before the caller closes the
	// database: on return, after its current round.
	schedCtx, stopScheduler := context.WithCancel(ctx)
	schedDone := make(chan struct{})
	go func() { defer close(schedDone); a.RunScheduler(schedCtx) }()
	waitScheduler := func() { stopScheduler(); <-schedDone }
	defer waitScheduler()
	// The snapshot's core round and the mirror finish what they write
	// (a save to SNAPSHOT_DIR, an upload) before the database closes.
	snapCtx, stopSnapshot := context.WithCancel(ctx)
	snapDone := make(chan struct{})
	go func() { defer close(snapDone); a.runSnapshot(snapCtx) }()
	defer func() { stopSnapshot(); <-snapDone }()
	// So does the notifier: its workers finish the message they are
	// sending and give back the deliveries they claimed.
	notifyCtx, stopNotifier := context.WithCancel(ctx)
	notifyDone := make(chan struct{})
	go func() { defer close(notifyDone); a.notifier.Run(notifyCtx) }()
	waitNotifier := func() { stopNotifier(); <-notifyDone }
	defer waitNotifier()
	a.log.Info("serving", "addr", srv.Addr, "url", a.cfg.BaseURL, "database", string(a.db.Dialect))

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

// RunNotifier runs the notify path until ctx is cancelled (Serve runs it;
// tests run it alone): see notify.Notifier.Run.
func (a *App) RunNotifier(ctx context.Context) { a.notifier.Run(ctx) }
