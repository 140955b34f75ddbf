package app_test

import (
	"bytes"
	"html/template"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/static"
)

// newRenderTestRenderer builds an view.Renderer over the real embedded templates.
func newRenderTestRenderer(t *testing.T) *view.Renderer {
	t.Helper()
	r, err := view.NewRenderer(static.New())
	if err != nil {
		t.Fatalf("NewRenderer: %v", err)
	}
	return r
}

// renderPage renders page with data and checks the rules every page must obey.
func renderPage(t *testing.T, r *view.Renderer, page string, data view.PageView) string {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Render(&buf, page, data); err != nil {
		t.Fatalf("Render(%s): %v", page, err)
	}
	out := buf.String()
	checkRenderedDocument(t, out)
	return out
}

// viewTime formats t the way the page builder does, in Europe/Berlin.
func viewTime(t time.Time) view.DisplayTime {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		loc = time.FixedZone("CET", 3600)
	}
	t = t.In(loc)
	return view.DisplayTime{
		ISO:   t.Format(time.RFC3339),
		Human: t.Format("Jan 2, 2006 15:04 MST"),
		Date:  t.Format("Jan 2, 2006"),
		Clock: t.Format("15:04 MST"),
	}
}

var renderNow = time.Date(2026, 11, 20, 13, 5, 0, 0, time.UTC)

// viewDays builds n days ending today with a realistic mix of levels.
func viewDays(n int, seed int) []view.DayView {
	days := make([]view.DayView, n)
	for i := range days {
		d := renderNow.AddDate(0, 0, i-n+1)
		day := view.DayView{
			Date:    d.Format("Jan 2, 2006"),
			ISODate: d.Format("2006-01-02"),
			Level:   "operational",
			Label:   "No downtime",
		}
		switch {
		case i < 5 && seed == 2:
			day.Level, day.Label = "nodata", "No data"
		case (i+seed)%23 == 7:
			day.Level, day.Label = "degraded", "Degraded performance for 45 mins"
		case i == 40:
			day.Level, day.Label = "maintenance", "Under maintenance for 2 hrs"
		case i == n-3:
			day.Level, day.Label = "partial", "Partial outage for 2 hrs 5 mins"
			day.Incidents = []view.IncidentLink{{Name: "Elevated API error rates", URL: "/incidents/inc-old"}}
		case i == n-1 && seed == 1:
			day.Level, day.Label = "major", "Major outage for 1 hr 12 mins"
			day.Incidents = []view.IncidentLink{{Name: "Checkout unavailable", URL: "/incidents/inc-1"}}
		}
		days[i] = day
	}
	return days
}

// viewFrame is the part of an view.PageView every page has.
func viewFrame(title string) view.PageView {
	return view.PageView{
		Page:      view.PageInfo{ID: "pg1", Name: "Acme Cloud", URL: "https://status.acme.test", TimeZone: "Europe/Berlin"},
		Title:     title,
		Status:    view.OverallStatus{Indicator: "major", Description: "Partial System Outage"},
		UpdatedAt: viewTime(renderNow),
	}
}

func viewUpdates() []view.UpdateView {
	return []view.UpdateView{
		{ID: "u3", Status: "monitoring", StatusLabel: "Monitoring", At: viewTime(renderNow.Add(-10 * time.Minute)),
			BodyHTML:   template.HTML("<p>A fix has been deployed; we are <strong>monitoring</strong> the results.</p>"),
			Components: []view.ComponentChange{{Name: "Checkout", OldStatus: "major_outage", NewStatus: "degraded_performance", NewLabel: "Degraded Performance"}}},
		{ID: "u2", Status: "identified", StatusLabel: "Identified", At: viewTime(renderNow.Add(-40 * time.Minute)),
			BodyHTML: template.HTML("<p>The cause is a failed database failover.</p>")},
		{ID: "u1", Status: "investigating", StatusLabel: "Investigating", At: viewTime(renderNow.Add(-70 * time.Minute)),
			BodyHTML: template.HTML("<p>Payments are failing for some customers.</p>"),
			Components: []view.ComponentChange{
				{Name: "Checkout", OldStatus: "operational", NewStatus: "major_outage", NewLabel: "Major Outage"},
				{Name: "API", OldStatus: "operational", NewStatus: "partial_outage", NewLabel: "Partial Outage"},
			}},
	}
}

func viewActiveIncident() view.IncidentSummary {
	u := viewUpdates()
	return view.IncidentSummary{
		ID: "inc-1", Name: "Checkout unavailable", URL: "/incidents/inc-1", Kind: "incident",
		Impact: "critical", Status: "monitoring", StatusLabel: "Monitoring", Latest: &u[0],
		CreatedAt: viewTime(renderNow.Add(-70 * time.Minute)), Components: []string{"Checkout", "API"},
	}
}

func viewMaintenance() view.IncidentSummary {
	return view.IncidentSummary{
		ID: "mnt-1", Name: "Database upgrade", URL: "/incidents/mnt-1", Kind: "maintenance",
		Impact: "maintenance", Status: "scheduled", StatusLabel: "Scheduled",
		Window:     "Nov 25, 02:00 – 04:00 CET",
		Latest:     &view.UpdateView{ID: "mu1", Status: "scheduled", StatusLabel: "Scheduled", At: viewTime(renderNow.Add(-48 * time.Hour)), BodyHTML: "<p>We will upgrade the primary database.</p>"},
		CreatedAt:  viewTime(renderNow.Add(-48 * time.Hour)),
		Components: []string{"API"},
	}
}

func viewIndex() view.PageView {
	p := viewFrame("")
	p.Path = "/"
	p.UptimeDays = 90
	p.Active = []view.IncidentSummary{viewActiveIncident()}
	p.Maintenances = []view.IncidentSummary{viewMaintenance()}
	p.Groups = []view.GroupView{
		{ID: "g0", Name: "", Status: "operational", StatusLabel: "Operational", Components: []view.ComponentView{
			{ID: "c1", Name: "Website", Description: "Marketing site and docs", Status: "operational", StatusLabel: "Operational", Uptime: "100.0%", Days: viewDays(90, 0)},
		}},
		{ID: "g1", Name: "Core Platform", Status: "major_outage", StatusLabel: "Major Outage", Components: []view.ComponentView{
			{ID: "c2", Name: "API", Status: "partial_outage", StatusLabel: "Partial Outage", Uptime: "99.87%", Days: viewDays(90, 1)},
			{ID: "c3", Name: "Checkout", Description: "Card payments", Status: "major_outage", StatusLabel: "Major Outage", Uptime: "99.12%", Days: viewDays(90, 1)},
			{ID: "c4", Name: "Search", Status: "degraded_performance", StatusLabel: "Degraded Performance", Uptime: "99.95%", Days: viewDays(90, 2)},
		}},
		{ID: "g2", Name: "Infrastructure", Status: "under_maintenance", StatusLabel: "Under Maintenance", Components: []view.ComponentView{
			{ID: "c5", Name: "Database", Status: "under_maintenance", StatusLabel: "Under Maintenance", Uptime: "100.0%", Days: viewDays(90, 3)},
		}},
	}
	return p
}

func TestRenderIndex(t *testing.T) {
	r := newRenderTestRenderer(t)
	out := renderPage(t, r, "index.html", viewIndex())

	renderContains(t, out,
		"<title>Acme Cloud status</title>",
		`<a class="brand" href="/">Acme Cloud</a>`,
		`role="status"`, "banner-major", "Partial System Outage",
		// Active incident and maintenance.
		`<a href="/incidents/inc-1">Checkout unavailable</a>`, "Critical impact", "impact-critical",
		"Monitoring", "<strong>monitoring</strong>",
		`<a href="/incidents/mnt-1">Database upgrade</a>`, "Nov 25, 02:00 – 04:00 CET", "Scheduled",
		// Groups and components, with status text and icon shape.
		"<h3>Core Platform</h3>", "Website", "Marketing site and docs", "Search", "Database",
		"status-operational", "status-partial_outage", "status-major_outage",
		"status-degraded_performance", "status-under_maintenance",
		">Operational<", ">Partial Outage<", ">Major Outage<", ">Degraded Performance<", ">Under Maintenance<",
		`<use href="#i-cross">`, `<use href="#i-wrench">`, `<use href="#i-minus">`,
		// Uptime bars.
		"99.87% uptime", "100.0% uptime", "90 days ago", "60 days ago", "30 days ago", "Today",
		"day-partial", "day-degraded", "day-major", "day-maintenance", "day-nodata",
		`aria-label="Nov 20, 2026: Major outage for 1 hr 12 mins"><span class="tip">Nov 20, 2026: Major outage for 1 hr 12 mins<a href="/incidents/inc-1">Checkout unavailable</a></span>`,
		// Footer.
		"Powered by", `href="/history"`, "Times shown in Europe/Berlin",
		`<time datetime="2026-11-20T14:05:00&#43;01:00" data-local>Nov 20, 2026 14:05 CET</time>`,
	)

	doc := parseRendered(t, out)
	if n := len(htmlFindAll(doc, "h1")); n != 1 {
		t.Errorf("index has %d <h1>, want 1", n)
	}
	// Five components of 90 days each, all labelled; only days with
	// something to tell (downtime, incidents) are tab stops, so a keyboard
	// user does not tab through 450 quiet days.
	// One element per day: <i role="img"> labelled with the day, or a
	// focusable group holding the links of the day's incidents.
	var bars []*html.Node
	for _, g := range htmlFindAll(doc, "div", "class", "bars") {
		for c := g.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode {
				bars = append(bars, c)
			}
		}
	}
	if len(bars) != 5*90 {
		t.Fatalf("found %d day bars, want %d", len(bars), 5*90)
	}
	focusable := 0
	for _, b := range bars {
		if r := htmlAttr(b, "role"); (r != "img" && r != "group") || !strings.Contains(htmlAttr(b, "aria-label"), ", 202") {
			t.Fatalf("day bar unlabelled: %v", b.Attr)
		}
		quiet := strings.Contains(htmlAttr(b, "class"), "day-operational") && htmlAttr(b, "role") == "img"
		switch tab := htmlAttr(b, "tabindex"); {
		case quiet && tab != "":
			t.Fatalf("quiet day is a tab stop: %v", b.Attr)
		case !quiet && !strings.Contains(htmlAttr(b, "class"), "day-nodata") && tab != "0":
			t.Fatalf("day with downtime or incidents is not focusable: %v", b.Attr)
		case tab == "0":
			focusable++
		}
	}
	if focusable == 0 {
		t.Fatal("no day bar is focusable")
	}
}

func TestRenderIndexAllOperational(t *testing.T) {
	r := newRenderTestRenderer(t)
	p := viewIndex()
	p.Status = view.OverallStatus{Indicator: "none", Description: "All Systems Operational"}
	p.Active, p.Maintenances = nil, nil
	out := renderPage(t, r, "index.html", p)
	renderContains(t, out, "banner-none", "All Systems Operational", `<use href="#i-check">`)
	renderLacks(t, out, "Active incidents", "Scheduled maintenance")
}

func TestRenderIncident(t *testing.T) {
	r := newRenderTestRenderer(t)
	inc := viewActiveIncident()
	inc.Status, inc.StatusLabel = "resolved", "Resolved"
	inc.ResolvedAt = viewTime(renderNow.Add(20 * time.Minute))
	p := viewFrame("Checkout unavailable")
	p.Incident = &view.IncidentView{IncidentSummary: inc, Duration: "1 hr 30 mins", Updates: viewUpdates()}
	out := renderPage(t, r, "incident.html", p)

	renderContains(t, out,
		"<title>Checkout unavailable · Acme Cloud status</title>",
		`<h1 id="incident-title">Checkout unavailable</h1>`,
		"Critical impact", ">Resolved<", "Checkout, API", "1 hr 30 mins",
		"A fix has been deployed; we are <strong>monitoring</strong> the results.",
		"The cause is a failed database failover.",
		"Payments are failing for some customers.",
		"<strong class=\"update-status\">Investigating</strong>",
		"API: <span class=\"status status-partial_outage\">",
		">Partial Outage<", ">Degraded Performance<",
		`<time datetime="2026-11-20T13:55:00&#43;01:00" data-local>Nov 20, 2026 13:55 CET</time>`,
		`href="/"`,
	)
	// Newest update first.
	if a, b := strings.Index(out, "A fix has been deployed"), strings.Index(out, "Payments are failing"); a < 0 || b < 0 || a > b {
		t.Error("updates are not listed newest first")
	}
	doc := parseRendered(t, out)
	if n := len(htmlFindAll(doc, "li", "class", "timeline-item")); n != 3 {
		t.Errorf("timeline has %d updates, want 3", n)
	}
}

func TestRenderMaintenance(t *testing.T) {
	r := newRenderTestRenderer(t)
	m := viewMaintenance()
	p := viewFrame("Database upgrade")
	p.Incident = &view.IncidentView{
		IncidentSummary: m,
		ScheduledFor:    viewTime(time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)),
		ScheduledUntil:  viewTime(time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)),
		Updates:         []view.UpdateView{*m.Latest},
	}
	out := renderPage(t, r, "incident.html", p)
	renderContains(t, out, "<dt>Scheduled</dt>", ">Maintenance<",
		`<time datetime="2026-11-25T02:00:00&#43;01:00" data-local>Nov 25, 2026 02:00 CET</time> – <time datetime="2026-11-25T04:00:00&#43;01:00" data-local>`,
		"We will upgrade the primary database.")
	renderLacks(t, out, "Duration")
}

func TestRenderHistory(t *testing.T) {
	r := newRenderTestRenderer(t)
	resolved := viewActiveIncident()
	resolved.Status, resolved.StatusLabel = "resolved", "Resolved"
	resolved.ResolvedAt = viewTime(renderNow.Add(20 * time.Minute))
	resolved.Latest = &view.UpdateView{StatusLabel: "Resolved", BodyHTML: "<p>All payments are processed again &amp; queued ones were retried.</p><p>" + template.HTML(strings.Repeat("More detail. ", 40)) + "</p>"}
	p := viewFrame("Incident history")
	p.Path = "/history"
	p.Months = []view.MonthView{
		{Label: "November 2026", Incidents: []view.IncidentSummary{resolved, viewMaintenance()}},
		{Label: "October 2026"},
	}
	p.PrevURL, p.NextURL = "/history?page=1", "/history?page=3"
	p.PageNum, p.NumPages = 2, 4
	out := renderPage(t, r, "history.html", p)

	renderContains(t, out,
		"<h1>Incident history</h1>",
		`<h2 id="month-november-2026">November 2026</h2>`, `<h2 id="month-october-2026">October 2026</h2>`,
		`<a href="/incidents/inc-1">Checkout unavailable</a>`, `<a href="/incidents/mnt-1">Database upgrade</a>`,
		"Critical impact", ">Resolved<",
		`data-local="date">Nov 20, 2026</time>`,
		"All payments are processed again &amp; queued ones were retried.",
		"No incidents reported this month.",
		`<nav class="pager" aria-label="Incident history pages">`,
		`href="/history?page=1" rel="prev">← Newer</a>`, `href="/history?page=3" rel="next">Older →</a>`,
		"Page 2 of 4",
	)
	renderLacks(t, out, "<p>All payments") // the excerpt is plain text
	ex := regexp.MustCompile(`<p class="excerpt"><strong>Resolved</strong> – ([^<]*)</p>`).FindStringSubmatch(out)
	if ex == nil || !strings.HasSuffix(ex[1], "More…") || len([]rune(html.UnescapeString(ex[1]))) > 201 {
		t.Errorf("long update is not cut to an excerpt: %q", ex)
	}
}

func TestRenderError(t *testing.T) {
	r := newRenderTestRenderer(t)
	p := viewFrame("Page not found")
	p.Error = &view.ErrorView{Code: 404, Title: "Page not found", Message: "There is no incident here."}
	out := renderPage(t, r, "error.html", p)
	renderContains(t, out, ">404<", "<h1>Page not found</h1>", "There is no incident here.", `href="/"`)

	// The error page must also render when the status page itself is unknown.
	out = renderPage(t, r, "error.html", view.PageView{Title: "Server error", Error: &view.ErrorView{Code: 500, Title: "Something went wrong"}})
	renderContains(t, out, "<title>Server error · Status</title>", ">500<")
}

func TestRenderUnknownPage(t *testing.T) {
	r := newRenderTestRenderer(t)
	var buf bytes.Buffer
	if err := r.Render(&buf, "nope.html", viewFrame("")); err == nil {
		t.Fatal("Render of an unknown page succeeded")
	}
	if buf.Len() != 0 {
		t.Errorf("failed Render wrote %d bytes", buf.Len())
	}
}

// TestRenderExcerpt checks that history shows update bodies as plain text.
func TestRenderExcerpt(t *testing.T) {
	r := newRenderTestRenderer(t)
	inc := viewActiveIncident()
	inc.Latest = &view.UpdateView{StatusLabel: "Resolved", BodyHTML: "<p>Fixed &lt;b&gt;\n the   <em>cache</em>.</p><p>Next</p>"}
	p := viewFrame("Incident history")
	p.Months = []view.MonthView{{Label: "November 2026", Incidents: []view.IncidentSummary{inc}}}
	out := renderPage(t, r, "history.html", p)
	renderContains(t, out, "<strong>Resolved</strong> – Fixed &lt;b&gt; the cache . Next</p>")
	renderLacks(t, out, "<em>cache</em>")
}

// checkRenderedDocument asserts the rules every rendered page follows: valid frame,
// hashed assets, no inline script or style (for a strict CSP), and <time>
// elements that carry a machine-readable datetime.
func checkRenderedDocument(t *testing.T, out string) {
	t.Helper()
	renderContains(t, out, "<!DOCTYPE html>", `<html lang="en">`, `name="viewport"`,
		`<a class="skip-link" href="#main">`, `<main id="main"`, "<header", "<footer", "Powered by")
	if !regexp.MustCompile(`href="/static/css/app\.[0-9a-f]{10}\.css"`).MatchString(out) {
		t.Error("stylesheet is not linked by its hashed URL")
	}
	if !regexp.MustCompile(`<script src="/static/js/localtime\.[0-9a-f]{10}\.js" defer></script>`).MatchString(out) {
		t.Error("localtime.js is not loaded by its hashed URL")
	}
	for _, tag := range regexp.MustCompile(`(?i)<script[^>]*>`).FindAllString(out, -1) {
		if !strings.Contains(tag, " src=") {
			t.Errorf("inline script: %s", tag)
		}
	}
	renderLacks(t, out, ` style="`, "<style", " onclick=", " onload=", "javascript:")

	doc := parseRendered(t, out)
	if n := len(htmlFindAll(doc, "h1")); n != 1 {
		t.Errorf("page has %d <h1>, want 1", n)
	}
	for _, el := range htmlFindAll(doc, "time") {
		if htmlAttr(el, "datetime") == "" {
			t.Errorf("<time> without datetime: %v", el.Attr)
		}
	}
}

func renderContains(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q", w)
		}
	}
}

func renderLacks(t *testing.T, out string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(out, w) {
			t.Errorf("output contains %q", w)
		}
	}
}

func parseRendered(t *testing.T, out string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	return doc
}

// htmlFindAll returns the elements named tag, optionally only those whose
// attribute key contains the class-like token value.
func htmlFindAll(n *html.Node, tag string, keyValue ...string) []*html.Node {
	var found []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag && htmlMatches(n, keyValue) {
			found = append(found, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return found
}

func htmlMatches(n *html.Node, keyValue []string) bool {
	if len(keyValue) < 2 {
		return true
	}
	for _, f := range strings.Fields(htmlAttr(n, keyValue[0])) {
		if f == keyValue[1] {
			return true
		}
	}
	return false
}

// htmlAttr is n's attribute key, "" when it has none.
func htmlAttr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
