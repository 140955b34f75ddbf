package app_test

// Helpers for tests of the admin console. A console test usually goes:
//
//	dbtest.Each(t, func(t *testing.T, db *models.DB) {
//		h := newTestApp(t, db, nil).Handler()
//		admin := signIn(t, h, db, models.RoleAdmin) // or models.RoleEditor
//		body := wantPage(t, admin.Get("/admin/things"), http.StatusOK)
//		rec := admin.PostForm("/admin/things", url.Values{"name": {"API"}})
//		wantRedirect(t, rec, "/admin/things")
//		// ...then check the database, and auditActions(t, db).
//	})
//
// signIn makes a user of the role and signs in through the real form;
// the client keeps its cookies like a browser and puts the CSRF token in
// every form it posts (PostFormRaw posts exactly what it is given).

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/beaconstatus/beacon/models"
)

// testPassword is the password of every user signIn makes.
const testPassword = "correct horse battery staple"

// consoleClient is a browser on the admin console: it keeps the cookies
// the App sets and remembers the CSRF token of the last page it saw.
type consoleClient struct {
	t          testing.TB
	h          http.Handler
	cookies    map[string]*http.Cookie
	csrf       string
	RemoteAddr string       // the client's address as the App sees it (RealIP)
	User       *models.User // the user signIn signed in as
}

// newConsoleClient is a client with no cookies yet, from 192.0.2.10.
func newConsoleClient(t testing.TB, h http.Handler) *consoleClient {
	return &consoleClient{t: t, h: h, cookies: map[string]*http.Cookie{}, RemoteAddr: "192.0.2.10:4321"}
}

// signIn creates a user with role (models.RoleAdmin or models.RoleEditor)
// and password testPassword, signs in through the real /admin/login form
// and returns the signed-in client.
func signIn(t testing.TB, h http.Handler, db *models.DB, role string) *consoleClient {
	t.Helper()
	email := fmt.Sprintf("%s-%s@example.com", role, models.NewID()[:8])
	u, err := db.CreateUser(context.Background(), email, "Test "+role, role, testPassword)
	if err != nil {
		t.Fatalf("create %s: %v", role, err)
	}
	c := newConsoleClient(t, h)
	c.Login(email, testPassword)
	c.User = u
	return c
}

// Login signs the client in as email and fails the test unless that works.
func (c *consoleClient) Login(email, password string) {
	c.t.Helper()
	rec := c.PostForm("/admin/login", url.Values{"email": {email}, "password": {password}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/admin" {
		c.t.Fatalf("sign in as %s: %d %s, want 303 to /admin; body:\n%s", email, rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	// The token changes at sign-in: pick up the new one.
	c.csrf = ""
	c.CSRF()
}

// Get requests path.
func (c *consoleClient) Get(path string) *httptest.ResponseRecorder {
	c.t.Helper()
	return c.Do(httptest.NewRequest(http.MethodGet, path, nil))
}

// PostForm posts form to path with the session's CSRF token added (unless
// form has a "csrf" already). form is not changed.
func (c *consoleClient) PostForm(path string, form url.Values) *httptest.ResponseRecorder {
	c.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	if _, ok := f["csrf"]; !ok {
		f.Set("csrf", c.CSRF())
	}
	return c.PostFormRaw(path, f)
}

// PostFormRaw posts form to path exactly as given: no CSRF token added.
func (c *consoleClient) PostFormRaw(path string, form url.Values) *httptest.ResponseRecorder {
	c.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

// Do serves req with the client's cookies and address, and keeps the
// cookies and CSRF token of the answer.
func (c *consoleClient) Do(req *http.Request) *httptest.ResponseRecorder {
	c.t.Helper()
	req.RemoteAddr = c.RemoteAddr
	for _, ck := range c.cookies {
		req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	for _, ck := range rec.Result().Cookies() {
		if old := c.cookies[ck.Name]; ck.Name == "beacon_session" && (old == nil || old.Value != ck.Value) {
			c.csrf = "" // another session may hold another token: learn it again when needed
		}
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck
		}
	}
	if m := csrfFieldRE.FindStringSubmatch(rec.Body.String()); m != nil {
		c.csrf = m[1]
	}
	return rec
}

var csrfFieldRE = regexp.MustCompile(`<input type="hidden" name="csrf" value="([0-9a-f]+)">`)

// CSRF returns the session's CSRF token, loading a page to learn it when
// the client has seen none yet.
func (c *consoleClient) CSRF() string {
	c.t.Helper()
	if c.csrf == "" {
		c.Get("/admin/login") // signed in, it redirects, so fall back to the account page
		if c.csrf == "" {
			c.Get("/admin/account")
		}
		if c.csrf == "" {
			c.t.Fatal("no CSRF token on /admin/login or /admin/account")
		}
	}
	return c.csrf
}

// Cookie returns the client's cookie named name, nil when it has none.
func (c *consoleClient) Cookie(name string) *http.Cookie { return c.cookies[name] }

// Clone is a second browser with the same cookies (a copied session).
func (c *consoleClient) Clone(h http.Handler) *consoleClient {
	d := *c
	d.h = h
	d.cookies = map[string]*http.Cookie{}
	for k, v := range c.cookies {
		d.cookies[k] = v
	}
	return &d
}

// wantRedirect checks for a 303 to location.
func wantRedirect(t testing.TB, rec *httptest.ResponseRecorder, location string) {
	t.Helper()
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != location {
		t.Fatalf("got %d to %q, want 303 to %q; body:\n%s", rec.Code, rec.Header().Get("Location"), location, rec.Body)
	}
}

// wantAdminPage checks a response's status and that it is a console page
// that obeys the console's rules (see checkAdminDocument).
func wantAdminPage(t *testing.T, rec *httptest.ResponseRecorder, code int) string {
	t.Helper()
	body := wantPage(t, rec, code)
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	checkAdminDocument(t, body)
	return body
}

// checkAdminDocument checks what every console page must be: no inline
// script or style (CSP), one <h1>, and every visible form control labelled.
func checkAdminDocument(t *testing.T, out string) {
	t.Helper()
	for _, tag := range regexp.MustCompile(`(?i)<script[^>]*>`).FindAllString(out, -1) {
		if !strings.Contains(tag, " src=") {
			t.Errorf("inline script: %s", tag)
		}
	}
	renderLacks(t, out, ` style="`, "<style", " onclick=", " onsubmit=", "javascript:")
	doc := parseRendered(t, out)
	if n := len(htmlFindAll(doc, "h1")); n != 1 {
		t.Errorf("page has %d <h1>, want 1", n)
	}
	labels := map[string]bool{}
	for _, l := range htmlFindAll(doc, "label") {
		labels[htmlAttr(l, "for")] = true
	}
	for _, tag := range []string{"input", "select", "textarea"} {
		for _, el := range htmlFindAll(doc, tag) {
			if typ := htmlAttr(el, "type"); typ == "hidden" || hasAttr(el, "hidden") {
				continue
			}
			if id := htmlAttr(el, "id"); id == "" || !labels[id] {
				t.Errorf("<%s name=%q> has no <label for>", tag, htmlAttr(el, "name"))
			}
		}
	}
	for _, f := range htmlFindAll(doc, "form") {
		if htmlAttr(f, "method") == "post" && !strings.Contains(renderNode(f), `name="csrf"`) {
			t.Errorf("form posting to %s has no CSRF field", htmlAttr(f, "action"))
		}
	}
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func renderNode(n *html.Node) string {
	var b strings.Builder
	html.Render(&b, n)
	return b.String()
}

// auditActions returns the actions of the audit log, oldest first.
func auditActions(t testing.TB, db *models.DB) []string {
	t.Helper()
	list, err := db.ListAudit(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	actions := make([]string, len(list))
	for i, e := range list {
		actions[len(list)-1-i] = e.Action
	}
	return actions
}

// fieldErrorOf returns the error text shown next to the field name, "" if
// none.
func fieldErrorOf(body, name string) string {
	m := regexp.MustCompile(`<p class="field-error" id="f-` + regexp.QuoteMeta(name) + `-error">.*?<span>([^<]*)</span></p>`).
		FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}
