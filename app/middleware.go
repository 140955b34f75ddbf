package app

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/beaconstatus/beacon/models"
)

type ctxKey int

const requestIDKey ctxKey = iota

// logger returns the request's logger (with its request id), or the App's.
func (a *App) logger(ctx context.Context) *slog.Logger {
	if id, ok := ctx.Value(requestIDKey).(string); ok {
		return a.log.With("request_id", id)
	}
	return a.log
}

// requestLogger puts the request id in the request's context (logger
// makes a logger with it, for the few requests that log more) and logs one
// line when the request ends. It is on the path of every snapshot hit, so
// it keeps the per-request cost down: no logger is built for the line.
func (a *App) requestLogger(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		req := c.Request()
		id := c.Response().Header().Get(echo.HeaderXRequestID)
		c.SetRequest(req.WithContext(context.WithValue(req.Context(), requestIDKey, id)))

		err := next(c)
		if err != nil {
			c.Error(err) // write the error response now, so its status is logged
		}
		status := c.Response().Status
		level, msg := slog.LevelInfo, "request"
		if isSnapshotBuild(req.Context()) {
			level, msg = slog.LevelDebug, "snapshot build"
		}
		if status >= 500 {
			level = slog.LevelError
		}
		h := a.log.Handler()
		if !h.Enabled(req.Context(), level) {
			return nil
		}
		// The record is made here rather than by Logger.LogAttrs, which
		// would look up its caller's program counter (unused) each time.
		r := slog.NewRecord(time.Now(), level, msg, 0)
		r.AddAttrs(
			slog.String("request_id", id),
			slog.String("method", req.Method),
			slog.String("path", req.URL.Path),
			slog.Int("status", status),
			slog.Int64("bytes", c.Response().Size),
			slog.Duration("duration", r.Time.Sub(start)),
			slog.String("remote", c.RealIP()),
		)
		h.Handle(req.Context(), r) //nolint:errcheck // nowhere to report a failed log write
		return nil
	}
}

// middlewares are applied to every request, outermost first.
func (a *App) middlewares() []echo.MiddlewareFunc {
	return []echo.MiddlewareFunc{
		middleware.RequestIDWithConfig(middleware.RequestIDConfig{
			Generator: func() string { return models.RandomHex(8) },
		}),
		a.requestLogger,
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
	}
}
