package models_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// A sealed secret opens with the same SECRET_KEY only, and holds nothing
// of the secret in clear.
func TestSecretBox(t *testing.T) {
	box := models.NewSecretBox("a-secret-key-of-at-least-32-chars!!")
	sealed := box.Seal("hunter2-webhook")
	if strings.Contains(sealed, "hunter2") || sealed == box.Seal("hunter2-webhook") {
		t.Fatalf("sealed = %q (in clear, or the same twice)", sealed)
	}
	if got, err := box.Open(sealed); err != nil || got != "hunter2-webhook" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := models.NewSecretBox("another-key-of-at-least-32-chars!!!").Open(sealed); err != models.ErrSecretKeyChanged {
		t.Errorf("another key opens it: %v", err)
	}
	for _, bad := range []string{"", "v1:", "v1:!!", "v2:" + sealed[3:], sealed[:len(sealed)-2]} {
		if _, err := box.Open(bad); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
}

// An integration keeps its last KeptDeliveries deliveries; an alert waits
// for an incident within its window only.
func TestIntegrationDeliveriesAndAttachWindow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		box := models.NewSecretBox("k")
		kind, name := models.IntegrationAlertmanager, "AM"
		it, shown, err := db.CreateIntegration(ctx, models.IntegrationInput{Kind: &kind, Name: &name,
			Settings: &models.IntegrationSettings{AttachWindow: 10}}, box, "test")
		if err != nil || shown != "" {
			t.Fatalf("create: %v %q", err, shown)
		}
		for i := range models.KeptDeliveries + 7 {
			if err := db.RecordIntegrationDelivery(ctx, models.IntegrationDelivery{IntegrationID: it.ID, Accepted: true, StatusCode: 200, Summary: strings.Repeat("x", i)}); err != nil {
				t.Fatal(err)
			}
		}
		list, err := db.ListIntegrationDeliveries(ctx, it.ID, 1000)
		if err != nil || len(list) != models.KeptDeliveries || len(list[0].Summary) != models.KeptDeliveries+6 {
			t.Fatalf("kept %d deliveries (%v), newest first?", len(list), err)
		}

		c := models.Component{Name: "API", Status: models.Operational, CreatedAt: time.Now().Add(-time.Hour)}
		if err := db.CreateComponent(ctx, &c, "test"); err != nil {
			t.Fatal(err)
		}
		record := func(key string, at time.Time) models.RecordOutcome {
			var out models.RecordOutcome
			err := db.InTx(ctx, func(tx *models.DB) error {
				var err error
				out, err = tx.RecordIntegrationEvent(ctx, it, models.IntegrationEvent{Key: key, ComponentID: c.ID,
					Body: "Alert " + key, Source: "Alertmanager", Signal: models.SignalAlert, OccurredAt: at})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		if out := record("old", time.Now().Add(-time.Hour)); !out.Unattached {
			t.Fatalf("old alert: %+v", out)
		}
		if out := record("old", time.Now().Add(-time.Hour)); !out.Duplicate {
			t.Fatalf("the same key again: %+v", out)
		}
		// The window runs from when Beacon received it: expire it by hand.
		if err := db.Gorm.Exec("UPDATE integration_alerts SET attach_until = ?", time.Now().Add(-time.Minute).UTC()).Error; err != nil {
			t.Fatal(err)
		}
		record("fresh", time.Now().Add(-2*time.Minute))
		in, err := db.OpenIncident(ctx, models.NewIncident{Kind: models.KindIncident, Name: "API down", Status: models.Investigating,
			ComponentIDs: []string{c.ID}, Actor: "test"})
		if err != nil {
			t.Fatal(err)
		}
		var bodies []string
		for _, e := range in.Events {
			bodies = append(bodies, e.Body)
		}
		all := strings.Join(bodies, "|")
		if !strings.Contains(all, "Alert fresh") || strings.Contains(all, "Alert old") {
			t.Errorf("timeline = %s, want the fresh alert only", all)
		}
		if pending, _ := db.ListUnattachedAlerts(ctx, time.Now(), 10); len(pending) != 0 {
			t.Errorf("still unattached: %+v", pending)
		}

		// Purged after KeepIntegrationRecords: the old receipt (a re-send is
		// recorded again) and the expired alert; the attached one stays.
		n, err := db.PurgeIntegrationRecords(ctx, time.Now().Add(time.Minute))
		if err != nil || n != 3 { // receipts old and fresh, the expired alert
			t.Errorf("purged %d, %v; want 3", n, err)
		}
		var left int64
		db.Gorm.Table("integration_alerts").Count(&left)
		if left != 1 {
			t.Errorf("%d alerts left, want the attached one", left)
		}
	})
}
