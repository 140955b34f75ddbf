package app_test

import (
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// Scheduling a maintenance never changes what its components show now:
// an outage of another incident keeps showing, and an operational
// component stays operational until the maintenance starts. Scheduling
// for tomorrow with {id: "operational"} used to hide an active outage.
func TestSchedulingMaintenanceKeepsTodaysStatus(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleEditor)
		var down, calm jsonComponent
		c.want(c.do("POST", "/components", map[string]any{"component": map[string]any{"name": "API"}}, &down), 201)
		c.want(c.do("POST", "/components", map[string]any{"component": map[string]any{"name": "Web"}}, &calm), 201)
		c.want(c.do("POST", "/incidents", map[string]any{"incident": map[string]any{
			"name": "Errors", "body": "Looking", "components": map[string]string{down.ID: models.PartialOutage}}}, nil), 201)

		tomorrow := time.Now().Add(24 * time.Hour).UTC()
		var maint jsonIncident
		c.want(c.do("POST", "/incidents", map[string]any{"incident": map[string]any{
			"name": "Upgrade", "body": "Planned", "status": "scheduled",
			"scheduled_for": tomorrow.Format(time.RFC3339), "scheduled_until": tomorrow.Add(time.Hour).Format(time.RFC3339),
			"components": map[string]string{down.ID: models.Operational, calm.ID: models.UnderMaintenance}}}, &maint), 201)
		statusOf := func(id string) string {
			var comp jsonComponent
			c.want(c.do("GET", "/components/"+id, nil, &comp), 200)
			return comp.Status
		}
		if got := statusOf(down.ID); got != models.PartialOutage {
			t.Errorf("after scheduling, the component in an outage shows %s, want %s", got, models.PartialOutage)
		}
		if got := statusOf(calm.ID); got != models.Operational {
			t.Errorf("after scheduling, the operational component shows %s, want operational until the start", got)
		}
		contains(t, wantPage(t, get(t, c.h, "/"), 200), "Partial Outage")

		// An update while it is still scheduled changes nothing either.
		c.want(c.do("PATCH", "/incidents/"+maint.ID, map[string]any{"incident": map[string]any{
			"status": "scheduled", "body": "Still planned", "components": map[string]string{calm.ID: models.MajorOutage}}}, nil), 200)
		if got := statusOf(calm.ID); got != models.Operational {
			t.Errorf("after an update of the scheduled maintenance, the component shows %s", got)
		}

		// Started: its components go under maintenance; the outage keeps showing.
		c.want(c.do("PATCH", "/incidents/"+maint.ID, map[string]any{"incident": map[string]any{"status": "in_progress", "body": "Started"}}, nil), 200)
		if got := statusOf(calm.ID); got != models.UnderMaintenance {
			t.Errorf("after the start, the component shows %s, want under_maintenance", got)
		}
		if got := statusOf(down.ID); got != models.PartialOutage {
			t.Errorf("after the start, the component in an outage shows %s", got)
		}
	})
}

// A maintenance's duration is its window, not the time since it was
// announced; the console promises a reminder only when one will be sent.
func TestMaintenanceDurationAndReminderPromise(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		now := time.Now().UTC().Truncate(time.Minute)
		schedule := func(name string, announced, start time.Time) *models.Incident {
			t.Helper()
			until := start.Add(2 * time.Hour)
			return openIncident(t, db, models.NewIncident{Kind: models.KindMaintenance, Name: name, Status: models.Scheduled,
				StartedAt: announced, ScheduledFor: &start, ScheduledUntil: &until, RemindPrior: true})
		}
		past := schedule("Past upgrade", now.AddDate(0, 0, -8), now.AddDate(0, 0, -3))
		postUpdate(t, db, past.ID, models.NewUpdate{Status: models.InProgress, At: *past.ScheduledFor})
		postUpdate(t, db, past.ID, models.NewUpdate{Status: models.Completed, At: past.ScheduledFor.Add(2 * time.Hour)})
		body := wantPage(t, get(t, h, "/incidents/"+past.ID), 200)
		contains(t, body, "<dt>Duration</dt><dd>2 hrs</dd>")

		ed := signIn(t, h, db, models.RoleEditor)
		ahead := schedule("Announced ahead", now, now.AddDate(0, 0, 3))
		contains(t, wantAdminPage(t, ed.Get("/admin/incidents/"+ahead.ID), 200), "subscribers will be reminded an hour before it starts")
		late := schedule("Announced late", now, now.Add(30*time.Minute))
		body = wantAdminPage(t, ed.Get("/admin/incidents/"+late.ID), 200)
		contains(t, body, "no reminder will be sent")
		lacks(t, body, "will be reminded")
	})
}
