package app_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// getV2 GETs a public API document, checks the headers every one carries
// and decodes it.
func getV2(t *testing.T, h http.Handler, path string) map[string]any {
	t.Helper()
	rec := get(t, h, path)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s = %d; body: %s", path, rec.Code, rec.Body.String())
	}
	for header, want := range map[string]string{
		"Content-Type":                "application/json",
		"Access-Control-Allow-Origin": "*",
		"Cache-Control":               "public, max-age=0, s-maxage=10, stale-if-error=86400",
		"CDN-Cache-Control":           "public, max-age=10, stale-while-revalidate=30, stale-if-error=86400",
	} {
		if got := rec.Header().Get(header); got != want {
			t.Errorf("GET %s: %s = %q, want %q", path, header, got, want)
		}
	}
	lacks(t, rec.Body.String(), secrets...)
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return doc
}

// statuspageTimeRE is a timestamp as Statuspage writes it, in the test
// page's zone (Europe/Berlin).
var statuspageTimeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0[12]:00$`)

func keysOf(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	}
	return "object"
}

// sameShape checks got against Statuspage's example want, field by field:
// every object has exactly the example's keys, values of the same JSON kind
// (null aside), timestamps in Statuspage's format. In an array each element
// is checked against the example element with its keys (a group and a
// component differ), and every kind of example element must occur.
func sameShape(t *testing.T, path string, want, got any) {
	t.Helper()
	if want == nil || got == nil {
		return
	}
	if jsonKind(want) != jsonKind(got) {
		t.Errorf("%s is a %s, want a %s", path, jsonKind(got), jsonKind(want))
		return
	}
	switch w := want.(type) {
	case map[string]any:
		g := got.(map[string]any)
		if wk, gk := strings.Join(keysOf(w), ","), strings.Join(keysOf(g), ","); wk != gk {
			t.Errorf("%s has fields\n  %s\nwant\n  %s", path, gk, wk)
			return
		}
		for k := range w {
			if s, ok := g[k].(string); ok && (strings.HasSuffix(k, "_at") || strings.HasPrefix(k, "scheduled_")) && !statuspageTimeRE.MatchString(s) {
				t.Errorf("%s.%s = %q, want ISO 8601 with milliseconds and the page's offset", path, k, s)
			}
			sameShape(t, path+"."+k, w[k], g[k])
		}
	case []any:
		g := got.([]any)
		if len(w) == 0 {
			return // nothing to compare with
		}
		// Elements are told apart by their keys.
		shape := func(v any) string {
			if m, ok := v.(map[string]any); ok {
				return strings.Join(keysOf(m), ",")
			}
			return jsonKind(v)
		}
		seen := map[string]bool{}
		for i, ge := range g {
			like := w[0]
			for _, we := range w {
				if shape(we) == shape(ge) {
					like = we
					break
				}
			}
			sameShape(t, fmt.Sprintf("%s[%d]", path, i), like, ge)
			seen[shape(ge)] = true
		}
		for j, we := range w {
			if !seen[shape(we)] && len(g) > 0 {
				t.Errorf("%s: nothing like the example's element %d", path, j)
			}
		}
	}
}

func loadExample(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile("testdata/statuspage-v2-summary.example.json")
	if err != nil {
		t.Fatal(err)
	}
	var example map[string]any
	if err := json.Unmarshal(data, &example); err != nil {
		t.Fatal(err)
	}
	return example
}

func idsIn(list any) string {
	var ids []string
	for _, e := range list.([]any) {
		ids = append(ids, e.(map[string]any)["id"].(string))
	}
	return strings.Join(ids, " ")
}

// The summary has Statuspage's shape, field by field, and says what the
// page shows: only public updates, newest first.
func TestV2Summary(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFeedFixture(t, db)
		a := newTestApp(t, db, nil)
		h := a.Handler()
		pageID, err := db.GetSetting(context.Background(), models.SettingPageID)
		if err != nil {
			t.Fatal(err)
		}
		doc := getV2(t, h, "/api/v2/summary.json")
		example := loadExample(t)
		sameShape(t, "summary", example, doc)

		page := doc["page"].(map[string]any)
		if page["id"] != pageID || page["name"] != "Acme Cloud" || page["url"] != "https://status.acme.test" || page["time_zone"] != "Europe/Berlin" {
			t.Errorf("page = %v", page)
		}
		// The incident is monitoring, its API degraded: the components say how things are.
		if st := doc["status"].(map[string]any); st["indicator"] != "minor" || st["description"] != "Partially Degraded Service" {
			t.Errorf("status = %v, want minor Partially Degraded Service", st)
		}
		comps := doc["components"].([]any)
		if got, want := idsIn(comps), strings.Join([]string{f.core.ID, f.api.ID, f.web.ID, f.billing.ID}, " "); got != want {
			t.Errorf("components = %s, want %s", got, want)
		}
		group := comps[0].(map[string]any)
		if group["group"] != true || fmt.Sprint(group["components"]) != fmt.Sprint([]any{f.api.ID, f.web.ID}) ||
			group["status"] != models.DegradedPerformance {
			t.Errorf("group = %v", group)
		}
		if api := comps[1].(map[string]any); api["group_id"] != f.core.ID || api["page_id"] != pageID || api["status"] != models.DegradedPerformance {
			t.Errorf("API component = %v", api)
		}
		if got := idsIn(doc["incidents"]); got != f.open.ID {
			t.Fatalf("incidents = %s, want the open one %s", got, f.open.ID)
		}
		in := doc["incidents"].([]any)[0].(map[string]any)
		if in["shortlink"] != "https://status.acme.test/incidents/"+f.open.ID || in["impact"] != "major" || in["status"] != "monitoring" {
			t.Errorf("incident = %v", in)
		}
		ups := in["incident_updates"].([]any)
		var statuses []string
		for _, u := range ups {
			statuses = append(statuses, u.(map[string]any)["status"].(string))
		}
		if strings.Join(statuses, " ") != "monitoring identified investigating" {
			t.Errorf("updates = %v, want the three public ones, newest first", statuses)
		}
		if ac := ups[1].(map[string]any)["affected_components"]; ac != nil {
			t.Errorf("an update without changes has affected_components %v, want null", ac)
		}
		ac := ups[0].(map[string]any)["affected_components"].([]any)[0].(map[string]any)
		if ac["code"] != f.api.ID || ac["old_status"] != models.PartialOutage || ac["new_status"] != models.DegradedPerformance {
			t.Errorf("affected component = %v", ac)
		}
		if got := idsIn(doc["scheduled_maintenances"]); got != f.maint.ID {
			t.Errorf("scheduled_maintenances = %s, want %s", got, f.maint.ID)
		}
		m := doc["scheduled_maintenances"].([]any)[0].(map[string]any)
		if m["impact"] != "maintenance" || m["status"] != "scheduled" || m["scheduled_for"] == nil || m["scheduled_until"] == nil {
			t.Errorf("maintenance = %v", m)
		}
	})
}

// The list endpoints hold the right incidents or maintenance, in
// Statuspage's shapes.
func TestV2Lists(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFeedFixture(t, db)
		h := newTestApp(t, db, nil).Handler()
		example := loadExample(t)
		summary := getV2(t, h, "/api/v2/summary.json")

		status := getV2(t, h, "/api/v2/status.json")
		sameShape(t, "status.json", map[string]any{"page": example["page"], "status": example["status"]}, status)
		if fmt.Sprint(status["status"]) != fmt.Sprint(summary["status"]) {
			t.Errorf("status.json status = %v, summary's %v", status["status"], summary["status"])
		}
		comps := getV2(t, h, "/api/v2/components.json")
		sameShape(t, "components.json", map[string]any{"page": example["page"], "components": example["components"]}, comps)
		if fmt.Sprint(comps["components"]) != fmt.Sprint(summary["components"]) {
			t.Error("components.json differs from the summary's components")
		}

		incidents := func(path string) string {
			doc := getV2(t, h, path)
			sameShape(t, path, map[string]any{"page": example["page"], "incidents": example["incidents"]}, doc)
			return idsIn(doc["incidents"])
		}
		maintenance := func(path string) string {
			doc := getV2(t, h, path)
			sameShape(t, path, map[string]any{"page": example["page"], "scheduled_maintenances": example["scheduled_maintenances"]}, doc)
			return idsIn(doc["scheduled_maintenances"])
		}
		for _, tt := range []struct {
			got, want string
		}{
			{incidents("/api/v2/incidents.json"), f.open.ID + " " + f.resolved.ID},
			{incidents("/api/v2/incidents/unresolved.json"), f.open.ID},
			{maintenance("/api/v2/scheduled-maintenances.json"), f.maint.ID},
			{maintenance("/api/v2/scheduled-maintenances/upcoming.json"), f.maint.ID},
			{maintenance("/api/v2/scheduled-maintenances/active.json"), ""},
		} {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		}
		if rec := get(t, h, "/api/v2/incidents.json"); rec.Header().Get("X-Total-Count") != "2" {
			t.Errorf("X-Total-Count = %q, want 2", rec.Header().Get("X-Total-Count"))
		}

		// Started: active, no longer upcoming.
		postUpdate(t, db, f.maint.ID, models.NewUpdate{Status: models.InProgress, Body: "Started early."})
		h = newTestApp(t, db, nil).Handler() // changed behind the App's back: a fresh snapshot
		if got := maintenance("/api/v2/scheduled-maintenances/active.json"); got != f.maint.ID {
			t.Errorf("active = %q, want %s", got, f.maint.ID)
		}
		if got := maintenance("/api/v2/scheduled-maintenances/upcoming.json"); got != "" {
			t.Errorf("upcoming = %q, want none", got)
		}
		if st := getV2(t, h, "/api/v2/status.json")["status"].(map[string]any); st["indicator"] != "minor" {
			t.Errorf("status during maintenance and a monitoring incident = %v, want the degraded API's minor", st)
		}
	})
}

// incidents.json holds the 50 most recent; page and per_page reach the
// rest; bad values are a 400 naming the parameter.
func TestV2IncidentsPaging(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		now := time.Now().UTC().Truncate(time.Second)
		var ids []string // newest first
		for i := 0; i < 55; i++ {
			in := openIncident(t, db, models.NewIncident{Name: fmt.Sprintf("Incident %02d", i), Body: "x",
				StartedAt: now.Add(-time.Duration(55-i) * time.Minute)})
			ids = append([]string{in.ID}, ids...)
		}
		h := newTestApp(t, db, nil).Handler()
		for _, tt := range []struct {
			query string
			want  []string
			link  string
		}{
			{"", ids[:50], `</api/v2/incidents.json?page=2&per_page=50>; rel="next"`},
			{"?page=2", ids[50:], `</api/v2/incidents.json?page=1&per_page=50>; rel="prev"`},
			{"?per_page=10&page=3", ids[20:30], `</api/v2/incidents.json?page=4&per_page=10>; rel="next", </api/v2/incidents.json?page=2&per_page=10>; rel="prev"`},
			{"?per_page=100", ids, ""},
			{"?page=9", nil, `</api/v2/incidents.json?page=8&per_page=50>; rel="prev"`},
		} {
			path := "/api/v2/incidents.json" + tt.query
			if tt.want == nil {
				// A page past the last is empty, and no cache keeps it (the
				// snapshot neither: security review, issue 20).
				rec := get(t, h, path)
				var doc map[string]any
				if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || rec.Code != http.StatusOK ||
					rec.Header().Get("Cache-Control") != "no-store" || idsIn(doc["incidents"]) != "" {
					t.Errorf("GET %s = %d, Cache-Control %q, %s; want 200, no-store and no incidents", path, rec.Code, rec.Header().Get("Cache-Control"), rec.Body)
				}
			} else if doc := getV2(t, h, path); idsIn(doc["incidents"]) != strings.Join(tt.want, " ") {
				t.Errorf("GET %s: %d incidents, want %d", path, len(doc["incidents"].([]any)), len(tt.want))
			}
			rec := get(t, h, path)
			if rec.Header().Get("X-Total-Count") != "55" || rec.Header().Get("Link") != tt.link {
				t.Errorf("GET %s: X-Total-Count %q, Link %q, want 55, %q", path, rec.Header().Get("X-Total-Count"), rec.Header().Get("Link"), tt.link)
			}
		}
		for _, tt := range []struct {
			query, field string
			code         int
		}{
			{"?page=0", "page", 400}, {"?page=two", "page", 400}, {"?page=-1", "page", 400},
			{"?per_page=0", "per_page", 400}, {"?per_page=101", "per_page", 422}, {"?per_page=x", "per_page", 400},
			{"?limit=1000", "limit", 422},
		} {
			for _, path := range []string{"/api/v2/incidents.json", "/api/v2/scheduled-maintenances.json"} {
				rec := get(t, h, path+tt.query)
				var e apiErr
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != tt.code ||
					len(e.Fields) != 1 || e.Fields[0].Field != tt.field || !strings.Contains(e.Error, tt.field) {
					t.Errorf("GET %s%s = %d %s, want %d naming %s", path, tt.query, rec.Code, rec.Body.String(), tt.code, tt.field)
				}
				if rec.Header().Get("Access-Control-Allow-Origin") != "*" {
					t.Errorf("GET %s%s: an error without CORS", path, tt.query)
				}
			}
		}
	})
}

// A component's daily uptime over 90 days, as the page's bars show it.
func TestV2ComponentUptime(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		loc := berlin(t)
		now := time.Now().In(loc)
		day := func(back, hh int) time.Time {
			return time.Date(now.Year(), now.Month(), now.Day()-back, hh, 0, 0, 0, loc)
		}
		group := addComponent(t, db, models.Component{Name: "Core", IsGroup: true})
		api := addComponent(t, db, models.Component{Name: "API", GroupID: &group.ID, CreatedAt: day(30, 12)})
		in := openIncident(t, db, models.NewIncident{Name: "API down", Body: "Down.", StartedAt: day(2, 10),
			Components: map[string]string{api.ID: models.MajorOutage}})
		postUpdate(t, db, in.ID, models.NewUpdate{Status: models.Resolved, Body: "Up.", At: day(2, 11),
			Components: map[string]string{api.ID: models.Operational}})
		h := newTestApp(t, db, nil).Handler()

		doc := getV2(t, h, "/api/v2/components/"+api.ID+"/uptime.json")
		if c := doc["component"].(map[string]any); c["id"] != api.ID || c["name"] != "API" {
			t.Errorf("component = %v", c)
		}
		days := doc["days"].([]any)
		if len(days) != 90 {
			t.Fatalf("%d days, want 90", len(days))
		}
		for i, d := range days {
			d := d.(map[string]any)
			back := 89 - i
			if d["date"] != day(back, 0).Format("2006-01-02") {
				t.Errorf("day %d date %v, want %s", i, d["date"], day(back, 0).Format("2006-01-02"))
			}
			switch {
			case back > 30:
				if d["status"] != nil || d["uptime_percentage"] != nil || d["description"] != "No data" {
					t.Errorf("day %s before the component existed = %v", d["date"], d)
				}
			case back == 2:
				inc := d["incidents"].([]any)
				if d["status"] != models.MajorOutage || d["downtime_seconds"] != 3600.0 ||
					d["outage_seconds"].(map[string]any)[models.MajorOutage] != 3600.0 ||
					d["description"] != "Major outage for 1 hr" || len(inc) != 1 ||
					inc[0].(map[string]any)["id"] != in.ID || inc[0].(map[string]any)["shortlink"] != "https://status.acme.test/incidents/"+in.ID {
					t.Errorf("outage day = %v", d)
				}
				if p := d["uptime_percentage"].(float64); p < 95.8 || p > 95.9 {
					t.Errorf("outage day uptime %v, want 23/24", p)
				}
			default:
				if d["status"] != models.Operational || d["uptime_percentage"] != 100.0 || len(d["incidents"].([]any)) != 0 {
					t.Errorf("quiet day %s = %v", d["date"], d)
				}
			}
		}
		if p, ok := doc["uptime_percentage"].(float64); !ok || p >= 100 || p < 99.8 {
			t.Errorf("uptime_percentage = %v, want just under 100", doc["uptime_percentage"])
		}

		for _, id := range []string{"nosuchcomponent", group.ID, "Bad.ID"} {
			rec := get(t, h, "/api/v2/components/"+id+"/uptime.json")
			var e apiErr
			if json.Unmarshal(rec.Body.Bytes(), &e); rec.Code != http.StatusNotFound || e.Error == "" {
				t.Errorf("uptime of %s = %d %s, want a JSON 404", id, rec.Code, rec.Body.String())
			}
		}
	})
}

// publicReads are one path of each kind of public read, filled in with
// the fixture's ids.
func publicReads(f *feedFixture) []string {
	return []string{
		"/history.atom", "/history.rss", "/history.json",
		"/components/" + f.api.ID + "/history.atom", "/incidents/" + f.open.ID + ".json",
		"/badge.svg", "/components/" + f.api.ID + "/badge.svg", "/widget.js",
		"/api/v2/summary.json", "/api/v2/status.json", "/api/v2/components.json",
		"/api/v2/components/" + f.api.ID + "/uptime.json",
		"/api/v2/incidents.json", "/api/v2/incidents/unresolved.json",
		"/api/v2/scheduled-maintenances.json", "/api/v2/scheduled-maintenances/upcoming.json",
		"/api/v2/scheduled-maintenances/active.json",
	}
}

// Every public read: any origin may read it, a matching ETag or
// If-Modified-Since gets 304, HEAD gets the headers only, gzip is offered,
// and a preflight is answered.
func TestPublicReadsConditionalGET(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFeedFixture(t, db)
		h := newTestApp(t, db, nil).Handler()
		request := func(method, path string, headers ...string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(method, path, nil)
			for i := 0; i+1 < len(headers); i += 2 {
				req.Header.Set(headers[i], headers[i+1])
			}
			return serve(h, req)
		}
		for _, path := range publicReads(f) {
			t.Run(strings.ReplaceAll(path, "/", "_"), func(t *testing.T) {
				full := request(http.MethodGet, path)
				etag, modified := full.Header().Get("ETag"), full.Header().Get("Last-Modified")
				if full.Code != http.StatusOK || full.Body.Len() == 0 || !strings.HasPrefix(etag, `"`) ||
					full.Header().Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(full.Header().Get("Cache-Control"), "max-age=") {
					t.Fatalf("GET = %d, ETag %q, headers %v", full.Code, etag, full.Header())
				}

				for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
					rec := request(http.MethodGet, path, "If-None-Match", inm)
					if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 || rec.Header().Get("ETag") != etag ||
						rec.Header().Get("Access-Control-Allow-Origin") != "*" {
						t.Errorf("If-None-Match %s = %d (%d bytes), want an empty 304 with the ETag", inm, rec.Code, rec.Body.Len())
					}
				}
				if rec := request(http.MethodGet, path, "If-None-Match", `W/"stale"`); rec.Code != http.StatusOK || rec.Body.String() != full.Body.String() {
					t.Errorf("a stale ETag = %d, want 200 with the body", rec.Code)
				}
				if modified != "" {
					if rec := request(http.MethodGet, path, "If-Modified-Since", modified); rec.Code != http.StatusNotModified {
						t.Errorf("If-Modified-Since its Last-Modified = %d, want 304", rec.Code)
					}
					old := time.Now().Add(-365 * 24 * time.Hour).UTC().Format(http.TimeFormat)
					if rec := request(http.MethodGet, path, "If-Modified-Since", old); rec.Code != http.StatusOK {
						t.Errorf("If-Modified-Since a year ago = %d, want 200", rec.Code)
					}
					// If-None-Match wins over If-Modified-Since.
					if rec := request(http.MethodGet, path, "If-None-Match", `W/"stale"`, "If-Modified-Since", modified); rec.Code != http.StatusOK {
						t.Errorf("a stale ETag with a current If-Modified-Since = %d, want 200", rec.Code)
					}
				}

				head := request(http.MethodHead, path)
				if head.Code != http.StatusOK || head.Body.Len() != 0 || head.Header().Get("ETag") != etag ||
					head.Header().Get("Content-Type") != full.Header().Get("Content-Type") {
					t.Errorf("HEAD = %d (%d bytes), ETag %q, Content-Type %q", head.Code, head.Body.Len(), head.Header().Get("ETag"), head.Header().Get("Content-Type"))
				}

				zipped := request(http.MethodGet, path, "Accept-Encoding", "gzip")
				if zt := zipped.Header().Get("ETag"); zipped.Header().Get("Content-Encoding") != "gzip" || zt == etag || !strings.HasPrefix(zt, `"`) {
					t.Fatalf("gzip: Content-Encoding %q, ETag %q", zipped.Header().Get("Content-Encoding"), zipped.Header().Get("ETag"))
				}
				zr, err := gzip.NewReader(zipped.Body)
				if err != nil {
					t.Fatal(err)
				}
				if body, err := io.ReadAll(zr); err != nil || string(body) != full.Body.String() {
					t.Errorf("gzip body differs from the plain one (%v)", err)
				}

				pre := request(http.MethodOptions, path, "Origin", "https://customer.example", "Access-Control-Request-Method", "GET",
					"Access-Control-Request-Headers", "if-none-match")
				if pre.Code != http.StatusNoContent || pre.Header().Get("Access-Control-Allow-Origin") != "*" ||
					!strings.Contains(pre.Header().Get("Access-Control-Allow-Methods"), "GET") ||
					!strings.Contains(pre.Header().Get("Access-Control-Allow-Headers"), "If-None-Match") {
					t.Errorf("preflight = %d %v", pre.Code, pre.Header())
				}
			})
		}
	})
}
