package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	jsonfeed "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// secrets are texts of internal timeline events: they must never reach the
// feeds or the public API.
var secrets = []string{"SECRET-NOTE", "PRIVATE-ALERT"}

// feedFixture is a page with a group (Core: API, Web), an ungrouped
// component (Billing), an open incident on API with three updates and
// internal events, a resolved one on Web, an upcoming maintenance on
// Billing and a deleted incident.
type feedFixture struct {
	api, web, billing, core models.Component
	open, resolved, maint   *models.Incident
	gone                    *models.Incident
	now                     time.Time
}

func newFeedFixture(t *testing.T, db *models.DB) *feedFixture {
	t.Helper()
	ctx := context.Background()
	f := &feedFixture{now: time.Now().UTC().Truncate(time.Second)}
	ago := func(d time.Duration) time.Time { return f.now.Add(-d) }
	h := time.Hour
	f.core = addComponent(t, db, models.Component{Name: "Core", IsGroup: true, Position: 1})
	f.api = addComponent(t, db, models.Component{Name: "API", GroupID: &f.core.ID, Position: 1, Showcase: true})
	f.web = addComponent(t, db, models.Component{Name: "Web & <app>", GroupID: &f.core.ID, Position: 2, Showcase: true})
	f.billing = addComponent(t, db, models.Component{Name: "Billing", Position: 2})

	f.resolved = openIncident(t, db, models.NewIncident{Name: "Slow <web> & sign-in", Body: "Web is slow.",
		StartedAt: ago(72 * h), Components: map[string]string{f.web.ID: models.DegradedPerformance}})
	postUpdate(t, db, f.resolved.ID, models.NewUpdate{Status: models.Resolved, Body: "Web is fast again.", At: ago(71 * h),
		Components: map[string]string{f.web.ID: models.Operational}})

	from, until := f.now.Add(48*h), f.now.Add(50*h)
	f.maint = openIncident(t, db, models.NewIncident{Kind: models.KindMaintenance, Name: "Billing migration",
		Body: "We move billing to new servers.", StartedAt: ago(5 * h), ComponentIDs: []string{f.billing.ID},
		ScheduledFor: &from, ScheduledUntil: &until})

	f.open = openIncident(t, db, models.NewIncident{Name: "Elevated API errors", Body: "We are investigating API errors.",
		StartedAt: ago(3 * h), Components: map[string]string{f.api.ID: models.PartialOutage}})
	postUpdate(t, db, f.open.ID, models.NewUpdate{Status: models.Identified, Body: "A bad deploy; rolling back.", At: ago(2 * h)})
	if _, err := db.AddEvent(ctx, f.open.ID, models.NewEvent{Kind: models.EventNote, Body: "SECRET-NOTE: blame Bob", Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddEvent(ctx, f.open.ID, models.NewEvent{Kind: models.EventExternal, Body: "PRIVATE-ALERT fired", Source: "pager", Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	postUpdate(t, db, f.open.ID, models.NewUpdate{Status: models.Monitoring, Body: "Rolled back; watching.", At: ago(h),
		Components: map[string]string{f.api.ID: models.DegradedPerformance}})

	f.gone = openIncident(t, db, models.NewIncident{Name: "Deleted incident", Body: "Oops.", StartedAt: ago(30 * time.Minute),
		ComponentIDs: []string{f.api.ID}})
	if err := db.DeleteIncident(ctx, f.gone.ID); err != nil {
		t.Fatal(err)
	}
	return f
}

// feedTypes are the media types of the feed formats.
var feedTypes = map[string]string{
	"atom": "application/atom+xml; charset=utf-8",
	"rss":  "application/rss+xml; charset=utf-8",
	"json": "application/feed+json; charset=utf-8",
}

// fetchFeed GETs a feed, checks its status, content type and headers, and
// parses it with gofeed (keeping the format's own document).
func fetchFeed(t *testing.T, h http.Handler, path string) (*gofeed.Feed, *httptest.ResponseRecorder) {
	t.Helper()
	rec := get(t, h, path)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s = %d; body:\n%s", path, rec.Code, rec.Body.String())
	}
	format := path[strings.LastIndex(path, ".")+1:]
	if ct := rec.Header().Get("Content-Type"); ct != feedTypes[format] {
		t.Errorf("GET %s: Content-Type = %q, want %q", path, ct, feedTypes[format])
	}
	for header, want := range map[string]string{
		"Access-Control-Allow-Origin": "*",
		"Cache-Control":               "public, max-age=60, stale-while-revalidate=60, stale-if-error=86400",
	} {
		if got := rec.Header().Get(header); got != want {
			t.Errorf("GET %s: %s = %q, want %q", path, header, got, want)
		}
	}
	if rec.Header().Get("ETag") == "" || rec.Header().Get("Last-Modified") == "" {
		t.Errorf("GET %s: no ETag or Last-Modified: %v", path, rec.Header())
	}
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	feed, err := p.ParseString(rec.Body.String())
	if err != nil {
		t.Fatalf("gofeed cannot parse %s: %v\n%s", path, err, rec.Body.String())
	}
	if feed.FeedType != format {
		t.Errorf("%s: gofeed reads a %s feed", path, feed.FeedType)
	}
	lacks(t, rec.Body.String(), secrets...)
	return feed, rec
}

// itemIDs lists the items' ids in order.
func itemIDs(feed *gofeed.Feed) []string {
	var ids []string
	for _, it := range feed.Items {
		ids = append(ids, it.GUID)
	}
	return ids
}

// tag is the stable entry id of an incident (or of a path below it).
func tag(in *models.Incident, rest string) string {
	return "tag:status.acme.test," + in.CreatedAt.UTC().Format("2006-01-02") + ":incident/" + in.ID + rest
}

// checkFormat checks what each format adds: Atom's ids, author and links,
// RSS's guids and self link, JSON Feed 1.1's version and authors.
func checkFormat(t *testing.T, feed *gofeed.Feed, self, alternate string) {
	t.Helper()
	switch doc := feed.OriginalFeed().(type) {
	case *atom.Feed:
		if doc.ID != self || doc.UpdatedParsed == nil || len(doc.Authors) != 1 || doc.Authors[0].Name != "Acme Cloud" {
			t.Errorf("atom feed: id %q, updated %q, authors %+v", doc.ID, doc.Updated, doc.Authors)
		}
		links := map[string]string{}
		for _, l := range doc.Links {
			links[l.Rel] = l.Href
		}
		if links["self"] != self || links["alternate"] != alternate {
			t.Errorf("atom feed links = %v, want self %s and alternate %s", links, self, alternate)
		}
		for _, e := range doc.Entries {
			if e.ID == "" || e.UpdatedParsed == nil || e.PublishedParsed == nil || len(e.Links) == 0 ||
				e.Links[0].Rel != "alternate" || e.Content == nil || e.Content.Type != "html" {
				t.Errorf("atom entry %q lacks id, dates, alternate link or html content: %+v", e.Title, e)
			}
		}
	case *rss.Feed:
		if doc.Link != alternate || doc.LastBuildDateParsed == nil {
			t.Errorf("rss channel link %q, lastBuildDate %q", doc.Link, doc.LastBuildDate)
		}
		selfLinks := doc.Extensions["atom"]["link"]
		if len(selfLinks) != 1 || selfLinks[0].Attrs["rel"] != "self" || selfLinks[0].Attrs["href"] != self {
			t.Errorf("rss atom:link = %+v, want rel=self href=%s", selfLinks, self)
		}
		for _, it := range doc.Items {
			if it.GUID == nil || it.GUID.IsPermalink != "false" || !strings.HasPrefix(it.GUID.Value, "tag:") || it.PubDateParsed == nil {
				t.Errorf("rss item %q: guid %+v, pubDate %q", it.Title, it.GUID, it.PubDate)
			}
		}
	case *jsonfeed.Feed:
		if doc.Version != "https://jsonfeed.org/version/1.1" || doc.FeedURL != self || doc.HomePageURL != alternate ||
			len(doc.Authors) != 1 || doc.Authors[0].Name != "Acme Cloud" || doc.Language != "en" {
			t.Errorf("json feed: %+v", doc)
		}
		for _, it := range doc.Items {
			if it.ID == "" || it.ContentHTML == "" || it.DatePublished == "" || it.DateModified == "" {
				t.Errorf("json item %q lacks id, content or dates", it.Title)
			}
		}
	default:
		t.Fatalf("unexpected feed document %T", doc)
	}
}

// The history feeds carry every incident and maintenance (not the deleted
// one), most recently updated first, each with its public timeline so far.
func TestHistoryFeeds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFeedFixture(t, db)
		h := newTestApp(t, db, nil).Handler()
		for _, format := range []string{"atom", "rss", "json"} {
			t.Run(format, func(t *testing.T) {
				feed, rec := fetchFeed(t, h, "/history."+format)
				checkFormat(t, feed, "https://status.acme.test/history."+format, "https://status.acme.test/history")
				if feed.Title != "Acme Cloud status: incident history" {
					t.Errorf("title = %q", feed.Title)
				}
				want := []string{tag(f.open, ""), tag(f.maint, ""), tag(f.resolved, "")}
				if got := itemIDs(feed); strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("items = %v, want %v", got, want)
				}
				top := feed.Items[0]
				content := top.Content
				if format == "rss" {
					content = top.Description
				}
				if top.Title != "Elevated API errors" || top.Link != "https://status.acme.test/incidents/"+f.open.ID {
					t.Errorf("first item %q %q", top.Title, top.Link)
				}
				// The whole public timeline, newest first, with component changes.
				inOrder(t, content, "Monitoring", "Rolled back; watching.", "API: Partial Outage → Degraded Performance",
					"Identified", "A bad deploy; rolling back.", "Investigating", "We are investigating API errors.")
				if format != "rss" {
					if top.UpdatedParsed == nil || !top.UpdatedParsed.Equal(f.now.Add(-time.Hour)) {
						t.Errorf("updated = %v, want the last update's time %v", top.UpdatedParsed, f.now.Add(-time.Hour))
					}
				}
				// Atom and JSON Feed publish an entry at its start; RSS has
				// one date, the last public change (TestRSSDatesFollowTheLastChange).
				wantPublished := f.now.Add(-3 * time.Hour)
				if format == "rss" {
					wantPublished = f.now.Add(-time.Hour)
				}
				if top.PublishedParsed == nil || !top.PublishedParsed.Equal(wantPublished) {
					t.Errorf("published = %v, want %v", top.PublishedParsed, wantPublished)
				}
				maint := feed.Items[1]
				if maint.Title != "Billing migration" || !strings.Contains(maint.Content+maint.Description, "Scheduled") {
					t.Errorf("maintenance item = %q %q", maint.Title, maint.Content)
				}
				// Names are escaped, then read back intact.
				if feed.Items[2].Title != "Slow <web> & sign-in" {
					t.Errorf("escaped title read back as %q", feed.Items[2].Title)
				}
				lacks(t, rec.Body.String(), "Deleted incident")
			})
		}

		// A new update: the entry keeps its id, its updated time moves and
		// the update joins its content; the feed's ETag changes.
		before := get(t, h, "/history.atom")
		postUpdate(t, db, f.resolved.ID, models.NewUpdate{Status: models.Resolved, Body: "Postscript: caches were cold."})
		h = newTestApp(t, db, nil).Handler() // changed behind the App's back: a fresh snapshot
		feed, after := fetchFeed(t, h, "/history.atom")
		if got := itemIDs(feed); got[0] != tag(f.resolved, "") {
			t.Fatalf("after an update items = %v, want %s first", got, tag(f.resolved, ""))
		}
		if !strings.Contains(feed.Items[0].Content, "Postscript: caches were cold.") ||
			feed.Items[0].UpdatedParsed == nil || !feed.Items[0].UpdatedParsed.After(f.now.Add(-time.Minute)) {
			t.Errorf("updated entry: updated %v, content %q", feed.Items[0].UpdatedParsed, feed.Items[0].Content)
		}
		if before.Header().Get("ETag") == after.Header().Get("ETag") {
			t.Error("the ETag did not change with the feed")
		}
	})
}

// A component's feed holds what touched it; a group's, what touched its
// members.
func TestComponentFeeds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFeedFixture(t, db)
		h := newTestApp(t, db, nil).Handler()
		for _, tt := range []struct {
			comp models.Component
			want []string
		}{
			{f.api, []string{tag(f.open, "")}},
			{f.web, []string{tag(f.resolved, "")}},
			{f.billing, []string{tag(f.maint, "")}},
			{f.core, []string{tag(f.open, ""), tag(f.resolved, "")}},
		} {
			for _, format := range []string{"atom", "rss", "json"} {
				path := "/components/" + tt.comp.ID + "/history." + format
				feed, _ := fetchFeed(t, h, path)
				checkFormat(t, feed, "https://status.acme.test"+path, "https://status.acme.test/")
				if got := itemIDs(feed); strings.Join(got, " ") != strings.Join(tt.want, " ") {
					t.Errorf("%s items = %v, want %v", path, got, tt.want)
				}
				if !strings.HasPrefix(feed.Title, tt.comp.Name+" · Acme Cloud status") {
					t.Errorf("%s title = %q", path, feed.Title)
				}
			}
		}
		for _, path := range []string{"/components/nosuchcomponent/history.atom", "/components/NOT.VALID/history.rss"} {
			if rec := get(t, h, path); rec.Code != http.StatusNotFound {
				t.Errorf("GET %s = %d, want 404", path, rec.Code)
			}
		}
	})
}

// An incident's feed has one entry per public update, newest first.
func TestIncidentFeeds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFeedFixture(t, db)
		h := newTestApp(t, db, nil).Handler()
		in, err := db.GetIncident(context.Background(), f.open.ID)
		if err != nil {
			t.Fatal(err)
		}
		updates := in.Updates()
		for _, format := range []string{"atom", "rss", "json"} {
			path := "/incidents/" + f.open.ID + "." + format
			feed, _ := fetchFeed(t, h, path)
			checkFormat(t, feed, "https://status.acme.test"+path, "https://status.acme.test/incidents/"+f.open.ID)
			if len(feed.Items) != len(updates) {
				t.Fatalf("%s: %d items, want %d", path, len(feed.Items), len(updates))
			}
			for i, u := range updates {
				it := feed.Items[i]
				content := it.Content + it.Description
				if it.GUID != tag(f.open, "/update/"+u.ID) || !strings.Contains(content, u.Body) ||
					!strings.HasPrefix(it.Title, models.IncidentStatusLabel(u.Status)+": Elevated API errors") ||
					it.Link != "https://status.acme.test/incidents/"+f.open.ID+"#update-"+u.ID {
					t.Errorf("%s item %d = %q %q %q, want update %s", path, i, it.GUID, it.Title, it.Link, u.ID)
				}
			}
		}
		// The page itself still answers at /incidents/{id}.
		wantPage(t, get(t, h, "/incidents/"+f.open.ID), http.StatusOK)
		for _, path := range []string{
			"/incidents/" + f.gone.ID + ".atom", "/incidents/nosuchincident.rss",
			"/incidents/" + f.open.ID + ".xml", "/incidents/" + f.open.ID + ".atom.rss",
		} {
			if rec := get(t, h, path); rec.Code != http.StatusNotFound {
				t.Errorf("GET %s = %d, want 404", path, rec.Code)
			}
		}
	})
}

// xmllintPath finds xmllint; without it the XML checks are skipped loudly,
// or fail when CI is set.
func xmllintPath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("xmllint is required when CI is set: apt-get install -y libxml2-utils")
		}
		fmt.Fprintf(os.Stderr, "\n!!! SKIPPING feed validation with xmllint: not installed (apt-get install -y libxml2-utils)\n\n")
		t.Skip("xmllint not installed")
	}
	return path
}

// xmllint validates an XML document against a RELAX NG schema in testdata.
func xmllint(t *testing.T, bin, name string, body []byte, schema string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "feed.xml")
	if err := os.WriteFile(file, body, 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--noout", "--nonet"}
	if schema != "" {
		args = append(args, "--relaxng", filepath.Join("testdata", schema))
	}
	out, err := exec.Command(bin, append(args, file)...).CombinedOutput()
	if err != nil {
		t.Errorf("xmllint rejects %s: %v\n%s\n%s", name, err, out, body)
	}
}

// Every Atom and RSS feed is well-formed and valid against the schemas of
// what Beacon writes (testdata/atom.rng, testdata/rss.rng), also when
// empty; badges are well-formed SVG.
func TestFeedsXMLLint(t *testing.T) {
	bin := xmllintPath(t)
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		for _, path := range []string{"/history.atom", "/history.rss", "/badge.svg"} {
			rec := get(t, h, path)
			xmllint(t, bin, "empty "+path, rec.Body.Bytes(), schemaOf(path))
		}
		f := newFeedFixture(t, db)
		paths := []string{"/badge.svg", "/components/" + f.web.ID + "/badge.svg"}
		for _, base := range []string{"/history", "/components/" + f.api.ID + "/history", "/components/" + f.core.ID + "/history",
			"/incidents/" + f.open.ID, "/incidents/" + f.maint.ID} {
			paths = append(paths, base+".atom", base+".rss")
		}
		for _, path := range paths {
			rec := get(t, h, path)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s = %d", path, rec.Code)
			}
			xmllint(t, bin, path, rec.Body.Bytes(), schemaOf(path))
		}
	})
}

func schemaOf(path string) string {
	switch {
	case strings.HasSuffix(path, ".atom"):
		return "atom.rng"
	case strings.HasSuffix(path, ".rss"):
		return "rss.rng"
	}
	return ""
}

var alternateRE = regexp.MustCompile(`<link rel="alternate" type="([^"]+)" title="([^"]+)" href="([^"]+)">`)

// The public pages announce their feeds with absolute URLs that answer.
func TestFeedDiscovery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFeedFixture(t, db)
		h := newTestApp(t, db, nil).Handler()
		for _, tt := range []struct {
			page string
			want []string
		}{
			{"/", []string{"/history.atom", "/history.rss", "/maintenance.ics", "/history.json"}},
			{"/history", []string{"/history.atom", "/history.rss", "/maintenance.ics", "/history.json"}},
			{"/incidents/" + f.open.ID, []string{"/incidents/" + f.open.ID + ".atom", "/incidents/" + f.open.ID + ".rss",
				"/incidents/" + f.open.ID + ".json", "/history.atom", "/history.rss", "/maintenance.ics", "/history.json"}},
		} {
			body := wantPage(t, get(t, h, tt.page), http.StatusOK)
			links := alternateRE.FindAllStringSubmatch(body, -1)
			if len(links) != len(tt.want) {
				t.Fatalf("%s: %d alternate links, want %d: %v", tt.page, len(links), len(tt.want), links)
			}
			for i, l := range links {
				path := strings.TrimPrefix(l[3], "https://status.acme.test")
				if path != tt.want[i] {
					t.Errorf("%s: link %d = %s, want https://status.acme.test%s", tt.page, i, l[3], tt.want[i])
				}
				rec := get(t, h, path)
				if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != l[1]+"; charset=utf-8" {
					t.Errorf("%s announces %s as %s, which answers %d %s", tt.page, l[3], l[1], rec.Code, rec.Header().Get("Content-Type"))
				}
			}
		}
	})
}

// A published postmortem joins the history feeds as an entry of its own,
// with its summary and a link; a draft does not.
func TestPostmortemInHistoryFeeds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFeedFixture(t, db)
		ctx := context.Background()
		if _, err := db.StartPostmortem(ctx, f.resolved.ID, "alice"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SavePostmortem(ctx, f.resolved.ID, models.PostmortemInput{Sections: map[string]string{
			"summary": "Cold caches after a deploy made the web app **slow**.", "root_cause": "No cache warm-up.",
		}}, "alice"); err != nil {
			t.Fatal(err)
		}
		for _, format := range []string{"atom", "rss", "json"} {
			feed, _ := fetchFeed(t, newTestApp(t, db, nil).Handler(), "/history."+format)
			if ids := strings.Join(itemIDs(feed), " "); strings.Contains(ids, "/postmortem") {
				t.Errorf("%s: a draft postmortem is in the feed: %s", format, ids)
			}
		}
		if _, err := db.PublishPostmortem(ctx, f.resolved.ID, false, "alice"); err != nil {
			t.Fatal(err)
		}
		h := newTestApp(t, db, nil).Handler()
		for _, format := range []string{"atom", "rss", "json"} {
			feed, _ := fetchFeed(t, h, "/history."+format)
			var pm *gofeed.Item
			for _, it := range feed.Items {
				if it.Title == "Postmortem: "+f.resolved.Name {
					pm = it
				}
			}
			if pm == nil {
				t.Fatalf("%s: no postmortem entry in %v", format, itemIDs(feed))
			}
			content := pm.Content
			if format == "rss" {
				content = pm.Description
			}
			if pm.Link != "https://status.acme.test/incidents/"+f.resolved.ID+"/postmortem" ||
				!strings.Contains(content, "<strong>slow</strong>") || !strings.Contains(content, "Read the whole postmortem") {
				t.Errorf("%s: postmortem entry %q %q", format, pm.Link, content)
			}
		}
		// The incident's own feeds have it too, newest first.
		for _, format := range []string{"atom", "rss", "json"} {
			feed, _ := fetchFeed(t, h, "/incidents/"+f.resolved.ID+"."+format)
			if len(feed.Items) == 0 || feed.Items[0].Title != "Postmortem: "+f.resolved.Name {
				t.Errorf("/incidents/%s.%s: first item %v, want the postmortem", f.resolved.ID, format, itemIDs(feed))
			}
		}
	})
}

// An RSS item's pubDate is its last public change, as the items are
// ordered: readers surface a resolution. (Atom and JSON Feed keep both
// dates.)
func TestRSSDatesFollowTheLastChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFeedFixture(t, db)
		h := newTestApp(t, db, nil).Handler()
		in, err := db.GetIncident(context.Background(), f.resolved.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !in.UpdatedAt.After(in.StartedAt.Add(time.Second)) {
			t.Fatalf("the fixture's resolved incident was not updated after it started: %v %v", in.StartedAt, in.UpdatedAt)
		}
		feed, _ := fetchFeed(t, h, "/history.rss")
		for _, it := range feed.Items {
			if it.GUID != tag(f.resolved, "") {
				continue
			}
			if it.PublishedParsed == nil || !it.PublishedParsed.Equal(in.UpdatedAt.Truncate(time.Second)) {
				t.Errorf("pubDate = %v, want the last change %v (it started %v)", it.PublishedParsed, in.UpdatedAt, in.StartedAt)
			}
			return
		}
		t.Fatalf("the resolved incident is not in the RSS feed: %v", itemIDs(feed))
	})
}

// A published revision of a postmortem moves its entry's updated time (and
// the feed's) in the history and incident feeds; its published time stays
// the first publication's.
func TestPostmortemRevisionMovesFeedUpdated(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFeedFixture(t, db)
		ctx := context.Background()
		if _, err := db.StartPostmortem(ctx, f.resolved.ID, "alice"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SavePostmortem(ctx, f.resolved.ID, models.PostmortemInput{Sections: map[string]string{
			"summary": "Cold caches made the web app slow.", "root_cause": "No cache warm-up.",
		}}, "alice"); err != nil {
			t.Fatal(err)
		}
		pm, err := db.PublishPostmortem(ctx, f.resolved.ID, false, "alice")
		if err != nil {
			t.Fatal(err)
		}
		// Published two hours ago.
		then := f.now.Add(-2 * time.Hour)
		err = db.Gorm.Exec("UPDATE postmortems SET published_at = ?, first_published_at = ?, updated_at = ? WHERE id = ?",
			then, then, then, pm.ID).Error
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm.Exec("UPDATE postmortem_revisions SET created_at = ? WHERE postmortem_id = ?", then, pm.ID).Error; err != nil {
			t.Fatal(err)
		}
		entry := func(path string) (*gofeed.Feed, *gofeed.Item) {
			t.Helper()
			feed, _ := fetchFeed(t, newTestApp(t, db, nil).Handler(), path)
			for _, it := range feed.Items {
				if it.Title == "Postmortem: "+f.resolved.Name {
					return feed, it
				}
			}
			t.Fatalf("%s: no postmortem entry in %v", path, itemIDs(feed))
			return nil, nil
		}
		paths := []string{"/history.atom", "/incidents/" + f.resolved.ID + ".atom", "/history.json"}
		for _, path := range paths {
			if _, it := entry(path); it.UpdatedParsed == nil || !it.UpdatedParsed.Equal(then) {
				t.Errorf("%s: postmortem updated %v, want %v", path, it.UpdatedParsed, then)
			}
		}

		// A published revision (an edit of the published postmortem).
		if _, err := db.SavePostmortem(ctx, f.resolved.ID, models.PostmortemInput{Sections: map[string]string{
			"summary": "Cold caches after a deploy made the web app slow for an hour.",
		}}, "alice"); err != nil {
			t.Fatal(err)
		}
		for _, path := range paths {
			feed, it := entry(path)
			if it.UpdatedParsed == nil || it.UpdatedParsed.Before(f.now) {
				t.Errorf("%s: postmortem updated %v after a revision, want after %v", path, it.UpdatedParsed, f.now)
			}
			if it.PublishedParsed == nil || !it.PublishedParsed.Equal(then) {
				t.Errorf("%s: postmortem published %v, want the first publication %v", path, it.PublishedParsed, then)
			}
			if feed.Items[0] != it {
				t.Errorf("%s: the revised postmortem is not the first entry: %v", path, itemIDs(feed))
			}
			if path != "/history.json" && (feed.UpdatedParsed == nil || feed.UpdatedParsed.Before(*it.UpdatedParsed)) {
				t.Errorf("%s: feed updated %v, before its newest entry %v", path, feed.UpdatedParsed, it.UpdatedParsed)
			}
		}
	})
}
