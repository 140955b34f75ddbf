package app

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// handleError is echo's HTTPErrorHandler: it logs unexpected errors and
// answers JSON under /api and /v1, the HTML error page elsewhere.
func (a *App) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code, msg, fields := web.Classify(err)
	if code == http.StatusInternalServerError && models.Unwritable(err) {
		// The database reads but cannot store anything: a full disk or a
		// read-only file. The transaction stored nothing.
		code, msg = http.StatusServiceUnavailable, "The database cannot store changes right now (its disk is full, failing or read-only), so nothing was changed. Pages keep being served; please tell the operator."
		c.Response().Header().Set("Retry-After", "60")
	} else if code == http.StatusInternalServerError && !a.databaseAnswers(c.Request().Context()) {
		// The database is gone: say so, and that nothing was changed (a
		// failed transaction commits nothing). Public pages don't get here
		// while the snapshot has them.
		code, msg = http.StatusServiceUnavailable, "The database is unavailable right now. Please try again in a moment."
		if m := c.Request().Method; m != http.MethodGet && m != http.MethodHead {
			msg = "The database is unavailable right now, so nothing was changed. Please try again in a moment."
		}
		c.Response().Header().Set("Retry-After", "5")
	}
	if code >= 500 {
		a.logger(c.Request().Context()).Error("request failed", "error", err, "path", web.LoggedPath(c))
	}
	if code == 499 {
		return
	}
	if isAPIPath(c.Request().URL.Path) {
		if c.Request().Method == http.MethodHead {
			c.NoContent(code)
			return
		}
		c.JSON(code, web.APIError{Error: msg, Fields: fields})
		return
	}
	title := http.StatusText(code)
	if code == http.StatusNotFound {
		title = "Page not found"
	}
	if isAdminPath(c.Request().URL.Path) {
		if rerr := a.console.RenderError(c, code, title, msg); rerr != nil {
			a.logger(c.Request().Context()).Error("render error page", "error", rerr)
			c.String(code, title+": "+msg)
		}
		return
	}
	pv := a.site.In(a.langs.Of(c.Request())).Page(title, c.Request().URL.Path) // the frame in the reader's language
	pv.Error = &view.ErrorView{Code: code, Title: title, Message: msg}
	c.Response().Header().Set("Cache-Control", "no-store")
	if rerr := a.render.Page(c, code, "error.html", pv); rerr != nil {
		a.logger(c.Request().Context()).Error("render error page", "error", rerr)
		c.String(code, title+": "+msg)
	}
}

func isAdminPath(p string) bool { return p == "/admin" || strings.HasPrefix(p, "/admin/") }

func isAPIPath(p string) bool {
	return strings.HasPrefix(p, "/api/") || p == "/v1" || strings.HasPrefix(p, "/v1/") ||
		strings.HasPrefix(p, "/integrations/")
}

// databaseAnswers pings the database briefly, to tell an outage from a bug.
func (a *App) databaseAnswers(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	return a.db.Ping(ctx) == nil
}
