package console

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// Operators: administrators add and remove users, change their roles,
// disable them and sign them out; everyone changes their own password.

// usersView is the users page.
type usersView struct {
	AdminView
	Users []userRow
}

// userRow is one user in the list.
type userRow struct {
	ID, Email, Name, Role string
	Disabled, IsSelf      bool
	LastLogin             view.DisplayTime
}

// listUsers is the users page.
func (h *Handler) listUsers(c echo.Context) error {
	users, err := h.DB.ListUsers(c.Request().Context())
	if err != nil {
		return err
	}
	me := currentUser(c)
	v := usersView{AdminView: h.adminView(c, "Users", "users")}
	for _, u := range users {
		v.Users = append(v.Users, userRow{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role,
			Disabled: u.Disabled(), IsSelf: u.ID == me.ID, LastLogin: h.Site.TimePtr(u.LastLoginAt)})
	}
	return h.Render.Admin(c, http.StatusOK, "users.html", v)
}

// newUser is the form to add a user.
func (h *Handler) newUser(c echo.Context) error {
	return h.Render.Admin(c, http.StatusOK, "user_new.html", h.adminView(c, "Add user", "users"))
}

// createUser adds a user with an initial password.
func (h *Handler) createUser(c echo.Context) error {
	ctx := c.Request().Context()
	form := view.NewForm(c)
	err := h.Writes.Do(c, web.Private, "user.create", "user", func(tx *models.DB) (string, any, error) {
		u, err := tx.CreateUser(ctx, form.Value("email"), form.Value("name"), form.Value("role"), form.Value("password"))
		if err != nil {
			return "", nil, err
		}
		return u.ID, map[string]string{"email": u.Email, "role": u.Role}, nil
	})
	if form.Invalid(err) {
		form.Clear("password", "csrf")
		v := h.adminView(c, "Add user", "users")
		v.Form = form
		return h.Render.Admin(c, http.StatusUnprocessableEntity, "user_new.html", v)
	}
	if err != nil {
		return err
	}
	h.flash(c, "Added %s %s.", roleName(form.Value("role")), form.Value("email"))
	return c.Redirect(http.StatusSeeOther, "/admin/users")
}

// setUserRole changes a user's role; the last administrator stays one.
func (h *Handler) setUserRole(c echo.Context) error {
	role := c.FormValue("role")
	u, err := h.changeUser(c, "user.role", func(tx *models.DB, id string) (*models.User, any, error) {
		u, err := tx.SetUserRole(c.Request().Context(), id, role)
		return u, map[string]string{"role": role}, err
	})
	if err != nil {
		return err
	}
	h.flash(c, "%s is now %s.", u.Email, roleName(u.Role))
	return c.Redirect(http.StatusSeeOther, "/admin/users")
}

// revokeUserSessions signs a user out everywhere.
func (h *Handler) revokeUserSessions(c echo.Context) error {
	u, err := h.changeUser(c, "user.revoke_sessions", func(tx *models.DB, id string) (*models.User, any, error) {
		u, err := tx.RevokeSessions(c.Request().Context(), id)
		return u, nil, err
	})
	if err != nil {
		return err
	}
	if u.ID == currentUser(c).ID {
		// Signed out everywhere, this browser included.
		return c.Redirect(http.StatusSeeOther, "/admin/login")
	}
	h.flash(c, "Signed %s out everywhere.", u.Email)
	return c.Redirect(http.StatusSeeOther, "/admin/users")
}

// disableUser stops a user from signing in and ends their sessions.
func (h *Handler) disableUser(c echo.Context) error { return h.setDisabled(c, true) }

// enableUser lets a disabled user sign in again.
func (h *Handler) enableUser(c echo.Context) error { return h.setDisabled(c, false) }

func (h *Handler) setDisabled(c echo.Context, disabled bool) error {
	action := map[bool]string{true: "user.disable", false: "user.enable"}[disabled]
	u, err := h.changeUser(c, action, func(tx *models.DB, id string) (*models.User, any, error) {
		if disabled && id == currentUser(c).ID {
			return nil, nil, &models.ErrConflict{Message: "You cannot disable yourself: ask another administrator."}
		}
		u, err := tx.SetUserDisabled(c.Request().Context(), id, disabled)
		return u, nil, err
	})
	if err != nil {
		return err
	}
	if disabled {
		h.flash(c, "Disabled %s and signed them out.", u.Email)
	} else {
		h.flash(c, "Enabled %s.", u.Email)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/users")
}

// deleteUser removes a user (not yourself, not the last administrator),
// which ends their sessions.
func (h *Handler) deleteUser(c echo.Context) error {
	u, err := h.changeUser(c, "user.delete", func(tx *models.DB, id string) (*models.User, any, error) {
		if id == currentUser(c).ID {
			return nil, nil, &models.ErrConflict{Message: "You cannot remove yourself: ask another administrator."}
		}
		u, err := tx.DeleteUser(c.Request().Context(), id)
		if err != nil {
			return nil, nil, err
		}
		return u, map[string]string{"email": u.Email, "role": u.Role}, nil
	})
	if err != nil {
		return err
	}
	h.flash(c, "Removed %s.", u.Email)
	return c.Redirect(http.StatusSeeOther, "/admin/users")
}

// changeUser runs fn on the user of the :id parameter through h.change,
// so the change and its audit record commit together.
func (h *Handler) changeUser(c echo.Context, action string, fn func(tx *models.DB, id string) (*models.User, any, error)) (*models.User, error) {
	id := c.Param("id")
	if !models.ValidID(id) {
		return nil, models.ErrNotFound
	}
	var changed *models.User
	err := h.Writes.Do(c, web.Private, action, "user", func(tx *models.DB) (string, any, error) {
		u, detail, err := fn(tx, id)
		changed = u
		return id, detail, err
	})
	return changed, err
}

// roleName is a role in words.
func roleName(role string) string {
	if role == models.RoleAdmin {
		return "administrator"
	}
	return role
}
