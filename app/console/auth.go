package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// Who may use the console: requireSignedIn and requireRole guard its
// pages, checkCSRF its forms.

// userKey is where requireSignedIn keeps the signed-in *models.User.
const userKey = "beacon.user"

// currentUser returns the signed-in operator, nil when none (or when the
// route has no requireSignedIn).
func currentUser(c echo.Context) *models.User {
	u, _ := c.Get(userKey).(*models.User)
	return u
}

// requireSignedIn lets signed-in operators through, making them the
// request's actor; anyone else is sent to the sign-in page (303), or to
// the setup page while there is no user at all.
func (h *Handler) requireSignedIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentUser(c) != nil {
			return next(c)
		}
		u, err := h.sessionUser(c)
		if err != nil {
			return err
		}
		if u == nil {
			return h.toSignIn(c)
		}
		h.signedInAs(c, u)
		return next(c)
	}
}

// requireRole lets through signed-in operators who hold role (an admin
// holds every role); others get a 403 page. It signs in by itself, so a
// route needs only this one.
func (h *Handler) requireRole(role string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return h.requireSignedIn(func(c echo.Context) error {
			if !web.ActorOf(c).Can(role) {
				msg := "You do not have access to this page."
				if role == models.RoleAdmin {
					msg = "This page is for administrators. Ask one if you need it."
				}
				return echo.NewHTTPError(http.StatusForbidden, msg)
			}
			return next(c)
		})
	}
}

// signedInAs makes u the request's user and actor.
func (h *Handler) signedInAs(c echo.Context, u *models.User) {
	c.Set(userKey, u)
	web.SetActor(c, models.Actor{Type: models.ActorUser, ID: u.ID, Name: u.DisplayName(), Role: u.Role, IP: c.RealIP()})
}

// sessionUser returns the user the session is signed in as, or nil. A
// session whose user was removed or disabled, or whose sessions were
// revoked since (the epoch moved on), is destroyed.
func (h *Handler) sessionUser(c echo.Context) (*models.User, error) {
	ctx := c.Request().Context()
	id := h.Sessions.GetString(ctx, sessionUserID)
	if id == "" {
		return nil, nil
	}
	u, err := h.DB.GetUser(ctx, id)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return nil, err
	}
	if err != nil || u.Disabled() || u.SessionEpoch != h.Sessions.GetInt64(ctx, sessionEpoch) {
		if err := h.Sessions.Destroy(ctx); err != nil {
			return nil, err
		}
		h.notice(c, "session-ended")
		return nil, nil
	}
	return u, nil
}

// toSignIn redirects to the sign-in page, which comes back to this page
// after (GET only), or to first-run setup when there is no user yet.
func (h *Handler) toSignIn(c echo.Context) error {
	n, err := h.DB.CountUsers(c.Request().Context())
	if err != nil {
		return err
	}
	if n == 0 {
		return c.Redirect(http.StatusSeeOther, "/admin/setup")
	}
	target := "/admin/login"
	if c.Request().Method == http.MethodGet && c.Request().URL.RequestURI() != "/admin" {
		target += "?next=" + url.QueryEscape(c.Request().URL.RequestURI())
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// startSession signs the request's session in as u: a new token (so a
// token planted before sign-in is worthless), the user's epoch and a new
// CSRF token.
func (h *Handler) startSession(c echo.Context, u *models.User) error {
	ctx := c.Request().Context()
	if err := h.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	h.Sessions.Put(ctx, sessionUserID, u.ID)
	h.Sessions.Put(ctx, sessionEpoch, u.SessionEpoch)
	h.Sessions.Put(ctx, sessionCSRF, models.RandomHex(32))
	if _, err := c.Cookie(csrfCookieName); err == nil {
		h.setCSRFCookie(c, "") // the sign-in form's token is done with
	}
	h.signedInAs(c, u)
	return nil
}

// adminHeaders marks every console response private and sends no
// Referer to other sites (the security headers are set for every
// response by securityHeaders).
func adminHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "same-origin")
		return next(c)
	}
}

// safeNext returns where to go after signing in: a console path from the
// form, or the dashboard. Anything else (another site, //host) is ignored.
func safeNext(next string) string {
	if next == "/admin" || strings.HasPrefix(next, "/admin/") || strings.HasPrefix(next, "/admin?") {
		if !strings.ContainsAny(next, "\\\r\n") {
			return next
		}
	}
	return "/admin"
}
