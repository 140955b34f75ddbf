package app_test

// Findings of the security review of the console's sign-in (issue 20):
// strangers cannot lock an operator out; a stranger's visits write
// nothing and their large bodies are refused unread.

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"

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
