package models_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

func openIncident(t *testing.T, db *models.DB, n models.NewIncident) *models.Incident {
	t.Helper()
	if n.Actor == "" {
		n.Actor = "test"
	}
	in, err := db.OpenIncident(ctx, n)
	if err != nil {
		t.Fatalf("open incident %q: %v", n.Name, err)
	}
	return in
}

func postUpdate(t *testing.T, db *models.DB, id string, u models.NewUpdate) *models.TimelineEvent {
	t.Helper()
	if u.Actor == "" {
		u.Actor = "test"
	}
	ev, err := db.PostUpdate(ctx, id, u)
	if err != nil {
		t.Fatalf("post update on %s: %v", id, err)
	}
	return ev
}

func getIncident(t *testing.T, db *models.DB, id string) *models.Incident {
	t.Helper()
	in, err := db.GetIncident(ctx, id)
	if err != nil {
		t.Fatalf("get incident %s: %v", id, err)
	}
	return in
}

func componentIDs(cs []models.Component) string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return strings.Join(ids, ",")
}

func TestOpenIncident(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		created := time.Now().AddDate(0, 0, -1)
		api := addComponent(t, db, models.Component{Name: "API", Position: 1, CreatedAt: created})
		web := addComponent(t, db, models.Component{Name: "Web", Position: 2, CreatedAt: created})
		started := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)

		in := openIncident(t, db, models.NewIncident{Name: " Errors ", Body: "Looking.", StartedAt: started,
			Components: map[string]string{api.ID: models.PartialOutage}, ComponentIDs: []string{web.ID}, Actor: "alice"})
		if in.Name != "Errors" || in.Status != models.Investigating || in.Impact != models.ImpactMajor || in.ImpactOverride ||
			in.Backfilled || !in.StartedAt.Equal(started) || in.ResolvedAt != nil {
			t.Errorf("incident = %+v", in)
		}
		if got, want := componentIDs(in.Components), api.ID+","+web.ID; got != want {
			t.Errorf("components %s, want %s", got, want)
		}
		if len(in.Events) != 1 || !in.Events[0].OccurredAt.Equal(started) || in.Events[0].Body != "Looking." ||
			len(in.Events[0].AffectedComponents) != 1 || in.Events[0].AffectedComponents[0].NewStatus != models.PartialOutage {
			t.Errorf("events = %+v", in.Events)
		}
		history := statusChanges(t, db, api.ID)
		if last := history[len(history)-1]; last.NewStatus != models.PartialOutage || !last.ChangedAt.Equal(started) ||
			last.IncidentID == nil || *last.IncidentID != in.ID || last.Actor != "alice" {
			t.Errorf("status change = %+v", last)
		}
		if c := getComponent(t, db, web.ID); c.Status != models.Operational {
			t.Errorf("web status %s, want unchanged", c.Status)
		}

		// A start a little ahead of this clock is now.
		soon := openIncident(t, db, models.NewIncident{Name: "Soon", StartedAt: time.Now().Add(time.Minute)})
		if soon.StartedAt.After(time.Now()) {
			t.Errorf("StartedAt %s is in the future", soon.StartedAt)
		}
	})
}

// A backfilled incident is resolved at its date with one update and leaves
// the components' status alone.
func TestOpenIncidentBackfill(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		api := addComponent(t, db, models.Component{Name: "API"})
		web := addComponent(t, db, models.Component{Name: "Web", Status: models.DegradedPerformance})
		date := time.Now().UTC().AddDate(0, 0, -2).Truncate(time.Second)

		in := openIncident(t, db, models.NewIncident{Name: "Outage last week", Body: "The API was down for an hour.",
			Backfilled: true, StartedAt: date, Notify: true,
			Components: map[string]string{api.ID: models.MajorOutage}, ComponentIDs: []string{web.ID}})
		if !in.Backfilled || in.Status != models.Resolved || in.ResolvedAt == nil || !in.ResolvedAt.Equal(date) ||
			!in.StartedAt.Equal(date) || in.Impact != models.ImpactCritical {
			t.Errorf("backfilled incident = %+v", in)
		}
		if got, want := componentIDs(in.Components), strings.Join([]string{api.ID, web.ID}, ","); len(in.Components) != 2 ||
			!strings.Contains(got, api.ID) || !strings.Contains(got, web.ID) {
			t.Errorf("components %s, want %s", got, want)
		}
		if len(in.Events) != 1 {
			t.Fatalf("%d events, want 1", len(in.Events))
		}
		if e := in.Events[0]; e.Kind != models.EventUpdate || e.Status != models.Resolved || !e.OccurredAt.Equal(date) ||
			e.Body != "The API was down for an hour." || len(e.AffectedComponents) != 0 || e.DeliverNotifications {
			t.Errorf("update = %+v", e)
		}
		if c := getComponent(t, db, api.ID); c.Status != models.Operational {
			t.Errorf("API status %s, want unchanged", c.Status)
		}
		if c := getComponent(t, db, web.ID); c.Status != models.DegradedPerformance {
			t.Errorf("Web status %s, want unchanged", c.Status)
		}
		if n := len(statusChanges(t, db, api.ID)); n != 1 {
			t.Errorf("%d status changes of the API, want only its creation", n)
		}
	})
}

func TestOpenIncidentInvalid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		group := addComponent(t, db, models.Component{Name: "Core", IsGroup: true})
		api := addComponent(t, db, models.Component{Name: "API", GroupID: &group.ID})
		now := time.Now()
		from, until := now.Add(time.Hour), now.Add(2*time.Hour)
		long := strings.Repeat("a", models.MaxMessageLength+1)
		tests := []struct {
			name  string
			n     models.NewIncident
			field string
		}{
			{"empty name", models.NewIncident{Name: "  "}, "name"},
			{"long name", models.NewIncident{Name: strings.Repeat("a", models.MaxNameLength+1)}, "name"},
			{"unknown kind", models.NewIncident{Kind: "outage", Name: "x"}, "kind"},
			{"unknown status", models.NewIncident{Name: "x", Status: "broken"}, "status"},
			{"maintenance status", models.NewIncident{Name: "x", Status: models.InProgress}, "status"},
			{"incident status on a maintenance", models.NewIncident{Kind: models.KindMaintenance, Name: "x", Status: models.Identified,
				ScheduledFor: &from, ScheduledUntil: &until}, "status"},
			{"unknown impact", models.NewIncident{Name: "x", Impact: "huge"}, "impact"},
			{"maintenance impact", models.NewIncident{Name: "x", Impact: models.ImpactMaintenance}, "impact"},
			{"long body", models.NewIncident{Name: "x", Body: long}, "body"},
			{"unknown component status", models.NewIncident{Name: "x", Components: map[string]string{api.ID: "down"}}, "components"},
			{"unknown component", models.NewIncident{Name: "x", Components: map[string]string{"nosuchid": models.MajorOutage}}, "components"},
			{"a known and an unknown component", models.NewIncident{Name: "x",
				Components: map[string]string{api.ID: models.MajorOutage, "zzz": models.MajorOutage}}, "components"},
			{"group as component", models.NewIncident{Name: "x", Components: map[string]string{group.ID: models.MajorOutage}}, "components"},
			{"unknown component id", models.NewIncident{Name: "x", ComponentIDs: []string{api.ID, "nosuchid"}}, "component_ids"},
			{"started in the future", models.NewIncident{Name: "x", StartedAt: now.Add(time.Hour)}, "started_at"},
			{"incident with a window", models.NewIncident{Name: "x", ScheduledFor: &from, ScheduledUntil: &until}, "scheduled_for"},
			{"maintenance without window", models.NewIncident{Kind: models.KindMaintenance, Name: "x"}, "scheduled_for"},
			{"maintenance window reversed", models.NewIncident{Kind: models.KindMaintenance, Name: "x",
				ScheduledFor: &until, ScheduledUntil: &from}, "scheduled_until"},
			{"backfill in the future", models.NewIncident{Name: "x", Backfilled: true, StartedAt: now.Add(time.Hour)}, "backfill_date"},
			{"backfill without date", models.NewIncident{Name: "x", Backfilled: true}, "backfill_date"},
			{"backfill not resolved", models.NewIncident{Name: "x", Backfilled: true, StartedAt: now.Add(-time.Hour),
				Status: models.Investigating}, "status"},
			{"backfilled maintenance", models.NewIncident{Kind: models.KindMaintenance, Name: "x", Backfilled: true,
				StartedAt: now.Add(-time.Hour), ScheduledFor: &from, ScheduledUntil: &until}, "backfilled"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				wantInvalid(t, unchanged(t, db, func() error {
					_, err := db.OpenIncident(ctx, tt.n)
					return err
				}), tt.field)
			})
		}
	})
}

func TestPostUpdateInvalid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		group := addComponent(t, db, models.Component{Name: "Core", IsGroup: true})
		api := addComponent(t, db, models.Component{Name: "API", GroupID: &group.ID})
		in := openIncident(t, db, models.NewIncident{Name: "Errors", StartedAt: time.Now().Add(-time.Hour)})
		tests := []struct {
			name  string
			u     models.NewUpdate
			field string
		}{
			{"unknown status", models.NewUpdate{Status: "broken"}, "status"},
			{"maintenance status", models.NewUpdate{Status: models.Completed}, "status"},
			{"long body", models.NewUpdate{Body: strings.Repeat("a", models.MaxMessageLength+1)}, "body"},
			{"unknown component status", models.NewUpdate{Components: map[string]string{api.ID: "down"}}, "components"},
			{"unknown component", models.NewUpdate{Components: map[string]string{"nosuchid": models.MajorOutage}}, "components"},
			{"a known and an unknown component", models.NewUpdate{
				Components: map[string]string{api.ID: models.MajorOutage, "zzz": models.MajorOutage}}, "components"},
			{"group as component", models.NewUpdate{Components: map[string]string{group.ID: models.MajorOutage}}, "components"},
			{"before the start", models.NewUpdate{Body: "x", At: in.StartedAt.Add(-time.Minute),
				Components: map[string]string{api.ID: models.MajorOutage}}, "display_at"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				wantInvalid(t, unchanged(t, db, func() error {
					_, err := db.PostUpdate(ctx, in.ID, tt.u)
					return err
				}), tt.field)
			})
		}
		t.Run("missing incident", func(t *testing.T) {
			wantNotFound(t, unchanged(t, db, func() error {
				_, err := db.PostUpdate(ctx, "nosuchid", models.NewUpdate{Body: "x"})
				return err
			}))
		})
	})
}

// Resolving with RestoreComponents sets the incident's components back to
// operational, except those the update sets itself.
func TestPostUpdateRestoreComponents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		api := addComponent(t, db, models.Component{Name: "API"})
		web := addComponent(t, db, models.Component{Name: "Web"})
		store := addComponent(t, db, models.Component{Name: "Store"})
		billing := addComponent(t, db, models.Component{Name: "Billing", Status: models.PartialOutage})
		in := openIncident(t, db, models.NewIncident{Name: "Errors",
			Components:   map[string]string{api.ID: models.MajorOutage, web.ID: models.PartialOutage},
			ComponentIDs: []string{store.ID}})

		ev := postUpdate(t, db, in.ID, models.NewUpdate{Status: models.Resolved, Body: "Fixed.", RestoreComponents: true,
			Components: map[string]string{web.ID: models.DegradedPerformance}, Actor: "alice"})
		want := map[string]models.AffectedComponent{
			api.ID: {Code: api.ID, Name: "API", OldStatus: models.MajorOutage, NewStatus: models.Operational},
			web.ID: {Code: web.ID, Name: "Web", OldStatus: models.PartialOutage, NewStatus: models.DegradedPerformance},
		}
		if len(ev.AffectedComponents) != len(want) {
			t.Errorf("affected components = %+v, want %+v", ev.AffectedComponents, want)
		}
		for _, a := range ev.AffectedComponents {
			if a != want[a.Code] {
				t.Errorf("affected component %+v, want %+v", a, want[a.Code])
			}
		}
		for c, status := range map[string]string{api.ID: models.Operational, web.ID: models.DegradedPerformance,
			store.ID: models.Operational, billing.ID: models.PartialOutage} {
			if got := getComponent(t, db, c).Status; got != status {
				t.Errorf("%s status %s, want %s", c, got, status)
			}
		}
		history := statusChanges(t, db, api.ID)
		if last := history[len(history)-1]; last.NewStatus != models.Operational || last.IncidentID == nil ||
			*last.IncidentID != in.ID || last.Actor != "alice" {
			t.Errorf("API status change = %+v", last)
		}
		if got := getIncident(t, db, in.ID); got.ResolvedAt == nil || got.Status != models.Resolved {
			t.Errorf("incident not resolved: %+v", got)
		}
		if n := len(statusChanges(t, db, store.ID)); n != 1 {
			t.Errorf("Store has %d status changes, want only its creation", n)
		}
	})
}

func TestListIncidents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		api := addComponent(t, db, models.Component{Name: "API"})
		now := time.Now().UTC().Truncate(time.Second)
		ago := func(d time.Duration) time.Time { return now.Add(-d) }
		h := time.Hour

		paid := openIncident(t, db, models.NewIncident{Name: "Payment failures", StartedAt: ago(3 * h)})
		postUpdate(t, db, paid.ID, models.NewUpdate{Status: models.Resolved, Body: "Fixed.", At: ago(2 * h)})
		slow := openIncident(t, db, models.NewIncident{Name: "Slow API 100%", StartedAt: ago(2 * h)})
		retries := openIncident(t, db, models.NewIncident{Name: "payment retries", StartedAt: ago(h), ComponentIDs: []string{api.ID}})
		window := func(from, until time.Time) (*time.Time, *time.Time) { return &from, &until }
		f, u := window(now.Add(24*h), now.Add(25*h))
		upgrade := openIncident(t, db, models.NewIncident{Kind: models.KindMaintenance, Name: "DB upgrade", ScheduledFor: f, ScheduledUntil: u})
		f, u = window(ago(30*time.Minute), now.Add(h))
		network := openIncident(t, db, models.NewIncident{Kind: models.KindMaintenance, Name: "Network", Status: models.InProgress,
			StartedAt: ago(2 * h), ScheduledFor: f, ScheduledUntil: u})
		f, u = window(ago(10*time.Minute), now.Add(h))
		late := openIncident(t, db, models.NewIncident{Kind: models.KindMaintenance, Name: "Late", ScheduledFor: f, ScheduledUntil: u})
		f, u = window(ago(5*h), ago(4*h))
		done := openIncident(t, db, models.NewIncident{Kind: models.KindMaintenance, Name: "Done", StartedAt: ago(6 * h), ScheduledFor: f, ScheduledUntil: u})
		postUpdate(t, db, done.ID, models.NewUpdate{Status: models.Completed, Body: "Done.", At: ago(4 * h)})
		gone := openIncident(t, db, models.NewIncident{Name: "Payment deleted", StartedAt: ago(10 * time.Minute)})
		if err := db.DeleteIncident(ctx, gone.ID); err != nil {
			t.Fatal(err)
		}
		names := map[string]string{paid.ID: "paid", slow.ID: "slow", retries.ID: "retries", upgrade.ID: "upgrade",
			network.ID: "network", late.ID: "late", done.ID: "done", gone.ID: "gone"}

		tests := []struct {
			name  string
			f     models.IncidentFilter
			want  string
			total int64
		}{
			{"all", models.IncidentFilter{}, "upgrade late network retries slow paid done", 7},
			{"incidents", models.IncidentFilter{Kind: models.KindIncident}, "retries slow paid", 3},
			{"maintenance", models.IncidentFilter{Kind: models.KindMaintenance}, "upgrade late network done", 4},
			{"unresolved", models.IncidentFilter{Unresolved: true}, "upgrade late network retries slow", 5},
			{"upcoming", models.IncidentFilter{Upcoming: true}, "upgrade", 1},
			{"upcoming incidents", models.IncidentFilter{Kind: models.KindIncident, Upcoming: true}, "", 0},
			{"query", models.IncidentFilter{Query: "PAYMENT"}, "retries paid", 2},
			{"query with wildcard", models.IncidentFilter{Query: "0%"}, "slow", 1},
			{"query underscore", models.IncidentFilter{Query: "_"}, "", 0},
			{"unresolved query", models.IncidentFilter{Unresolved: true, Query: "payment"}, "retries", 1},
			{"page", models.IncidentFilter{Limit: 2}, "upgrade late", 7},
			{"second page", models.IncidentFilter{Limit: 2, Offset: 2}, "network retries", 7},
			{"past the end", models.IncidentFilter{Offset: 10}, "", 7},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				list, total, err := db.ListIncidents(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, in := range list {
					got = append(got, names[in.ID])
				}
				if strings.Join(got, " ") != tt.want || total != tt.total {
					t.Errorf("ListIncidents = %q (total %d), want %q (total %d)", strings.Join(got, " "), total, tt.want, tt.total)
				}
			})
		}

		list, _, err := db.ListIncidents(ctx, models.IncidentFilter{Query: "retries"})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || len(list[0].Components) != 1 || list[0].Components[0].ID != api.ID || len(list[0].Events) != 1 {
			t.Errorf("components and events are not loaded: %+v", list)
		}

		for _, tt := range []struct {
			f     models.IncidentFilter
			field string
		}{
			{models.IncidentFilter{Kind: "outage"}, "kind"},
			{models.IncidentFilter{Limit: -1}, "limit"},
			{models.IncidentFilter{Offset: -1}, "offset"},
			{models.IncidentFilter{Query: strings.Repeat("a", models.MaxNameLength+1)}, "query"},
		} {
			_, _, err := db.ListIncidents(ctx, tt.f)
			wantInvalid(t, err, tt.field)
		}
	})
}

// A page holds 50 incidents unless asked for fewer, and never more than 100.
func TestListIncidentsLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		now := time.Now().UTC()
		rows := make([]models.Incident, 120)
		for i := range rows {
			at := now.Add(-time.Duration(i) * time.Minute)
			rows[i] = models.Incident{ID: fmt.Sprintf("in%03d", i), Kind: models.KindIncident, Name: "x", Status: models.Investigating,
				Impact: models.ImpactNone, StartedAt: at, CreatedAt: at, UpdatedAt: at}
		}
		if err := db.Gorm.Omit("Components", "Events").Create(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct{ limit, want int }{{0, 50}, {7, 7}, {100, 100}, {101, 100}, {1000, 100}} {
			list, total, err := db.ListIncidents(ctx, models.IncidentFilter{Limit: tt.limit})
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != tt.want || total != 120 || list[0].ID != "in000" {
				t.Errorf("Limit %d: %d incidents (total %d, first %s), want %d (total 120, first in000)", tt.limit, len(list), total, list[0].ID, tt.want)
			}
		}
	})
}

func TestUpdateIncident(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		in := openIncident(t, db, models.NewIncident{Name: "Errors"})
		got, err := db.UpdateIncident(ctx, in.ID, models.IncidentPatch{Name: ptr(" API errors "), Impact: ptr(models.ImpactMajor)}, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "API errors" || got.Impact != models.ImpactMajor || !got.ImpactOverride || len(got.Events) != 1 {
			t.Errorf("updated incident = %+v", got)
		}

		now := time.Now().UTC().Truncate(time.Second)
		from, until := now.Add(24*time.Hour), now.Add(26*time.Hour)
		m := openIncident(t, db, models.NewIncident{Kind: models.KindMaintenance, Name: "Upgrade", ScheduledFor: &from, ScheduledUntil: &until, RemindPrior: true})
		reminded := now
		if err := db.Gorm.Model(&models.Incident{}).Where("id = ?", m.ID).Update("scheduled_reminded_at", reminded).Error; err != nil {
			t.Fatal(err)
		}

		// Flags alone keep the reminder sent.
		got, err = db.UpdateIncident(ctx, m.ID, models.IncidentPatch{AutoInProgress: ptr(true), AutoComplete: ptr(true), RemindPrior: ptr(true)}, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if !got.ScheduledAutoInProgress || !got.ScheduledAutoCompleted || !got.ScheduledRemindPrior || got.ScheduledRemindedAt == nil {
			t.Errorf("maintenance after flags = %+v", got)
		}
		// A new start makes the reminder due again.
		newFrom, newUntil := from.Add(48*time.Hour), from.Add(49*time.Hour)
		got, err = db.UpdateIncident(ctx, m.ID, models.IncidentPatch{ScheduledFor: &newFrom, ScheduledUntil: &newUntil, Name: ptr("Upgrade v2")}, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if !got.ScheduledFor.Equal(newFrom) || !got.ScheduledUntil.Equal(newUntil) || got.ScheduledRemindedAt != nil ||
			got.Name != "Upgrade v2" || got.Impact != models.ImpactMaintenance {
			t.Errorf("moved maintenance = %+v", got)
		}
		// The end alone can move.
		later := newUntil.Add(time.Hour)
		if got, err = db.UpdateIncident(ctx, m.ID, models.IncidentPatch{ScheduledUntil: &later}, "alice"); err != nil || !got.ScheduledUntil.Equal(later) {
			t.Errorf("UpdateIncident(until) = %+v, %v", got, err)
		}
	})
}

func TestUpdateIncidentInvalid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		in := openIncident(t, db, models.NewIncident{Name: "Errors"})
		now := time.Now().UTC()
		from, until := now.Add(24*time.Hour), now.Add(26*time.Hour)
		m := openIncident(t, db, models.NewIncident{Kind: models.KindMaintenance, Name: "Upgrade", ScheduledFor: &from, ScheduledUntil: &until})
		before, after := from.Add(-time.Hour), until.Add(time.Hour)
		tests := []struct {
			name  string
			id    string
			p     models.IncidentPatch
			field string
		}{
			{"empty name", in.ID, models.IncidentPatch{Name: ptr(" ")}, "name"},
			{"long name", in.ID, models.IncidentPatch{Name: ptr(strings.Repeat("a", models.MaxNameLength+1))}, "name"},
			{"unknown impact", in.ID, models.IncidentPatch{Impact: ptr("huge")}, "impact"},
			{"maintenance impact on an incident", in.ID, models.IncidentPatch{Impact: ptr(models.ImpactMaintenance)}, "impact"},
			{"impact of a maintenance", m.ID, models.IncidentPatch{Impact: ptr(models.ImpactMinor)}, "impact"},
			{"incident scheduled_for", in.ID, models.IncidentPatch{ScheduledFor: &from}, "scheduled_for"},
			{"incident scheduled_until", in.ID, models.IncidentPatch{ScheduledUntil: &until}, "scheduled_until"},
			{"incident auto in progress", in.ID, models.IncidentPatch{AutoInProgress: ptr(true)}, "scheduled_auto_in_progress"},
			{"incident auto complete", in.ID, models.IncidentPatch{AutoComplete: ptr(true)}, "scheduled_auto_completed"},
			{"incident remind prior", in.ID, models.IncidentPatch{RemindPrior: ptr(true)}, "scheduled_remind_prior"},
			{"end before start", m.ID, models.IncidentPatch{ScheduledUntil: &before}, "scheduled_until"},
			{"start after end", m.ID, models.IncidentPatch{ScheduledFor: &after}, "scheduled_until"},
			{"window reversed", m.ID, models.IncidentPatch{ScheduledFor: &until, ScheduledUntil: &from}, "scheduled_until"},
			{"good name, bad window", m.ID, models.IncidentPatch{Name: ptr("New"), ScheduledUntil: &before}, "scheduled_until"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				wantInvalid(t, unchanged(t, db, func() error {
					_, err := db.UpdateIncident(ctx, tt.id, tt.p, "test")
					return err
				}), tt.field)
			})
		}
		t.Run("missing", func(t *testing.T) {
			wantNotFound(t, unchanged(t, db, func() error {
				_, err := db.UpdateIncident(ctx, "nosuchid", models.IncidentPatch{Name: ptr("x")}, "test")
				return err
			}))
		})
	})
}

// A deleted incident is gone for every reader and writer, and its
// component history stays.
func TestDeleteIncident(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		api := addComponent(t, db, models.Component{Name: "API"})
		in := openIncident(t, db, models.NewIncident{Name: "Errors", Components: map[string]string{api.ID: models.MajorOutage}})
		kept := openIncident(t, db, models.NewIncident{Name: "Kept"})
		update := in.Events[0]

		if err := db.DeleteIncident(ctx, in.ID); err != nil {
			t.Fatal(err)
		}
		_, err := db.GetIncident(ctx, in.ID)
		wantNotFound(t, err)
		wantNotFound(t, unchanged(t, db, func() error {
			_, err := db.PostUpdate(ctx, in.ID, models.NewUpdate{Status: models.Resolved, Body: "x", Components: map[string]string{api.ID: models.Operational}})
			return err
		}))
		wantNotFound(t, unchanged(t, db, func() error {
			_, err := db.UpdateIncident(ctx, in.ID, models.IncidentPatch{Name: ptr("x")}, "test")
			return err
		}))
		wantNotFound(t, unchanged(t, db, func() error {
			_, err := db.AddEvent(ctx, in.ID, models.NewEvent{Kind: models.EventNote, Body: "x"})
			return err
		}))
		wantNotFound(t, unchanged(t, db, func() error {
			_, err := db.EditEvent(ctx, in.ID, update.ID, "x", "test")
			return err
		}))
		_, err = db.ListEventRevisions(ctx, update.ID)
		wantNotFound(t, err)
		wantNotFound(t, unchanged(t, db, func() error { return db.DeleteIncident(ctx, in.ID) }))
		wantNotFound(t, unchanged(t, db, func() error { return db.DeleteIncident(ctx, "nosuchid") }))

		list, total, err := db.ListIncidents(ctx, models.IncidentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if total != 1 || len(list) != 1 || list[0].ID != kept.ID {
			t.Errorf("ListIncidents after delete = %d incidents (total %d), want only the kept one", len(list), total)
		}
		unresolved, err := db.ListUnresolved(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(unresolved) != 1 || unresolved[0].ID != kept.ID {
			t.Errorf("ListUnresolved after delete = %d incidents, want only the kept one", len(unresolved))
		}
		if n := len(statusChanges(t, db, api.ID)); n != 2 {
			t.Errorf("%d status changes of the API, want 2 (history stays)", n)
		}
	})
}
