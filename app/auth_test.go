package app_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// newLoggedApp is newTestApp with its log kept, to read what it printed.
func newLoggedApp(t *testing.T, db *models.DB) (*app.App, *app.SyncBuffer) {
	t.Helper()
	cfg, err := app.LoadConfig(func(k string) string { return testEnv[k] })
	if err != nil {
		t.Fatal(err)
	}
	logs := &app.SyncBuffer{}
	a, err := app.New(context.Background(), cfg, db, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	return a, logs
}

var setupCodeRE = regexp.MustCompile(`setup_code=([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})`)

// setupCode returns the setup code an App printed at start.
func setupCode(t *testing.T, logs *app.SyncBuffer) string {
	t.Helper()
	m := setupCodeRE.FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no setup code in the log:\n%s", logs)
	}
	if !strings.Contains(logs.String(), "https://status.acme.test/admin/setup") {
		t.Errorf("the setup line does not give the setup page's URL:\n%s", logs)
	}
	return m[1]
}

func countUsers(t testing.TB, db *models.DB) int64 {
	t.Helper()
	n, err := db.CountUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// First run: with no user, the console leads to setup, which takes the
// code from the log (from any replica), refuses a wrong one, creates the
// administrator, signs them in, and refuses from then on.
func TestSetup(t *testing.T) {
	t.Parallel() // one of the slowest: run beside the other slow, independent tests
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		a1, logs1 := newLoggedApp(t, db)
		_, logs2 := newLoggedApp(t, db) // a second replica, with its own code
		code1, code2 := setupCode(t, logs1), setupCode(t, logs2)
		if code1 == code2 {
			t.Fatal("two replicas printed the same setup code")
		}
		h := a1.Handler()
		c := newConsoleClient(t, h)
		wantRedirect(t, c.Get("/admin"), "/admin/setup")
		wantRedirect(t, c.Get("/admin/login"), "/admin/setup")
		body := wantAdminPage(t, c.Get("/admin/setup"), http.StatusOK)
		contains(t, body, `name="setup_code"`, `action="/admin/setup"`)

		good := url.Values{"email": {"Ann@Example.com"}, "name": {"Ann"}, "password": {testPassword}}
		for _, tc := range []struct{ name, code, field, message string }{
			{"wrong code", "AAAA-BBBB-CCCC-DDDD", "setup_code", "is not a current setup code"},
			{"no code", "", "setup_code", "must not be empty"},
		} {
			f := url.Values{"setup_code": {tc.code}}
			for k, v := range good {
				f[k] = v
			}
			body := wantAdminPage(t, c.PostForm("/admin/setup", f), http.StatusUnprocessableEntity)
			if msg := fieldErrorOf(body, tc.field); !strings.Contains(msg, tc.message) {
				t.Errorf("%s: error next to %s = %q, want %q", tc.name, tc.field, msg, tc.message)
			}
			contains(t, body, `value="Ann@Example.com"`) // kept
			lacks(t, body, testPassword)
		}
		// A right code with a bad field: 422 on that field, and the code still works.
		body = wantAdminPage(t, c.PostForm("/admin/setup", url.Values{"setup_code": {code2}, "email": {"not an email"},
			"password": {"short"}}), http.StatusUnprocessableEntity)
		if fieldErrorOf(body, "email") == "" || fieldErrorOf(body, "password") == "" || fieldErrorOf(body, "setup_code") != "" {
			t.Errorf("errors: email %q, password %q, setup_code %q", fieldErrorOf(body, "email"),
				fieldErrorOf(body, "password"), fieldErrorOf(body, "setup_code"))
		}
		if n := countUsers(t, db); n != 0 {
			t.Fatalf("%d users after refused setups", n)
		}

		// The second replica's code, typed in lower case, on the first replica.
		f := url.Values{"setup_code": {strings.ToLower(code2)}}
		for k, v := range good {
			f[k] = v
		}
		wantRedirect(t, c.PostForm("/admin/setup", f), "/admin")
		body = wantAdminPage(t, c.Get("/admin"), http.StatusOK)
		contains(t, body, "Welcome! You are the first administrator.", "Ann")
		u, err := db.FindUserByEmail(context.Background(), "ann@example.com")
		if err != nil || u.Role != models.RoleAdmin {
			t.Fatalf("first user %+v, %v; want an admin", u, err)
		}
		if got := auditActions(t, db); strings.Join(got, " ") != "user.setup" {
			t.Errorf("audit log %v, want [user.setup]", got)
		}

		// Every code is gone; setup now refuses.
		var codes int64
		db.Gorm.Model(&models.Setting{}).Where("key LIKE ?", "setup_code:%").Count(&codes)
		if codes != 0 {
			t.Errorf("%d setup codes left after setup", codes)
		}
		other := newConsoleClient(t, h)
		wantRedirect(t, other.Get("/admin/setup"), "/admin/login")
		f.Set("setup_code", code1)
		f.Set("email", "mallory@example.com")
		wantAdminPage(t, other.PostForm("/admin/setup", f), http.StatusConflict)
		if n := countUsers(t, db); n != 1 {
			t.Errorf("%d users, want 1", n)
		}
	})
}

// A server started after a user exists (e.g. made with `beacon user add`)
// prints no code and removes the ones left.
func TestSetupCodesRemovedOnceUsersExist(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		_, logs := newLoggedApp(t, db)
		code := setupCode(t, logs)
		if _, err := db.CreateUser(context.Background(), "ops@example.com", "", models.RoleAdmin, testPassword); err != nil {
			t.Fatal(err)
		}
		_, logs2 := newLoggedApp(t, db)
		if setupCodeRE.MatchString(logs2.String()) {
			t.Errorf("a setup code was printed with a user present:\n%s", logs2)
		}
		_, err := db.CreateFirstAdmin(context.Background(), code, "eve@example.com", "", testPassword)
		var conflict *models.ErrConflict
		if !errors.As(err, &conflict) {
			t.Errorf("CreateFirstAdmin with an old code = %v, want ErrConflict", err)
		}
	})
}

// Signing in: wrong password and unknown email get the same answer; the
// right one renews the session token, sets a safe cookie and goes on to
// next (a console path only).
func TestLogin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ctx := context.Background()
		if _, err := db.CreateUser(ctx, "ann@example.com", "Ann", models.RoleEditor, testPassword); err != nil {
			t.Fatal(err)
		}
		c := newConsoleClient(t, h)
		body := wantAdminPage(t, c.Get("/admin/login"), http.StatusOK)
		contains(t, body, `autocomplete="current-password"`, `<label for="f-email">`)
		if c.Cookie("beacon_session") != nil {
			t.Fatal("the sign-in form set a session cookie: nothing is stored before sign-in")
		}
		if ck := c.Cookie("beacon_csrf"); ck == nil || !ck.HttpOnly || ck.Path != "/admin" {
			t.Fatalf("the sign-in form's CSRF cookie: %+v, want an HttpOnly beacon_csrf on /admin", ck)
		}
		// A session token planted before sign-in is replaced at sign-in.
		before := &http.Cookie{Name: "beacon_session", Value: models.RandomHex(16)}
		c.cookies["beacon_session"] = before

		wrong := wantAdminPage(t, c.PostForm("/admin/login", url.Values{"email": {"ann@example.com"}, "password": {"wrong password!"}}), http.StatusUnprocessableEntity)
		unknown := wantAdminPage(t, c.PostForm("/admin/login", url.Values{"email": {"bob@example.com"}, "password": {"wrong password!"}}), http.StatusUnprocessableEntity)
		if strings.ReplaceAll(wrong, "ann@", "x@") != strings.ReplaceAll(unknown, "bob@", "x@") {
			t.Errorf("wrong password and unknown email answer differently:\n%s\n---\n%s", wrong, unknown)
		}
		contains(t, wrong, "The email or password is incorrect.", `value="ann@example.com"`)
		lacks(t, wrong, "wrong password!")

		// Empty fields are named, and not counted as failures.
		body = wantAdminPage(t, c.PostForm("/admin/login", url.Values{"email": {""}, "password": {""}}), http.StatusUnprocessableEntity)
		if fieldErrorOf(body, "email") != "Email must not be empty" || fieldErrorOf(body, "password") != "Password must not be empty" {
			t.Errorf("empty fields: email %q, password %q", fieldErrorOf(body, "email"), fieldErrorOf(body, "password"))
		}

		rec := c.PostForm("/admin/login", url.Values{"email": {"ANN@example.com "}, "password": {testPassword}, "next": {"/admin/account?tab=1"}})
		wantRedirect(t, rec, "/admin/account?tab=1")
		after := c.Cookie("beacon_session")
		if after == nil || after.Value == before.Value {
			t.Fatal("the session token was not renewed at sign-in")
		}
		if !after.HttpOnly || !after.Secure || after.SameSite != http.SameSiteLaxMode || after.Path != "/admin" {
			t.Errorf("cookie HttpOnly %v Secure %v SameSite %v Path %q; want HttpOnly, Secure (https BASE_URL), Lax, /admin",
				after.HttpOnly, after.Secure, after.SameSite, after.Path)
		}
		body = wantAdminPage(t, c.Get("/admin/account"), http.StatusOK)
		contains(t, body, "ann@example.com", "Sign out")

		// The token planted before sign-in no longer signs anyone in.
		planted := newConsoleClient(t, h)
		planted.cookies["beacon_session"] = before
		wantRedirect(t, planted.Get("/admin/account"), "/admin/login?next=%2Fadmin%2Faccount")

		// next must stay in the console.
		for next, want := range map[string]string{"https://evil.test/": "/admin", "//evil.test/admin": "/admin",
			"/administrator": "/admin", "/admin/users": "/admin/users", "": "/admin"} {
			c2 := newConsoleClient(t, h)
			wantRedirect(t, c2.PostForm("/admin/login", url.Values{"email": {"ann@example.com"}, "password": {testPassword}, "next": {next}}), want)
		}
		// Signed in, the sign-in page goes straight on.
		wantRedirect(t, c.Get("/admin/login?next=/admin/account"), "/admin/account")

		got := strings.Join(auditActions(t, db), " ")
		if !strings.HasPrefix(got, "auth.login_failed auth.login_failed auth.login") {
			t.Errorf("audit log %q, want two failed sign-ins then sign-ins", got)
		}
		list, _ := db.ListAudit(ctx, 0, 100)
		failed := list[len(list)-1]
		if failed.ActorType != "anonymous" || failed.ActorName != "ann@example.com" || failed.TargetID == "" || failed.IP != "192.0.2.10" {
			t.Errorf("failed sign-in recorded as %+v", failed)
		}
		u, _ := db.FindUserByEmail(ctx, "ann@example.com")
		if u.LastLoginAt == nil {
			t.Error("last sign-in not recorded")
		}
	})
}

// A disabled user cannot sign in, with the same answer as a wrong password.
func TestLoginDisabledUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ctx := context.Background()
		u, err := db.CreateUser(ctx, "ann@example.com", "", models.RoleEditor, testPassword)
		if err != nil {
			t.Fatal(err)
		}
		signIn(t, h, db, models.RoleAdmin) // someone must remain an admin
		if _, err := db.SetUserDisabled(ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		c := newConsoleClient(t, h)
		body := wantAdminPage(t, c.PostForm("/admin/login", url.Values{"email": {"ann@example.com"}, "password": {testPassword}}), http.StatusUnprocessableEntity)
		contains(t, body, "The email or password is incorrect.")
	})
}

// Failures slow down the address they come from, for the account they
// tried (across replicas): after 5, it waits a minute, then twice as long
// after each further failure. Another address signs in to the account
// at once, and the address may still sign in to other accounts. An
// unknown email is throttled alike. Past the account's ceiling of
// failures from everywhere, only addresses with no failures may try.
func TestLoginThrottledPerAccountAndAddress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		replicas := []http.Handler{newTestApp(t, db, nil).Handler(), newTestApp(t, db, nil).Handler()}
		ctx := context.Background()
		for _, e := range []string{"ann@example.com", "bob@example.com"} {
			if _, err := db.CreateUser(ctx, e, "", models.RoleEditor, testPassword); err != nil {
				t.Fatal(err)
			}
		}
		attempts := 0
		login := func(addr, email, password string) *httptest.ResponseRecorder {
			attempts++
			c := newConsoleClient(t, replicas[attempts%2])
			c.RemoteAddr = addr + ":1000"
			return c.PostForm("/admin/login", url.Values{"email": {email}, "password": {password}})
		}
		want429 := func(rec *httptest.ResponseRecorder, maxWait int) {
			t.Helper()
			body := wantAdminPage(t, rec, http.StatusTooManyRequests)
			contains(t, body, "Too many failed sign-ins to this account from your address. Try again in")
			if ra, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || ra <= 0 || ra > maxWait {
				t.Errorf("Retry-After %q, want 1..%d seconds", rec.Header().Get("Retry-After"), maxWait)
			}
		}
		// earlier moves the last failure of email from addr back by d, as
		// if that long had passed.
		earlier := func(email, addr string, d time.Duration) {
			t.Helper()
			key := "login:fail:" + email + "|" + addr
			_, start, err := db.RateLimitState(ctx, key)
			if err != nil || start.IsZero() {
				t.Fatalf("counter %s: %v", key, err)
			}
			if err := db.Gorm.Exec("UPDATE rate_limits SET window_start = ? WHERE key = ?", start.Add(-d).UTC(), key).Error; err != nil {
				t.Fatal(err)
			}
		}

		const stranger, operator = "198.51.100.7", "203.0.113.5"
		for i := 0; i < 5; i++ {
			if rec := login(stranger, "ann@example.com", "wrong password"); rec.Code != http.StatusUnprocessableEntity {
				t.Fatalf("failure %d: %d, want 422", i+1, rec.Code)
			}
		}
		want429(login(stranger, "ann@example.com", testPassword), 60)
		want429(login(stranger, "Ann@example.com", "wrong"), 60)

		// The operator, from their own address, is not held up; the
		// stranger's address may still sign in to another account.
		if rec := login(operator, "ann@example.com", testPassword); rec.Code != http.StatusSeeOther {
			t.Fatalf("the right password from another address: %d, want 303", rec.Code)
		}
		if rec := login(stranger, "bob@example.com", testPassword); rec.Code != http.StatusSeeOther {
			t.Fatalf("another account from the throttled address: %d, want 303", rec.Code)
		}

		// A minute later one more try; after its failure, two minutes.
		earlier("ann@example.com", stranger, time.Minute)
		if rec := login(stranger, "ann@example.com", "wrong password"); rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("after waiting a minute: %d, want 422", rec.Code)
		}
		rec := login(stranger, "ann@example.com", testPassword)
		want429(rec, 120)
		if ra, _ := strconv.Atoi(rec.Header().Get("Retry-After")); ra <= 60 {
			t.Errorf("after the 6th failure Retry-After %d, want the delay doubled (61..120)", ra)
		}
		// Once the wait is over the right password works and the count
		// starts again.
		earlier("ann@example.com", stranger, 2*time.Minute)
		if rec := login(stranger, "ann@example.com", testPassword); rec.Code != http.StatusSeeOther {
			t.Fatalf("the right password after the wait: %d, want 303", rec.Code)
		}
		if rec := login(stranger, "ann@example.com", "wrong password"); rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("a failure after a success: %d, want 422", rec.Code)
		}

		// An unknown email answers the same way.
		for i := 0; i < 5; i++ {
			login(stranger, "nobody@example.com", "wrong password")
		}
		want429(login(stranger, "nobody@example.com", "wrong password"), 60)

		// Past the account's ceiling (failures from many addresses), an
		// address with a failure of its own is refused, a clean one not.
		for i := 0; i <= 100; i++ {
			if _, _, err := db.HitRateLimit(ctx, "login:account:bob@example.com", 100, time.Hour, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		if rec := login("192.0.2.77", "bob@example.com", "wrong password"); rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("first failure from an address past the ceiling: %d, want 422", rec.Code)
		}
		want429(login("192.0.2.77", "bob@example.com", testPassword), 3600)
		if rec := login("192.0.2.78", "bob@example.com", testPassword); rec.Code != http.StatusSeeOther {
			t.Fatalf("a clean address past the ceiling: %d, want 303", rec.Code)
		}
	})
}

// After 20 failures from one address, it is refused whatever the email.
func TestLoginThrottledPerAddress(t *testing.T) {
	t.Parallel() // one of the slowest: run beside the other slow, independent tests
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		if _, err := db.CreateUser(context.Background(), "ann@example.com", "", models.RoleEditor, testPassword); err != nil {
			t.Fatal(err)
		}
		c := newConsoleClient(t, h)
		for i := 0; i < 20; i++ {
			rec := c.PostForm("/admin/login", url.Values{"email": {"user" + strconv.Itoa(i) + "@example.com"}, "password": {"guess"}})
			if rec.Code != http.StatusUnprocessableEntity {
				t.Fatalf("failure %d: %d, want 422", i+1, rec.Code)
			}
		}
		rec := c.PostForm("/admin/login", url.Values{"email": {"ann@example.com"}, "password": {testPassword}})
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
			t.Fatalf("21st attempt from the address: %d (Retry-After %q), want 429", rec.Code, rec.Header().Get("Retry-After"))
		}
		other := newConsoleClient(t, h)
		other.RemoteAddr = "203.0.113.7:5555"
		other.Login("ann@example.com", testPassword)
	})
}

// Signing out ends the session: its cookie is cleared and replaying the
// old cookie signs no one in.
func TestLogout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		c := signIn(t, h, db, models.RoleEditor)
		old := c.Cookie("beacon_session")

		// Without the CSRF token nothing happens.
		body := wantAdminPage(t, c.PostFormRaw("/admin/logout", url.Values{}), http.StatusForbidden)
		contains(t, body, "nothing was changed")
		wantAdminPage(t, c.Get("/admin"), http.StatusOK)

		rec := c.PostForm("/admin/logout", nil)
		wantRedirect(t, rec, "/admin/login")
		// The cookie now holds a new, signed-out session (carrying the message).
		if now := c.Cookie("beacon_session"); now != nil && now.Value == old.Value {
			t.Error("the session cookie was kept at sign-out")
		}
		contains(t, wantAdminPage(t, c.Get("/admin/login"), http.StatusOK), "You are signed out.")

		replay := newConsoleClient(t, h)
		replay.cookies["beacon_session"] = old
		wantRedirect(t, replay.Get("/admin"), "/admin/login")
		if got := auditActions(t, db); got[len(got)-1] != "auth.logout" {
			t.Errorf("audit log %v, want auth.logout last", got)
		}
	})
}

// Sessions live in the database: a restarted server (a new App on the
// same database) and another replica know them.
func TestSessionSurvivesRestart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := signIn(t, newTestApp(t, db, nil).Handler(), db, models.RoleAdmin)
		restarted := c.Clone(newTestApp(t, db, nil).Handler())
		body := wantAdminPage(t, restarted.Get("/admin/users"), http.StatusOK)
		contains(t, body, c.User.Email)
		// Its forms work too: the CSRF token is in the stored session.
		wantRedirect(t, restarted.PostForm("/admin/account/sessions/revoke", nil), "/admin/account")
	})
}

// Anonymous visitors are sent to sign in, coming back after; a POST
// without a session is refused and changes nothing.
func TestAnonymousRedirected(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		signIn(t, h, db, models.RoleAdmin)
		c := newConsoleClient(t, h)
		wantRedirect(t, c.Get("/admin"), "/admin/login")
		wantRedirect(t, c.Get("/admin/users?x=1"), "/admin/login?next=%2Fadmin%2Fusers%3Fx%3D1")
		wantRedirect(t, c.Get("/admin/audit"), "/admin/login?next=%2Fadmin%2Faudit")
		rec := c.PostFormRaw("/admin/users", url.Values{"email": {"x@example.com"}, "role": {"admin"}, "password": {testPassword}})
		wantAdminPage(t, rec, http.StatusForbidden)
		// With the session's CSRF token but not signed in: to the sign-in page.
		wantRedirect(t, c.PostForm("/admin/users", url.Values{"email": {"x@example.com"}, "role": {"admin"}, "password": {testPassword}}), "/admin/login")
		if n := countUsers(t, db); n != 1 {
			t.Errorf("%d users, want 1", n)
		}
	})
}

// Editors use the console but not the administrators' pages: 403, and
// nothing written.
func TestEditorForbiddenOnAdminPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		admin := signIn(t, h, db, models.RoleAdmin)
		ed := signIn(t, h, db, models.RoleEditor)
		body := wantAdminPage(t, ed.Get("/admin"), http.StatusOK)
		contains(t, body, `href="/admin/incidents"`)
		lacks(t, body, `href="/admin/users"`, `href="/admin/audit"`)
		for _, p := range []string{"/admin/users", "/admin/users/new", "/admin/tokens", "/admin/audit"} {
			body := wantAdminPage(t, ed.Get(p), http.StatusForbidden)
			contains(t, body, "This page is for administrators.", `href="/admin/account"`)
		}
		before := len(auditActions(t, db))
		wantAdminPage(t, ed.PostForm("/admin/users", url.Values{"email": {"x@example.com"}, "role": {"admin"}, "password": {testPassword}}), http.StatusForbidden)
		wantAdminPage(t, ed.PostForm("/admin/tokens", url.Values{"name": {"mine"}, "role": {"admin"}}), http.StatusForbidden)
		wantAdminPage(t, ed.PostForm("/admin/users/"+admin.User.ID+"/delete", nil), http.StatusForbidden)
		wantAdminPage(t, ed.PostForm("/admin/users/"+ed.User.ID+"/role", url.Values{"role": {"admin"}}), http.StatusForbidden)
		if n := countUsers(t, db); n != 2 {
			t.Errorf("%d users, want 2", n)
		}
		if tokens, _ := db.ListAPITokens(context.Background()); len(tokens) != 0 {
			t.Errorf("%d API tokens made by an editor", len(tokens))
		}
		if u, _ := db.GetUser(context.Background(), ed.User.ID); u.Role != models.RoleEditor {
			t.Errorf("the editor made themselves %s", u.Role)
		}
		if after := len(auditActions(t, db)); after != before {
			t.Errorf("audit log grew by %d entries", after-before)
		}
	})
}

// A console POST without the session's CSRF token (missing, wrong, or
// another session's) is a 403 that changes nothing; the token is accepted
// from the form field or the X-CSRF-Token header.
func TestCSRF(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		admin := signIn(t, h, db, models.RoleAdmin)
		other := signIn(t, h, db, models.RoleAdmin)
		add := url.Values{"email": {"new@example.com"}, "role": {"editor"}, "password": {testPassword}}
		for name, token := range map[string][]string{"missing": nil, "empty": {""}, "wrong": {"00ff"}, "another session's": {other.CSRF()}} {
			f := url.Values{}
			for k, v := range add {
				f[k] = v
			}
			if token != nil {
				f["csrf"] = token
			}
			body := wantAdminPage(t, admin.PostFormRaw("/admin/users", f), http.StatusForbidden)
			contains(t, body, "This form has expired or was not sent from this site, so nothing was changed.")
			if n := countUsers(t, db); n != 2 {
				t.Fatalf("%s token: %d users, want 2", name, n)
			}
		}
		req := httptest.NewRequest(http.MethodPost, "/admin/users", strings.NewReader(add.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", admin.CSRF())
		wantRedirect(t, admin.Do(req), "/admin/users")
		if n := countUsers(t, db); n != 3 {
			t.Errorf("%d users after a POST with the header token, want 3", n)
		}
	})
}

// The public pages never touch the session store, nor set a cookie.
func TestPublicPagesHaveNoSession(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		for _, p := range []string{"/", "/history", "/healthz"} {
			rec := get(t, h, p)
			if ck := rec.Header().Get("Set-Cookie"); ck != "" {
				t.Errorf("GET %s set a cookie: %s", p, ck)
			}
		}
		if n, err := db.CountSessions(context.Background(), time.Now()); err != nil || n != 0 {
			t.Errorf("%d sessions stored after public pages, %v", n, err)
		}
	})
}
