package app

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// healthz answers 200 while the process is up.
func (a *App) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readiness is the body of /readyz.
type readiness struct {
	Status        string `json:"status"`
	Database      string `json:"database"`
	SchemaVersion int64  `json:"schema_version,omitempty"`
	Reason        string `json:"reason,omitempty"`
}

// readyz answers 200 when the database answers and its schema is current,
// else 503 with the reason.
func (a *App) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	r := readiness{Status: "ready", Database: string(a.db.Dialect)}
	c.Response().Header().Set("Cache-Control", "no-store")
	if err := a.db.Ping(ctx); err != nil {
		a.logger(ctx).Warn("readiness: database unreachable", "error", err)
		r.Status, r.Reason = "unavailable", "database unreachable"
		return c.JSON(http.StatusServiceUnavailable, r)
	}
	current, latest, err := a.db.SchemaVersion(ctx)
	switch {
	case err != nil:
		a.logger(ctx).Warn("readiness: schema version", "error", err)
		r.Status, r.Reason = "unavailable", "cannot read the schema version"
	case current < latest:
		r.Status, r.Reason = "unavailable", "migrations pending: run beacon migrate"
	case current > latest:
		r.Status, r.Reason = "unavailable", "database schema is newer than this binary"
	}
	r.SchemaVersion = current
	if r.Status != "ready" {
		return c.JSON(http.StatusServiceUnavailable, r)
	}
	return c.JSON(http.StatusOK, r)
}
