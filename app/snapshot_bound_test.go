package app_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// Security review, issue 20, finding 1: every distinct URL (/?cb=1,
// /?cb=2…) used to get its own rendition in the snapshot, rebuilt every few
// seconds, so a crawl of junk URLs grew the process without bound. The
// snapshot keeps one rendition per answer: junk query parameters are
// dropped from its key, a page number is kept in one form and only for a
// page that exists, and a 404 or 400 keeps nothing. 10,000 junk URLs leave
// the number of renditions bounded by the content.
func TestSnapshotBoundedByContent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		a := newTestApp(t, db, nil)
		h := a.Handler()
		comp := addComponent(t, db, models.Component{Name: "API"})
		var incidents []string
		for i := range 3 {
			in := openIncident(t, db, models.NewIncident{Name: fmt.Sprintf("Outage %d", i), Body: "Looking.",
				Impact: models.ImpactMinor, ComponentIDs: []string{comp.ID}})
			incidents = append(incidents, in.ID)
		}

		// The real content, each URL once.
		real := []string{"/", "/history", "/postmortems", "/history.atom", "/history.rss", "/history.json",
			"/badge.svg", "/widget.js", "/components/" + comp.ID + "/badge.svg", "/components/" + comp.ID + "/history.atom",
			"/api/v2/summary.json", "/api/v2/status.json", "/api/v2/components.json", "/api/v2/incidents.json",
			"/api/v2/incidents/unresolved.json", "/api/v2/scheduled-maintenances.json",
			"/api/v2/components/" + comp.ID + "/uptime.json"}
		for _, id := range incidents {
			real = append(real, "/incidents/"+id, "/incidents/"+id+".atom")
		}
		for _, path := range real {
			if rec := get(t, h, path); rec.Code != http.StatusOK {
				t.Fatalf("GET %s = %d", path, rec.Code)
			}
		}
		content := a.SnapshotEntries()

		// Junk: unknown parameters, page numbers in other forms and past
		// the last page, bad page numbers, unknown ids in the path, page
		// sizes. Each kind is asked for with ever new numbers.
		junk := func(i int) string {
			id := incidents[i%len(incidents)]
			switch i % 16 {
			case 0:
				return fmt.Sprintf("/?cb=%d", i)
			case 1:
				return fmt.Sprintf("/history?page=1&utm_source=%d", i)
			case 2:
				return fmt.Sprintf("/history?page=%d", i+2) // past the last page: 404
			case 3:
				return fmt.Sprintf("/history?page=%0*d", i%20+1, 1) // page=01, 001…
			case 4:
				return fmt.Sprintf("/postmortems?page=%d", i)
			case 5:
				return fmt.Sprintf("/history?page=x%d", i) // 400
			case 6:
				return fmt.Sprintf("/incidents/junk%08d", i)
			case 7:
				return fmt.Sprintf("/incidents/%s?cb=%d", id, i)
			case 8:
				return fmt.Sprintf("/incidents/junk%d.atom", i)
			case 9:
				return fmt.Sprintf("/components/junk%d/badge.svg", i)
			case 10:
				return fmt.Sprintf("/components/%s/badge.svg?v=%d", comp.ID, i)
			case 11:
				return fmt.Sprintf("/api/v2/summary.json?callback=x%d", i)
			case 12:
				return fmt.Sprintf("/api/v2/incidents.json?page=%d&per_page=%d", i/16+2, i%7+1) // past the end: empty, not kept
			case 13:
				// A page size is part of the answer: at most 100 of them.
				return fmt.Sprintf("/api/v2/incidents.json?per_page=%d&x=%d", i%100+1, i)
			case 14:
				return fmt.Sprintf("/api/v2/components/junk%d/uptime.json", i)
			default:
				return fmt.Sprintf("/incidents/%s/postmortem?x=%d", id, i) // no postmortem: 404
			}
		}
		// crawl asks for junk(from)…junk(to-1), four at a time.
		crawl := func(from, to int) {
			var wg sync.WaitGroup
			next := make(chan int)
			for range 4 {
				wg.Go(func() {
					for i := range next {
						path := junk(i)
						if rec := get(t, h, path); rec.Code >= 500 {
							t.Errorf("GET %s = %d, want no 5xx", path, rec.Code)
						}
					}
				})
			}
			for i := from; i < to && !t.Failed(); i++ {
				next <- i
			}
			close(next)
			wg.Wait()
		}
		crawl(0, 5000)
		half := a.SnapshotEntries()
		crawl(5000, 10000)
		after := a.SnapshotEntries()

		// The page sizes of /api/v2/incidents.json are the only new
		// answers: at most 100, whatever the number of requests.
		if after != half || after > content+100 {
			t.Errorf("snapshot entries: %d for the content, %d after 5,000 junk URLs, %d after 10,000; want them bounded by the content (at most %d)",
				content, half, after, content+100)
		}
	})
}

// A junk query parameter answers the page it was added to: the same
// status, body and ETag as the canonical URL, from the same rendition.
func TestJunkQueryAnswersCanonicalPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		a := newTestApp(t, db, nil)
		h := a.Handler()
		comp := addComponent(t, db, models.Component{Name: "API"})
		in := openIncident(t, db, models.NewIncident{Name: "Outage", Body: "Looking.", Impact: models.ImpactMinor,
			ComponentIDs: []string{comp.ID}})
		for canonical, variants := range map[string][]string{
			"/":                                     {"/?cb=1", "/?utm_source=mail&utm_campaign=x"},
			"/history":                              {"/history?cb=2", "/history?page=1", "/history?page=01&cb=3"},
			"/incidents/" + in.ID:                   {"/incidents/" + in.ID + "?cb=4"},
			"/history.atom":                         {"/history.atom?cb=5"},
			"/components/" + comp.ID + "/badge.svg": {"/components/" + comp.ID + "/badge.svg?style=flat"},
			"/api/v2/summary.json":                  {"/api/v2/summary.json?cb=6"},
			"/api/v2/incidents.json":                {"/api/v2/incidents.json?page=1&per_page=50", "/api/v2/incidents.json?limit=50&cb=7"},
			"/api/v2/incidents.json?page=1&per_page=1": {"/api/v2/incidents.json?per_page=01&cb=8"},
		} {
			want := get(t, h, canonical)
			if want.Code != http.StatusOK {
				t.Fatalf("GET %s = %d", canonical, want.Code)
			}
			for _, path := range variants {
				got := get(t, h, path)
				if got.Code != http.StatusOK || got.Body.String() != want.Body.String() ||
					got.Header().Get("ETag") != want.Header().Get("ETag") {
					t.Errorf("GET %s = %d ETag %s, want 200 and the body and ETag %s of %s",
						path, got.Code, got.Header().Get("ETag"), want.Header().Get("ETag"), canonical)
				}
			}
		}
	})
}
