package console

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// Failed sign-ins are limited per email and per address, in the database
// so the limits hold across replicas.
const (
	loginWindow     = 15 * time.Minute
	loginEmailLimit = 5  // failures per email per window
	loginIPLimit    = 20 // failures per address per window
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
// answer in the same time; too many failures get 429 with Retry-After.
func (h *Handler) login(c echo.Context) error {
	ctx := c.Request().Context()
	form := view.NewForm(c)
	form.Clear("password", "csrf")
	email := strings.TrimSpace(form.Value("email"))
	password := c.FormValue("password")
	next := safeNext(form.Value("next"))
	v := loginView{AdminView: h.adminView(c, "Sign in", ""), Next: next}
	ipKey, emailKey := "login:ip:"+c.RealIP(), "login:email:"+limitKey(email)

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

	// Count the attempt first (atomically, so parallel guesses are all
	// counted); a success takes it back.
	now := h.Now()
	allowed, retry, err := h.DB.HitRateLimit(ctx, ipKey, loginIPLimit, loginWindow, now)
	if err == nil && allowed {
		allowed, retry, err = h.DB.HitRateLimit(ctx, emailKey, loginEmailLimit, loginWindow, now)
	}
	if err != nil {
		return err
	}
	if !allowed {
		web.Logger(ctx, h.Log).Warn("sign-in throttled", "email", email, "remote", c.RealIP())
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.Seconds()))))
		form.Problem = fmt.Sprintf("Too many failed sign-in attempts. Try again in %s.", web.HumanWait(retry))
		v.Form = form
		return h.Render.Admin(c, http.StatusTooManyRequests, "login.html", v)
	}

	u, err := h.DB.Authenticate(ctx, email, password)
	if errors.Is(err, models.ErrBadCredentials) {
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

	if err := h.DB.ClearRateLimit(ctx, emailKey); err != nil {
		return err
	}
	if err := h.DB.UndoRateLimitHit(ctx, ipKey); err != nil {
		return err
	}
	if err := h.startSession(c, u); err != nil {
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
	actor := models.Actor{Type: actorAnonymous, Name: email, IP: c.RealIP()}
	return h.DB.RecordAudit(ctx, actor, "auth.login_failed", "user", targetID, map[string]string{"email": email})
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
	h.flash(c, "You are signed out.")
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
