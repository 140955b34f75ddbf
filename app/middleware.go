package app

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/beaconstatus/beacon/app/snapshot"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// logger returns the request's logger (with its request id), or the App's.
func (a *App) logger(ctx context.Context) *slog.Logger { return web.Logger(ctx, a.log) }

// requestLogger gives the request its id (the X-Request-Id header of the
// answer, and in the request's context: logger makes a logger with it, for
// the few requests that log more) and logs one line when the request
// ends.
func (a *App) requestLogger(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		req := c.Request()
		id := requestIDOf(req)
		c.Response().Header()[echo.HeaderXRequestID] = []string{id}
		c.SetRequest(req.WithContext(web.WithRequestID(req.Context(), id)))

		err := next(c)
		if err != nil {
			c.Error(err) // write the error response now, so its status is logged
		}
		a.logRequest(req.Context(), start, accessLine{id: id, method: req.Method, path: web.LoggedPath(c),
			status: c.Response().Status, bytes: c.Response().Size, remote: c.RealIP()})
		return nil
	}
}

// logRequest writes the line of a request that started at start: info,
// debug for the snapshot's own builds, error for a 5xx. It is on the path
// of every snapshot hit, so it keeps the cost down: no logger is built for
// the line, and nothing at all is done when the level is off.
func (a *App) logRequest(ctx context.Context, start time.Time, l accessLine) {
	l.level, l.msg = slog.LevelInfo, "request"
	if snapshot.IsBuild(ctx) {
		l.level, l.msg = slog.LevelDebug, "snapshot build"
	}
	if l.status >= 500 {
		l.level = slog.LevelError
	}
	h := a.log.Handler()
	if !h.Enabled(ctx, l.level) {
		return
	}
	now := time.Now()
	l.duration = now.Sub(start)
	logAccess(ctx, h, now, l)
}

// middlewares are applied to every request, outermost first.
func (a *App) middlewares() []echo.MiddlewareFunc {
	return []echo.MiddlewareFunc{
		a.securityHeaders,
		a.requestLogger,
		web.CheckQuery, // text the database cannot store is refused before any handler (web/input.go)
		// Pages compress well (the uptime bars repeat); static files and
		// the snapshot carry their own precomputed gzip.
		middleware.GzipWithConfig(middleware.GzipConfig{
			Level: 5,
			Skipper: func(c echo.Context) bool {
				return strings.HasPrefix(c.Request().URL.Path, "/static/") || a.snapshotPaths[c.Path()]
			},
		}),
		middleware.RecoverWithConfig(middleware.RecoverConfig{
			LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
				a.logger(c.Request().Context()).Error("panic", "error", err, "stack", string(stack))
				return err
			},
		}),
		a.writeDeadline,
	}
}

// Write deadlines on PostgreSQL (see writeDeadline).
const (
	// writeTimeout bounds a write request's database work.
	writeTimeout = 5 * time.Second
	// importTimeout bounds a subscriber import, a write of up to
	// console.MaxImportBody of CSV.
	importTimeout = 2 * time.Minute
)

// writeDeadline bounds the database work of a write (any request but GET,
// HEAD and OPTIONS: its session or token, its transaction) on PostgreSQL,
// so a database that hangs instead of refusing (a network partition) is a
// 503 within seconds (handleError) rather than a request that never ends.
// SQLite has no network to hang on, and waits for its write lock as long
// as its busy timeout says.
func (a *App) writeDeadline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		switch {
		case a.db.Dialect != models.Postgres:
			return next(c)
		case req.Method == http.MethodGet || req.Method == http.MethodHead || req.Method == http.MethodOptions:
			return next(c)
		}
		timeout := writeTimeout
		if c.Path() == "/admin/subscribers/import" {
			timeout = importTimeout
		}
		ctx, cancel := context.WithTimeout(req.Context(), timeout)
		defer cancel()
		c.SetRequest(req.WithContext(ctx))
		return next(c)
	}
}

// requestIDOf is the id of req: the X-Request-Id it came with (a proxy in
// front may have set one) when it is a plausible id, else a new one.
func requestIDOf(req *http.Request) string {
	if id := req.Header.Get(echo.HeaderXRequestID); validRequestID(id) {
		return id
	}
	return requestID()
}

// maxRequestIDLength bounds a request id taken from the client: a proxy's
// ids (UUIDs, trace ids) fit; a longer one is replaced.
const maxRequestIDLength = 64

// validRequestID reports whether a client's X-Request-Id may be echoed and
// logged as it is: 1 to 64 letters, digits and - _ . : only, so it cannot
// flood the log or forge a log line.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

// requestID is a request's id in the log and the X-Request-Id header: 16
// hex digits, unique enough to find a request's lines, and not a secret,
// so it comes from the fast generator rather than crypto/rand (it is made
// on every snapshot hit).
func requestID() string {
	var b [16]byte
	const digits = "0123456789abcdef"
	v := rand.Uint64()
	for i := range b {
		b[i] = digits[v&0xf]
		v >>= 4
	}
	return string(b[:])
}

// securityHeaders sets the security headers on every response, whatever
// answers it (a handler, the error handler, a panic; a snapshot hit sets
// them in ServeHTTP). Routes that need stricter values set them after
// (the subscription pages send no Referer at all).
func (a *App) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		web.SetHeaderValues(c.Response().Header(), a.securityHeaderList)
		return next(c)
	}
}
