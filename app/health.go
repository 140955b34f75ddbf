package app

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/console"
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
	// Mirror is the mirror's state with MIRROR_URL set: a lagging or
	// failing mirror is a warning, never a reason to be not ready.
	Mirror *mirrorReadiness `json:"mirror,omitempty"`
	// Snapshot is when the saved snapshot being served was built, while the
	// database was unreachable at start (standby.go).
	Snapshot string `json:"snapshot,omitempty"`
}

// mirrorReadiness is the mirror's part of /readyz.
type mirrorReadiness struct {
	Target        string  `json:"target"`
	LastSync      string  `json:"last_sync,omitempty"`
	LagSeconds    float64 `json:"lag_seconds"`    // from a change to the target holding it, at the last sync
	BehindSeconds float64 `json:"behind_seconds"` // how long the oldest change not yet mirrored has waited
	LastError     string  `json:"last_error,omitempty"`
	Warning       string  `json:"warning,omitempty"`
}

// mirrorBehindWarning is how far behind the mirror may fall before
// /readyz warns.
const mirrorBehindWarning = time.Minute

// mirrorReadiness is the mirror's state for /readyz and the console; nil
// without a mirror.
func (a *App) mirrorReadiness() *mirrorReadiness {
	if a.mirror == nil {
		return nil
	}
	st := a.mirror.Status()
	now := a.now()
	m := &mirrorReadiness{Target: st.Target, LagSeconds: st.LastLag.Seconds(), BehindSeconds: st.Behind(now).Seconds(), LastError: st.LastError}
	if !st.LastSync.IsZero() {
		m.LastSync = st.LastSync.UTC().Format(time.RFC3339)
	}
	switch {
	case st.LastError != "":
		m.Warning = "the mirror's last upload failed; it keeps trying"
	case st.Behind(now) > mirrorBehindWarning:
		m.Warning = "the mirror is behind"
	}
	return m
}

// readyz answers 200 when the database answers and its schema is current,
// else 503 with the reason.
func (a *App) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	r := readiness{Status: "ready", Database: string(a.db.Dialect), Mirror: a.mirrorReadiness()}
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

// mirrorState is the mirror's state for the console's dashboard.
func (a *App) mirrorState() *console.MirrorState {
	m := a.mirrorReadiness()
	if m == nil {
		return nil
	}
	st := a.mirror.Status()
	out := &console.MirrorState{Target: m.Target, LastSync: st.LastSync, LastError: m.LastError}
	if b := st.Behind(a.now()); b >= time.Second {
		out.Behind = b.Round(time.Second).String()
	}
	return out
}
