package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// The status page lists the past incidents of the last 15 days, day by day
// in the page's time zone, newest first, quiet days saying so, each with a
// link and its latest update, above the link to the full history.
// Unresolved incidents stay in "Active incidents" only.
func TestStatusPageListsPastIncidents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		loc := berlin(t)
		now := time.Now()
		day := func(daysAgo int) time.Time { // midnight in the page's zone
			l := now.In(loc)
			return time.Date(l.Year(), l.Month(), l.Day()-daysAgo, 0, 0, 0, 0, loc)
		}
		api := addComponent(t, db, models.Component{Name: "API", CreatedAt: now.AddDate(0, 0, -60)})

		// Yesterday at noon, resolved an hour later.
		slow := openIncident(t, db, models.NewIncident{Name: "Slow responses", Status: models.Investigating,
			Impact: models.ImpactMinor, Body: "Looking into it", StartedAt: day(1).Add(12 * time.Hour)})
		postUpdate(t, db, slow.ID, models.NewUpdate{Status: models.Resolved, Body: "Responses are **fast** again.",
			At: day(1).Add(13 * time.Hour)})
		// Half past midnight in Berlin three days ago: still the day before in UTC.
		late := openIncident(t, db, models.NewIncident{Name: "Night failover", Impact: models.ImpactMajor,
			Body: "Failed over to the standby.", Backfilled: true, StartedAt: day(3).Add(30 * time.Minute)})
		// Too old, and still open.
		old := openIncident(t, db, models.NewIncident{Name: "Old outage", Impact: models.ImpactMajor,
			Body: "Long ago.", Backfilled: true, StartedAt: day(20).Add(10 * time.Hour)})
		open := openIncident(t, db, models.NewIncident{Name: "Ongoing trouble", Status: models.Investigating,
			Body: "Investigating", Components: map[string]string{api.ID: models.DegradedPerformance}})

		body := wantPage(t, get(t, newTestApp(t, db, nil).Handler(), "/"), http.StatusOK)
		i := strings.Index(body, `id="past-heading"`)
		if i < 0 {
			t.Fatalf("no past incidents section in:\n%s", body)
		}
		past := body[i:]
		if j := strings.Index(past, "</section>"); j >= 0 {
			past = past[:j]
		}
		dayHeading := func(n int) string {
			return `<time datetime="` + day(n).Format(time.DateOnly) + `">` + day(n).Format("Jan 2, 2006") + `</time>`
		}
		inOrder(t, past,
			dayHeading(0), "No incidents reported.",
			dayHeading(1), `href="/incidents/`+slow.ID+`">Slow responses</a>`, "Resolved", "Responses are fast again.",
			dayHeading(2), "No incidents reported.",
			dayHeading(3), `href="/incidents/`+late.ID+`">Night failover</a>`, "Failed over to the standby.",
			dayHeading(4), "No incidents reported.",
			dayHeading(14), "No incidents reported.")
		lacks(t, past, dayHeading(15), "Old outage", old.ID, "Ongoing trouble", open.ID, "Looking into it")
		if n := strings.Count(past, `class="past-day"`); n != 15 {
			t.Errorf("%d days of past incidents, want 15", n)
		}
		inOrder(t, body, `id="past-heading"`, `href="/history"`)
		contains(t, body, `href="/incidents/`+open.ID+`">Ongoing trouble</a>`)
	})
}
