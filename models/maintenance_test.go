package models_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// windowStart is where the tests' maintenance windows begin: a fixed time,
// so RunDueMaintenance is called with a fixed now.
var windowStart = time.Date(2025, 3, 10, 2, 0, 0, 0, time.UTC)

func newComponent(t *testing.T, db *models.DB, name, status string) string {
	t.Helper()
	c := models.Component{Name: name, Status: status, CreatedAt: windowStart.AddDate(0, -1, 0)}
	if err := db.CreateComponent(context.Background(), &c, "test"); err != nil {
		t.Fatalf("create component %q: %v", name, err)
	}
	return c.ID
}

// maintenanceSpec is a maintenance over [windowStart+From, windowStart+Until).
type maintenanceSpec struct {
	From, Until                time.Duration
	AutoStart, AutoComplete    bool
	Components                 []string
	Status                     string
	ExplicitOpeningComponents  map[string]string
	CreatedBeforeWindowStarted time.Duration // 0: a day
}

func schedule(t *testing.T, db *models.DB, s maintenanceSpec) *models.Incident {
	t.Helper()
	from, until := windowStart.Add(s.From), windowStart.Add(s.Until)
	created := s.CreatedBeforeWindowStarted
	if created == 0 {
		created = 24 * time.Hour
	}
	in, err := db.OpenIncident(context.Background(), models.NewIncident{
		Kind: models.KindMaintenance, Name: "Database upgrade", Status: s.Status,
		Body: "We will upgrade the database.", ComponentIDs: s.Components, Components: s.ExplicitOpeningComponents,
		StartedAt: from.Add(-created), Actor: "test",
		ScheduledFor: &from, ScheduledUntil: &until,
		AutoInProgress: s.AutoStart, AutoComplete: s.AutoComplete,
	})
	if err != nil {
		t.Fatalf("schedule maintenance: %v", err)
	}
	return in
}

func post(t *testing.T, db *models.DB, id string, u models.NewUpdate) *models.TimelineEvent {
	t.Helper()
	if u.Actor == "" {
		u.Actor = "test"
	}
	ev, err := db.PostUpdate(context.Background(), id, u)
	if err != nil {
		t.Fatalf("post %s update: %v", u.Status, err)
	}
	return ev
}

func componentStatus(t *testing.T, db *models.DB, id string) string {
	t.Helper()
	c, err := db.GetComponent(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c.Status
}

func wantStatuses(t *testing.T, db *models.DB, want map[string]string) {
	t.Helper()
	for id, st := range want {
		if got := componentStatus(t, db, id); got != st {
			t.Errorf("component %s is %s, want %s", id, got, st)
		}
	}
}

// changesOf returns a component's status history after its creation.
func changesOf(t *testing.T, db *models.DB, componentID string) []models.StatusChange {
	t.Helper()
	var list []models.StatusChange
	err := db.Gorm.Where("component_id = ? AND old_status <> ''", componentID).Order("changed_at, id").Find(&list).Error
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func mustGet(t *testing.T, db *models.DB, id string) *models.Incident {
	t.Helper()
	in, err := db.GetIncident(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// eventsOf returns the incident's events of a kind, oldest first.
func eventsOf(in *models.Incident, kind string) []models.TimelineEvent {
	var out []models.TimelineEvent
	for _, e := range in.Events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func transitionData(t *testing.T, e models.TimelineEvent) models.TransitionData {
	t.Helper()
	var d models.TransitionData
	if err := json.Unmarshal([]byte(e.Data), &d); err != nil {
		t.Fatalf("transition data %q: %v", e.Data, err)
	}
	return d
}

func TestMaintenanceManualTransitionsSetComponents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		a := newComponent(t, db, "API", models.Operational)
		b := newComponent(t, db, "Web", models.Operational)
		c := newComponent(t, db, "Search", models.DegradedPerformance)
		other := newComponent(t, db, "Email", models.Operational)
		m := schedule(t, db, maintenanceSpec{Until: 2 * time.Hour, Components: []string{a, b, c}})

		// Started by hand, naming no component: the operational ones go
		// under maintenance; the degraded one keeps showing its problem.
		ev := post(t, db, m.ID, models.NewUpdate{Status: models.InProgress, At: windowStart.Add(time.Minute), Body: "Started."})
		wantStatuses(t, db, map[string]string{a: models.UnderMaintenance, b: models.UnderMaintenance, c: models.DegradedPerformance, other: models.Operational})
		want := models.AffectedComponents{
			{Code: a, Name: "API", OldStatus: models.Operational, NewStatus: models.UnderMaintenance},
			{Code: b, Name: "Web", OldStatus: models.Operational, NewStatus: models.UnderMaintenance},
		}
		if a > b {
			want[0], want[1] = want[1], want[0]
		}
		if len(ev.AffectedComponents) != 2 || ev.AffectedComponents[0] != want[0] || ev.AffectedComponents[1] != want[1] {
			t.Errorf("update's affected components = %+v, want %+v", ev.AffectedComponents, want)
		}
		for _, id := range []string{a, b} {
			ch := changesOf(t, db, id)
			if len(ch) != 1 || ch[0].NewStatus != models.UnderMaintenance || ch[0].IncidentID == nil || *ch[0].IncidentID != m.ID ||
				!ch[0].ChangedAt.Equal(windowStart.Add(time.Minute)) || ch[0].Actor != "test" {
				t.Errorf("status changes of %s = %+v, want one to under_maintenance by the maintenance at its update", id, ch)
			}
		}
		if ch := changesOf(t, db, c); len(ch) != 0 {
			t.Errorf("degraded component changed: %+v", ch)
		}

		// Verifying changes no component.
		post(t, db, m.ID, models.NewUpdate{Status: models.Verifying, At: windowStart.Add(time.Hour), Body: "Verifying."})
		wantStatuses(t, db, map[string]string{a: models.UnderMaintenance, b: models.UnderMaintenance})

		// Completed: back to operational.
		ev = post(t, db, m.ID, models.NewUpdate{Status: models.Completed, At: windowStart.Add(90 * time.Minute), Body: "Done."})
		wantStatuses(t, db, map[string]string{a: models.Operational, b: models.Operational, c: models.DegradedPerformance})
		if len(ev.AffectedComponents) != 2 || ev.AffectedComponents[0].NewStatus != models.Operational || ev.AffectedComponents[0].OldStatus != models.UnderMaintenance {
			t.Errorf("completion's affected components = %+v", ev.AffectedComponents)
		}

		// Each transition is on the timeline, public, with from, to and
		// who made it.
		got := eventsOf(mustGet(t, db, m.ID), models.EventMaintenanceTransition)
		steps := [][2]string{{models.Scheduled, models.InProgress}, {models.InProgress, models.Verifying}, {models.Verifying, models.Completed}}
		if len(got) != len(steps) {
			t.Fatalf("%d transition events, want %d: %+v", len(got), len(steps), got)
		}
		for i, e := range got {
			d := transitionData(t, e)
			if d.From != steps[i][0] || d.To != steps[i][1] || d.Automatic || e.Status != steps[i][1] || e.Visibility != models.Public || e.Actor != "test" {
				t.Errorf("transition %d = %+v (data %+v), want %s → %s, manual, public", i, e, d, steps[i][0], steps[i][1])
			}
		}
	})
}

func TestMaintenanceExplicitComponentChangesWin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		a := newComponent(t, db, "API", models.Operational)
		b := newComponent(t, db, "Web", models.Operational)
		m := schedule(t, db, maintenanceSpec{Until: 2 * time.Hour, Components: []string{a, b}})
		post(t, db, m.ID, models.NewUpdate{Status: models.InProgress, At: windowStart, Components: map[string]string{a: models.PartialOutage}})
		wantStatuses(t, db, map[string]string{a: models.PartialOutage, b: models.Operational})

		post(t, db, m.ID, models.NewUpdate{Status: models.Completed, At: windowStart.Add(time.Hour), Components: map[string]string{b: models.DegradedPerformance}})
		wantStatuses(t, db, map[string]string{a: models.PartialOutage, b: models.DegradedPerformance})
		if n := len(eventsOf(mustGet(t, db, m.ID), models.EventMaintenanceTransition)); n != 2 {
			t.Errorf("%d transition events, want 2", n)
		}
	})
}

// Completing a maintenance leaves a component under maintenance while
// another maintenance in progress or an unresolved incident still affects
// it; one whose state an operator changed during the window keeps it.
func TestMaintenanceCompletionLeavesHeldComponents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		free := newComponent(t, db, "API", models.Operational)
		shared := newComponent(t, db, "Database", models.Operational)
		incident := newComponent(t, db, "Search", models.Operational)
		broken := newComponent(t, db, "Web", models.Operational)
		m1 := schedule(t, db, maintenanceSpec{Until: 3 * time.Hour, Components: []string{free, shared, incident, broken}})
		m2 := schedule(t, db, maintenanceSpec{Until: 5 * time.Hour, Components: []string{shared}})
		post(t, db, m1.ID, models.NewUpdate{Status: models.InProgress, At: windowStart})
		post(t, db, m2.ID, models.NewUpdate{Status: models.InProgress, At: windowStart.Add(time.Minute)})
		if ch := changesOf(t, db, shared); len(ch) != 1 {
			t.Errorf("a second maintenance starting recorded another change of a component already under maintenance: %+v", ch)
		}
		_, err := db.OpenIncident(ctx, models.NewIncident{Name: "Search is slow", ComponentIDs: []string{incident},
			StartedAt: windowStart.Add(time.Hour), Actor: "test"})
		if err != nil {
			t.Fatal(err)
		}
		// A resolved incident and a deleted maintenance hold nothing.
		if _, err := db.OpenIncident(ctx, models.NewIncident{Name: "Old", Status: models.Resolved, ComponentIDs: []string{free},
			StartedAt: windowStart.Add(-time.Hour), Actor: "test"}); err != nil {
			t.Fatal(err)
		}
		gone := schedule(t, db, maintenanceSpec{Until: 9 * time.Hour, Components: []string{free}})
		post(t, db, gone.ID, models.NewUpdate{Status: models.InProgress, At: windowStart.Add(2 * time.Minute)})
		if err := db.Gorm.Delete(&models.Incident{}, "id = ?", gone.ID).Error; err != nil {
			t.Fatal(err)
		}
		post(t, db, m1.ID, models.NewUpdate{Status: models.InProgress, At: windowStart.Add(2 * time.Hour), Components: map[string]string{broken: models.MajorOutage}})

		post(t, db, m1.ID, models.NewUpdate{Status: models.Completed, At: windowStart.Add(3 * time.Hour)})
		wantStatuses(t, db, map[string]string{
			free: models.Operational, shared: models.UnderMaintenance, incident: models.UnderMaintenance, broken: models.MajorOutage,
		})

		// The other maintenance completing releases the shared component.
		post(t, db, m2.ID, models.NewUpdate{Status: models.Completed, At: windowStart.Add(5 * time.Hour)})
		wantStatuses(t, db, map[string]string{shared: models.Operational, incident: models.UnderMaintenance})
	})
}

func TestMaintenanceOpenedInProgressOrCompleted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		a := newComponent(t, db, "API", models.Operational)
		b := newComponent(t, db, "Web", models.UnderMaintenance)
		m := schedule(t, db, maintenanceSpec{Until: time.Hour, Components: []string{a}, Status: models.InProgress, CreatedBeforeWindowStarted: -time.Minute})
		wantStatuses(t, db, map[string]string{a: models.UnderMaintenance})
		if u := m.Updates(); len(u) != 1 || len(u[0].AffectedComponents) != 1 || u[0].AffectedComponents[0].NewStatus != models.UnderMaintenance {
			t.Errorf("opening update = %+v, want it to set the component under maintenance", u)
		}
		if n := len(eventsOf(m, models.EventMaintenanceTransition)); n != 0 {
			t.Errorf("opening recorded %d transition events, want none", n)
		}
		// A backfilled, completed maintenance changes no component.
		schedule(t, db, maintenanceSpec{From: -48 * time.Hour, Until: -47 * time.Hour, Components: []string{b}, Status: models.Completed})
		wantStatuses(t, db, map[string]string{b: models.UnderMaintenance})
	})
}

func TestRunDueMaintenanceAtWindowEdges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		a := newComponent(t, db, "API", models.Operational)
		m := schedule(t, db, maintenanceSpec{Until: 2 * time.Hour, AutoStart: true, AutoComplete: true, Components: []string{a}})
		run := func(now time.Time, wantStarted, wantCompleted int) {
			t.Helper()
			s, c, err := db.RunDueMaintenance(ctx, now)
			if err != nil || s != wantStarted || c != wantCompleted {
				t.Fatalf("RunDueMaintenance(%s) = %d, %d, %v; want %d, %d", now, s, c, err, wantStarted, wantCompleted)
			}
		}

		run(windowStart.Add(-time.Second), 0, 0)
		if got := mustGet(t, db, m.ID).Status; got != models.Scheduled {
			t.Fatalf("status %s before the window, want scheduled", got)
		}
		run(windowStart, 1, 0)
		in := mustGet(t, db, m.ID)
		if in.Status != models.InProgress {
			t.Fatalf("status %s at the window's start, want in_progress", in.Status)
		}
		u := in.Updates()[0]
		if u.Status != models.InProgress || u.Body != models.AutoStartMessage || u.Actor != models.SchedulerActor || !u.OccurredAt.Equal(windowStart) || !u.DeliverNotifications {
			t.Errorf("start update = %+v", u)
		}
		wantStatuses(t, db, map[string]string{a: models.UnderMaintenance})
		tr := eventsOf(in, models.EventMaintenanceTransition)
		if len(tr) != 1 || transitionData(t, tr[0]) != (models.TransitionData{From: models.Scheduled, To: models.InProgress, Automatic: true}) {
			t.Errorf("transition events = %+v", tr)
		}
		run(windowStart, 0, 0)

		run(windowStart.Add(2*time.Hour-time.Second), 0, 0)
		run(windowStart.Add(2*time.Hour), 0, 1)
		in = mustGet(t, db, m.ID)
		u = in.Updates()[0]
		if in.Status != models.Completed || in.ResolvedAt == nil || !in.ResolvedAt.Equal(windowStart.Add(2*time.Hour)) ||
			u.Body != models.AutoCompleteMessage || !u.OccurredAt.Equal(windowStart.Add(2*time.Hour)) {
			t.Errorf("after the window: status %s, resolved %v, latest update %+v", in.Status, in.ResolvedAt, u)
		}
		wantStatuses(t, db, map[string]string{a: models.Operational})
		run(windowStart.Add(3*time.Hour), 0, 0)

		var audit []models.AuditEntry
		db.Gorm.Where("target_id = ?", m.ID).Order("id").Find(&audit)
		if len(audit) != 2 || audit[0].Action != "maintenance.auto_start" || audit[1].Action != "maintenance.auto_complete" || audit[0].ActorType != models.ActorSystem {
			t.Errorf("audit log = %+v, want the automatic start and completion by the system", audit)
		}
	})
}

// A maintenance whose whole window passed while no scheduler ran is started
// and completed in one round, its updates dated at the window's edges.
func TestRunDueMaintenanceWholeWindowPassed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		a := newComponent(t, db, "API", models.Operational)
		m := schedule(t, db, maintenanceSpec{From: time.Hour, Until: 3 * time.Hour, AutoStart: true, AutoComplete: true, Components: []string{a}})
		s, c, err := db.RunDueMaintenance(context.Background(), windowStart.Add(10*time.Hour))
		if err != nil || s != 1 || c != 1 {
			t.Fatalf("RunDueMaintenance = %d, %d, %v; want 1, 1", s, c, err)
		}
		in := mustGet(t, db, m.ID)
		updates := eventsOf(in, models.EventUpdate)
		if len(updates) != 3 {
			t.Fatalf("%d updates, want the opening, the start and the completion", len(updates))
		}
		start, end := updates[1], updates[2]
		if start.Status != models.InProgress || !start.OccurredAt.Equal(windowStart.Add(time.Hour)) || start.DeliverNotifications {
			t.Errorf("start update = %+v, want in_progress at the window's start, not notified (it is over)", start)
		}
		if end.Status != models.Completed || !end.OccurredAt.Equal(windowStart.Add(3*time.Hour)) || !end.DeliverNotifications {
			t.Errorf("completion update = %+v, want completed at the window's end", end)
		}
		if in.Status != models.Completed || !in.ResolvedAt.Equal(windowStart.Add(3*time.Hour)) {
			t.Errorf("status %s resolved at %v", in.Status, in.ResolvedAt)
		}
		ch := changesOf(t, db, a)
		if len(ch) != 2 || ch[0].NewStatus != models.UnderMaintenance || !ch[0].ChangedAt.Equal(windowStart.Add(time.Hour)) ||
			ch[1].NewStatus != models.Operational || !ch[1].ChangedAt.Equal(windowStart.Add(3*time.Hour)) {
			t.Errorf("status changes = %+v, want under maintenance for the window", ch)
		}
	})
}

// Automatic updates are dated after every update already posted, even when
// the window began earlier: the newest update is the one that set the status.
func TestRunDueMaintenanceDatesAfterExistingUpdates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		late := schedule(t, db, maintenanceSpec{Until: time.Hour, AutoStart: true, CreatedBeforeWindowStarted: -10 * time.Minute})
		noted := schedule(t, db, maintenanceSpec{Until: time.Hour, AutoStart: true})
		post(t, db, noted.ID, models.NewUpdate{Status: models.Scheduled, At: windowStart.Add(5 * time.Minute), Body: "Still on."})
		if _, _, err := db.RunDueMaintenance(context.Background(), windowStart.Add(20*time.Minute)); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[string]time.Time{
			late.ID:  windowStart.Add(10*time.Minute + time.Millisecond),
			noted.ID: windowStart.Add(5*time.Minute + time.Millisecond),
		} {
			u := mustGet(t, db, id).Updates()[0]
			if u.Status != models.InProgress || !u.OccurredAt.Equal(want) {
				t.Errorf("start update of %s = %s at %s, want in_progress at %s", id, u.Status, u.OccurredAt, want)
			}
		}
	})
}

func TestRunDueMaintenanceFlags(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		manual := schedule(t, db, maintenanceSpec{Until: time.Hour})
		startOnly := schedule(t, db, maintenanceSpec{Until: time.Hour, AutoStart: true})
		completeOnly := schedule(t, db, maintenanceSpec{Until: time.Hour, AutoComplete: true})
		startedByHand := schedule(t, db, maintenanceSpec{Until: time.Hour, AutoComplete: true})
		post(t, db, startedByHand.ID, models.NewUpdate{Status: models.Verifying, At: windowStart})
		deleted := schedule(t, db, maintenanceSpec{Until: time.Hour, AutoStart: true, AutoComplete: true})
		if err := db.Gorm.Delete(&models.Incident{}, "id = ?", deleted.ID).Error; err != nil {
			t.Fatal(err)
		}

		s, c, err := db.RunDueMaintenance(context.Background(), windowStart.Add(5*time.Hour))
		if err != nil || s != 1 || c != 1 {
			t.Fatalf("RunDueMaintenance = %d, %d, %v; want 1, 1", s, c, err)
		}
		want := map[string]string{
			manual.ID: models.Scheduled, startOnly.ID: models.InProgress, completeOnly.ID: models.Scheduled,
			startedByHand.ID: models.Completed,
		}
		for id, st := range want {
			if got := mustGet(t, db, id).Status; got != st {
				t.Errorf("maintenance %s is %s, want %s", id, got, st)
			}
		}
		var d models.Incident
		if err := db.Gorm.Unscoped().Preload("Events").Take(&d, "id = ?", deleted.ID).Error; err != nil {
			t.Fatal(err)
		}
		if d.Status != models.Scheduled || len(d.Events) != 1 {
			t.Errorf("deleted maintenance changed: status %s, %d events", d.Status, len(d.Events))
		}
	})
}

// Several schedulers (replicas, each with its own connection pool) running
// a round at the same time make each transition once.
func TestRunDueMaintenanceConcurrently(t *testing.T) {
	for _, dialect := range []models.Dialect{models.SQLite, models.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			ctx := context.Background()
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
			shared := newComponent(t, db, "Shared", models.Operational)
			type maint struct {
				id    string
				comps []string
			}
			var all []maint
			for i := range 6 {
				own := []string{newComponent(t, db, "A", models.Operational), newComponent(t, db, "B", models.Operational)}
				comps := own
				if i%2 == 0 {
					comps = append(comps, shared)
				}
				m := schedule(t, db, maintenanceSpec{Until: time.Hour, AutoStart: true, AutoComplete: true, Components: comps})
				all = append(all, maint{m.ID, own})
			}

			round := func(now time.Time) (started, completed int) {
				var mu sync.Mutex
				var wg sync.WaitGroup
				for g := range 8 {
					wg.Go(func() {
						s, c, err := replicas[g%len(replicas)].RunDueMaintenance(ctx, now)
						if err != nil {
							t.Errorf("RunDueMaintenance: %v", err)
						}
						mu.Lock()
						started, completed = started+s, completed+c
						mu.Unlock()
					})
				}
				wg.Wait()
				return started, completed
			}

			if s, c := round(windowStart.Add(time.Minute)); s != len(all) || c != 0 {
				t.Errorf("rounds started %d and completed %d, want %d and 0", s, c, len(all))
			}
			if s, c := round(windowStart.Add(time.Hour)); s != 0 || c != len(all) {
				t.Errorf("rounds started %d and completed %d, want 0 and %d", s, c, len(all))
			}
			for _, m := range all {
				in := mustGet(t, db, m.id)
				count := map[string]int{}
				for _, u := range eventsOf(in, models.EventUpdate) {
					count[u.Status]++
				}
				if count[models.InProgress] != 1 || count[models.Completed] != 1 {
					t.Errorf("maintenance %s has updates %v, want one in_progress and one completed", m.id, count)
				}
				if n := len(eventsOf(in, models.EventMaintenanceTransition)); n != 2 {
					t.Errorf("maintenance %s has %d transition events, want 2", m.id, n)
				}
				for _, c := range m.comps {
					ch := changesOf(t, db, c)
					if len(ch) != 2 || ch[0].NewStatus != models.UnderMaintenance || ch[1].NewStatus != models.Operational {
						t.Errorf("component %s has status changes %+v, want one to under_maintenance and one back", c, ch)
					}
				}
			}
			// The shared component went under maintenance once and came
			// back once, when the last maintenance holding it completed.
			ch := changesOf(t, db, shared)
			if len(ch) != 2 || ch[0].NewStatus != models.UnderMaintenance || ch[1].NewStatus != models.Operational || ch[0].OldStatus != models.Operational {
				t.Errorf("shared component has status changes %+v, want one to under_maintenance and one back", ch)
			}
		})
	}
}
