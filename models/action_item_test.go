package models_test

import (
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

func createItem(t *testing.T, db *models.DB, incidentID string, in models.ActionItemInput) *models.ActionItem {
	t.Helper()
	item, err := db.CreateActionItem(ctx, incidentID, in)
	if err != nil {
		t.Fatalf("create action item: %v", err)
	}
	return item
}

func TestActionItems(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		o := resolvedOutage(t, db)
		startPostmortem(t, db, o.in.ID)
		other := openIncident(t, db, models.NewIncident{Name: "Other", Body: "x", Backfilled: true, StartedAt: time.Now().Add(-time.Hour)})
		startPostmortem(t, db, other.ID)
		bare := openIncident(t, db, models.NewIncident{Name: "No postmortem", Body: "x", Backfilled: true, StartedAt: time.Now().Add(-time.Hour)})

		a := createItem(t, db, o.in.ID, models.ActionItemInput{Title: ptr(" Add a canary stage "), Owner: ptr("Platform team"),
			DueDate: ptr("2026-01-31"), URL: ptr("https://tracker.acme.test/PLAT-12")})
		if a.Title != "Add a canary stage" || a.Status != models.ActionOpen || a.DueDateString() != "2026-01-31" ||
			a.Position != 0 || a.CompletedAt != nil || !a.Open() {
			t.Errorf("created = %+v", a)
		}
		b := createItem(t, db, o.in.ID, models.ActionItemInput{Title: ptr("Alert on 5xx rate"), Status: ptr(models.ActionInProgress)})
		c := createItem(t, db, o.in.ID, models.ActionItemInput{Title: ptr("Document failover"), Status: ptr(models.ActionDone)})
		if b.Position != 1 || c.Position != 2 || c.CompletedAt == nil {
			t.Errorf("positions %d, %d; done item completed at %v", b.Position, c.Position, c.CompletedAt)
		}
		x := createItem(t, db, other.ID, models.ActionItemInput{Title: ptr("Other incident's item"), DueDate: ptr("2020-05-01")})

		// Bad input changes nothing.
		for _, tc := range []struct {
			name, field string
			in          models.ActionItemInput
		}{
			{"no title", "title", models.ActionItemInput{Owner: ptr("x")}},
			{"blank title", "title", models.ActionItemInput{Title: ptr("   ")}},
			{"long title", "title", models.ActionItemInput{Title: ptr(strings.Repeat("a", 256))}},
			{"malformed date", "due_date", models.ActionItemInput{Title: ptr("x"), DueDate: ptr("31/01/2026")}},
			{"impossible date", "due_date", models.ActionItemInput{Title: ptr("x"), DueDate: ptr("2026-02-30")}},
			{"unknown status", "status", models.ActionItemInput{Title: ptr("x"), Status: ptr("someday")}},
			{"script link", "url", models.ActionItemInput{Title: ptr("x"), URL: ptr("javascript:alert(1)")}},
			{"relative link", "url", models.ActionItemInput{Title: ptr("x"), URL: ptr("/PLAT-1")}},
			{"negative position", "position", models.ActionItemInput{Title: ptr("x"), Position: ptr(-1)}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := unchanged(t, db, func() error { _, err := db.CreateActionItem(ctx, o.in.ID, tc.in); return err })
				wantInvalid(t, err, tc.field)
				in := tc.in
				if in.Title == nil {
					in.Title = ptr("")
				}
				err = unchanged(t, db, func() error { _, err := db.UpdateActionItem(ctx, o.in.ID, a.ID, in); return err })
				wantInvalid(t, err, tc.field)
			})
		}
		err := unchanged(t, db, func() error {
			_, err := db.CreateActionItem(ctx, bare.ID, models.ActionItemInput{Title: ptr("x")})
			return err
		})
		wantNotFound(t, err)

		// Another incident's item is not found through this incident.
		err = unchanged(t, db, func() error {
			_, err := db.UpdateActionItem(ctx, o.in.ID, x.ID, models.ActionItemInput{Title: ptr("Hijacked")})
			return err
		})
		wantNotFound(t, err)
		err = unchanged(t, db, func() error { _, err := db.DeleteActionItem(ctx, o.in.ID, x.ID); return err })
		wantNotFound(t, err)

		// Completing stamps the time, reopening clears it; nil fields stay.
		done, err := db.UpdateActionItem(ctx, o.in.ID, a.ID, models.ActionItemInput{Status: ptr(models.ActionDone)})
		if err != nil || done.CompletedAt == nil || done.Title != "Add a canary stage" || done.Owner != "Platform team" ||
			done.DueDateString() != "2026-01-31" {
			t.Fatalf("done = %+v, %v", done, err)
		}
		reopened, err := db.UpdateActionItem(ctx, o.in.ID, a.ID, models.ActionItemInput{Status: ptr(models.ActionOpen), DueDate: ptr(""), URL: ptr("")})
		if err != nil || reopened.CompletedAt != nil || reopened.DueDate != nil || reopened.URL != "" {
			t.Fatalf("reopened = %+v, %v", reopened, err)
		}

		list, err := db.ListActionItems(ctx, o.in.ID)
		if err != nil || len(list) != 3 || list[0].ID != a.ID || list[2].ID != c.ID {
			t.Errorf("list = %+v, %v", list, err)
		}
		if _, err := db.ListActionItems(ctx, bare.ID); err == nil {
			t.Error("listing the items of an incident without a postmortem succeeded")
		}

		// Open items across incidents: overdue (the earliest due) first, undated last, done left out.
		if _, err := db.UpdateActionItem(ctx, o.in.ID, b.ID, models.ActionItemInput{DueDate: ptr("2099-01-01")}); err != nil {
			t.Fatal(err)
		}
		open, err := db.ListOpenActionItems(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, item := range open {
			got = append(got, item.Title+"@"+item.IncidentName)
		}
		want := "Other incident's item@Other|Alert on 5xx rate@API errors|Add a canary stage@API errors"
		if strings.Join(got, "|") != want {
			t.Errorf("open items = %q, want %s", got, want)
		}
		now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		if !open[0].Overdue(now) || open[1].Overdue(now) || open[2].Overdue(now) || open[0].IncidentID != other.ID {
			t.Errorf("overdue marks wrong: %+v", open)
		}

		deleted, err := db.DeleteActionItem(ctx, o.in.ID, b.ID)
		if err != nil || deleted.Title != "Alert on 5xx rate" {
			t.Fatalf("delete = %+v, %v", deleted, err)
		}
		_, err = db.DeleteActionItem(ctx, o.in.ID, b.ID)
		wantNotFound(t, err)
		pm, err := db.GetPostmortem(ctx, o.in.ID)
		if err != nil || len(pm.ActionItems) != 2 {
			t.Errorf("postmortem items = %+v, %v", pm, err)
		}
		// A deleted incident's items are not open work any more.
		if err := db.DeleteIncident(ctx, other.ID); err != nil {
			t.Fatal(err)
		}
		if open, _ := db.ListOpenActionItems(ctx); len(open) != 1 {
			t.Errorf("%d open items after deleting the other incident, want 1", len(open))
		}
	})
}
