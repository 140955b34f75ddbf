package app_test

// Findings of the security review of the console's sign-in (issue 20):
// strangers cannot lock an operator out; a stranger's visits write
// nothing and their large bodies are refused unread.

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app/console"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// loopbackBrowser is a browser on the real server that connects from a
// given loopback address, so the server sees that address as the peer.
type loopbackBrowser struct {
	t      *testing.T
	base   string
	client *http.Client
}

// newLoopbackBrowser connects to base from the address local (e.g.
// 127.0.0.2), keeping cookies and not following redirects.
func newLoopbackBrowser(t *testing.T, base, local string) *loopbackBrowser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	tr := &http.Transport{DialContext: dialer.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &loopbackBrowser{t: t, base: base, client: &http.Client{
		Transport: tr, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// do sends req and returns the answer with its body read.
func (b *loopbackBrowser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return res, string(body)
}

// get requests path.
func (b *loopbackBrowser) get(path string) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// login opens the sign-in form and sends it, as a browser does.
func (b *loopbackBrowser) login(email, password string) (*http.Response, string) {
	b.t.Helper()
	_, page := b.get("/admin/login")
	m := csrfFieldRE.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no CSRF field on the sign-in form:\n%s", page)
	}
	form := url.Values{"email": {email}, "password": {password}, "csrf": {m[1]}}
	req, err := http.NewRequest(http.MethodPost, b.base+"/admin/login", strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// Many wrong passwords from 127.0.0.2 slow 127.0.0.2 down (429 with
// Retry-After and a message saying so) but do not stop the right password
// from 127.0.0.1; every failure is in the audit log with its address and
// without the password, and the operator is told of them.
func TestStrangerCannotLockOutOperator(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		// http: the cookies are not Secure, so the jar sends them back.
		a := newTestApp(t, db, map[string]string{"BASE_URL": "http://status.acme.test"})
		base := serveOnLoopback(t, a)
		ctx := context.Background()
		if _, err := db.CreateUser(ctx, "ann@example.com", "Ann", models.RoleEditor, testPassword); err != nil {
			t.Fatal(err)
		}
		stranger := newLoopbackBrowser(t, base, "127.0.0.2")
		operator := newLoopbackBrowser(t, base, "127.0.0.1")

		const guess = "hunter2-guess"
		for i := 1; i <= 12; i++ {
			res, body := stranger.login("ann@example.com", guess)
			switch {
			case i <= 5 && res.StatusCode != http.StatusUnprocessableEntity:
				t.Fatalf("guess %d: %d, want 422", i, res.StatusCode)
			case i > 5 && res.StatusCode != http.StatusTooManyRequests:
				t.Fatalf("guess %d: %d, want 429", i, res.StatusCode)
			case i > 5:
				if ra, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || ra < 1 {
					t.Errorf("guess %d: Retry-After %q", i, res.Header.Get("Retry-After"))
				}
				contains(t, body, "Too many failed sign-ins to this account from your address. Try again in")
			}
		}

		res, _ := operator.login("ann@example.com", testPassword)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin" {
			t.Fatalf("the operator's right password from 127.0.0.1: %d to %q, want 303 to /admin", res.StatusCode, res.Header.Get("Location"))
		}
		_, dash := operator.get("/admin")
		contains(t, dash, "5 failed sign-ins to your account since your last visit, the last from 127.0.0.2 at")
		_, account := operator.get("/admin/account")
		contains(t, account, "5 failed sign-ins to your account in the last 30 days", "<td>127.0.0.2</td>")

		list, err := db.ListAudit(ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		failed := 0
		for _, e := range list {
			if strings.Contains(e.Detail+e.ActorName, guess) {
				t.Errorf("the audit log has the password: %+v", e)
			}
			if e.Action == models.ActionLoginFailed {
				failed++
				if e.IP != "127.0.0.2" || e.ActorName != "ann@example.com" || e.TargetID == "" {
					t.Errorf("failed sign-in recorded as %+v", e)
				}
			}
		}
		if failed != 5 {
			t.Errorf("%d failed sign-ins in the audit log, want 5 (the throttled ones check no password)", failed)
		}
	})
}

// A stranger's visits to the console store no session: 500 sign-in pages,
// a wrong password and the pages that send them to sign in leave the
// sessions table empty. Signing in stores one; signing out leaves none
// (the "signed out" message is a cookie).
func TestAnonymousConsoleStoresNoSession(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ctx := context.Background()
		if _, err := db.CreateUser(ctx, "ann@example.com", "", models.RoleEditor, testPassword); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 500; i++ {
			if rec := get(t, h, "/admin/login"); rec.Code != http.StatusOK {
				t.Fatalf("GET /admin/login %d: %d", i, rec.Code)
			}
		}
		c := newConsoleClient(t, h)
		wantRedirect(t, c.Get("/admin"), "/admin/login")
		wantAdminPage(t, c.PostForm("/admin/login", url.Values{"email": {"ann@example.com"}, "password": {"wrong password"}}), http.StatusUnprocessableEntity)
		if n, err := db.CountSessions(ctx, time.Now()); err != nil || n != 0 {
			t.Fatalf("%d sessions stored before anyone signed in (%v), want 0", n, err)
		}
		c.Login("ann@example.com", testPassword)
		if n, err := db.CountSessions(ctx, time.Now()); err != nil || n != 1 {
			t.Errorf("%d sessions stored after signing in (%v), want 1", n, err)
		}
		wantAdminPage(t, c.Get("/admin/account"), http.StatusOK)

		// Signed out, the message for the next page is not stored either.
		wantRedirect(t, c.PostForm("/admin/logout", nil), "/admin/login")
		contains(t, wantAdminPage(t, c.Get("/admin/login"), http.StatusOK), "You are signed out.")
		lacks(t, wantAdminPage(t, c.Get("/admin/login"), http.StatusOK), "You are signed out.")
		if n, err := db.CountSessions(ctx, time.Now()); err != nil || n != 0 {
			t.Errorf("%d sessions stored after signing out (%v), want 0", n, err)
		}
	})
}

// The sign-in form's CSRF token is bound to the browser's beacon_csrf
// cookie: without the cookie, with another browser's, or without the
// token, the form is refused (403) and nothing is counted.
func TestLoginCSRF(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		if _, err := db.CreateUser(context.Background(), "ann@example.com", "", models.RoleEditor, testPassword); err != nil {
			t.Fatal(err)
		}
		mine, theirs := newConsoleClient(t, h), newConsoleClient(t, h)
		form := url.Values{"email": {"ann@example.com"}, "password": {testPassword}}
		theirs.CSRF()
		for name, post := range map[string]func() *httptest.ResponseRecorder{
			"no token":          func() *httptest.ResponseRecorder { return mine.PostFormRaw("/admin/login", form) },
			"another browser's": func() *httptest.ResponseRecorder { return mine.PostForm("/admin/login", withCSRF(form, theirs.CSRF())) },
			"no cookie": func() *httptest.ResponseRecorder {
				return newConsoleClient(t, h).PostForm("/admin/login", withCSRF(form, theirs.CSRF()))
			},
			"a token of another key": func() *httptest.ResponseRecorder {
				return mine.PostForm("/admin/login", withCSRF(form, strings.Repeat("ab", 32)))
			},
		} {
			mine.CSRF()
			rec := post()
			if rec.Code != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", name, rec.Code)
			}
		}
		// From another site, even with the right token: 403.
		req := httptest.NewRequest(http.MethodPost, "/admin/login", strings.NewReader(withCSRF(form, mine.CSRF()).Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.test")
		contains(t, wantAdminPage(t, mine.Do(req), http.StatusForbidden), "This form was not sent from this site")
		mine.Login("ann@example.com", testPassword)
	})
}

// withCSRF is form with its csrf field set to token.
func withCSRF(form url.Values, token string) url.Values {
	f := url.Values{"csrf": {token}}
	for k, v := range form {
		f[k] = v
	}
	return f
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// An anonymous 8 MiB multipart post to the import or the sign-in form is
// refused before its body is read: 413 when it says its length, 403 when
// a browser says it comes from another site; sent without a length, no
// more than the anonymous limit is read. Nothing is imported. A signed-in
// editor's import still works.
func TestAnonymousLargeBodyRefusedUnread(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ctx := context.Background()
		if _, err := db.CreateUser(ctx, "ann@example.com", "", models.RoleEditor, testPassword); err != nil {
			t.Fatal(err)
		}
		anon := newConsoleClient(t, h)
		var mp bytes.Buffer
		w := multipart.NewWriter(&mp)
		w.WriteField("csrf", anon.CSRF())
		f, _ := w.CreateFormFile("file", "big.csv")
		f.Write([]byte("email\n"))
		f.Write(bytes.Repeat([]byte("a"), console.MaxImportBody-4<<10)) // 8 MiB, just under the import's limit
		w.Close()

		for _, path := range []string{"/admin/subscribers/import", "/admin/login"} {
			for _, tc := range []struct {
				name     string
				hide     bool // send no Content-Length
				header   string
				want     int
				maxBytes int64
			}{
				{"with its length", false, "", http.StatusRequestEntityTooLarge, 0},
				{"without its length", true, "", http.StatusRequestEntityTooLarge, console.MaxAnonymousBody + 64<<10},
				{"from another site", false, "cross-site", http.StatusForbidden, 0},
			} {
				body := &countingReader{r: bytes.NewReader(mp.Bytes())}
				req := httptest.NewRequest(http.MethodPost, path, body)
				req.Header.Set("Content-Type", w.FormDataContentType())
				req.ContentLength = int64(mp.Len())
				if tc.hide {
					req.ContentLength = -1
				}
				if tc.header != "" {
					req.Header.Set("Sec-Fetch-Site", tc.header)
				}
				rec := anon.Do(req)
				if rec.Code != tc.want {
					t.Errorf("%s %s: %d, want %d; body:\n%.300s", path, tc.name, rec.Code, tc.want, rec.Body)
				}
				if n := body.n.Load(); n > tc.maxBytes {
					t.Errorf("%s %s: the server read %d bytes of the body, want at most %d", path, tc.name, n, tc.maxBytes)
				}
			}
		}
		if n := countSubscribersIn(t, db); n != 0 {
			t.Errorf("%d subscribers after anonymous imports, want 0", n)
		}

		// Signed in, an editor's import goes through.
		anon.Login("ann@example.com", testPassword)
		body := wantAdminPage(t, anon.upload("/admin/subscribers/import", "list.csv", "email\nbea@example.com\n", url.Values{"skip_confirmation": {"1"}}), http.StatusOK)
		contains(t, body, "<strong>1 added</strong>")
		if n := countSubscribersIn(t, db); n != 1 {
			t.Errorf("%d subscribers after the editor's import, want 1", n)
		}
	})
}

// countSubscribersIn counts the subscribers stored.
func countSubscribersIn(t *testing.T, db *models.DB) int64 {
	t.Helper()
	var n int64
	if err := db.Gorm.Table("subscribers").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// A wrong current password on the account page counts like a failed
// sign-in from that address: after 5, a borrowed session cannot guess
// further for a while (422 naming the field); the operator still signs in
// from another address.
func TestChangeOwnPasswordThrottled(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		guess := url.Values{"current_password": {"wrong one!"}, "password": {"a brand new password"}, "password_confirm": {"a brand new password"}}
		for i := 1; i <= 5; i++ {
			body := wantAdminPage(t, ed.PostForm("/admin/account/password", guess), http.StatusUnprocessableEntity)
			if got := fieldErrorOf(body, "current_password"); got != "Current password is not your current password" {
				t.Fatalf("guess %d: %q", i, got)
			}
		}
		right := url.Values{"current_password": {testPassword}, "password": {"a brand new password"}, "password_confirm": {"a brand new password"}}
		body := wantAdminPage(t, ed.PostForm("/admin/account/password", right), http.StatusUnprocessableEntity)
		if got := fieldErrorOf(body, "current_password"); !strings.HasPrefix(got, "Current password was wrong too many times: try again in") {
			t.Errorf("after 5 guesses: %q", got)
		}
		other := newConsoleClient(t, h)
		other.RemoteAddr = "203.0.113.9:4000"
		other.Login(ed.User.Email, testPassword)
	})
}
