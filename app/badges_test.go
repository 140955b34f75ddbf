package app_test

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
	"github.com/beaconstatus/beacon/static"
)

// svgBadge is what a test reads back from a badge.
type svgBadge struct {
	Title string    `xml:"title"`
	Label string    `xml:"aria-label,attr"`
	Rects []svgRect `xml:"g>rect"`
}

type svgRect struct {
	Fill string `xml:"fill,attr"`
}

// getBadge GETs a badge and parses it as XML.
func getBadge(t *testing.T, h http.Handler, path string) svgBadge {
	t.Helper()
	rec := get(t, h, path)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s = %d; body: %s", path, rec.Code, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "image/svg+xml; charset=utf-8" {
		t.Errorf("GET %s: Content-Type = %q", path, ct)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=60, stale-while-revalidate=60, stale-if-error=86400" {
		t.Errorf("GET %s: Cache-Control = %q", path, cc)
	}
	var b svgBadge
	dec := xml.NewDecoder(strings.NewReader(rec.Body.String()))
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("GET %s: not XML: %v\n%s", path, err, rec.Body.String())
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if cd, ok := tok.(xml.CharData); !ok || strings.TrimSpace(string(cd)) != "" {
			t.Errorf("GET %s: %v after the svg element", path, tok)
			break
		}
	}
	return b
}

// The overall badge follows the page's status; a component's, its own;
// names are escaped.
func TestBadges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		group := addComponent(t, db, models.Component{Name: "Core", IsGroup: true})
		api := addComponent(t, db, models.Component{Name: `API "v2" & <co>`, GroupID: &group.ID})
		h := newTestApp(t, db, nil).Handler()

		for _, tt := range []struct {
			status      string
			label, fill string // of the overall badge
			apiLabel    string
		}{
			{models.Operational, "status: All Systems Operational", "#2e7d32", "Operational"},
			{models.DegradedPerformance, "status: Partially Degraded Service", "#b26a00", "Degraded Performance"},
			{models.PartialOutage, "status: Partial System Outage", "#d84315", "Partial Outage"},
			{models.MajorOutage, "status: Major System Outage", "#c62828", "Major Outage"},
			{models.UnderMaintenance, "status: Service Under Maintenance", "#1565c0", "Under Maintenance"},
		} {
			if err := db.SetComponentStatus(t.Context(), api.ID, tt.status, "test"); err != nil {
				t.Fatal(err)
			}
			h = newTestApp(t, db, nil).Handler() // changed behind the App's back: a fresh snapshot
			b := getBadge(t, h, "/badge.svg")
			if b.Label != tt.label || b.Title != tt.label || len(b.Rects) < 2 || b.Rects[1].Fill != tt.fill {
				t.Errorf("%s: badge %q %q %+v, want %q in %s", tt.status, b.Label, b.Title, b.Rects, tt.label, tt.fill)
			}
			c := getBadge(t, h, "/components/"+api.ID+"/badge.svg")
			if want := `API "v2" & <co>: ` + tt.apiLabel; c.Label != want || c.Rects[1].Fill != tt.fill {
				t.Errorf("%s: component badge %q %+v, want %q", tt.status, c.Label, c.Rects, want)
			}
			if g := getBadge(t, h, "/components/"+group.ID+"/badge.svg"); g.Label != "Core: "+tt.apiLabel {
				t.Errorf("%s: group badge %q, want the worst of its members", tt.status, g.Label)
			}
		}

		// An open incident raises the overall badge beyond its components.
		openIncident(t, db, models.NewIncident{Name: "Login trouble", Impact: models.ImpactCritical, Body: "Looking."})
		h = newTestApp(t, db, nil).Handler()
		if b := getBadge(t, h, "/badge.svg"); b.Label != "status: Major System Outage" {
			t.Errorf("badge during a critical incident = %q", b.Label)
		}
		for _, path := range []string{"/components/nosuchcomponent/badge.svg", "/components/Bad.Id/badge.svg"} {
			if rec := get(t, h, path); rec.Code != http.StatusNotFound {
				t.Errorf("GET %s = %d, want 404", path, rec.Code)
			}
		}
	})
}

// The widget script is served at a stable URL, the content-hashed asset
// with its words in the reader's language.
func TestWidgetScript(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		rec := get(t, h, "/widget.js")
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/javascript; charset=utf-8" ||
			rec.Header().Get("Cache-Control") != "public, max-age=3600, stale-while-revalidate=86400, stale-if-error=86400" {
			t.Fatalf("GET /widget.js = %d %v", rec.Code, rec.Header())
		}
		assets := static.New()
		hashed := get(t, h, assets.URL("js/widget.js"))
		outside := func(js string) string {
			i, j := strings.Index(js, "/*words*/"), strings.Index(js, "/*end*/")
			if i >= 0 && j > i {
				return js[:i] + js[j+len("/*end*/"):]
			}
			a, _, _ := strings.Cut(js, `{"accent"`)
			_, b, _ := strings.Cut(js, `"view_status":"View status"}`)
			return a + b
		}
		if hashed.Code != http.StatusOK || outside(hashed.Body.String()) != outside(rec.Body.String()) {
			t.Errorf("/widget.js differs from %s beyond its words", assets.URL("js/widget.js"))
		}
		contains(t, rec.Body.String(), `"view_status":"View status"`, `"monitoring":"Monitoring"`)
		req := httptest.NewRequest(http.MethodGet, "/widget.js", nil)
		req.Header.Set("Accept-Language", "ko")
		contains(t, serve(h, req).Body.String(), `"view_status":"상태 보기"`, `"monitoring":"모니터링 중"`)
		contains(t, rec.Body.String(), `"api/v2/summary.json"`, "document.currentScript", "textContent")
		lacks(t, rec.Body.String(), "innerHTML")
	})
}

// A control character in a component's name (valid UTF-8, so stored) does
// not break its badge: the SVG stays well-formed XML.
func TestBadgeOfANameWithControlCharacters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		comp := addComponent(t, db, models.Component{Name: "API\x01\x1b[31m\x7f v2"})
		b := getBadge(t, h, "/components/"+comp.ID+"/badge.svg")
		if !strings.HasPrefix(b.Title, "API") || !strings.Contains(b.Title, "v2") {
			t.Errorf("title = %q", b.Title)
		}
	})
}
