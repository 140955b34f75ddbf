package console

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// actorAnonymous is the audit log's actor type for someone not signed in
// (a failed sign-in).
const actorAnonymous = "anonymous"

// loginView is the sign-in page.
type loginView struct {
	AdminView
	Next string // where to go once signed in
}

// showLogin is the sign-in form; with no user yet it leads to setup, and
// a signed-in operator goes straight on.
func (h *Handler) showLogin(c echo.Context) error {
	n, err := h.DB.CountUsers(c.Request().Context())
	if err != nil {
		return err
	}
	if n == 0 {
		return c.Redirect(http.StatusSeeOther, "/admin/setup")
	}
	next := safeNext(c.QueryParam("next"))
	if u, err := h.sessionUser(c); err != nil {
		return err
	} else if u != nil {
		return c.Redirect(http.StatusSeeOther, next)
	}
	v := loginView{AdminView: h.adminView(c, "Sign in", ""), Next: next}
	return h.Render.Admin(c, http.StatusOK, "login.html", v)
}

// login signs an operator in. Wrong email and wrong password get the same
// answer in the same time; an address that failed too often for the
// account gets 429 with Retry-After (throttle.go), others go on.
func (h *Handler) login(c echo.Context) error {
	ctx := c.Request().Context()
	form := view.NewForm(c)
	form.Clear("password", "csrf")
	email := strings.TrimSpace(form.Value("email"))
	password := c.FormValue("password")
	next := safeNext(form.Value("next"))
	v := loginView{AdminView: h.adminView(c, "Sign in", ""), Next: next}
	keys := signInKeysOf(email, c.RealIP())

	// An empty field is a slip, not a guess: say so, and count nothing.
	missing := &models.ValidationError{}
	if email == "" {
		missing.Add("email", "must not be empty")
	}
	if password == "" {
		missing.Add("password", "must not be empty")
	}
	if form.Invalid(missing.Err()) {
		v.Form = form
		return h.Render.Admin(c, http.StatusUnprocessableEntity, "login.html", v)
	}

	// Count the attempt against the address first (atomically, so
	// parallel guesses are all counted; a success takes it back), then
	// see whether this address must wait before trying this account.
	now := h.Now()
	allowed, wait, err := h.DB.HitRateLimit(ctx, keys.addr, loginIPLimit, loginWindow, now)
	if err != nil {
		return err
	}
	problem := "Too many failed sign-ins from your address. Try again in %s."
	if allowed {
		if wait, err = h.signInWait(ctx, keys, now); err != nil {
			return err
		}
		problem = "Too many failed sign-ins to this account from your address. Try again in %s."
	}
	if wait > 0 {
		web.Logger(ctx, h.Log).Warn("sign-in throttled", "email", email, "remote", c.RealIP())
		setRetryAfter(c, wait)
		form.Problem = fmt.Sprintf(problem, web.HumanWait(wait))
		v.Form = form
		return h.Render.Admin(c, http.StatusTooManyRequests, "login.html", v)
	}

	u, err := h.DB.Authenticate(ctx, email, password)
	if errors.Is(err, models.ErrBadCredentials) {
		if err := h.signInFailed(ctx, keys, now); err != nil {
			return err
		}
		if err := h.recordFailedLogin(c, email); err != nil {
			return err
		}
		form.Problem = "The email or password is incorrect."
		v.Form = form
		return h.Render.Admin(c, http.StatusUnprocessableEntity, "login.html", v)
	}
	if err != nil {
		return err
	}

	if err := h.signInSucceeded(ctx, keys); err != nil {
		return err
	}
	if err := h.startSession(c, u); err != nil {
		return err
	}
	if err := h.tellFailedSignIns(c, u); err != nil {
		return err
	}
	err = h.Writes.Do(c, web.Private, "auth.login", "user", func(tx *models.DB) (string, any, error) {
		return u.ID, nil, tx.NoteLogin(ctx, u.ID, now)
	})
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// tellFailedSignIns leaves the operator who just signed in a message
// about the failed sign-ins to their account since their last visit.
func (h *Handler) tellFailedSignIns(c echo.Context, u *models.User) error {
	var since time.Time
	if u.LastLoginAt != nil {
		since = *u.LastLoginAt
	}
	n, last, err := h.DB.FailedSignIns(c.Request().Context(), u.ID, since, 1)
	if err != nil || n == 0 {
		return err
	}
	what := "1 failed sign-in"
	if n > 1 {
		what = fmt.Sprintf("%d failed sign-ins", n)
	}
	h.flash(c, "%s to your account since your last visit, the last from %s at %s. If that was not you, see Your account.",
		what, last[0].IP, h.signInTime(last[0].CreatedAt))
	return nil
}

// signInTime shows when a sign-in was tried, in the page's time zone.
func (h *Handler) signInTime(t time.Time) string {
	return t.In(h.Site.Zone()).Format("Jan 2, 2006 15:04 MST")
}

// recordFailedLogin writes a failed sign-in to the audit log, naming the
// user when the email is one.
func (h *Handler) recordFailedLogin(c echo.Context, email string) error {
	ctx := c.Request().Context()
	var targetID string
	if u, err := h.DB.FindUserByEmail(ctx, email); err == nil {
		targetID = u.ID
	} else if !errors.Is(err, models.ErrNotFound) {
		return err
	}
	if len(email) > 254 {
		email = email[:254] // no longer than an address can be
	}
	actor := models.Actor{Type: actorAnonymous, Name: email, IP: c.RealIP()}
	return h.DB.RecordAudit(ctx, actor, models.ActionLoginFailed, "user", targetID, map[string]string{"email": email})
}

// logout ends the session.
func (h *Handler) logout(c echo.Context) error {
	u := currentUser(c)
	err := h.Writes.Do(c, web.Private, "auth.logout", "user", func(tx *models.DB) (string, any, error) {
		return u.ID, nil, nil
	})
	if err != nil {
		return err
	}
	if err := h.Sessions.Destroy(c.Request().Context()); err != nil {
		return err
	}
	h.notice(c, "signed-out")
	return c.Redirect(http.StatusSeeOther, "/admin/login")
}

// limitKey is an email as a rate-limit key: any case, bounded length.
func limitKey(email string) string {
	email = strings.ToLower(email)
	if len(email) > 254 {
		email = email[:254]
	}
	return email
}
