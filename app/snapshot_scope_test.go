package app_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// A change rebuilds only what it touched: an update to incident A rebuilds
// A's pages and the page-wide ones (/, the history feed) but leaves
// incident B's page and feed as they were (same rendition, same ETag, not
// rendered again); a component change touches everything, B's page
// included.
func TestSnapshotRebuildsOnlyWhatAChangeTouched(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		a := newTestApp(t, db, nil)
		c := newAPIClient(t, db, models.RoleEditor)
		c.h = a.Handler() // one App: its snapshot is the one looked at
		var comp jsonComponent
		c.want(c.do("POST", "/components", map[string]any{"component": map[string]any{"name": "API"}}, &comp), 201)
		var inA, inB jsonIncident
		c.want(c.do("POST", "/incidents", map[string]any{"incident": map[string]any{
			"name": "Incident A", "body": "Looking into A", "components": map[string]string{comp.ID: "degraded_performance"}}}, &inA), 201)
		c.want(c.do("POST", "/incidents", map[string]any{"incident": map[string]any{
			"name": "Incident B", "body": "Looking into B", "components": map[string]string{comp.ID: "degraded_performance"}}}, &inB), 201)

		pageA, pageB, feedB := "/incidents/"+inA.ID, "/incidents/"+inB.ID, "/incidents/"+inB.ID+".atom"
		paths := []string{"/", "/history.atom", pageA, pageB, feedB}
		etags := map[string]string{}
		type state struct {
			builds    uint64
			rendition any
		}
		before := map[string]state{}
		snap := func() {
			for _, p := range paths {
				rec := get(t, c.h, p)
				if rec.Code != 200 {
					t.Fatalf("GET %s = %d", p, rec.Code)
				}
				etags[p] = rec.Header().Get("ETag")
				b, r := a.SnapshotBuilds(p)
				if r == nil || b == 0 {
					t.Fatalf("%s is not in the snapshot", p)
				}
				before[p] = state{b, r}
			}
		}
		snap()

		// An update to A, with a component change.
		c.want(c.do("PATCH", "/incidents/"+inA.ID, map[string]any{"incident": map[string]any{
			"status": "identified", "body": "Found the cause of A", "components": map[string]string{comp.ID: "partial_outage"}}}, nil), 200)
		contains(t, wantPage(t, get(t, c.h, pageA), 200), "Found the cause of A")
		contains(t, wantPage(t, get(t, c.h, "/"), 200), "Found the cause of A", "Partial Outage")
		if rec := get(t, c.h, "/history.atom"); rec.Code != 200 {
			t.Fatalf("GET /history.atom = %d", rec.Code)
		}
		for _, p := range []string{"/", "/history.atom", pageA} {
			if b, r := a.SnapshotBuilds(p); b <= before[p].builds || r == before[p].rendition {
				t.Errorf("%s after an update to A: builds %d → %d, want rebuilt", p, before[p].builds, b)
			}
		}
		for _, p := range []string{pageB, feedB} {
			rec := get(t, c.h, p)
			lacks(t, rec.Body.String(), "Found the cause of A")
			if b, r := a.SnapshotBuilds(p); b != before[p].builds || r != before[p].rendition || rec.Header().Get("ETag") != etags[p] {
				t.Errorf("%s after an update to A: builds %d → %d (same rendition %v, ETag %s → %s), want left as it was",
					p, before[p].builds, b, r == before[p].rendition, etags[p], rec.Header().Get("ETag"))
			}
		}

		// A component change touches everything: B's page names the
		// component.
		snap()
		c.want(c.do("PATCH", "/components/"+comp.ID, map[string]any{"component": map[string]any{"name": "Public API"}}, nil), 200)
		contains(t, wantPage(t, get(t, c.h, pageB), 200), "Public API")
		for _, p := range paths {
			get(t, c.h, p)
			if b, r := a.SnapshotBuilds(p); b <= before[p].builds || r == before[p].rendition {
				t.Errorf("%s after a component change: builds %d → %d, want rebuilt", p, before[p].builds, b)
			}
		}
	})
}

// Across replicas the scope travels with the announcement: an update to
// incident A posted through one replica is on the other's /incidents/A
// and / soon (within a third of app.SnapshotMaxAge: heard, not rebuilt
// for age), and the other's /incidents/B is not rebuilt.
func TestSnapshotScopeAcrossReplicas(t *testing.T) {
	apps, urls, c := startReplicas(t, 2, models.RoleEditor) // writes go through replica 0
	fetch := func(path string) (string, string) {
		resp, err := http.Get(urls[1] + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s on replica 1 = %d", path, resp.StatusCode)
		}
		return string(b), resp.Header.Get("ETag")
	}
	waitFor := func(path, want string) {
		t.Helper()
		start := time.Now()
		for body, _ := fetch(path); !strings.Contains(body, want); body, _ = fetch(path) {
			if time.Since(start) > app.SnapshotMaxAge/3 {
				t.Fatalf("replica 1's %s still lacks %q after %v", path, want, app.SnapshotMaxAge/3)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	fetch("/")
	var inA, inB jsonIncident
	c.want(c.do("POST", "/incidents", map[string]any{"incident": map[string]any{"name": "Incident A", "body": "Looking into A"}}, &inA), 201)
	c.want(c.do("POST", "/incidents", map[string]any{"incident": map[string]any{"name": "Incident B", "body": "Looking into B"}}, &inB), 201)
	waitFor("/", "Incident B") // replica 1 hears replica 0's changes
	// ... all of them: its eager rebuild of / after hearing of A may already
	// show B, before it hears of B (then everything it built is stale once
	// it does). Three changes: its listener's start, A and B.
	for start := time.Now(); apps[1].SnapshotGeneration() < 3; time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > app.SnapshotMaxAge/3 {
			t.Fatalf("replica 1 heard %d changes after %v, want 3", apps[1].SnapshotGeneration(), app.SnapshotMaxAge/3)
		}
	}
	fetch("/incidents/" + inA.ID)
	_, etagB := fetch("/incidents/" + inB.ID)
	buildsB, renditionB := apps[1].SnapshotBuilds("/incidents/" + inB.ID)
	buildsA, _ := apps[1].SnapshotBuilds("/incidents/" + inA.ID)

	c.want(c.do("PATCH", "/incidents/"+inA.ID, map[string]any{"incident": map[string]any{
		"status": "identified", "body": "Found the cause of A"}}, nil), 200)
	waitFor("/incidents/"+inA.ID, "Found the cause of A")
	waitFor("/", "Found the cause of A")
	if b, _ := apps[1].SnapshotBuilds("/incidents/" + inA.ID); b <= buildsA {
		t.Errorf("replica 1's /incidents/A: builds %d → %d, want rebuilt", buildsA, b)
	}
	body, etag := fetch("/incidents/" + inB.ID)
	b, r := apps[1].SnapshotBuilds("/incidents/" + inB.ID)
	if b != buildsB || r != renditionB || etag != etagB || strings.Contains(body, "Found the cause of A") {
		t.Errorf("replica 1's /incidents/B: builds %d → %d, ETag %s → %s, want left as it was", buildsB, b, etagB, etag)
	}
}
