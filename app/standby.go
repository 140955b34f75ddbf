package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/snapshot"
	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/static"
)

// A server that starts while its database is unreachable (a replica
// restarted in the middle of a database outage) serves the core set saved
// by the last server that had it (SNAPSHOT_DIR, see app/core.go): the
// status page, the public API's documents, the feeds, badges, the widget
// and the pages of unresolved incidents answer 200 with their saved
// bytes, and the page's "Last updated" says how old they are. /readyz
// answers 503 (so a load balancer prefers a replica that has the
// database), every other request 503 with a clear message (nothing can be
// changed), and the database is tried again in the background: once it
// answers (and its schema is current) the server switches to live data by
// itself, on the same port, with no restart.

// Standby retry pauses: the first retry, doubling up to the last.
const (
	standbyFirstRetry = time.Second
	standbyMaxRetry   = 10 * time.Second
)

// StandbyMessage is the answer to what a standby server cannot do.
const (
	standbyWriteMessage = "The database is unavailable right now, so nothing was changed. The public page is being served from its last saved copy; please try again in a moment."
	standbyReadMessage  = "The database is unavailable right now. The public page is being served from its last saved copy; please try again in a moment."
)

// ServeStandby serves saved (the core set loaded from SNAPSHOT_DIR) on the
// configured port while connect fails, calling it again with a growing
// pause; once it returns a database, it builds the App on it and serves
// live on the same listener until ctx ends, then closes the database.
func ServeStandby(ctx context.Context, cfg Config, log *slog.Logger, saved *snapshot.Saved, connect func(context.Context) (*models.DB, error)) error {
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("app: listen on %s: %w", addr, err)
	}
	sb := newStandby(cfg, log, saved)
	var handler atomic.Pointer[http.Handler]
	var h http.Handler = sb
	handler.Store(&h)
	srv := newHTTPServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*handler.Load()).ServeHTTP(w, r)
	}), log)
	srv.Addr = ln.Addr().String()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Warn("the database is unreachable: serving the saved snapshot until it answers",
		"addr", srv.Addr, "snapshot", cfg.SnapshotDir, "saved_at", saved.Manifest.SavedAt.Format(time.RFC3339),
		"documents", saved.Len(), "database", string(cfg.Dialect))

	shutdown := func() error {
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			return fmt.Errorf("app: shutdown: %w", err)
		}
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("app: serve: %w", err)
		}
		log.Info("stopped")
		return nil
	}
	pause := standbyFirstRetry
	for {
		select {
		case err := <-errc:
			return fmt.Errorf("app: serve: %w", err)
		case <-ctx.Done():
			return shutdown()
		case <-time.After(pause):
		}
		pause = min(2*pause, standbyMaxRetry)
		db, err := connect(ctx)
		if err != nil {
			log.Warn("standby: the database does not answer yet", "error", err, "next_try", pause.String())
			continue
		}
		a, err := New(ctx, cfg, db, log)
		if err != nil {
			db.Close()
			log.Warn("standby: cannot start on the database yet", "error", err, "next_try", pause.String())
			continue
		}
		var live http.Handler = a
		handler.Store(&live)
		log.Info("the database answers: serving live data")
		err = a.run(ctx, srv, errc)
		db.Close()
		return err
	}
}

// standby answers requests while the database is unreachable at start.
type standby struct {
	cfg     Config
	log     *slog.Logger
	saved   *snapshot.Saved
	echo    *echo.Echo
	assets  *static.Assets
	render  *view.Renderer
	site    *view.Site
	headers []web.HeaderValue
}

func newStandby(cfg Config, log *slog.Logger, saved *snapshot.Saved) *standby {
	s := &standby{cfg: cfg, log: log, saved: saved, assets: static.New(),
		headers: web.SecurityHeaderValues(cfg.BaseURL)}
	// The templates are those of the binary: they parse (New checks them
	// too); a failure leaves the error pages as plain text.
	if r, err := view.NewRenderer(s.assets); err == nil {
		s.render = r
	}
	s.site = &view.Site{Identity: view.NewPageIdentity(cfg.identityOf("", models.PageSettings{})),
		BaseURL: cfg.BaseURL, Now: time.Now}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = func(err error, c echo.Context) { s.unavailable(c) }
	getHead := []string{http.MethodGet, http.MethodHead}
	e.Match(getHead, "/healthz", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.Match(getHead, "/readyz", s.readyz)
	e.Match(getHead, "/static/*", func(c echo.Context) error {
		if _, ok := s.assets.Get(c.Request().URL.Path); !ok {
			return s.unavailable(c)
		}
		s.assets.ServeHTTP(c.Response(), c.Request())
		return nil
	})
	e.Any("/*", s.unavailable)
	s.echo = e
	return s
}

// ServeHTTP answers a saved document as the snapshot's hit path does, and
// anything else through the standby's router.
func (s *standby) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	start := time.Now()
	web.SetHeaderValues(w.Header(), s.headers)
	id := requestIDOf(req)
	w.Header()[echo.HeaderXRequestID] = []string{id}
	status := 0
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		if r := s.saved.Get(snapshot.Key(req.URL)); r != nil {
			status, _ = snapshot.WriteRendition(w, req, r)
		}
	}
	if status == 0 {
		rw := &statusWriter{ResponseWriter: w}
		s.echo.ServeHTTP(rw, req)
		status = rw.status
	}
	s.log.Info("request", "request_id", id, "method", req.Method, "path", req.URL.Path, "status", status,
		"duration", time.Since(start).String(), "standby", true)
}

// statusWriter records the status of an answer.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// readyz is not ready: the database is unreachable.
func (s *standby) readyz(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusServiceUnavailable, readiness{Status: "unavailable", Database: string(s.cfg.Dialect),
		Reason:   "database unreachable since start: serving the snapshot saved at " + s.saved.Manifest.SavedAt.UTC().Format(time.RFC3339),
		Snapshot: s.saved.Manifest.SavedAt.UTC().Format(time.RFC3339)})
}

// unavailable answers 503: JSON under /api and /v1, the HTML error page
// elsewhere (the console included).
func (s *standby) unavailable(c echo.Context) error {
	req := c.Request()
	msg := standbyReadMessage
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		msg = standbyWriteMessage
	}
	h := c.Response().Header()
	h.Set("Retry-After", "5")
	h.Set("Cache-Control", "no-store")
	code := http.StatusServiceUnavailable
	if isAPIPath(req.URL.Path) {
		if req.Method == http.MethodHead {
			return c.NoContent(code)
		}
		return c.JSON(code, web.APIError{Error: msg})
	}
	title := http.StatusText(code)
	if s.render != nil {
		pv := s.site.Page(title, req.URL.Path)
		pv.Error = &view.ErrorView{Code: code, Title: title, Message: msg}
		if err := s.render.Page(c, code, "error.html", pv); err == nil {
			return nil
		}
	}
	return c.String(code, title+": "+msg)
}
