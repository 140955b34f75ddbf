package app_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

func TestStatusPageEmpty(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		body := wantPage(t, get(t, h, "/"), http.StatusOK)
		indicator, text := banner(t, body)
		if indicator != "none" || text != "All Systems Operational" {
			t.Errorf("banner = %s %q, want none \"All Systems Operational\"", indicator, text)
		}
		contains(t, body, "<title>Acme Cloud status</title>", `<a class="brand" href="/">Acme Cloud</a>`,
			"Times shown in Europe/Berlin", `href="/history"`)
		lacks(t, body, "Active incidents", "Scheduled maintenance", "System status")
	})
}

func TestStatusPageBanner(t *testing.T) {
	t.Parallel() // one of the slowest: run beside the other slow, independent tests
	hour := time.Hour
	tests := []struct {
		name       string
		statuses   []string // one component each
		incident   *models.NewIncident
		maintained bool // an in-progress maintenance
		scheduled  bool // a maintenance in the future
		indicator  string
		text       string
	}{
		{name: "operational", statuses: []string{models.Operational, models.Operational},
			indicator: "none", text: "All Systems Operational"},
		{name: "major outage", statuses: []string{models.Operational, models.MajorOutage, models.DegradedPerformance},
			indicator: "critical", text: "Major System Outage"},
		{name: "partial outage", statuses: []string{models.PartialOutage, models.DegradedPerformance},
			indicator: "major", text: "Partial System Outage"},
		{name: "degraded only", statuses: []string{models.Operational, models.DegradedPerformance},
			indicator: "minor", text: "Partially Degraded Service"},
		{name: "component under maintenance", statuses: []string{models.UnderMaintenance, models.Operational},
			indicator: "maintenance", text: "Service Under Maintenance"},
		{name: "in-progress maintenance only", statuses: []string{models.Operational}, maintained: true,
			indicator: "maintenance", text: "Service Under Maintenance"},
		{name: "scheduled maintenance only", statuses: []string{models.Operational}, scheduled: true,
			indicator: "none", text: "All Systems Operational"},
		{name: "degraded during maintenance", statuses: []string{models.DegradedPerformance}, maintained: true,
			indicator: "minor", text: "Partially Degraded Service"},
		{name: "open incident, components operational", statuses: []string{models.Operational},
			incident:  &models.NewIncident{Name: "Login trouble", Impact: models.ImpactMajor, Body: "Looking."},
			indicator: "major", text: "Partial System Outage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *models.DB) {
				now := time.Now()
				var first string
				for i, st := range tt.statuses {
					c := addComponent(t, db, models.Component{Name: "Component " + string(rune('A'+i)), Status: st, Position: i})
					if first == "" {
						first = c.ID
					}
				}
				if tt.incident != nil {
					openIncident(t, db, *tt.incident)
				}
				if tt.maintained {
					from, until := now.Add(-hour), now.Add(hour)
					in := openIncident(t, db, models.NewIncident{Kind: models.KindMaintenance, Name: "Router swap",
						ComponentIDs: []string{first}, StartedAt: now.Add(-24 * hour), ScheduledFor: &from, ScheduledUntil: &until})
					postUpdate(t, db, in.ID, models.NewUpdate{Status: models.InProgress, Body: "Started."})
				}
				if tt.scheduled {
					from, until := now.Add(24*hour), now.Add(26*hour)
					openIncident(t, db, models.NewIncident{Kind: models.KindMaintenance, Name: "Router swap",
						ComponentIDs: []string{first}, ScheduledFor: &from, ScheduledUntil: &until})
				}
				body := wantPage(t, get(t, newTestApp(t, db, nil).Handler(), "/"), http.StatusOK)
				indicator, text := banner(t, body)
				if indicator != tt.indicator || text != tt.text {
					t.Errorf("banner = %s %q, want %s %q", indicator, text, tt.indicator, tt.text)
				}
				if tt.maintained || tt.scheduled {
					inOrder(t, body, "Scheduled maintenance", "Router swap", "System status")
				}
			})
		})
	}
}

func TestStatusPageComponents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		edge := addComponent(t, db, models.Component{Name: "Edge network", IsGroup: true, Position: 2})
		core := addComponent(t, db, models.Component{Name: "Core platform", IsGroup: true, Position: 1})
		quiet := addComponent(t, db, models.Component{Name: "Regional mirrors", IsGroup: true, Position: 4})
		addComponent(t, db, models.Component{Name: "API", GroupID: &core.ID, Position: 2, Showcase: true,
			Description: "REST API and tokens."})
		addComponent(t, db, models.Component{Name: "Web app", GroupID: &core.ID, Position: 1, Showcase: true,
			Status: models.PartialOutage})
		addComponent(t, db, models.Component{Name: "CDN Europe", GroupID: &edge.ID, Position: 1, Showcase: true})
		search := addComponent(t, db, models.Component{Name: "Search", GroupID: &edge.ID, Position: 2,
			Showcase: true, OnlyShowIfDegraded: true})
		mirror := addComponent(t, db, models.Component{Name: "Mirror Asia", GroupID: &quiet.ID, Position: 1,
			OnlyShowIfDegraded: true})
		addComponent(t, db, models.Component{Name: "Billing", Position: 3, Showcase: false})

		h := newTestApp(t, db, nil).Handler()
		body := wantPage(t, get(t, h, "/"), http.StatusOK)
		// Groups by position, members by position inside them, the
		// ungrouped component where its position puts it.
		inOrder(t, body,
			"<h3>Core platform</h3>", `status-partial_outage`,
			`component-name">Web app<`, `component-name">API<`, "REST API and tokens.",
			"<h3>Edge network</h3>", `component-name">CDN Europe<`,
			`component-name">Billing<`)
		// Hidden while operational, and a group with nothing to show is dropped.
		lacks(t, body, "Search", "Mirror Asia", "Regional mirrors")

		// Showcased components have a 90-day bar with their uptime; others none.
		api := componentItem(t, body, "API")
		if n := strings.Count(api, `<i class="day-`) + strings.Count(api, `<span class="day-`); n != view.UptimeDays {
			t.Errorf("API has %d uptime days, want %d", n, view.UptimeDays)
		}
		contains(t, api, "100.00% uptime", `aria-label="API uptime, last 90 days"`)
		billing := componentItem(t, body, "Billing")
		lacks(t, billing, `class="uptime"`, `class="bars"`, "uptime")
		contains(t, billing, "status-operational")

		// Degraded: now shown, with its group.
		if err := db.SetComponentStatus(ctx, search.ID, models.DegradedPerformance, "test"); err != nil {
			t.Fatal(err)
		}
		if err := db.SetComponentStatus(ctx, mirror.ID, models.MajorOutage, "test"); err != nil {
			t.Fatal(err)
		}
		h = newTestApp(t, db, nil).Handler() // changed behind the App's back: a fresh snapshot
		body = wantPage(t, get(t, h, "/"), http.StatusOK)
		inOrder(t, body, "<h3>Edge network</h3>", `component-name">CDN Europe<`, `component-name">Search<`,
			`component-name">Billing<`, "<h3>Regional mirrors</h3>", `component-name">Mirror Asia<`)
		contains(t, componentItem(t, body, "Search"), "status-degraded_performance", "Degraded Performance")
		if _, text := banner(t, body); text != "Major System Outage" {
			t.Errorf("banner = %q, want Major System Outage", text)
		}
	})
}

var barRE = regexp.MustCompile(`<(?:i|span) class="day-([a-z]+)"[^>]*? aria-label="([^"]*)"(?:><span class="tip">[^<]*((?:<a [^>]*>[^<]*</a>)*))?`)

// A component's uptime bar: no data before it existed, each day's worst
// status and what happened, and the uptime over the time it existed.
func TestStatusPageUptimeBar(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		loc := berlin(t)
		now := time.Now().In(loc)
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
		day := func(back, hh, mm int) time.Time {
			return time.Date(today.Year(), today.Month(), today.Day()-back, hh, mm, 0, 0, loc)
		}
		created := day(30, 12, 0)
		api := addComponent(t, db, models.Component{Name: "API", Showcase: true, CreatedAt: created})
		in := openIncident(t, db, models.NewIncident{Name: "API down", Body: "Down.", StartedAt: day(1, 10, 0),
			Components: map[string]string{api.ID: models.MajorOutage}})
		postUpdate(t, db, in.ID, models.NewUpdate{Status: models.Monitoring, Body: "Recovering.", At: day(1, 11, 0),
			Components: map[string]string{api.ID: models.DegradedPerformance}})
		postUpdate(t, db, in.ID, models.NewUpdate{Status: models.Resolved, Body: "Fine.", At: day(1, 11, 30),
			Components: map[string]string{api.ID: models.Operational}})

		item := componentItem(t, wantPage(t, get(t, newTestApp(t, db, nil).Handler(), "/"), http.StatusOK), "API")
		bars := barRE.FindAllStringSubmatch(item, -1)
		if len(bars) != view.UptimeDays {
			t.Fatalf("%d bars, want %d", len(bars), view.UptimeDays)
		}
		for i, b := range bars {
			back := view.UptimeDays - 1 - i
			date := day(back, 0, 0).Format("Jan 2, 2006")
			level, label := "operational", date+": No downtime"
			switch {
			case back > 30:
				level, label = "nodata", date+": No data"
			case back == 1:
				level, label = "major", date+": Major outage for 1 hr, degraded performance for 30 mins"
				if !strings.Contains(b[3], ">API down</a>") {
					t.Errorf("bar %d does not link its incident: %q", i, b[0])
				}
			}
			if b[1] != level || b[2] != label {
				t.Errorf("bar %d = day-%s %q, want day-%s %q", i, b[1], b[2], level, label)
			}
		}
		m := regexp.MustCompile(`([0-9.]+)% uptime`).FindStringSubmatch(item)
		if m == nil {
			t.Fatal("no uptime percentage")
		}
		got, _ := strconv.ParseFloat(m[1], 64)
		// Downtime over the time the component existed only.
		want := 100 * (1 - float64(time.Hour)/float64(time.Since(created)))
		if math.Abs(got-want) > 0.006 {
			t.Errorf("uptime %s%%, want %.2f%%", m[1], want)
		}
	})
}

func TestIncidentPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		now := time.Now().UTC().Truncate(time.Second)
		api := addComponent(t, db, models.Component{Name: "API", Showcase: true, CreatedAt: now.AddDate(0, 0, -10)})
		started, identified, monitoring := now.Add(-2*time.Hour), now.Add(-90*time.Minute), now.Add(-30*time.Minute)
		in := openIncident(t, db, models.NewIncident{Name: "Elevated error rates",
			Body:       "We are **investigating** errors on the API.",
			Components: map[string]string{api.ID: models.MajorOutage}, StartedAt: started})
		postUpdate(t, db, in.ID, models.NewUpdate{Status: models.Identified, At: identified,
			Body: "Cause found in the gateway. <script>alert(1)</script> <img src=x onerror=alert(2)> [details](javascript:alert(3))"})
		postUpdate(t, db, in.ID, models.NewUpdate{Status: models.Monitoring, At: monitoring,
			Body: "A fix is deployed; we are watching error rates.", Components: map[string]string{api.ID: models.DegradedPerformance}})

		h := newTestApp(t, db, nil).Handler()

		// The index shows the incident with its latest update only.
		body := wantPage(t, get(t, h, "/"), http.StatusOK)
		if indicator, text := banner(t, body); indicator != "minor" || text != "Partially Degraded Service" {
			t.Errorf("banner = %s %q, want minor Partially Degraded Service (the components', not the monitoring incident's impact)", indicator, text)
		}
		inOrder(t, body, "Active incidents", `href="/incidents/`+in.ID+`">Elevated error rates</a>`,
			`update-status">Monitoring<`, timeElement(t, monitoring), "A fix is deployed; we are watching error rates.",
			"System status", `component-name">API<`)
		lacks(t, body, "Cause found", "<strong>investigating</strong>")
		contains(t, componentItem(t, body, "API"), "status-degraded_performance", `href="/incidents/`+in.ID+`"`)

		// The incident page shows every public update, newest first.
		body = wantPage(t, get(t, h, "/incidents/"+in.ID), http.StatusOK)
		contains(t, body, "<title>Elevated error rates · Acme Cloud status</title>", `<h1 id="incident-title">Elevated error rates</h1>`)
		inOrder(t, body,
			`update-status">Monitoring<`, timeElement(t, monitoring), "A fix is deployed; we are watching error rates.",
			`update-status">Identified<`, timeElement(t, identified), "Cause found in the gateway.",
			`update-status">Investigating<`, timeElement(t, started), "We are <strong>investigating</strong> errors on the API.")
		if zone := now.In(berlin(t)).Format("MST"); !strings.Contains(body, " "+zone+"</time>") {
			t.Errorf("times are not shown in %s:\n%s", zone, body)
		}
		lacks(t, body, "<script>alert", "alert(1)</script>", "onerror", `href="javascript:`)
		if n := strings.Count(body, `<li class="timeline-item`); n != 3 {
			t.Errorf("timeline has %d items, want 3", n)
		}
	})
}

// An incident across the spring DST change shows each time with the zone
// abbreviation it had.
func TestIncidentPageTimeZones(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		started := time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC) // 01:30 CET
		resolved := time.Date(2026, 3, 29, 2, 0, 0, 0, time.UTC) // 04:00 CEST
		in := openIncident(t, db, models.NewIncident{Name: "Night outage", Body: "Down.", StartedAt: started})
		postUpdate(t, db, in.ID, models.NewUpdate{Status: models.Resolved, Body: "Back up.", At: resolved})

		body := wantPage(t, get(t, newTestApp(t, db, nil).Handler(), "/incidents/"+in.ID), http.StatusOK)
		contains(t, body,
			`<time datetime="2026-03-29T01:30:00.000&#43;01:00" data-local>Mar 29, 2026 01:30 CET</time>`,
			`<time datetime="2026-03-29T04:00:00.000&#43;02:00" data-local>Mar 29, 2026 04:00 CEST</time>`,
			"<dd>1 hr 30 mins</dd>", "status-resolved")
		inOrder(t, body, "Back up.", "Down.")

		// The same incident in UTC.
		body = wantPage(t, get(t, newTestApp(t, db, map[string]string{"PAGE_TIME_ZONE": "UTC"}).Handler(), "/incidents/"+in.ID), http.StatusOK)
		contains(t, body, `<time datetime="2026-03-29T00:30:00.000Z" data-local>Mar 29, 2026 00:30 UTC</time>`)
	})
}

func TestNotFound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		for _, path := range []string{"/incidents/nosuchid", "/incidents/" + models.NewID(), "/nope", "/history/nope"} {
			t.Run(path, func(t *testing.T) {
				body := wantPage(t, get(t, h, path), http.StatusNotFound)
				contains(t, body, `<link rel="stylesheet" href="/static/css/app.`, "Page not found", `<p class="error-code">404</p>`)
			})
		}

		// Malformed ids are a client's mistake, never a server error.
		for _, raw := range []string{"/incidents/%zz", "/incidents/UPPER!!", "/incidents/a%2Fb", "/incidents/" + strings.Repeat("a", 65)} {
			t.Run(raw, func(t *testing.T) {
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				req.RequestURI, req.URL.Path, req.URL.RawPath = raw, raw, raw
				rec := serve(h, req)
				if rec.Code != http.StatusNotFound && rec.Code != http.StatusBadRequest {
					t.Errorf("GET %s = %d, want 404 or 400", raw, rec.Code)
				}
			})
		}

		// (/api itself is the page describing the API, since issue 15.)
		for _, path := range []string{"/api/v2/nope", "/v1/nope", "/api/nope"} {
			t.Run(path, func(t *testing.T) {
				rec := get(t, h, path)
				if rec.Code != http.StatusNotFound {
					t.Fatalf("status = %d, want 404", rec.Code)
				}
				if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type = %q, want application/json", ct)
				}
				var got map[string]any
				if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
					t.Fatalf("body is not JSON: %v: %s", err, rec.Body)
				}
				if msg, _ := got["error"].(string); msg == "" {
					t.Errorf(`body = %s, want {"error": "..."}`, rec.Body)
				}
			})
		}
	})
}

func TestHistory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		loc := berlin(t)
		now := time.Now().In(loc)
		thisMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
		month := func(back int) time.Time { return thisMonth.AddDate(0, -back, 0) }
		heading := func(back int) string { return ">" + month(back).Format("January 2006") + "</h2>" }

		h := newTestApp(t, db, nil).Handler()

		// Empty: three empty months and no pager.
		body := wantPage(t, get(t, h, "/history"), http.StatusOK)
		inOrder(t, body, heading(0), "No incidents reported this month.", heading(1), heading(2))
		lacks(t, body, "Newer", "Older", heading(3))

		openIncident(t, db, models.NewIncident{Name: "Search is slow", Body: "Looking.",
			StartedAt: thisMonth.Add(now.Sub(thisMonth) / 2)})
		paid := openIncident(t, db, models.NewIncident{Name: "Payment failures", Body: "Looking.", Impact: models.ImpactMajor,
			StartedAt: month(1).AddDate(0, 0, 9).Add(12 * time.Hour)})
		postUpdate(t, db, paid.ID, models.NewUpdate{Status: models.Resolved, Body: "Payments work again.",
			At: paid.StartedAt.Add(time.Hour)})
		openIncident(t, db, models.NewIncident{Name: "Old outage", Body: "Long ago.",
			StartedAt: month(4).AddDate(0, 0, 4).Add(12 * time.Hour)})

		h = newTestApp(t, db, nil).Handler() // changed behind the App's back: a fresh snapshot
		body = wantPage(t, get(t, h, "/history"), http.StatusOK)
		inOrder(t, body,
			heading(0), "Search is slow",
			heading(1), "Payment failures", "status-resolved", "Resolved</span>", "Resolved "+timeElement(t, paid.StartedAt.Add(time.Hour)),
			"Payments work again.",
			heading(2), "No incidents reported this month.",
			"Page 1 of 2", `<a class="pager-older" href="/history?page=2" rel="next">`)
		lacks(t, body, "Old outage", "Newer", heading(3))

		body = wantPage(t, get(t, h, "/history?page=2"), http.StatusOK)
		inOrder(t, body, `<h1>Incident history</h1>`, heading(3), heading(4), "Old outage", heading(5),
			`<a class="pager-newer" href="/history" rel="prev">`, "Page 2 of 2")
		lacks(t, body, "Search is slow", "Payment failures", "Older")

		for _, page := range []string{"3", "999"} {
			wantPage(t, get(t, h, "/history?page="+page), http.StatusNotFound)
		}
		for _, page := range []string{"abc", "0", "-1", "1.5", "99999999999999999999"} {
			t.Run("page="+page, func(t *testing.T) {
				body := wantPage(t, get(t, h, "/history?page="+page), http.StatusBadRequest)
				m := errorMessageRE.FindStringSubmatch(body)
				if m == nil || !strings.Contains(m[1], "page") {
					t.Errorf("error message %q does not name the page parameter", m)
				}
			})
		}
	})
}

func TestHead(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		addComponent(t, db, models.Component{Name: "API", Showcase: true})
		h := newTestApp(t, db, nil).Handler()
		for _, path := range []string{"/", "/history"} {
			rec := serve(h, httptest.NewRequest(http.MethodHead, path, nil))
			if rec.Code != http.StatusOK {
				t.Errorf("HEAD %s = %d, want 200", path, rec.Code)
			}
			if rec.Body.Len() != 0 {
				t.Errorf("HEAD %s has a %d-byte body", path, rec.Body.Len())
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("HEAD %s Content-Type = %q, want text/html", path, ct)
			}
		}
	})
}

func TestGzipPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		rec := serve(h, req)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("GET / with gzip = %d, Content-Encoding %q, want 200 gzip", rec.Code, rec.Header().Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		page, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("decompress: %v", err)
		}
		plain := get(t, h, "/").Body.String()
		if _, text := banner(t, string(page)); text != "All Systems Operational" || len(page) != len(plain) {
			t.Errorf("decompressed page has banner %q and %d bytes, want the plain page's %d", text, len(page), len(plain))
		}
	})
}

func TestHealth(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		if rec := get(t, h, "/healthz"); rec.Code != http.StatusOK {
			t.Errorf("/healthz = %d, want 200", rec.Code)
		}
		rec := get(t, h, "/readyz")
		var ready map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &ready); err != nil || rec.Code != http.StatusOK || ready["status"] != "ready" {
			t.Errorf(`/readyz = %d %s, want 200 {"status":"ready"}`, rec.Code, rec.Body)
		}
		if ready["database"] != string(db.Dialect) {
			t.Errorf("/readyz database = %v, want %s", ready["database"], db.Dialect)
		}

		// The database goes away.
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if rec := get(t, h, "/healthz"); rec.Code != http.StatusOK {
			t.Errorf("/healthz without a database = %d, want 200: the process is up", rec.Code)
		}
		rec = get(t, h, "/readyz")
		var down map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &down); err != nil || rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("/readyz without a database = %d %s, want 503 JSON", rec.Code, rec.Body)
		}
		if reason, _ := down["reason"].(string); reason == "" || down["status"] == "ready" {
			t.Errorf("/readyz body = %s, want a status other than ready and a reason", rec.Body)
		}
		lacks(t, rec.Body.String(), leaks...)

		// A page never served before has no snapshot to fall back on: 503,
		// saying the database is unavailable.
		body := wantPage(t, get(t, h, "/"), http.StatusServiceUnavailable)
		contains(t, body, `<p class="error-code">503</p>`, "database is unavailable", `<link rel="stylesheet" href="/static/css/app.`)
		lacks(t, body, leaks...)
		// In the reader's language (issue 19b).
		req := httptest.NewRequest(http.MethodGet, "/history", nil)
		req.Header.Set("Accept-Language", "ko")
		body = wantPage(t, serve(h, req), http.StatusServiceUnavailable)
		contains(t, body, `<html lang="ko"`, "서비스를 사용할 수 없음", "지금은 데이터베이스를 사용할 수 없습니다.")
		lacks(t, body, leaks...)
		body = wantPage(t, get(t, h, "/incidents/"+models.NewID()), http.StatusServiceUnavailable)
		lacks(t, body, leaks...)
	})
}

var stylesheetRE = regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)">`)

func TestStaticAssets(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		m := stylesheetRE.FindStringSubmatch(wantPage(t, get(t, h, "/"), http.StatusOK))
		if m == nil {
			t.Fatal("no stylesheet link on the status page")
		}
		css := m[1]
		if css == "/static/css/app.css" || !strings.HasPrefix(css, "/static/css/app.") {
			t.Errorf("stylesheet URL %q is not content-hashed", css)
		}
		rec := get(t, h, css)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d, want 200", css, rec.Code)
		}
		if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("Cache-Control = %q, want a long immutable cache", cc)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
			t.Errorf("Content-Type = %q, want text/css", ct)
		}
		if rec.Body.Len() == 0 {
			t.Error("stylesheet is empty")
		}
		for _, path := range []string{"/static/css/app.css", "/static/css/app.0000000000.css", "/static/"} {
			rec := get(t, h, path)
			if rec.Code != http.StatusNotFound {
				t.Errorf("GET %s = %d, want 404", path, rec.Code)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("GET %s: Content-Type %q, want the HTML 404 page", path, ct)
			}
		}
	})
}
