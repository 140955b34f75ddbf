package app_test

// Security tests (docs/security.md): the headers of every response, and
// the role check of every route, walked from the router itself.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// wantSecurityHeaders checks the headers every response must carry.
func wantSecurityHeaders(t *testing.T, what string, h http.Header, https bool) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
		"base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("%s: Content-Security-Policy %q lacks %q", what, csp, d)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("%s: Content-Security-Policy %q allows inline code", what, csp)
	}
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options = %q", what, got)
	}
	if got := h.Get("Referrer-Policy"); got == "" || got == "unsafe-url" || got == "no-referrer-when-downgrade" {
		t.Errorf("%s: Referrer-Policy = %q", what, got)
	}
	if got := h.Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("%s: X-Frame-Options = %q", what, got)
	}
	hsts := h.Get("Strict-Transport-Security")
	if https && !strings.HasPrefix(hsts, "max-age=") {
		t.Errorf("%s: Strict-Transport-Security = %q, want max-age with an https BASE_URL", what, hsts)
	}
	if !https && hsts != "" {
		t.Errorf("%s: Strict-Transport-Security = %q with an http BASE_URL", what, hsts)
	}
	if len(h.Values("Content-Security-Policy")) != 1 {
		t.Errorf("%s: %d Content-Security-Policy headers, want 1", what, len(h.Values("Content-Security-Policy")))
	}
}

// Every kind of answer carries the security headers: public pages from the
// snapshot (first build, hit, gzip, 304), feeds, the public and management
// APIs, the console, static files, errors. HSTS only with an https
// BASE_URL.
func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleAdmin)
		in := resolvedViaAPI(t, c, "Checkout errors")
		h := newTestApp(t, db, nil).Handler()
		page := wantPage(t, get(t, h, "/"), http.StatusOK)
		css := staticURLRE.FindString(page)
		if css == "" {
			t.Fatalf("no static URL on the status page:\n%s", page)
		}
		paths := []string{"/", "/history", "/incidents/" + in.ID, "/history.atom", "/history.rss", "/history.json",
			"/api/v2/summary.json", "/badge.svg", "/widget.js", css, "/subscribe", "/admin/login", "/admin",
			"/v1/pages", "/no/such/page", "/incidents/nope", "/subscriptions/confirm/forged", "/healthz", "/readyz"}
		for _, p := range paths {
			for _, gz := range []bool{false, true} {
				for i := range 2 { // the second one is a snapshot hit
					req := httptest.NewRequest(http.MethodGet, p, nil)
					if gz {
						req.Header.Set("Accept-Encoding", "gzip")
					}
					rec := serve(h, req)
					what := fmt.Sprintf("GET %s (gzip %v, #%d) → %d", p, gz, i+1, rec.Code)
					wantSecurityHeaders(t, what, rec.Header(), true)
					if etag := rec.Header().Get("Etag"); etag != "" {
						req.Header.Set("If-None-Match", etag)
						rec := serve(h, req)
						wantSecurityHeaders(t, what+" then If-None-Match → "+fmt.Sprint(rec.Code), rec.Header(), true)
					}
				}
			}
		}
		// A form post, a preflight, a HEAD, a method no route takes.
		for _, req := range []*http.Request{
			httptest.NewRequest(http.MethodPost, "/subscribe", strings.NewReader("email=x")),
			httptest.NewRequest(http.MethodOptions, "/api/v2/summary.json", nil),
			httptest.NewRequest(http.MethodHead, "/", nil),
			httptest.NewRequest(http.MethodDelete, "/", nil),
			httptest.NewRequest(http.MethodPut, "/admin/login", nil),
		} {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := serve(h, req)
			wantSecurityHeaders(t, req.Method+" "+req.URL.Path+" → "+fmt.Sprint(rec.Code), rec.Header(), true)
		}
		// The subscription pages keep their signed links out of Referer.
		if got := get(t, h, "/subscribe").Header().Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("/subscribe: Referrer-Policy = %q, want no-referrer", got)
		}

		// Plain http: no HSTS (a browser would ignore it, and a local
		// server must stay reachable).
		plain := newTestApp(t, db, map[string]string{"BASE_URL": "http://localhost:8080"}).Handler()
		for _, p := range []string{"/", "/", "/admin/login", "/v1/pages", "/nope"} {
			rec := get(t, plain, p)
			wantSecurityHeaders(t, "http BASE_URL: GET "+p, rec.Header(), false)
		}
	})
}

// access is who may use a route.
type access int

const (
	anyone        access = iota // anyone: public pages, feeds, static files, subscription links
	guest                       // the console's pages for the signed-out (sign in, setup)
	consoleEditor               // a signed-in editor or admin
	consoleAdmin                // a signed-in admin
	apiRead                     // any valid API token
	apiEditor                   // an API token of an editor or admin
	apiAdmin                    // an admin's API token
)

// routeAccess says, for every route of the router, who may use it. A key
// is "METHODS PATH" with the methods comma-separated. A route missing here
// fails TestEveryRouteChecksItsRole: a new route must be added with its
// expected access, which the test then checks.
var routeAccess = map[string]access{
	"GET,HEAD /":                               anyone,
	"GET /language":                            anyone, // the language switch (a cookie, then back)
	"GET,HEAD /brand/:file":                    anyone, // the branding's logo, favicon and theme
	"GET /admin/branding":                      consoleAdmin,
	"POST /admin/branding":                     consoleAdmin,
	"GET,HEAD,OPTIONS /api/v2/components.json": anyone,
	"GET,HEAD,OPTIONS /api/v2/components/:id/uptime.json":                      anyone,
	"GET,HEAD,OPTIONS /api/v2/incidents.json":                                  anyone,
	"GET,HEAD,OPTIONS /api/v2/incidents/unresolved.json":                       anyone,
	"GET,HEAD,OPTIONS /api/v2/scheduled-maintenances.json":                     anyone,
	"GET,HEAD,OPTIONS /api/v2/scheduled-maintenances/active.json":              anyone,
	"GET,HEAD,OPTIONS /api/v2/scheduled-maintenances/upcoming.json":            anyone,
	"GET,HEAD,OPTIONS /api/v2/status.json":                                     anyone,
	"GET,HEAD,OPTIONS /api/v2/summary.json":                                    anyone,
	"GET,HEAD,OPTIONS /badge.svg":                                              anyone,
	"GET,HEAD,OPTIONS /maintenance.ics":                                        anyone,
	"GET,HEAD,OPTIONS /components/:id/maintenance.ics":                         anyone,
	"GET,HEAD,OPTIONS /components/:id/badge.svg":                               anyone,
	"GET,HEAD,OPTIONS /components/:id/history.atom":                            anyone,
	"GET,HEAD,OPTIONS /components/:id/history.json":                            anyone,
	"GET,HEAD,OPTIONS /components/:id/history.rss":                             anyone,
	"GET,HEAD /healthz":                                                        anyone,
	"GET,HEAD /history":                                                        anyone,
	"GET,HEAD,OPTIONS /history.atom":                                           anyone,
	"GET,HEAD,OPTIONS /history.json":                                           anyone,
	"GET,HEAD,OPTIONS /history.rss":                                            anyone,
	"GET,HEAD,OPTIONS /incidents/:id":                                          anyone,
	"GET,HEAD /incidents/:id/postmortem":                                       anyone,
	"GET,HEAD /incidents/:id/postmortem/revisions":                             anyone,
	"GET,HEAD /postmortems":                                                    anyone,
	"GET,HEAD /api":                                                            anyone,
	"GET,HEAD /readyz":                                                         anyone,
	"GET,HEAD /static/*":                                                       anyone,
	"GET,HEAD,POST /subscribe":                                                 anyone,
	"GET,HEAD,POST /subscriptions/confirm/:token":                              anyone,
	"GET,HEAD,POST /subscriptions/manage/:token":                               anyone,
	"GET,HEAD,POST /subscriptions/unsubscribe/:token":                          anyone,
	"GET,HEAD,OPTIONS /widget.js":                                              anyone,
	"PATCH /v1/pages/:page_id/component-groups/:id":                            apiEditor,
	"PUT /v1/pages/:page_id/component-groups/:id":                              apiEditor,
	"PATCH /v1/pages/:page_id/components/:id":                                  apiEditor,
	"PUT /v1/pages/:page_id/components/:id":                                    apiEditor,
	"PATCH /v1/pages/:page_id/incidents/:id":                                   apiEditor,
	"PUT /v1/pages/:page_id/incidents/:id":                                     apiEditor,
	"GET /admin":                                                               consoleEditor,
	"GET /admin/":                                                              guest,
	"GET /admin/account":                                                       consoleEditor,
	"POST /admin/account/password":                                             consoleEditor,
	"POST /admin/account/sessions/revoke":                                      consoleEditor,
	"GET /admin/action-items":                                                  consoleEditor,
	"GET /admin/audit":                                                         consoleAdmin,
	"GET /admin/components":                                                    consoleEditor,
	"POST /admin/components":                                                   consoleEditor,
	"POST /admin/components/:id":                                               consoleEditor,
	"GET /admin/components/:id/delete":                                         consoleEditor,
	"POST /admin/components/:id/delete":                                        consoleEditor,
	"GET /admin/components/:id/edit":                                           consoleEditor,
	"POST /admin/components/:id/move":                                          consoleEditor,
	"POST /admin/components/:id/status":                                        consoleEditor,
	"POST /admin/components/groups":                                            consoleEditor,
	"GET /admin/incidents":                                                     consoleEditor,
	"POST /admin/incidents":                                                    consoleEditor,
	"GET /admin/incidents/:id":                                                 consoleEditor,
	"GET /admin/incidents/:id/delete":                                          consoleAdmin,
	"POST /admin/incidents/:id/delete":                                         consoleAdmin,
	"POST /admin/incidents/:id/details":                                        consoleEditor,
	"POST /admin/incidents/:id/publish":                                        consoleEditor,
	"POST /admin/incidents/:id/discard":                                        consoleEditor,
	"POST /admin/incidents/:id/events/:eid":                                    consoleEditor,
	"GET /admin/incidents/:id/events/:eid/edit":                                consoleEditor,
	"POST /admin/incidents/:id/notes":                                          consoleEditor,
	"GET /admin/incidents/:id/postmortem":                                      consoleEditor,
	"POST /admin/incidents/:id/postmortem":                                     consoleEditor,
	"POST /admin/incidents/:id/postmortem/action-items":                        consoleEditor,
	"POST /admin/incidents/:id/postmortem/action-items/:item_id":               consoleEditor,
	"POST /admin/incidents/:id/postmortem/action-items/:item_id/delete":        consoleEditor,
	"GET /admin/incidents/:id/postmortem/action-items/:item_id/edit":           consoleEditor,
	"GET /admin/incidents/:id/postmortem/delete":                               consoleEditor,
	"POST /admin/incidents/:id/postmortem/delete":                              consoleEditor,
	"GET /admin/incidents/:id/postmortem/preview":                              consoleEditor,
	"POST /admin/incidents/:id/postmortem/publish":                             consoleEditor,
	"POST /admin/incidents/:id/postmortem/check":                               consoleEditor,
	"POST /admin/incidents/:id/postmortem/save":                                consoleEditor,
	"POST /admin/incidents/:id/postmortem/unpublish":                           consoleEditor,
	"POST /admin/incidents/:id/updates":                                        consoleEditor,
	"GET /admin/incidents/new":                                                 consoleEditor,
	"GET /admin/incident-templates":                                            consoleEditor,
	"GET /admin/incident-templates/new":                                        consoleEditor,
	"POST /admin/incident-templates":                                           consoleEditor,
	"GET /admin/incident-templates/:id/edit":                                   consoleEditor,
	"POST /admin/incident-templates/:id":                                       consoleEditor,
	"POST /admin/incident-templates/:id/delete":                                consoleEditor,
	"GET /admin/login":                                                         guest,
	"POST /admin/login":                                                        guest,
	"POST /admin/logout":                                                       consoleEditor,
	"GET /admin/maintenance":                                                   consoleEditor,
	"POST /admin/maintenance":                                                  consoleEditor,
	"GET /admin/maintenance/:id":                                               consoleEditor,
	"GET /admin/maintenance/new":                                               consoleEditor,
	"GET /admin/notifications":                                                 consoleEditor,
	"GET /admin/notifications/:id":                                             consoleEditor,
	"POST /admin/notifications/:id/retry":                                      consoleEditor,
	"POST /admin/preview":                                                      consoleEditor,
	"GET /admin/setup":                                                         guest,
	"POST /admin/setup":                                                        guest,
	"GET /admin/subscribers":                                                   consoleEditor,
	"POST /admin/subscribers":                                                  consoleEditor,
	"POST /admin/subscribers/:id/delete":                                       consoleEditor,
	"POST /admin/subscribers/:id/reactivate":                                   consoleEditor,
	"POST /admin/subscribers/:id/unsubscribe":                                  consoleEditor,
	"GET /admin/subscribers/export.csv":                                        consoleEditor,
	"GET /admin/subscribers/import":                                            consoleEditor,
	"POST /admin/subscribers/import":                                           consoleEditor,
	"GET /admin/subscribers/new":                                               consoleEditor,
	"GET /admin/tokens":                                                        consoleAdmin,
	"POST /admin/tokens":                                                       consoleAdmin,
	"POST /admin/tokens/:id/revoke":                                            consoleAdmin,
	"GET /admin/users":                                                         consoleAdmin,
	"POST /admin/users":                                                        consoleAdmin,
	"POST /admin/users/:id/delete":                                             consoleAdmin,
	"POST /admin/users/:id/disable":                                            consoleAdmin,
	"POST /admin/users/:id/enable":                                             consoleAdmin,
	"POST /admin/users/:id/revoke":                                             consoleAdmin,
	"POST /admin/users/:id/role":                                               consoleAdmin,
	"GET /admin/users/new":                                                     consoleAdmin,
	"GET /v1/pages":                                                            apiRead,
	"GET /v1/pages/:page_id":                                                   apiRead,
	"PATCH /v1/pages/:page_id":                                                 apiAdmin,
	"PUT /v1/pages/:page_id":                                                   apiAdmin,
	"GET /v1/pages/:page_id/component-groups":                                  apiRead,
	"POST /v1/pages/:page_id/component-groups":                                 apiEditor,
	"DELETE /v1/pages/:page_id/component-groups/:id":                           apiEditor,
	"GET /v1/pages/:page_id/component-groups/:id":                              apiRead,
	"GET /v1/pages/:page_id/components":                                        apiRead,
	"POST /v1/pages/:page_id/components":                                       apiEditor,
	"DELETE /v1/pages/:page_id/components/:id":                                 apiEditor,
	"GET /v1/pages/:page_id/components/:id":                                    apiRead,
	"GET /v1/pages/:page_id/incidents":                                         apiRead,
	"POST /v1/pages/:page_id/incidents":                                        apiEditor,
	"DELETE /v1/pages/:page_id/incidents/:id":                                  apiAdmin,
	"GET /v1/pages/:page_id/incidents/:id":                                     apiRead,
	"GET /v1/pages/:page_id/incidents/:id/events":                              apiRead,
	"POST /v1/pages/:page_id/incidents/:id/events":                             apiEditor,
	"PATCH /v1/pages/:page_id/incidents/:id/incident_updates/:update_id":       apiEditor,
	"DELETE /v1/pages/:page_id/incidents/:id/postmortem":                       apiEditor,
	"GET /v1/pages/:page_id/incidents/:id/postmortem":                          apiRead,
	"PUT /v1/pages/:page_id/incidents/:id/postmortem":                          apiEditor,
	"GET /v1/pages/:page_id/incidents/:id/postmortem/action-items":             apiRead,
	"POST /v1/pages/:page_id/incidents/:id/postmortem/action-items":            apiEditor,
	"DELETE /v1/pages/:page_id/incidents/:id/postmortem/action-items/:item_id": apiEditor,
	"PATCH /v1/pages/:page_id/incidents/:id/postmortem/action-items/:item_id":  apiEditor,
	"PUT /v1/pages/:page_id/incidents/:id/postmortem/publish":                  apiEditor,
	"PUT /v1/pages/:page_id/incidents/:id/postmortem/revert":                   apiEditor,
	"GET /v1/pages/:page_id/incidents/active_maintenance":                      apiRead,
	"GET /v1/pages/:page_id/incidents/scheduled":                               apiRead,
	"GET /v1/pages/:page_id/incidents/unresolved":                              apiRead,
	"GET /v1/pages/:page_id/incidents/upcoming":                                apiRead,
	"GET /v1/pages/:page_id/subscribers":                                       apiEditor,
	"POST /v1/pages/:page_id/subscribers":                                      apiEditor,
	"POST /v1/pages/:page_id/subscribers/:id/reactivate":                       apiEditor,
	"DELETE /v1/pages/:page_id/subscribers/:id":                                apiEditor,
	"GET /v1/pages/:page_id/subscribers/:id":                                   apiEditor,
	"GET /v1/pages/:page_id/subscribers/count":                                 apiEditor,
	"GET /v1/pages/:page_id/subscribers/histogram_by_state":                    apiEditor,
	"POST /v1/pages/:page_id/subscribers/resend_confirmation":                  apiEditor,
	"POST /v1/pages/:page_id/subscribers/reactivate":                           apiEditor,
	"POST /v1/pages/:page_id/subscribers/unsubscribe":                          apiEditor,
	"POST /v1/pages/:page_id/subscribers/:id/resend_confirmation":              apiEditor,
	"GET /v1/pages/:page_id/incidents/:id/subscribers":                         apiEditor,
	"GET /v1/pages/:page_id/incidents/:id/subscribers/:subscriber_id":          apiEditor,
	"GET /v1/pages/:page_id/components/:id/uptime":                             apiRead,
	"GET /v1/pages/:page_id/incident_templates":                                apiRead,
	"POST /v1/pages/:page_id/incident_templates":                               apiEditor,
	"GET /v1/pages/:page_id/incident_templates/:id":                            apiRead,
	"PATCH /v1/pages/:page_id/incident_templates/:id":                          apiEditor,
	"PUT /v1/pages/:page_id/incident_templates/:id":                            apiEditor,
	"DELETE /v1/pages/:page_id/incident_templates/:id":                         apiEditor,
	"GET /v1/pages/:page_id/component-groups/:id/uptime":                       apiRead,
	"GET /v1/pages/:page_id/integrations":                                      apiAdmin,
	"POST /v1/pages/:page_id/integrations":                                     apiAdmin,
	"GET /v1/pages/:page_id/integrations/:id":                                  apiAdmin,
	"PATCH /v1/pages/:page_id/integrations/:id":                                apiAdmin,
	"DELETE /v1/pages/:page_id/integrations/:id":                               apiAdmin,
	// Integrations' webhooks: anyone may call one, the token in the URL and
	// the integration's signature decide (an unknown token is a 404).
	"POST /integrations/:token":           anyone,
	"GET /admin/integrations":             consoleAdmin,
	"POST /admin/integrations":            consoleAdmin,
	"GET /admin/integrations/:id":         consoleAdmin,
	"POST /admin/integrations/:id":        consoleAdmin,
	"POST /admin/integrations/:id/delete": consoleAdmin,
}

// routeKeys expands routeAccess into "METHOD PATH" keys.
func routeKeys(t *testing.T) map[string]access {
	out := map[string]access{}
	for k, a := range routeAccess {
		methods, path, ok := strings.Cut(k, " ")
		if !ok {
			t.Fatalf("bad routeAccess key %q", k)
		}
		for _, m := range strings.Split(methods, ",") {
			out[m+" "+path] = a
		}
	}
	return out
}

// concretePath fills a route's parameters: the page's id, made-up ids and
// tokens (the role check comes before any lookup).
func concretePath(path, pageID string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		switch {
		case p == ":page_id":
			parts[i] = pageID
		case strings.HasPrefix(p, ":"):
			parts[i] = models.NewID()
		case p == "*":
			parts[i] = "nothing-here"
		}
	}
	return strings.Join(parts, "/")
}

// denied reports whether a console answer turned the request away: sent to
// sign in (303), or refused (403; a POST without a session fails its CSRF
// check before anything else).
func consoleDenied(rec *httptest.ResponseRecorder) bool {
	return rec.Code == http.StatusForbidden ||
		rec.Code == http.StatusSeeOther && strings.HasPrefix(rec.Header().Get("Location"), "/admin/login")
}

// allowed reports whether a request got past the role check: anything but
// 401, 403 or a trip to the sign-in page, and never a 5xx. Made-up ids
// answer 404, empty forms 400 or 422.
func allowed(rec *httptest.ResponseRecorder) bool {
	return rec.Code < 500 && rec.Code != http.StatusUnauthorized && !consoleDenied(rec)
}

// Every route of the router, as anonymous, editor and admin (console
// sessions and API tokens), with a revoked token, with a token on the
// console and a session on the API: each gets what routeAccess says.
// Every answer carries the security headers, none is a 5xx, and no
// console page an operator can open has inline script or style.
func TestEveryRouteChecksItsRole(t *testing.T) {
	t.Parallel() // one of the slowest: run beside the other slow, independent tests
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		a := newTestApp(t, db, nil)
		h, e := a.Handler(), a.Router()
		pageID, err := db.GetSetting(ctx, models.SettingPageID)
		if err != nil {
			t.Fatal(err)
		}

		// The table and the router list the same routes.
		want := routeKeys(t)
		seen := map[string]bool{}
		for _, r := range e.Routes() {
			if r.Method == echo.RouteNotFound {
				continue // a group's 404 for paths it has no route for
			}
			key := r.Method + " " + r.Path
			seen[key] = true
			if _, ok := want[key]; !ok {
				t.Errorf("route %s is not in routeAccess: add it with who may use it", key)
			}
		}
		for key := range want {
			if !seen[key] {
				t.Errorf("routeAccess lists %s, which the router does not have", key)
			}
		}
		if t.Failed() {
			return
		}

		editor, admin := signIn(t, h, db, models.RoleEditor), signIn(t, h, db, models.RoleAdmin)
		anon := newConsoleClient(t, h)
		anon.CSRF() // a session with a token, so a POST reaches the role check
		editorToken, _, err := db.CreateAPIToken(ctx, "editor token", models.RoleEditor)
		if err != nil {
			t.Fatal(err)
		}
		adminToken, _, err := db.CreateAPIToken(ctx, "admin token", models.RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		revokedToken, revoked, err := db.CreateAPIToken(ctx, "revoked token", models.RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.RevokeAPIToken(ctx, revoked.ID); err != nil {
			t.Fatal(err)
		}

		// apiReq sends an API request with token ("" for none) from its own
		// address (wrong tokens are limited per address).
		n := 0
		apiReq := func(method, path, token string, cookies *consoleClient) *httptest.ResponseRecorder {
			n++
			var body *strings.Reader
			if method == http.MethodGet || method == http.MethodHead || method == http.MethodDelete {
				body = strings.NewReader("")
			} else {
				body = strings.NewReader("{}")
			}
			req := httptest.NewRequest(method, path, body)
			req.Header.Set("Content-Type", "application/json")
			req.RemoteAddr = fmt.Sprintf("198.51.%d.%d:1234", n/250, n%250+1)
			if token != "" {
				req.Header.Set("Authorization", "OAuth "+token)
			}
			if cookies != nil {
				return cookies.Do(req)
			}
			return serve(h, req)
		}
		// consoleReq sends a console request as c: a form with its CSRF
		// token for a POST.
		consoleReq := func(c *consoleClient, method, path string) *httptest.ResponseRecorder {
			if method == http.MethodPost {
				return c.PostForm(path, url.Values{})
			}
			return c.Do(httptest.NewRequest(method, path, nil))
		}

		keys := make([]string, 0, len(want))
		for k := range want {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, key := range keys {
			method, route, _ := strings.Cut(key, " ")
			path := concretePath(route, pageID)
			acc := want[key]
			check := func(who string, rec *httptest.ResponseRecorder, ok bool) {
				t.Helper()
				what := fmt.Sprintf("%s %s as %s → %d", method, route, who, rec.Code)
				wantSecurityHeaders(t, what, rec.Header(), true)
				if rec.Code >= 500 {
					t.Errorf("%s: a server error: %s", what, rec.Body)
				}
				if ok && !allowed(rec) && !(acc == guest && rec.Code == http.StatusSeeOther) {
					t.Errorf("%s: turned away, want allowed; Location %q; body: %.300s", what, rec.Header().Get("Location"), rec.Body)
				}
				if !ok && allowed(rec) {
					t.Errorf("%s: let through, want turned away; body: %.300s", what, rec.Body)
				}
				if ok && strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") && method == http.MethodGet {
					for _, p := range liveMarkup(t, rec.Body.String(), false) {
						t.Errorf("%s: %s", what, p)
					}
				}
			}
			switch acc {
			case anyone, guest:
				c := newConsoleClient(t, h)
				c.RemoteAddr = fmt.Sprintf("203.0.113.%d:1", len(path)%250+1)
				if strings.HasPrefix(route, "/admin") && method == http.MethodPost {
					c.CSRF()
				}
				check("anonymous", consoleReq(c, method, path), true)
			case consoleEditor, consoleAdmin:
				check("anonymous", consoleReq(anon, method, path), false)
				tok := httptest.NewRequest(method, path, strings.NewReader(""))
				tok.Header.Set("Authorization", "OAuth "+adminToken)
				check("an admin API token", serve(h, tok), false)
				if route == "/admin/logout" {
					// Signing out ends at the sign-in page: what shows it
					// worked is that the session is over.
					for _, role := range []string{models.RoleEditor, models.RoleAdmin} {
						c := signIn(t, h, db, role)
						wantRedirect(t, consoleReq(c, method, path), "/admin/login")
						if rec := c.Get("/admin"); rec.Code != http.StatusSeeOther {
							t.Errorf("POST /admin/logout as %s left the session signed in: GET /admin → %d", role, rec.Code)
						}
					}
					continue
				}
				check("editor", consoleReq(editor, method, path), acc == consoleEditor)
				check("admin", consoleReq(admin, method, path), true)
			case apiRead, apiEditor, apiAdmin:
				check("anonymous", apiReq(method, path, "", nil), false)
				check("a revoked admin token", apiReq(method, path, revokedToken, nil), false)
				check("an admin's console session", apiReq(method, path, "", admin), false)
				check("an editor token", apiReq(method, path, editorToken, nil), acc != apiAdmin)
				check("an admin token", apiReq(method, path, adminToken, nil), true)
			default:
				t.Fatalf("%s: unknown access %d", key, acc)
			}
		}
		// The walk signed nobody out by accident.
		if rec := editor.Get("/admin"); rec.Code != http.StatusOK {
			t.Errorf("the editor's session ended during the walk: %d", rec.Code)
		}
	})
}
