package console

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// accountView is the operator's own page.
type accountView struct {
	AdminView
	FailedSignIns      int64          // failed sign-ins to the account in the last failedSignInsShown
	RecentFailedLogins []failedSignIn // the latest of them, newest first
}

// failedSignIn is one failed sign-in shown to the account's operator.
type failedSignIn struct {
	IP string // the client's address
	At string // when, in the page's time zone
}

// failedSignInsShown is how far back the account page lists failed
// sign-ins (at most recentFailedShown of them).
const (
	failedSignInsShown = 30 * 24 * time.Hour
	recentFailedShown  = 10
)

// accountPage builds the account page's view.
func (h *Handler) accountPage(c echo.Context) (accountView, error) {
	v := accountView{AdminView: h.adminView(c, "Your account", "account")}
	n, list, err := h.DB.FailedSignIns(c.Request().Context(), currentUser(c).ID, h.Now().Add(-failedSignInsShown), recentFailedShown)
	if err != nil {
		return v, err
	}
	v.FailedSignIns = n
	for _, e := range list {
		v.RecentFailedLogins = append(v.RecentFailedLogins, failedSignIn{IP: e.IP, At: h.signInTime(e.CreatedAt)})
	}
	return v, nil
}

// showAccount is the signed-in operator's own page: their details, the
// recent failed sign-ins to their account, the password form and "sign
// out other sessions".
func (h *Handler) showAccount(c echo.Context) error {
	v, err := h.accountPage(c)
	if err != nil {
		return err
	}
	return h.Render.Admin(c, http.StatusOK, "account.html", v)
}

// changeOwnPassword sets a new password after checking the current one.
// Every other session of the user ends; this one goes on.
func (h *Handler) changeOwnPassword(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentUser(c)
	form := view.NewForm(c)
	current, password := form.Value("current_password"), form.Value("password")
	form.Clear("current_password", "password", "password_confirm", "csrf", "username")
	fail := func(err error) error {
		if !form.Invalid(err) {
			return err
		}
		v, err := h.accountPage(c)
		if err != nil {
			return err
		}
		v.Form = form
		return h.Render.Admin(c, http.StatusUnprocessableEntity, "account.html", v)
	}

	// A wrong current password counts as a failed sign-in from this
	// address: a borrowed session cannot be used to guess it.
	keys, now := signInKeysOf(me.Email, c.RealIP()), h.Now()
	if wait, err := h.signInWait(ctx, keys, now); err != nil {
		return err
	} else if wait > 0 {
		return fail(models.Invalid("current_password", "was wrong too many times: try again in %s", web.HumanWait(wait)))
	}
	if _, err := h.DB.Authenticate(ctx, me.Email, current); errors.Is(err, models.ErrBadCredentials) {
		if err := h.signInFailed(ctx, keys, now); err != nil {
			return err
		}
		return fail(models.Invalid("current_password", "is not your current password"))
	} else if err != nil {
		return err
	}
	if err := h.DB.ClearRateLimit(ctx, keys.pair); err != nil {
		return err
	}
	if password != c.FormValue("password_confirm") {
		return fail(models.Invalid("password_confirm", "does not match the new password"))
	}

	var u *models.User
	err := h.Writes.Do(c, web.Private, "user.password", "user", func(tx *models.DB) (string, any, error) {
		var err error
		u, err = tx.ChangePassword(ctx, me.ID, password)
		return me.ID, nil, err
	})
	if err != nil {
		return fail(err)
	}
	if err := h.keepSession(c, u); err != nil {
		return err
	}
	h.flash(c, "Your password is changed. Other sessions are signed out.")
	return c.Redirect(http.StatusSeeOther, "/admin/account")
}

// revokeOtherSessions signs the operator out everywhere but here.
func (h *Handler) revokeOtherSessions(c echo.Context) error {
	me := currentUser(c)
	var u *models.User
	err := h.Writes.Do(c, web.Private, "user.revoke_sessions", "user", func(tx *models.DB) (string, any, error) {
		var err error
		u, err = tx.RevokeSessions(c.Request().Context(), me.ID)
		return me.ID, map[string]bool{"kept_current": true}, err
	})
	if err != nil {
		return err
	}
	if err := h.keepSession(c, u); err != nil {
		return err
	}
	h.flash(c, "Other sessions are signed out.")
	return c.Redirect(http.StatusSeeOther, "/admin/account")
}

// keepSession carries this session over to the user's new epoch, with a
// new token, after every other session was ended.
func (h *Handler) keepSession(c echo.Context, u *models.User) error {
	ctx := c.Request().Context()
	if err := h.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	h.Sessions.Put(ctx, sessionEpoch, u.SessionEpoch)
	return nil
}
