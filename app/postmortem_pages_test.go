package app_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// checkPublicDocument checks what every public page must be: no inline
// script or style, one <h1>, unique ids, and every aria-labelledby naming
// an element that exists.
func checkPublicDocument(t *testing.T, body string) {
	t.Helper()
	for _, tag := range regexp.MustCompile(`(?i)<script[^>]*>`).FindAllString(body, -1) {
		if !strings.Contains(tag, " src=") {
			t.Errorf("inline script: %s", tag)
		}
	}
	lacks(t, body, ` style="`, "<style", " onclick=")
	doc := parseRendered(t, body)
	if n := len(htmlFindAll(doc, "h1")); n != 1 {
		t.Errorf("page has %d <h1>, want 1", n)
	}
	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(` id="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		if ids[m[1]] {
			t.Errorf("id %q is used twice", m[1])
		}
		ids[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`aria-labelledby="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		if !ids[m[1]] {
			t.Errorf("aria-labelledby=%q names no element", m[1])
		}
	}
}

func TestPostmortemPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Second)
		api := addComponent(t, db, models.Component{Name: "API"})
		started := now.Add(-3 * time.Hour)
		in := openIncident(t, db, models.NewIncident{Name: "Checkout outage", Body: "We are investigating.",
			Components: map[string]string{api.ID: models.MajorOutage}, StartedAt: started})
		if _, err := db.AddEvent(ctx, in.ID, models.NewEvent{Kind: models.EventNote, Body: "Secret internal note", OccurredAt: started.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		postUpdate(t, db, in.ID, models.NewUpdate{Status: models.Monitoring, Body: "Fix deployed.", At: started.Add(40 * time.Minute)})
		postUpdate(t, db, in.ID, models.NewUpdate{Status: models.Resolved, Body: "Resolved.", At: started.Add(90 * time.Minute), RestoreComponents: true})
		h := newTestApp(t, db, nil).Handler()

		// A draft is never public.
		if _, err := db.StartPostmortem(ctx, in.ID, "alice"); err != nil {
			t.Fatal(err)
		}
		script := `<script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3))`
		if _, err := db.SavePostmortem(ctx, in.ID, models.PostmortemInput{Sections: map[string]string{
			models.SectionSummary:   "A **config** change broke checkout. " + script,
			models.SectionRootCause: "Config was not validated.",
			models.SectionLucky:     "",
		}}, "alice"); err != nil {
			t.Fatal(err)
		}
		h = newTestApp(t, db, nil).Handler() // changed behind the App's back: a fresh snapshot
		for _, item := range []models.ActionItemInput{
			{Title: ptr("Validate config on deploy"), Owner: ptr("Jane Doe"), DueDate: ptr("2020-02-01"), Status: ptr(models.ActionInProgress),
				URL: ptr("https://tracker.acme.test/P-1"), URLPublic: ptr(true)},
			{Title: ptr("Write a runbook"), Status: ptr(models.ActionDone), URL: ptr("https://tracker.acme.test/INTERNAL-2")},
		} {
			if _, err := db.CreateActionItem(ctx, in.ID, item); err != nil {
				t.Fatal(err)
			}
		}
		body := wantPage(t, get(t, h, "/incidents/"+in.ID), http.StatusOK)
		lacks(t, body, "postmortem-heading", "broke checkout")
		wantPage(t, get(t, h, "/incidents/"+in.ID+"/postmortem"), http.StatusNotFound)
		lacks(t, wantPage(t, get(t, h, "/postmortems"), http.StatusOK), "Checkout outage")
		lacks(t, wantPage(t, get(t, h, "/history"), http.StatusOK), `href="/incidents/`+in.ID+`/postmortem"`)

		// Published: on the incident page, above the updates.
		if _, err := db.PublishPostmortem(ctx, in.ID, false, "alice"); err != nil {
			t.Fatal(err)
		}
		h = newTestApp(t, db, nil).Handler() // changed behind the App's back: a fresh snapshot
		body = wantPage(t, get(t, h, "/incidents/"+in.ID), http.StatusOK)
		checkPublicDocument(t, body)
		inOrder(t, body, `<h2 id="postmortem-heading">Postmortem</h2>`, "Published ",
			"<dt>Affected components</dt><dd>API</dd>",
			"<dt>Impact began</dt>", timeElement(t, started),
			"<dt>Time to first update</dt><dd>less than a minute</dd>",
			"<dt>Time to mitigation</dt><dd>40 mins</dd>",
			"<dt>Time to resolution</dt><dd>1 hr 30 mins</dd>",
			"<dt>Customer-facing duration</dt><dd>40 mins</dd>",
			`<h3 id="pm-summary">Summary</h3>`, "A <strong>config</strong> change broke checkout.",
			`<h3 id="pm-impact">Customer impact</h3>`,
			`<h3 id="pm-root_cause">Root cause</h3>`, "Config was not validated.",
			`<h3 id="pm-timeline">Timeline</h3>`, "We are investigating.", "Fix deployed.", "Resolved.",
			`<h3 id="pm-remediation">Remediation</h3>`,
			`item-in_progress">In progress</span>`, `<a href="https://tracker.acme.test/P-1" rel="nofollow noopener">Validate config on deploy</a>`,
			`<time datetime="2020-02-01">Feb 1, 2020</time>`, "(overdue)",
			`item-done">Done</span>`, "Write a runbook",
			`<h2 id="updates-heading">Updates</h2>`)
		lacks(t, body, "<script>alert", "onerror", "javascript:", "Secret internal note", "Where we got lucky", "Jane Doe",
			"Revision history", "Updated ", "INTERNAL-2")
		contains(t, body, `status-postmortem`, "<span>Postmortem</span>")

		// Its own page, the index and the history link to it.
		body = wantPage(t, get(t, h, "/incidents/"+in.ID+"/postmortem"), http.StatusOK)
		checkPublicDocument(t, body)
		contains(t, body, "<title>Postmortem: Checkout outage · Acme Cloud status</title>", `<h1 id="incident-title">Checkout outage</h1>`,
			"A <strong>config</strong> change broke checkout.", "Validate config on deploy")
		body = wantPage(t, get(t, h, "/postmortems"), http.StatusOK)
		checkPublicDocument(t, body)
		contains(t, body, `<a href="/incidents/`+in.ID+`/postmortem">Checkout outage</a>`, "A config change broke checkout.")
		body = wantPage(t, get(t, h, "/history"), http.StatusOK)
		contains(t, body, `<a class="pm-link" href="/incidents/`+in.ID+`/postmortem">Postmortem</a>`)
		wantPage(t, get(t, h, "/incidents/"+in.ID+"/postmortem/revisions"), http.StatusOK)

		// An edit after publishing: "updated" and the revision history.
		if _, err := db.SavePostmortem(ctx, in.ID, models.PostmortemInput{Sections: map[string]string{
			models.SectionSummary: "A config change broke checkout for 90 minutes."}}, "alice"); err != nil {
			t.Fatal(err)
		}
		h = newTestApp(t, db, nil).Handler() // changed behind the App's back: a fresh snapshot
		body = wantPage(t, get(t, h, "/incidents/"+in.ID), http.StatusOK)
		inOrder(t, body, "Published ", "Updated ", `<a href="/incidents/`+in.ID+`/postmortem/revisions">Revision history</a>`,
			"broke checkout for 90 minutes.")
		body = wantPage(t, get(t, h, "/incidents/"+in.ID+"/postmortem/revisions"), http.StatusOK)
		checkPublicDocument(t, body)
		inOrder(t, body, "<h1>Revision history</h1>", "<strong>Revision 2</strong> (current)", "broke checkout for 90 minutes.",
			"<strong>Revision 1</strong>", "A <strong>config</strong> change broke checkout.")
		lacks(t, body, "<script>alert", "onerror", "javascript:")

		// Unpublished: gone from every public page.
		if _, err := db.UnpublishPostmortem(ctx, in.ID, "alice"); err != nil {
			t.Fatal(err)
		}
		h = newTestApp(t, db, nil).Handler() // changed behind the App's back: a fresh snapshot
		lacks(t, wantPage(t, get(t, h, "/incidents/"+in.ID), http.StatusOK), "postmortem-heading")
		wantPage(t, get(t, h, "/incidents/"+in.ID+"/postmortem"), http.StatusNotFound)
		wantPage(t, get(t, h, "/incidents/"+in.ID+"/postmortem/revisions"), http.StatusNotFound)
		lacks(t, wantPage(t, get(t, h, "/postmortems"), http.StatusOK), "Checkout outage")
	})
}

func TestPostmortemIndexPaging(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		for i := 0; i < 21; i++ {
			in := openIncident(t, db, models.NewIncident{Name: "Outage " + string(rune('A'+i)), Body: "Down.", Backfilled: true,
				StartedAt: time.Now().Add(-time.Duration(i+1) * time.Hour)})
			if _, err := db.StartPostmortem(ctx, in.ID, "alice"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SavePostmortem(ctx, in.ID, models.PostmortemInput{Sections: map[string]string{"summary": "Why."}}, "alice"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.PublishPostmortem(ctx, in.ID, false, "alice"); err != nil {
				t.Fatal(err)
			}
		}
		h := newTestApp(t, db, nil).Handler()
		names := regexp.MustCompile(`>(Outage [A-Z])</a>`)
		seen := map[string]bool{}
		for page, want := range map[string]int{"/postmortems": 20, "/postmortems?page=2": 1} {
			body := wantPage(t, get(t, h, page), http.StatusOK)
			found := names.FindAllStringSubmatch(body, -1)
			if len(found) != want {
				t.Errorf("%s lists %d postmortems, want %d", page, len(found), want)
			}
			for _, m := range found {
				seen[m[1]] = true
			}
		}
		if len(seen) != 21 {
			t.Errorf("the two pages list %d different postmortems, want 21", len(seen))
		}
		contains(t, wantPage(t, get(t, h, "/postmortems"), http.StatusOK), "Page 1 of 2", `href="/postmortems?page=2" rel="next"`)
		contains(t, wantPage(t, get(t, h, "/postmortems?page=2"), http.StatusOK), `href="/postmortems" rel="prev"`)
		wantPage(t, get(t, h, "/postmortems?page=3"), http.StatusNotFound)
		wantPage(t, get(t, h, "/postmortems?page=zero"), http.StatusBadRequest)
	})
}
