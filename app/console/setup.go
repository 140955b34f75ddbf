package console

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/models"
)

// First run: with no user at all, /admin leads to /admin/setup, where the
// first administrator is created with a one-time setup code from the
// server's log (see models/setup.go). `beacon user add` works too.

// AnnounceSetup runs at start: with no user yet it stores a setup code and
// logs it; once users exist it deletes any codes left (e.g. after `beacon
// user add`).
func (h *Handler) AnnounceSetup(ctx context.Context) error {
	n, err := h.DB.CountUsers(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		err := h.DB.DeleteSetupCodes(ctx)
		if models.Unwritable(err) {
			// Left codes are of no use once users exist (CreateFirstAdmin
			// checks): serve a database that cannot be written all the same.
			h.Log.Warn("the database cannot store changes: serving it read-only", "error", err)
			return nil
		}
		return err
	}
	code, err := h.DB.NewSetupCode(ctx)
	if models.Unwritable(err) {
		h.Log.Warn("no administrator yet, and the database cannot store a setup code: serving it read-only", "error", err)
		return nil
	}
	if err != nil {
		return err
	}
	h.Log.Warn("no administrator yet: open the setup page and enter this setup code to create one",
		"setup_url", h.Site.BaseURL+"/admin/setup", "setup_code", code)
	return nil
}

// showSetup is the form that creates the first administrator; once anyone
// exists it leads to the sign-in page.
func (h *Handler) showSetup(c echo.Context) error {
	n, err := h.DB.CountUsers(c.Request().Context())
	if err != nil {
		return err
	}
	if n > 0 {
		return c.Redirect(http.StatusSeeOther, "/admin/login")
	}
	return h.Render.Admin(c, http.StatusOK, "setup.html", h.adminView(c, "Set up", ""))
}

// setup creates the first administrator from a live setup code and signs
// them in. A wrong code or bad field is a 422 naming the field; once a
// user exists it is a 409.
func (h *Handler) setup(c echo.Context) error {
	ctx := c.Request().Context()
	form := view.NewForm(c)
	var u *models.User
	err := h.DB.InTx(ctx, func(tx *models.DB) error {
		var err error
		u, err = tx.CreateFirstAdmin(ctx, form.Value("setup_code"), form.Value("email"), form.Value("name"), form.Value("password"))
		if err != nil {
			return err
		}
		if err := tx.NoteLogin(ctx, u.ID, h.Now()); err != nil {
			return err
		}
		// The new administrator is the actor of their own creation.
		actor := models.Actor{Type: models.ActorUser, ID: u.ID, Name: u.DisplayName(), Role: u.Role, IP: c.RealIP()}
		return tx.RecordAudit(ctx, actor, "user.setup", "user", u.ID, map[string]string{"email": u.Email, "role": u.Role})
	})
	if form.Invalid(err) {
		form.Clear("password", "csrf")
		v := h.adminView(c, "Set up", "")
		v.Form = form
		return h.Render.Admin(c, http.StatusUnprocessableEntity, "setup.html", v)
	}
	if err != nil {
		return err
	}
	if err := h.startSession(c, u); err != nil {
		return err
	}
	h.flash(c, "Welcome! You are the first administrator. Add your team under Users.")
	return c.Redirect(http.StatusSeeOther, "/admin")
}
