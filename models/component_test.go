package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

var ctx = context.Background()

func ptr[T any](v T) *T { return &v }

// addComponent creates a component (a group when c.IsGroup) for a test.
func addComponent(t *testing.T, db *models.DB, c models.Component) models.Component {
	t.Helper()
	if err := db.CreateComponent(ctx, &c, "test"); err != nil {
		t.Fatalf("create component %q: %v", c.Name, err)
	}
	return c
}

func getComponent(t *testing.T, db *models.DB, id string) *models.Component {
	t.Helper()
	c, err := db.GetComponent(ctx, id)
	if err != nil {
		t.Fatalf("get component %s: %v", id, err)
	}
	return c
}

// dumpedTables are the tables the functions under test write.
var dumpedTables = []string{"components", "component_status_changes", "incidents", "incident_components",
	"timeline_events", "timeline_event_revisions", "postmortems", "postmortem_sections",
	"postmortem_timeline_entries", "postmortem_revisions", "action_items", "notifications"}

// dump returns every row of the tables the models write, as text.
func dump(t *testing.T, db *models.DB) string {
	t.Helper()
	return dumpTables(t, db, dumpedTables...)
}

// unchanged runs fn and fails the test when it changed the database.
func unchanged(t *testing.T, db *models.DB, fn func() error) error {
	t.Helper()
	before := dump(t, db)
	err := fn()
	if after := dump(t, db); after != before {
		t.Errorf("the database changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	return err
}

// wantInvalid fails unless err is a validation error naming field.
func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	var v *models.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("error = %v, want a validation error on %s", err, field)
	}
	for _, f := range v.Fields {
		if f.Field == field {
			return
		}
	}
	t.Errorf("validation error %q does not name field %s", v, field)
}

func wantNotFound(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, models.ErrNotFound) {
		t.Errorf("error = %v, want ErrNotFound", err)
	}
}

// statusChanges returns a component's history, oldest first.
func statusChanges(t *testing.T, db *models.DB, id string) []models.StatusChange {
	t.Helper()
	var list []models.StatusChange
	if err := db.Gorm.Where("component_id = ?", id).Order("changed_at, id").Find(&list).Error; err != nil {
		t.Fatal(err)
	}
	return list
}

func TestCreateComponentInvalid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		group := addComponent(t, db, models.Component{Name: "Core", IsGroup: true})
		api := addComponent(t, db, models.Component{Name: "API"})
		tests := []struct {
			name  string
			c     models.Component
			field string
		}{
			{"empty name", models.Component{Name: "  "}, "name"},
			{"long name", models.Component{Name: strings.Repeat("a", models.MaxNameLength+1)}, "name"},
			{"long description", models.Component{Name: "x", Description: strings.Repeat("a", models.MaxDescriptionLength+1)}, "description"},
			{"unknown status", models.Component{Name: "x", Status: "down"}, "status"},
			{"negative position", models.Component{Name: "x", Position: -1}, "position"},
			{"unknown group", models.Component{Name: "x", GroupID: ptr("nosuchgroup")}, "group_id"},
			{"group is a component", models.Component{Name: "x", GroupID: &api.ID}, "group_id"},
			{"group in a group", models.Component{Name: "x", IsGroup: true, GroupID: &group.ID}, "group_id"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				wantInvalid(t, unchanged(t, db, func() error { return db.CreateComponent(ctx, &tt.c, "test") }), tt.field)
			})
		}
	})
}

func TestUpdateComponent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		core := addComponent(t, db, models.Component{Name: "Core", IsGroup: true})
		edge := addComponent(t, db, models.Component{Name: "Edge", IsGroup: true})
		api := addComponent(t, db, models.Component{Name: "API", GroupID: &core.ID, Showcase: true})

		got, err := db.UpdateComponent(ctx, api.ID, models.ComponentPatch{
			Name: ptr("  Public API "), Description: ptr("REST."), GroupID: &edge.ID, Position: ptr(3),
			Showcase: ptr(false), OnlyShowIfDegraded: ptr(true),
		}, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Public API" || got.Description != "REST." || got.GroupID == nil || *got.GroupID != edge.ID ||
			got.Position != 3 || got.Showcase || !got.OnlyShowIfDegraded || got.Status != models.Operational {
			t.Errorf("updated component = %+v", got)
		}
		if stored := getComponent(t, db, api.ID); stored.Name != "Public API" || *stored.GroupID != edge.ID {
			t.Errorf("stored component = %+v", stored)
		}
		if n := len(statusChanges(t, db, api.ID)); n != 1 {
			t.Errorf("%d status changes without a status change, want 1 (its creation)", n)
		}

		// Ungroup with "".
		got, err = db.UpdateComponent(ctx, api.ID, models.ComponentPatch{GroupID: ptr("")}, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if got.GroupID != nil {
			t.Errorf("GroupID = %q, want none", *got.GroupID)
		}

		// A status change is recorded with its time and actor.
		before := time.Now().UTC().Add(-time.Second)
		got, err = db.UpdateComponent(ctx, api.ID, models.ComponentPatch{Status: ptr(models.PartialOutage)}, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != models.PartialOutage {
			t.Errorf("Status = %s, want partial_outage", got.Status)
		}
		history := statusChanges(t, db, api.ID)
		if len(history) != 2 {
			t.Fatalf("%d status changes, want 2", len(history))
		}
		last := history[1]
		if last.OldStatus != models.Operational || last.NewStatus != models.PartialOutage || last.Actor != "alice" ||
			last.IncidentID != nil || last.ChangedAt.Before(before) {
			t.Errorf("status change = %+v", last)
		}

		// The same status again changes nothing.
		if err := unchanged(t, db, func() error { return db.SetComponentStatus(ctx, api.ID, models.PartialOutage, "bob") }); err != nil {
			t.Fatal(err)
		}
		if err := db.SetComponentStatus(ctx, api.ID, models.Operational, "bob"); err != nil {
			t.Fatal(err)
		}
		if history := statusChanges(t, db, api.ID); len(history) != 3 || history[2].Actor != "bob" || history[2].NewStatus != models.Operational {
			t.Errorf("history after SetComponentStatus = %+v", history)
		}
	})
}

func TestUpdateComponentInvalid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		core := addComponent(t, db, models.Component{Name: "Core", IsGroup: true})
		edge := addComponent(t, db, models.Component{Name: "Edge", IsGroup: true})
		api := addComponent(t, db, models.Component{Name: "API", GroupID: &core.ID})
		web := addComponent(t, db, models.Component{Name: "Web"})
		tests := []struct {
			name  string
			id    string
			patch models.ComponentPatch
			field string
		}{
			{"empty name", api.ID, models.ComponentPatch{Name: ptr(" ")}, "name"},
			{"long name", api.ID, models.ComponentPatch{Name: ptr(strings.Repeat("a", models.MaxNameLength+1))}, "name"},
			{"long description", api.ID, models.ComponentPatch{Description: ptr(strings.Repeat("a", models.MaxDescriptionLength+1))}, "description"},
			{"unknown status", api.ID, models.ComponentPatch{Status: ptr("down")}, "status"},
			{"empty status", api.ID, models.ComponentPatch{Status: ptr("")}, "status"},
			{"status of a group", core.ID, models.ComponentPatch{Status: ptr(models.MajorOutage)}, "status"},
			{"unknown group", api.ID, models.ComponentPatch{GroupID: ptr("nosuchgroup")}, "group_id"},
			{"group is a component", api.ID, models.ComponentPatch{GroupID: &web.ID}, "group_id"},
			{"group joins a group", core.ID, models.ComponentPatch{GroupID: &edge.ID}, "group_id"},
			{"own group", web.ID, models.ComponentPatch{GroupID: &web.ID}, "group_id"},
			{"negative position", api.ID, models.ComponentPatch{Position: ptr(-1)}, "position"},
			// Nothing is written when one of several fields is bad.
			{"good name, bad status", api.ID, models.ComponentPatch{Name: ptr("New"), Status: ptr("down")}, "status"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				wantInvalid(t, unchanged(t, db, func() error {
					_, err := db.UpdateComponent(ctx, tt.id, tt.patch, "test")
					return err
				}), tt.field)
			})
		}
		t.Run("missing", func(t *testing.T) {
			wantNotFound(t, unchanged(t, db, func() error {
				_, err := db.UpdateComponent(ctx, "nosuchid", models.ComponentPatch{Name: ptr("x")}, "test")
				return err
			}))
		})
	})
}

func TestSetComponentStatusInvalid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		core := addComponent(t, db, models.Component{Name: "Core", IsGroup: true})
		api := addComponent(t, db, models.Component{Name: "API", GroupID: &core.ID})
		wantInvalid(t, unchanged(t, db, func() error { return db.SetComponentStatus(ctx, api.ID, "down", "test") }), "status")
		wantInvalid(t, unchanged(t, db, func() error { return db.SetComponentStatus(ctx, core.ID, models.MajorOutage, "test") }), "status")
		wantNotFound(t, unchanged(t, db, func() error { return db.SetComponentStatus(ctx, "nosuchid", models.MajorOutage, "test") }))
	})
}

// A component's status change made outside an update appears on the
// timeline of the unresolved incidents and in-progress maintenance it is
// part of, and of no other.
func TestComponentStatusOnTimeline(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		api := addComponent(t, db, models.Component{Name: "API"})
		web := addComponent(t, db, models.Component{Name: "Web"})
		hourAgo := time.Now().Add(-time.Hour)
		open := openIncident(t, db, models.NewIncident{Name: "Open", Components: map[string]string{api.ID: models.MajorOutage}})
		other := openIncident(t, db, models.NewIncident{Name: "Web only", ComponentIDs: []string{web.ID}})
		resolved := openIncident(t, db, models.NewIncident{Name: "Resolved", ComponentIDs: []string{api.ID}, StartedAt: hourAgo})
		postUpdate(t, db, resolved.ID, models.NewUpdate{Status: models.Resolved, Body: "Fine."})
		deleted := openIncident(t, db, models.NewIncident{Name: "Deleted", ComponentIDs: []string{api.ID}})
		if err := db.DeleteIncident(ctx, deleted.ID); err != nil {
			t.Fatal(err)
		}
		from, until := time.Now().Add(-time.Minute), time.Now().Add(time.Hour)
		inProgress := openIncident(t, db, models.NewIncident{Kind: models.KindMaintenance, Name: "Now", Status: models.InProgress,
			ComponentIDs: []string{api.ID}, ScheduledFor: &from, ScheduledUntil: &until})
		later, laterEnd := time.Now().Add(24*time.Hour), time.Now().Add(25*time.Hour)
		scheduled := openIncident(t, db, models.NewIncident{Kind: models.KindMaintenance, Name: "Later",
			ComponentIDs: []string{api.ID}, ScheduledFor: &later, ScheduledUntil: &laterEnd})

		if _, err := db.UpdateComponent(ctx, api.ID, models.ComponentPatch{Status: ptr(models.DegradedPerformance)}, "alice"); err != nil {
			t.Fatal(err)
		}
		if err := db.SetComponentStatus(ctx, api.ID, models.Operational, "bob"); err != nil {
			t.Fatal(err)
		}

		// By actor: two changes may fall in one millisecond.
		want := map[string]models.AffectedComponent{
			"alice": {Code: api.ID, Name: "API", OldStatus: models.MajorOutage, NewStatus: models.DegradedPerformance},
			"bob":   {Code: api.ID, Name: "API", OldStatus: models.DegradedPerformance, NewStatus: models.Operational},
		}
		for _, in := range []*models.Incident{open, inProgress} {
			events := componentEvents(t, db, in.ID)
			if len(events) != 2 || events[0].Actor == events[1].Actor {
				t.Fatalf("%s: component_status events %+v, want one by alice and one by bob", in.Name, events)
			}
			for _, e := range events {
				w := want[e.Actor]
				if e.Visibility != models.Public || len(e.AffectedComponents) != 1 || e.AffectedComponents[0] != w {
					t.Errorf("%s: event by %s = %+v, want public, %+v", in.Name, e.Actor, e, w)
				}
				wantData := fmt.Sprintf(`{"component_id":%q,"name":"API","old_status":%q,"new_status":%q}`, api.ID, w.OldStatus, w.NewStatus)
				if e.Data != wantData {
					t.Errorf("%s: event by %s Data = %s, want %s", in.Name, e.Actor, e.Data, wantData)
				}
			}
		}
		for _, in := range []*models.Incident{other, resolved, scheduled} {
			if events := componentEvents(t, db, in.ID); len(events) != 0 {
				t.Errorf("%s: %d component_status events, want none", in.Name, len(events))
			}
		}
		var n int64
		db.Gorm.Model(&models.TimelineEvent{}).Where("incident_id = ? AND kind = ?", deleted.ID, models.EventComponentStatus).Count(&n)
		if n != 0 {
			t.Errorf("deleted incident: %d component_status events, want none", n)
		}

		// An update's own change is in the update; other incidents of the
		// component get the event.
		both := openIncident(t, db, models.NewIncident{Name: "Both", ComponentIDs: []string{api.ID, web.ID}})
		postUpdate(t, db, other.ID, models.NewUpdate{Body: "Web slow.", Components: map[string]string{web.ID: models.PartialOutage}})
		if events := componentEvents(t, db, other.ID); len(events) != 0 {
			t.Errorf("the updated incident got %d component_status events, want none", len(events))
		}
		events := componentEvents(t, db, both.ID)
		if len(events) != 1 || events[0].AffectedComponents[0].NewStatus != models.PartialOutage || events[0].AffectedComponents[0].Code != web.ID {
			t.Errorf("the other incident's component_status events = %+v, want web → partial_outage", events)
		}
	})
}

func componentEvents(t *testing.T, db *models.DB, incidentID string) []models.TimelineEvent {
	t.Helper()
	var list []models.TimelineEvent
	err := db.Gorm.Where("incident_id = ? AND kind = ?", incidentID, models.EventComponentStatus).
		Order("occurred_at, created_at, id").Find(&list).Error
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestDeleteComponent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		core := addComponent(t, db, models.Component{Name: "Core", IsGroup: true})
		api := addComponent(t, db, models.Component{Name: "API", GroupID: &core.ID})
		web := addComponent(t, db, models.Component{Name: "Web", GroupID: &core.ID})
		in := openIncident(t, db, models.NewIncident{Name: "Down", Components: map[string]string{web.ID: models.MajorOutage}})

		if err := db.DeleteComponent(ctx, web.ID); err != nil {
			t.Fatal(err)
		}
		_, err := db.GetComponent(ctx, web.ID)
		wantNotFound(t, err)
		if n := len(statusChanges(t, db, web.ID)); n != 0 {
			t.Errorf("%d status changes of the deleted component left", n)
		}
		got, err := db.GetIncident(ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Components) != 0 {
			t.Errorf("the incident still lists %d components", len(got.Components))
		}

		// Deleting a group ungroups its members.
		if err := db.DeleteComponent(ctx, core.ID); err != nil {
			t.Fatal(err)
		}
		if c := getComponent(t, db, api.ID); c.GroupID != nil {
			t.Errorf("member still in group %q", *c.GroupID)
		}

		wantNotFound(t, unchanged(t, db, func() error { return db.DeleteComponent(ctx, core.ID) }))
		wantNotFound(t, unchanged(t, db, func() error { return db.DeleteComponent(ctx, "nosuchid") }))
	})
}

func TestReorderComponents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		core := addComponent(t, db, models.Component{Name: "Core", IsGroup: true, Position: 1})
		billing := addComponent(t, db, models.Component{Name: "Billing", Position: 2})
		api := addComponent(t, db, models.Component{Name: "API", GroupID: &core.ID, Position: 1})
		web := addComponent(t, db, models.Component{Name: "Web", GroupID: &core.ID, Position: 2})
		db2 := addComponent(t, db, models.Component{Name: "DB", GroupID: &core.ID, Position: 3})

		if err := db.ReorderComponents(ctx, []string{billing.ID, core.ID}); err != nil {
			t.Fatal(err)
		}
		if err := db.ReorderComponents(ctx, []string{db2.ID, api.ID, web.ID}); err != nil {
			t.Fatal(err)
		}
		list, err := db.ListComponents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range list {
			names = append(names, fmt.Sprintf("%s:%d", c.Name, c.Position))
		}
		if got, want := strings.Join(names, " "), "Billing:0 Core:1 DB:0 API:1 Web:2"; got != want {
			t.Errorf("order = %s, want %s", got, want)
		}

		tests := []struct {
			name string
			ids  []string
		}{
			{"empty", nil},
			{"unknown id", []string{api.ID, "nosuchid", web.ID}},
			{"twice", []string{api.ID, web.ID, api.ID}},
			{"mixed levels", []string{billing.ID, api.ID}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				wantInvalid(t, unchanged(t, db, func() error { return db.ReorderComponents(ctx, tt.ids) }), "component_ids")
			})
		}
	})
}

func TestListGroupsAndGetComponent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		edge := addComponent(t, db, models.Component{Name: "Edge", IsGroup: true, Position: 2})
		core := addComponent(t, db, models.Component{Name: "Core", IsGroup: true, Position: 1})
		empty := addComponent(t, db, models.Component{Name: "Empty", IsGroup: true, Position: 3})
		addComponent(t, db, models.Component{Name: "API", GroupID: &core.ID, Status: models.PartialOutage})
		addComponent(t, db, models.Component{Name: "Web", GroupID: &core.ID, Status: models.DegradedPerformance})
		addComponent(t, db, models.Component{Name: "CDN", GroupID: &edge.ID})
		addComponent(t, db, models.Component{Name: "Billing", Status: models.MajorOutage})

		groups, err := db.ListGroups(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, g := range groups {
			got = append(got, g.Name+":"+g.Status)
		}
		if want := "Core:partial_outage Edge:operational Empty:operational"; strings.Join(got, " ") != want {
			t.Errorf("ListGroups = %s, want %s", strings.Join(got, " "), want)
		}

		if g := getComponent(t, db, core.ID); !g.IsGroup || g.Status != models.PartialOutage {
			t.Errorf("GetComponent(group) = %+v, want its worst member status", g)
		}
		if g := getComponent(t, db, empty.ID); g.Status != models.Operational {
			t.Errorf("empty group status = %s", g.Status)
		}
		_, err = db.GetComponent(ctx, "nosuchid")
		wantNotFound(t, err)
	})
}

// Length limits count characters, as their messages say, not bytes: a
// name of the longest length in a script of two-byte letters is stored.
func TestLengthLimitsCountCharacters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		name := strings.Repeat("é", models.MaxNameLength)
		c := &models.Component{Name: name, Description: strings.Repeat("ü", models.MaxDescriptionLength)}
		if err := db.CreateComponent(ctx, c, "test"); err != nil {
			t.Fatalf("a name of %d characters (%d bytes): %v", models.MaxNameLength, len(name), err)
		}
		got, err := db.GetComponent(ctx, c.ID)
		if err != nil || got.Name != name {
			t.Fatalf("stored name = %q, %v", got.Name, err)
		}
		long := &models.Component{Name: name + "é"}
		err = db.CreateComponent(ctx, long, "test")
		var ve *models.ValidationError
		if !errors.As(err, &ve) || ve.Fields[0].Field != "name" {
			t.Errorf("a name of %d characters: %v, want a validation error on name", models.MaxNameLength+1, err)
		}
		if _, err := db.CreateUser(ctx, "ann@example.com", strings.Repeat("ñ", models.MaxNameLength), models.RoleEditor, "long enough password"); err != nil {
			t.Errorf("a user name of %d characters: %v", models.MaxNameLength, err)
		}
	})
}
