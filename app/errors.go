package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/lang"
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
	key, args := web.WordedKey(err) // the public error page's wording, when err has one
	if code == http.StatusInternalServerError && models.Unwritable(err) {
		// The database reads but cannot store anything: a full disk or a
		// read-only file. The transaction stored nothing.
		code, msg, key = http.StatusServiceUnavailable, "The database cannot store changes right now (its disk is full, failing or read-only), so nothing was changed. Pages keep being served; please tell the operator.", "error_database_unwritable"
		c.Response().Header().Set("Retry-After", "60")
	} else if code == http.StatusInternalServerError && !a.databaseAnswers(c.Request().Context()) {
		// The database is gone: say so, and that nothing was changed (a
		// failed transaction commits nothing). Public pages don't get here
		// while the snapshot has them.
		code, msg, key = http.StatusServiceUnavailable, "The database is unavailable right now. Please try again in a moment.", "error_database_unavailable"
		if m := c.Request().Method; m != http.MethodGet && m != http.MethodHead {
			msg, key = "The database is unavailable right now, so nothing was changed. Please try again in a moment.", "error_database_unavailable_write"
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
	l := a.langs.Of(c.Request())
	title, msg = publicErrorWords(l, code, key, args, title, msg)
	pv := a.site.In(l).Page(title, c.Request().URL.Path) // the frame in the reader's language
	pv.Error = &view.ErrorView{Code: code, Title: title, Message: msg}
	c.Response().Header().Set("Cache-Control", "no-store")
	if rerr := a.render.Page(c, code, "error.html", pv); rerr != nil {
		a.logger(c.Request().Context()).Error("render error page", "error", rerr)
		c.String(code, title+": "+msg)
	}
}

// publicErrorWords is the title and message of a public error page in l:
// the message of an error's catalog key (web.Word), else, in the default
// catalog's language, the English message as it was (it may name what is
// missing), and in any other a general message for the status code, with
// the English detail of a client's mistake after it (it names the field).
func publicErrorWords(l *lang.Lang, code int, key string, args []any, title, msg string) (string, string) {
	if l == nil {
		return title, msg
	}
	if t := l.T(fmt.Sprintf("error_title_%d", code)); !strings.HasPrefix(t, "error_title_") {
		title = t
	} else if l.Code == lang.Default {
		// English: http.StatusText, as it was.
	} else if code >= 500 {
		title = l.T("error_title_500")
	} else {
		title = l.T("error_title_400")
	}
	switch {
	case key != "":
		msg = l.T(key, args...)
	case l.Code == lang.Default:
		// English: keep the message, which may say more than the code.
	default:
		general := l.T(fmt.Sprintf("error_message_%d", code))
		if strings.HasPrefix(general, "error_message_") {
			general = l.T("error_message_400")
			if code >= 500 {
				general = l.T("error_message_500")
			}
		}
		if code < 500 && msg != "" && msg != http.StatusText(code) && msg != web.NotFoundMessage {
			general += " (" + msg + ")"
		}
		msg = general
	}
	return title, msg
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
