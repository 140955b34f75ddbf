package app_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// The public /api page describes the public API, the feeds, the badges
// and the widget with URLs to copy, every one of which answers; it is
// served from the snapshot and follows the components; the status page's
// footer links it, the feeds, the badges and the widget.
func TestPublicAPIPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleEditor)
		h := c.h
		var api jsonComponent
		c.want(c.do("POST", "/components", map[string]any{"component": map[string]any{"name": "API"}}, &api), 201)
		in := openIncident(t, db, models.NewIncident{Name: "API down", Body: "x", ComponentIDs: []string{api.ID}})

		rec := get(t, h, "/api")
		body := wantPage(t, rec, http.StatusOK)
		contains(t, body, "<h1>API and feeds</h1>", `id="badges"`, `id="widget"`,
			"https://status.acme.test/api/v2/summary.json", "https://status.acme.test/history.atom",
			"https://status.acme.test/history.rss", "https://status.acme.test/history.json",
			"https://status.acme.test/badge.svg", `&lt;script src="https://status.acme.test/widget.js" async&gt;&lt;/script&gt;`,
			"https://status.acme.test/components/"+api.ID+"/badge.svg", "https://status.acme.test/components/"+api.ID+"/history.atom")

		// Every URL it offers answers.
		urls := regexp.MustCompile(`https://status\.acme\.test(/[^"<&\s)]*)`).FindAllStringSubmatch(body, -1)
		if len(urls) < 15 {
			t.Fatalf("only %d URLs on /api", len(urls))
		}
		for _, m := range urls {
			path := html.UnescapeString(m[1])
			if strings.HasSuffix(path, "/") { // /incidents/<var>incident-id</var>.atom
				continue
			}
			if r := get(t, h, path); r.Code != http.StatusOK {
				t.Errorf("%s on /api answers %d", path, r.Code)
			}
		}
		if r := get(t, h, "/incidents/"+in.ID+".atom"); r.Code != http.StatusOK {
			t.Errorf("an incident's feed = %d", r.Code)
		}

		// From the snapshot: a second request is a conditional hit.
		etag := rec.Header().Get("ETag")
		req := httptest.NewRequest(http.MethodGet, "/api", nil)
		req.Header.Set("If-None-Match", etag)
		if r := serve(h, req); etag == "" || r.Code != http.StatusNotModified {
			t.Errorf("conditional GET /api = %d (ETag %q), want 304", r.Code, etag)
		}
		// A new component shows at once.
		c.want(c.do("POST", "/components", map[string]any{"component": map[string]any{"name": "Web"}}, nil), 201)
		contains(t, wantPage(t, get(t, h, "/api"), http.StatusOK), "<th scope=\"row\">Web</th>")
		if r := serve(h, httptest.NewRequest(http.MethodHead, "/api", nil)); r.Code != http.StatusOK {
			t.Errorf("HEAD /api = %d", r.Code)
		}

		// The footer of every public page links them visibly.
		for _, path := range []string{"/", "/history", "/incidents/" + in.ID} {
			page := wantPage(t, get(t, h, path), http.StatusOK)
			footer := page[strings.Index(page, `<footer class="site-footer">`):]
			contains(t, footer, `href="/history.atom"`, `href="/history.rss"`, `href="/api"`, `href="/api#badges"`, `href="/api#widget"`)
		}
		// The JSON API's own errors stay JSON.
		if r := get(t, h, "/api/v2/nothing.json"); r.Code != http.StatusNotFound || !strings.HasPrefix(r.Header().Get("Content-Type"), "application/json") {
			t.Errorf("/api/v2/nothing.json = %d %s", r.Code, r.Header().Get("Content-Type"))
		}
	})
}
