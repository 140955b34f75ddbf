package app_test

import (
	"net/http"
	"testing"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// The banner never says worse than the components listed under it: an
// incident's impact raises it only while the incident affects no component
// and is investigating or identified. status.json and summary.json say the
// same.
func TestBannerNeverContradictsTheComponents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		api := addComponent(t, db, models.Component{Name: "API"})
		addComponent(t, db, models.Component{Name: "Web"})
		want := func(step, indicator, description string) {
			t.Helper()
			h := newTestApp(t, db, nil).Handler() // a fresh snapshot: the writes below go to the database
			body := wantPage(t, get(t, h, "/"), http.StatusOK)
			if got, text := banner(t, body); got != indicator || text != description {
				t.Errorf("%s: banner %s %q, want %s %q", step, got, text, indicator, description)
			}
			for _, path := range []string{"/api/v2/status.json", "/api/v2/summary.json"} {
				st := getV2(t, h, path)["status"].(map[string]any)
				if st["indicator"] != indicator || st["description"] != description {
					t.Errorf("%s: %s status %v %q, want %s %q", step, path, st["indicator"], st["description"], indicator, description)
				}
			}
		}

		in := openIncident(t, db, models.NewIncident{Name: "Elevated errors", Status: models.Investigating,
			Impact: models.ImpactCritical, Body: "Looking", Components: map[string]string{api.ID: models.MajorOutage}})
		want("investigating, API down", "critical", "Major System Outage")
		postUpdate(t, db, in.ID, models.NewUpdate{Status: models.Monitoring, Body: "Fix deployed",
			Components: map[string]string{api.ID: models.DegradedPerformance}})
		want("monitoring, API degraded", "minor", "Partially Degraded Service")
		postUpdate(t, db, in.ID, models.NewUpdate{Status: models.Monitoring, Body: "Recovered",
			Components: map[string]string{api.ID: models.Operational}})
		want("monitoring, all operational", "none", "All Systems Operational")

		// An incident on no component: its impact is all the page has to
		// say while it is investigated, not once the fix is in.
		other := openIncident(t, db, models.NewIncident{Name: "Login trouble", Status: models.Identified,
			Impact: models.ImpactMajor, Body: "Some cannot sign in"})
		want("identified, no components", "major", "Partial System Outage")
		postUpdate(t, db, other.ID, models.NewUpdate{Status: models.Monitoring, Body: "Fixed"})
		want("monitoring, no components", "none", "All Systems Operational")
	})
}
