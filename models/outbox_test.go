package models_test

import (
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// outbox returns the notifications written so far, oldest first.
func outbox(t *testing.T, db *models.DB) []models.Notification {
	t.Helper()
	var list []models.Notification
	if err := db.Gorm.Order("id").Find(&list).Error; err != nil {
		t.Fatal(err)
	}
	return list
}

// kinds returns the kinds of the notifications after the first skip.
func kinds(t *testing.T, db *models.DB, skip int) []string {
	t.Helper()
	var out []string
	for _, n := range outbox(t, db)[skip:] {
		out = append(out, n.Kind)
	}
	return out
}

func content(t *testing.T, n models.Notification) models.NotificationContent {
	t.Helper()
	var c models.NotificationContent
	if err := json.Unmarshal([]byte(n.Payload), &c); err != nil {
		t.Fatalf("payload %q: %v", n.Payload, err)
	}
	return c
}

// Opening, updating (with notify on) and resolving an incident each write
// one notification, in the change's transaction; notify off and backfills
// write none.
func TestIncidentNotifications(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		api := newComponent(t, db, "API", models.Operational)
		web := newComponent(t, db, "Web", models.Operational)
		in := openIncident(t, db, models.NewIncident{Name: "API errors", Body: "We are *looking*.",
			Components: map[string]string{api: models.MajorOutage}, ComponentIDs: []string{web}, Notify: true})
		list := outbox(t, db)
		if len(list) != 1 {
			t.Fatalf("outbox has %d notifications, want 1", len(list))
		}
		n := list[0]
		if n.Kind != models.NotifyIncidentOpened || n.IncidentID == nil || *n.IncidentID != in.ID || n.EventID == nil ||
			n.Status != models.NotificationPending || n.Subject != "API errors" {
			t.Errorf("notification = %+v", n)
		}
		var ids []string
		json.Unmarshal([]byte(n.ComponentIDs), &ids)
		slices.Sort(ids)
		want := []string{api, web}
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			t.Errorf("component ids = %v, want %v", ids, want)
		}
		c := content(t, n)
		if c.Name != "API errors" || c.Status != models.Investigating || c.Body != "We are *looking*." ||
			c.BodyHTML != "<p>We are <em>looking</em>.</p>\n" || !slices.Equal(c.Components, []string{"API", "Web"}) ||
			c.IncidentKind != models.KindIncident || c.Impact != models.ImpactCritical {
			t.Errorf("content = %+v", c)
		}

		postUpdate(t, db, in.ID, models.NewUpdate{Status: models.Identified, Body: "Found it."})
		postUpdate(t, db, in.ID, models.NewUpdate{Status: models.Monitoring, Body: "Fixed.", Notify: true})
		postUpdate(t, db, in.ID, models.NewUpdate{Status: models.Resolved, Body: "All good.", Notify: true})
		postUpdate(t, db, in.ID, models.NewUpdate{Body: "A late word.", Notify: true})
		got := kinds(t, db, 1)
		if !slices.Equal(got, []string{models.NotifyIncidentUpdated, models.NotifyIncidentResolved, models.NotifyIncidentUpdated}) {
			t.Errorf("kinds after opening = %v", got)
		}

		before := len(outbox(t, db))
		openIncident(t, db, models.NewIncident{Name: "Quiet", Components: map[string]string{api: models.DegradedPerformance}})
		openIncident(t, db, models.NewIncident{Name: "Old outage", Backfilled: true, Notify: true,
			StartedAt: time.Now().Add(-48 * time.Hour), ComponentIDs: []string{api}})
		if got := len(outbox(t, db)); got != before {
			t.Errorf("notify off and backfill wrote %d notifications", got-before)
		}

		// A failed change writes no notification: it shares the transaction.
		if _, err := db.PostUpdate(ctx, in.ID, models.NewUpdate{Status: "bogus", Notify: true}); err == nil {
			t.Fatal("bogus status accepted")
		}
		if got := len(outbox(t, db)); got != before {
			t.Errorf("a refused update wrote a notification")
		}
	})
}

// A maintenance notifies when scheduled, started, updated and completed,
// by hand or by the scheduler; a start whose window passed unseen does not.
func TestMaintenanceNotifications(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newComponent(t, db, "DB", models.Operational)
		from, until := windowStart, windowStart.Add(time.Hour)
		m, err := db.OpenIncident(ctx, models.NewIncident{Kind: models.KindMaintenance, Name: "Upgrade", Notify: true,
			ComponentIDs: []string{c}, StartedAt: windowStart.Add(-24 * time.Hour), ScheduledFor: &from, ScheduledUntil: &until})
		if err != nil {
			t.Fatal(err)
		}
		post(t, db, m.ID, models.NewUpdate{Status: models.InProgress, Notify: true, At: from})
		post(t, db, m.ID, models.NewUpdate{Status: models.Verifying, Notify: true, At: from.Add(time.Minute)})
		post(t, db, m.ID, models.NewUpdate{Status: models.Completed, Notify: true, At: from.Add(2 * time.Minute)})
		want := []string{models.NotifyMaintenanceScheduled, models.NotifyMaintenanceStarted,
			models.NotifyMaintenanceUpdated, models.NotifyMaintenanceCompleted}
		if got := kinds(t, db, 0); !slices.Equal(got, want) {
			t.Errorf("kinds = %v, want %v", got, want)
		}
		sched := content(t, outbox(t, db)[0])
		if sched.ScheduledFor == nil || !sched.ScheduledFor.Equal(from) || sched.IncidentKind != models.KindMaintenance {
			t.Errorf("scheduled content = %+v", sched)
		}

		// The scheduler: one maintenance started and completed in turn, one
		// whose whole window passed while Beacon was down.
		auto := schedule(t, db, maintenanceSpec{Until: time.Hour, AutoStart: true, AutoComplete: true, Components: []string{c}})
		missed := schedule(t, db, maintenanceSpec{From: -3 * time.Hour, Until: -2 * time.Hour, AutoStart: true, AutoComplete: true})
		before := len(outbox(t, db))
		if _, _, err := db.RunDueMaintenance(ctx, windowStart.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.RunDueMaintenance(ctx, windowStart.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{}
		for _, n := range outbox(t, db)[before:] {
			got[*n.IncidentID] = append(got[*n.IncidentID], n.Kind)
		}
		if !slices.Equal(got[auto.ID], []string{models.NotifyMaintenanceStarted, models.NotifyMaintenanceCompleted}) {
			t.Errorf("automatic maintenance notified %v", got[auto.ID])
		}
		if !slices.Equal(got[missed.ID], []string{models.NotifyMaintenanceCompleted}) {
			t.Errorf("missed maintenance notified %v, want completed only", got[missed.ID])
		}
	})
}

// The reminder goes out once, within RemindBefore of the start, even with
// several replicas asking at once; not for a maintenance announced late,
// nor one without RemindPrior; moving the start makes it due again.
func TestRunDueReminders(t *testing.T) {
	for _, dialect := range []models.Dialect{models.SQLite, models.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			dsn := dbtest.NewDSN(t, dialect)
			var replicas []*models.DB
			for range 2 {
				db, err := models.Open(ctx, dialect, dsn, nil)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				replicas = append(replicas, db)
			}
			db := replicas[0]
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			c := newComponent(t, db, "DB", models.Operational)
			remind := func(name string, created time.Duration, prior bool) string {
				from, until := windowStart, windowStart.Add(time.Hour)
				in, err := db.OpenIncident(ctx, models.NewIncident{Kind: models.KindMaintenance, Name: name,
					ComponentIDs: []string{c}, StartedAt: windowStart.Add(-created), ScheduledFor: &from,
					ScheduledUntil: &until, RemindPrior: prior})
				if err != nil {
					t.Fatal(err)
				}
				return in.ID
			}
			due := remind("Due", 24*time.Hour, true)
			remind("Late", 30*time.Minute, true)
			remind("No reminder", 24*time.Hour, false)

			round := func(now time.Time) int {
				var mu sync.Mutex
				var wg sync.WaitGroup
				total := 0
				for g := range 6 {
					wg.Go(func() {
						n, err := replicas[g%2].RunDueReminders(ctx, now)
						if err != nil {
							t.Errorf("RunDueReminders: %v", err)
						}
						mu.Lock()
						total += n
						mu.Unlock()
					})
				}
				wg.Wait()
				return total
			}
			if n := round(windowStart.Add(-RemindEarly)); n != 0 {
				t.Errorf("%d reminders before the reminder window", n)
			}
			if n := round(windowStart.Add(-time.Hour)); n != 1 {
				t.Errorf("%d reminders at the reminder window, want 1", n)
			}
			if n := round(windowStart.Add(-time.Minute)); n != 0 {
				t.Errorf("%d reminders again", n)
			}
			list := outbox(t, db)
			if len(list) != 1 || list[0].Kind != models.NotifyMaintenanceReminder || *list[0].IncidentID != due {
				t.Fatalf("outbox = %+v", list)
			}
			in := mustGet(t, db, due)
			if in.ScheduledRemindedAt == nil || !in.ScheduledRemindedAt.Equal(windowStart.Add(-time.Hour)) {
				t.Errorf("scheduled_reminded_at = %v", in.ScheduledRemindedAt)
			}

			later := windowStart.Add(3 * time.Hour)
			if _, err := db.UpdateIncident(ctx, due, models.IncidentPatch{ScheduledFor: &later,
				ScheduledUntil: ptr(later.Add(time.Hour))}, "test"); err != nil {
				t.Fatal(err)
			}
			if n := round(later.Add(-30 * time.Minute)); n != 1 {
				t.Errorf("%d reminders after moving the start, want 1", n)
			}
		})
	}
}

// RemindEarly is a time before the reminder window opens.
const RemindEarly = models.RemindBefore + time.Minute
