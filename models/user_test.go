package models_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

const password = "correct horse battery staple"

func mustUser(t *testing.T, db *models.DB, email, role string) *models.User {
	t.Helper()
	u, err := db.CreateUser(context.Background(), email, "", role, password)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func isConflict(err error) bool {
	var c *models.ErrConflict
	return errors.As(err, &c)
}

// Authenticate finds the user by email in any case; a wrong password, an
// unknown email and a disabled user are the same error.
func TestAuthenticate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		ann := mustUser(t, db, "ann@example.com", models.RoleEditor)
		mustUser(t, db, "boss@example.com", models.RoleAdmin)
		if u, err := db.Authenticate(ctx, " ANN@example.com", password); err != nil || u.ID != ann.ID {
			t.Fatalf("Authenticate = %v, %v", u, err)
		}
		for _, tc := range []struct{ email, password string }{
			{"ann@example.com", "wrong"}, {"nobody@example.com", password}, {"ann@example.com", ""},
			{"ann@example.com", string(make([]byte, 5000))},
		} {
			if _, err := db.Authenticate(ctx, tc.email, tc.password); !errors.Is(err, models.ErrBadCredentials) {
				t.Errorf("Authenticate(%q, %d chars) = %v, want ErrBadCredentials", tc.email, len(tc.password), err)
			}
		}
		if _, err := db.SetUserDisabled(ctx, ann.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Authenticate(ctx, "ann@example.com", password); !errors.Is(err, models.ErrBadCredentials) {
			t.Errorf("disabled user: %v, want ErrBadCredentials", err)
		}
	})
}

// Emails are unique whatever their case, even when created at once.
func TestCreateUserUniqueEmail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i, e := range []string{"ann@example.com", "Ann@example.com", "ANN@example.com", "ann@EXAMPLE.com"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = db.CreateUser(ctx, e, "", models.RoleEditor, password)
			}()
		}
		wg.Wait()
		created := 0
		for _, err := range errs {
			switch {
			case err == nil:
				created++
			case !isConflict(err):
				t.Errorf("CreateUser: %v, want nil or ErrConflict", err)
			}
		}
		if created != 1 {
			t.Errorf("%d users created with the same email", created)
		}
	})
}

// Revoking, changing the password and disabling move the session epoch on.
func TestSessionEpoch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		mustUser(t, db, "boss@example.com", models.RoleAdmin)
		u := mustUser(t, db, "ann@example.com", models.RoleEditor)
		epoch := u.SessionEpoch
		step := func(name string, fn func() (*models.User, error)) {
			t.Helper()
			got, err := fn()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			stored, _ := db.GetUser(ctx, u.ID)
			if got.SessionEpoch != epoch+1 || stored.SessionEpoch != epoch+1 {
				t.Errorf("%s: epoch %d (stored %d), want %d", name, got.SessionEpoch, stored.SessionEpoch, epoch+1)
			}
			epoch++
		}
		step("revoke", func() (*models.User, error) { return db.RevokeSessions(ctx, u.ID) })
		step("password", func() (*models.User, error) { return db.ChangePassword(ctx, u.ID, "another long password") })
		step("disable", func() (*models.User, error) { return db.SetUserDisabled(ctx, u.ID, true) })
		if _, err := db.Authenticate(ctx, "ann@example.com", "another long password"); err == nil {
			t.Error("a disabled user signed in")
		}
		if _, err := db.SetUserDisabled(ctx, u.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Authenticate(ctx, "ann@example.com", "another long password"); err != nil {
			t.Errorf("after enabling, with the new password: %v", err)
		}
		if _, err := db.ChangePassword(ctx, u.ID, "short"); err == nil {
			t.Error("a short password was accepted")
		}
		if _, err := db.RevokeSessions(ctx, "nosuchuser0"); err != models.ErrNotFound {
			t.Errorf("unknown user: %v", err)
		}
	})
}

// The last enabled administrator cannot be demoted, disabled or removed;
// with another one, they can.
func TestLastAdministrator(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		a := mustUser(t, db, "a@example.com", models.RoleAdmin)
		ed := mustUser(t, db, "ed@example.com", models.RoleEditor)
		if _, err := db.SetUserRole(ctx, a.ID, models.RoleEditor); !isConflict(err) {
			t.Errorf("demote the last admin: %v", err)
		}
		if _, err := db.SetUserDisabled(ctx, a.ID, true); !isConflict(err) {
			t.Errorf("disable the last admin: %v", err)
		}
		if _, err := db.DeleteUser(ctx, a.ID); !isConflict(err) {
			t.Errorf("remove the last admin: %v", err)
		}
		if _, err := db.SetUserRole(ctx, ed.ID, "root"); err == nil {
			t.Error("role root accepted")
		}
		// A disabled admin does not count.
		b := mustUser(t, db, "b@example.com", models.RoleAdmin)
		if _, err := db.SetUserDisabled(ctx, b.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DeleteUser(ctx, a.ID); !isConflict(err) {
			t.Errorf("remove the last enabled admin: %v", err)
		}
		if _, err := db.SetUserRole(ctx, ed.ID, models.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DeleteUser(ctx, a.ID); err != nil {
			t.Errorf("remove an admin with another one left: %v", err)
		}
		if n, _ := db.CountUsers(ctx); n != 2 {
			t.Errorf("%d users, want 2", n)
		}
	})
}

// Two administrators removing each other at once: one of them stays.
func TestLastAdministratorConcurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		a := mustUser(t, db, "a@example.com", models.RoleAdmin)
		b := mustUser(t, db, "b@example.com", models.RoleAdmin)
		var wg sync.WaitGroup
		for _, id := range []string{a.ID, b.ID} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := db.DeleteUser(ctx, id); err != nil && !isConflict(err) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if n, _ := db.CountUsers(ctx); n != 1 {
			t.Errorf("%d administrators left, want 1", n)
		}
	})
}

// The first administrator needs a stored setup code (any replica's);
// afterwards every code is gone and setup is a conflict.
func TestCreateFirstAdmin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		code1, err := db.NewSetupCode(ctx)
		if err != nil {
			t.Fatal(err)
		}
		code2, _ := db.NewSetupCode(ctx)
		fieldOf := func(err error) string {
			var ve *models.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("%v is not a validation error", err)
			}
			return ve.Fields[0].Field
		}
		if _, err := db.CreateFirstAdmin(ctx, "ABCD-EFGH-JKLM-NPQR", "ann@example.com", "Ann", password); fieldOf(err) != "setup_code" {
			t.Errorf("wrong code: %v", err)
		}
		if _, err := db.CreateFirstAdmin(ctx, code1, "ann", "Ann", password); fieldOf(err) != "email" {
			t.Errorf("bad email: %v", err)
		}
		u, err := db.CreateFirstAdmin(ctx, " "+code2[:9]+" "+code2[10:]+" ", "ann@example.com", "Ann", password)
		if err != nil || u.Role != models.RoleAdmin {
			t.Fatalf("right code (spaced) = %+v, %v", u, err)
		}
		if _, err := db.CreateFirstAdmin(ctx, code1, "eve@example.com", "", password); !isConflict(err) {
			t.Errorf("setup once a user exists: %v, want ErrConflict", err)
		}
		var left int64
		db.Gorm.Model(&models.Setting{}).Where("key LIKE ?", "setup_code:%").Count(&left)
		if left != 0 {
			t.Errorf("%d setup codes left", left)
		}
	})
}

// Two replicas completing setup at once with their own codes: one
// administrator is made.
func TestCreateFirstAdminConcurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		codes := make([]string, 4)
		for i := range codes {
			codes[i], _ = db.NewSetupCode(ctx)
		}
		var wg sync.WaitGroup
		for i, code := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := db.CreateFirstAdmin(ctx, code, string(rune('a'+i))+"@example.com", "", password)
				if err != nil && !isConflict(err) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if n, _ := db.CountUsers(ctx); n != 1 {
			t.Errorf("%d users after concurrent setups, want 1", n)
		}
	})
}

// FailedSignIns counts a user's failed sign-ins in the audit log since a
// time, newest first, and no one else's.
func TestFailedSignIns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		u, err := db.CreateUser(ctx, "ann@example.com", "", models.RoleEditor, "correct horse battery staple")
		if err != nil {
			t.Fatal(err)
		}
		before := time.Now().Add(-time.Minute)
		for _, ip := range []string{"192.0.2.1", "192.0.2.2"} {
			actor := models.Actor{Type: "anonymous", Name: u.Email, IP: ip}
			if err := db.RecordAudit(ctx, actor, models.ActionLoginFailed, "user", u.ID, nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.RecordAudit(ctx, models.Actor{Type: "anonymous", IP: "192.0.2.3"}, models.ActionLoginFailed, "user", "", nil); err != nil {
			t.Fatal(err)
		}
		n, list, err := db.FailedSignIns(ctx, u.ID, before, 1)
		if err != nil || n != 2 || len(list) != 1 || list[0].IP != "192.0.2.2" {
			t.Fatalf("FailedSignIns = %d, %+v, %v; want 2, the last from 192.0.2.2", n, list, err)
		}
		if n, _, err := db.FailedSignIns(ctx, u.ID, time.Now().Add(time.Minute), 1); err != nil || n != 0 {
			t.Errorf("since a later time: %d, %v; want 0", n, err)
		}
	})
}
