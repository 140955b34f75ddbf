package models_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

func TestAddEvent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		in := openIncident(t, db, models.NewIncident{Name: "Errors", StartedAt: time.Now().Add(-time.Hour)})
		past := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
		tests := []struct {
			name       string
			n          models.NewEvent
			visibility string
			at         time.Time // zero: now
		}{
			{"note", models.NewEvent{Kind: models.EventNote, Body: "Paged **Bob**.", Actor: "alice"}, models.Internal, time.Time{}},
			{"external", models.NewEvent{Kind: models.EventExternal, Body: "Alert fired", Source: " PagerDuty ", OccurredAt: past}, models.Internal, past},
			{"public external", models.NewEvent{Kind: models.EventExternal, Body: "Tweeted", Source: "Twitter", Public: true}, models.Public, time.Time{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := time.Now().UTC().Add(-time.Second)
				ev, err := db.AddEvent(ctx, in.ID, tt.n)
				if err != nil {
					t.Fatal(err)
				}
				after := time.Now().UTC().Add(time.Second)
				html, _ := models.RenderMarkdown(tt.n.Body)
				if ev.Kind != tt.n.Kind || ev.Visibility != tt.visibility || ev.Body != tt.n.Body || ev.BodyHTML != html ||
					ev.Source != strings.TrimSpace(tt.n.Source) || ev.Actor != tt.n.Actor || ev.IncidentID != in.ID {
					t.Errorf("event = %+v", ev)
				}
				if tt.at.IsZero() && (ev.OccurredAt.Before(before) || ev.OccurredAt.After(after)) ||
					!tt.at.IsZero() && !ev.OccurredAt.Equal(tt.at) {
					t.Errorf("OccurredAt = %s, want %s (zero: now)", ev.OccurredAt, tt.at)
				}
				var stored models.TimelineEvent
				if err := db.Gorm.Take(&stored, "id = ?", ev.ID).Error; err != nil {
					t.Fatal(err)
				}
				if stored.Body != ev.Body || stored.BodyHTML != ev.BodyHTML || stored.Visibility != ev.Visibility || stored.Source != ev.Source {
					t.Errorf("stored event = %+v, want %+v", stored, ev)
				}
			})
		}
		if got := getIncident(t, db, in.ID); len(got.Updates()) != 1 {
			t.Errorf("notes and external events count as %d updates, want only the first update", len(got.Updates()))
		}
	})
}

func TestAddEventInvalid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		in := openIncident(t, db, models.NewIncident{Name: "Errors"})
		tests := []struct {
			name  string
			n     models.NewEvent
			field string
		}{
			{"no kind", models.NewEvent{Body: "x"}, "kind"},
			{"update", models.NewEvent{Kind: models.EventUpdate, Body: "x"}, "kind"},
			{"component status", models.NewEvent{Kind: models.EventComponentStatus, Body: "x"}, "kind"},
			{"public note", models.NewEvent{Kind: models.EventNote, Body: "x", Public: true}, "public"},
			{"empty body", models.NewEvent{Kind: models.EventNote, Body: " \n "}, "body"},
			{"long body", models.NewEvent{Kind: models.EventNote, Body: strings.Repeat("a", models.MaxMessageLength+1)}, "body"},
			{"long source", models.NewEvent{Kind: models.EventExternal, Body: "x", Source: strings.Repeat("a", models.MaxSourceLength+1)}, "source"},
			{"future", models.NewEvent{Kind: models.EventExternal, Body: "x", OccurredAt: time.Now().Add(10 * time.Minute)}, "occurred_at"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				wantInvalid(t, unchanged(t, db, func() error {
					_, err := db.AddEvent(ctx, in.ID, tt.n)
					return err
				}), tt.field)
			})
		}
		t.Run("missing incident", func(t *testing.T) {
			wantNotFound(t, unchanged(t, db, func() error {
				_, err := db.AddEvent(ctx, "nosuchid", models.NewEvent{Kind: models.EventNote, Body: "x"})
				return err
			}))
		})
	})
}

func TestEditEvent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		in := openIncident(t, db, models.NewIncident{Name: "Errors", Body: "Lokking into it."})
		update := in.Events[0]

		got, err := db.EditEvent(ctx, in.ID, update.ID, "Looking *into* it.", "alice")
		if err != nil {
			t.Fatal(err)
		}
		if got.Body != "Looking *into* it." || got.BodyHTML != "<p>Looking <em>into</em> it.</p>\n" || got.ID != update.ID ||
			got.Status != update.Status || !got.OccurredAt.Equal(update.OccurredAt) {
			t.Errorf("edited event = %+v", got)
		}
		if _, err := db.EditEvent(ctx, in.ID, update.ID, "Looking into it.", "bob"); err != nil {
			t.Fatal(err)
		}
		// The same text again keeps no revision.
		if err := unchanged(t, db, func() error {
			_, err := db.EditEvent(ctx, in.ID, update.ID, "Looking into it.", "carol")
			return err
		}); err != nil {
			t.Fatal(err)
		}

		stored := getIncident(t, db, in.ID).Events[0]
		if stored.Body != "Looking into it." || stored.BodyHTML != "<p>Looking into it.</p>\n" {
			t.Errorf("stored event = %+v", stored)
		}
		revs, err := db.ListEventRevisions(ctx, update.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(revs) != 2 {
			t.Fatalf("%d revisions, want 2", len(revs))
		}
		want := []models.EventRevision{
			{EventID: update.ID, Body: "Lokking into it.", BodyHTML: "<p>Lokking into it.</p>\n", EditedBy: "alice"},
			{EventID: update.ID, Body: "Looking *into* it.", BodyHTML: "<p>Looking <em>into</em> it.</p>\n", EditedBy: "bob"},
		}
		for i, r := range revs {
			if r.EventID != want[i].EventID || r.Body != want[i].Body || r.BodyHTML != want[i].BodyHTML || r.EditedBy != want[i].EditedBy {
				t.Errorf("revision %d = %+v, want %+v", i, r, want[i])
			}
		}

		// Notes and external events can be edited too.
		for _, kind := range []string{models.EventNote, models.EventExternal} {
			ev, err := db.AddEvent(ctx, in.ID, models.NewEvent{Kind: kind, Body: "first"})
			if err != nil {
				t.Fatal(err)
			}
			if got, err := db.EditEvent(ctx, in.ID, ev.ID, "second", "alice"); err != nil || got.Body != "second" || got.Kind != kind {
				t.Errorf("EditEvent(%s) = %+v, %v", kind, got, err)
			}
			if revs, err := db.ListEventRevisions(ctx, ev.ID); err != nil || len(revs) != 1 || revs[0].Body != "first" {
				t.Errorf("revisions of the %s = %+v, %v", kind, revs, err)
			}
		}
		if revs, err := db.ListEventRevisions(ctx, "nosuchid"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("ListEventRevisions(missing) = %v, %v, want ErrNotFound", revs, err)
		}
	})
}

func TestEditEventInvalid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		api := addComponent(t, db, models.Component{Name: "API"})
		in := openIncident(t, db, models.NewIncident{Name: "Errors", Body: "First.", ComponentIDs: []string{api.ID}})
		other := openIncident(t, db, models.NewIncident{Name: "Other", Body: "Other."})
		if err := db.SetComponentStatus(ctx, api.ID, models.MajorOutage, "test"); err != nil {
			t.Fatal(err)
		}
		events := componentEvents(t, db, in.ID)
		if len(events) != 1 {
			t.Fatalf("%d component_status events, want 1", len(events))
		}
		update := in.Events[0]

		for _, tt := range []struct {
			name, body string
		}{{"empty", "  "}, {"long", strings.Repeat("a", models.MaxMessageLength+1)}} {
			t.Run(tt.name, func(t *testing.T) {
				wantInvalid(t, unchanged(t, db, func() error {
					_, err := db.EditEvent(ctx, in.ID, update.ID, tt.body, "test")
					return err
				}), "body")
			})
		}
		t.Run("component status", func(t *testing.T) {
			err := unchanged(t, db, func() error {
				_, err := db.EditEvent(ctx, in.ID, events[0].ID, "text", "test")
				return err
			})
			if conflict := (*models.ErrConflict)(nil); !errors.As(err, &conflict) {
				t.Errorf("error = %v, want a conflict", err)
			}
		})
		for _, tt := range []struct{ name, incident, event string }{
			{"another incident's event", other.ID, update.ID},
			{"unknown event", in.ID, "nosuchid"},
			{"unknown incident", "nosuchid", update.ID},
		} {
			t.Run(tt.name, func(t *testing.T) {
				wantNotFound(t, unchanged(t, db, func() error {
					_, err := db.EditEvent(ctx, tt.incident, tt.event, "text", "test")
					return err
				}))
			})
		}
	})
}

func TestPublicEvents(t *testing.T) {
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	ev := func(id, kind, visibility string, minutes int) models.TimelineEvent {
		return models.TimelineEvent{ID: id, Kind: kind, Visibility: visibility, OccurredAt: at.Add(time.Duration(minutes) * time.Minute)}
	}
	in := models.Incident{Events: []models.TimelineEvent{
		ev("update2", models.EventUpdate, models.Public, 30),
		ev("note", models.EventNote, models.Internal, 5),
		ev("status", models.EventComponentStatus, models.Public, 10),
		ev("status-internal", models.EventComponentStatus, models.Internal, 11),
		ev("alert", models.EventExternal, models.Internal, 12),
		ev("tweet", models.EventExternal, models.Public, 15),
		ev("transition", models.EventMaintenanceTransition, models.Public, 20),
		ev("sent", models.EventNotification, models.Internal, 21),
		ev("postmortem", models.EventPostmortemPublished, models.Public, 40),
		ev("update1", models.EventUpdate, models.Public, 0),
	}}
	ids := func(list []models.TimelineEvent) string {
		var out []string
		for _, e := range list {
			out = append(out, e.ID)
		}
		return strings.Join(out, " ")
	}
	if got, want := ids(in.PublicEvents()), "update1 status tweet transition update2"; got != want {
		t.Errorf("PublicEvents = %s, want %s", got, want)
	}
	if got, want := ids(in.Updates()), "update2 update1"; got != want {
		t.Errorf("Updates = %s, want %s", got, want)
	}
}
