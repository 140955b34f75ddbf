package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// An administrator adds a user; bad input is shown next to its fields
// with the values kept, and nothing is written.
func TestAddUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		admin := signIn(t, h, db, models.RoleAdmin)
		body := wantAdminPage(t, admin.Get("/admin/users/new"), http.StatusOK)
		contains(t, body, `<label for="f-email">`, `<select id="f-role" name="role" required aria-describedby="f-role-hint">`)

		before := len(auditActions(t, db))
		bad := url.Values{"email": {"ann at example"}, "name": {"Ann Example"}, "role": {"owner"}, "password": {"short"}}
		body = wantAdminPage(t, admin.PostForm("/admin/users", bad), http.StatusUnprocessableEntity)
		for field, want := range map[string]string{"email": "must be a valid email address", "role": "must be admin or editor",
			"password": "must be at least 10 characters"} {
			if got := fieldErrorOf(body, field); !strings.Contains(got, want) {
				t.Errorf("error next to %s = %q, want %q", field, got, want)
			}
		}
		contains(t, body, `value="ann at example"`, `value="Ann Example"`, `aria-invalid="true"`, `href="#f-email"`)
		lacks(t, body, `value="short"`)
		if n := countUsers(t, db); n != 1 {
			t.Fatalf("%d users after bad input, want 1", n)
		}
		if after := len(auditActions(t, db)); after != before {
			t.Errorf("bad input was audited")
		}

		good := url.Values{"email": {"ann@example.com"}, "name": {"Ann"}, "role": {"editor"}, "password": {testPassword}}
		wantRedirect(t, admin.PostForm("/admin/users", good), "/admin/users")
		body = wantAdminPage(t, admin.Get("/admin/users"), http.StatusOK)
		contains(t, body, "Added editor ann@example.com.", "ann@example.com", "Ann")
		u, err := db.FindUserByEmail(context.Background(), "ann@example.com")
		if err != nil || u.Role != models.RoleEditor || !models.CheckPassword(u.PasswordHash, testPassword) {
			t.Fatalf("added user %+v, %v", u, err)
		}
		// The flash shows once.
		lacks(t, wantAdminPage(t, admin.Get("/admin/users"), http.StatusOK), "Added editor")

		// The same address in another case is a conflict.
		good.Set("email", "ANN@example.com")
		body = wantAdminPage(t, admin.PostForm("/admin/users", good), http.StatusConflict)
		contains(t, body, "a user with this email already exists")
		if n := countUsers(t, db); n != 2 {
			t.Errorf("%d users, want 2", n)
		}
		if got := auditActions(t, db); got[len(got)-1] != "user.create" {
			t.Errorf("audit log %v, want user.create last", got)
		}
		newUser := newConsoleClient(t, h)
		newUser.Login("ann@example.com", testPassword)
	})
}

// Roles change, but the last administrator stays one; a bad role is 422.
func TestChangeRole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		h := newTestApp(t, db, nil).Handler()
		admin := signIn(t, h, db, models.RoleAdmin)
		ed := signIn(t, h, db, models.RoleEditor)

		body := wantAdminPage(t, admin.PostForm("/admin/users/"+admin.User.ID+"/role", url.Values{"role": {"editor"}}), http.StatusConflict)
		contains(t, body, "they are the last administrator")
		body = wantAdminPage(t, admin.PostForm("/admin/users/"+ed.User.ID+"/role", url.Values{"role": {"root"}}), http.StatusUnprocessableEntity)
		contains(t, body, "role: must be admin or editor")
		if u, _ := db.GetUser(ctx, ed.User.ID); u.Role != models.RoleEditor {
			t.Fatalf("role %s after refused changes", u.Role)
		}

		wantRedirect(t, admin.PostForm("/admin/users/"+ed.User.ID+"/role", url.Values{"role": {"admin"}}), "/admin/users")
		// Takes effect on the editor's next request, session unchanged.
		wantAdminPage(t, ed.Get("/admin/users"), http.StatusOK)
		// Now there are two administrators: one may step down.
		wantRedirect(t, admin.PostForm("/admin/users/"+admin.User.ID+"/role", url.Values{"role": {"editor"}}), "/admin/users")
		wantAdminPage(t, admin.Get("/admin/users"), http.StatusForbidden)

		wantAdminPage(t, ed.PostForm("/admin/users/nosuchuser0/role", url.Values{"role": {"admin"}}), http.StatusNotFound)
		got := strings.Join(auditActions(t, db), " ")
		if !strings.HasSuffix(got, "user.role user.role") {
			t.Errorf("audit log %q, want two user.role last", got)
		}
	})
}

// An administrator signs a user out everywhere, disables or removes them:
// each ends the user's sessions at once.
func TestRevokeDisableRemove(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		admin := signIn(t, h, db, models.RoleAdmin)
		ed := signIn(t, h, db, models.RoleEditor)
		edLaptop := newConsoleClient(t, h)
		edLaptop.Login(ed.User.Email, testPassword)
		edPath := "/admin/users/" + ed.User.ID

		wantRedirect(t, admin.PostForm(edPath+"/revoke", nil), "/admin/users")
		contains(t, wantAdminPage(t, admin.Get("/admin/users"), http.StatusOK), "Signed "+ed.User.Email+" out everywhere.")
		for _, c := range []*consoleClient{ed, edLaptop} {
			wantRedirect(t, c.Get("/admin"), "/admin/login")
			contains(t, wantAdminPage(t, c.Get("/admin/login"), http.StatusOK), "Your session has ended.")
		}

		// Disabled: signed out, and cannot sign in until enabled.
		ed.Login(ed.User.Email, testPassword)
		wantRedirect(t, admin.PostForm(edPath+"/disable", nil), "/admin/users")
		wantRedirect(t, ed.Get("/admin"), "/admin/login")
		wantAdminPage(t, ed.PostForm("/admin/login", url.Values{"email": {ed.User.Email}, "password": {testPassword}}), http.StatusUnprocessableEntity)
		contains(t, wantAdminPage(t, admin.Get("/admin/users"), http.StatusOK), "disabled")
		wantRedirect(t, admin.PostForm(edPath+"/enable", nil), "/admin/users")
		ed.Login(ed.User.Email, testPassword)

		// Not oneself.
		for _, action := range []string{"disable", "delete"} {
			body := wantAdminPage(t, admin.PostForm("/admin/users/"+admin.User.ID+"/"+action, nil), http.StatusConflict)
			contains(t, body, "You cannot")
		}

		// Removed: gone, and signed out.
		wantRedirect(t, admin.PostForm(edPath+"/delete", nil), "/admin/users")
		if _, err := db.GetUser(context.Background(), ed.User.ID); err != models.ErrNotFound {
			t.Errorf("removed user: %v", err)
		}
		wantRedirect(t, ed.Get("/admin"), "/admin/login")
		wantAdminPage(t, admin.PostForm(edPath+"/delete", nil), http.StatusNotFound)

		got := strings.Join(auditActions(t, db), " ")
		for _, want := range []string{"user.revoke_sessions", "user.disable", "user.enable", "user.delete"} {
			if !strings.Contains(got, want) {
				t.Errorf("audit log %q lacks %s", got, want)
			}
		}
	})
}

// Changing one's password checks the current one, ends the other sessions
// and keeps this one.
func TestChangeOwnPassword(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		phone := newConsoleClient(t, h)
		phone.Login(ed.User.Email, testPassword)
		newPassword := "a much better passphrase"

		for _, tc := range []struct {
			form  url.Values
			field string
		}{
			{url.Values{"current_password": {"wrong one!"}, "password": {newPassword}, "password_confirm": {newPassword}}, "current_password"},
			{url.Values{"current_password": {testPassword}, "password": {newPassword}, "password_confirm": {"something else"}}, "password_confirm"},
			{url.Values{"current_password": {testPassword}, "password": {"short"}, "password_confirm": {"short"}}, "password"},
		} {
			body := wantAdminPage(t, ed.PostForm("/admin/account/password", tc.form), http.StatusUnprocessableEntity)
			if fieldErrorOf(body, tc.field) == "" {
				t.Errorf("no error next to %s", tc.field)
			}
			lacks(t, body, testPassword, newPassword)
		}
		u, _ := db.GetUser(context.Background(), ed.User.ID)
		if !models.CheckPassword(u.PasswordHash, testPassword) {
			t.Fatal("the password changed after refused forms")
		}
		wantAdminPage(t, phone.Get("/admin"), http.StatusOK)

		wantRedirect(t, ed.PostForm("/admin/account/password", url.Values{"current_password": {testPassword},
			"password": {newPassword}, "password_confirm": {newPassword}}), "/admin/account")
		contains(t, wantAdminPage(t, ed.Get("/admin/account"), http.StatusOK), "Your password is changed.")
		wantRedirect(t, phone.Get("/admin"), "/admin/login")
		phone.Login(ed.User.Email, newPassword)

		// "Sign out other sessions" does the same without a new password.
		wantRedirect(t, ed.PostForm("/admin/account/sessions/revoke", nil), "/admin/account")
		wantAdminPage(t, ed.Get("/admin"), http.StatusOK)
		wantRedirect(t, phone.Get("/admin"), "/admin/login")
		if got := auditActions(t, db); got[len(got)-1] != "user.revoke_sessions" || !strings.Contains(strings.Join(got, " "), "user.password") {
			t.Errorf("audit log %v", got)
		}
	})
}
