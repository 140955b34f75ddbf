package models_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// A committed session is found until it expires; committing again
// replaces it; deleted or expired ones are gone.
func TestSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
		data := []byte{0, 1, 2, 255, 'g', 'o', 'b'}
		if err := db.CommitSession(ctx, "tok1", data, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, found, err := db.FindSession(ctx, "tok1", now)
		if err != nil || !found || !bytes.Equal(got, data) {
			t.Fatalf("FindSession = %v, %v, %v; want the data", got, found, err)
		}
		if _, found, err := db.FindSession(ctx, "nope", now); found || err != nil {
			t.Errorf("unknown token: found %v, %v", found, err)
		}
		if _, found, _ := db.FindSession(ctx, "tok1", now.Add(time.Hour)); found {
			t.Error("found at its expiry")
		}

		// Commit again: new data, later expiry.
		if err := db.CommitSession(ctx, "tok1", []byte("v2"), now.Add(3*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, found, _ := db.FindSession(ctx, "tok1", now.Add(2*time.Hour)); !found || string(got) != "v2" {
			t.Errorf("after a second commit: %q, %v", got, found)
		}
		// Expiry in another zone is the same moment.
		if err := db.CommitSession(ctx, "tok2", []byte("x"), now.Add(30*time.Minute).In(time.FixedZone("X", 5*3600))); err != nil {
			t.Fatal(err)
		}
		if _, found, _ := db.FindSession(ctx, "tok2", now.Add(29*time.Minute)); !found {
			t.Error("tok2 not found before its expiry")
		}
		if n, _ := db.CountSessions(ctx, now); n != 2 {
			t.Errorf("CountSessions = %d, want 2", n)
		}

		n, err := db.DeleteExpiredSessions(ctx, now.Add(time.Hour))
		if err != nil || n != 1 {
			t.Errorf("DeleteExpiredSessions = %d, %v; want 1 (tok2)", n, err)
		}
		if err := db.DeleteSession(ctx, "tok1"); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteSession(ctx, "tok1"); err != nil {
			t.Errorf("deleting an unknown session: %v", err)
		}
		if n, _ := db.CountSessions(ctx, now); n != 0 {
			t.Errorf("%d sessions left", n)
		}
	})
}
