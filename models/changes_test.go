package models_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// What replicas tell each other: a change's origin and the incidents it
// was limited to. A payload from a replica that does not scope its
// changes (the origin alone), or one that cannot be read, means everything.
func TestParseChange(t *testing.T) {
	for payload, want := range map[string]models.Change{
		"r1":                          {Origin: "r1"},
		"r1\nincidents:abc":           {Origin: "r1", Incidents: []string{"abc"}},
		"r1\nincidents:abc,d-e_f":     {Origin: "r1", Incidents: []string{"abc", "d-e_f"}},
		"r1\nincidents:":              {Origin: "r1"},
		"r1\nincidents:abc,":          {Origin: "r1"},
		"r1\nincidents:ABC":           {Origin: "r1"},
		"r1\nincidents:a b":           {Origin: "r1"},
		"r1\ncomponents:abc":          {Origin: "r1"},
		"r1\n":                        {Origin: "r1"},
		"":                            {},
		"r1\nincidents:abc\nmore:xyz": {Origin: "r1"},
	} {
		got := models.ParseChange(payload)
		if got.Origin != want.Origin || !slices.Equal(got.Incidents, want.Incidents) {
			t.Errorf("ParseChange(%q) = %+v, want %+v", payload, got, want)
		}
	}
}

// On PostgreSQL an announced change reaches a listener with its scope.
func TestAnnounceChangeWithScope(t *testing.T) {
	db := dbtest.MustOpenDB(t, models.Postgres)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	connected := make(chan struct{}, 1)
	changes := make(chan models.Change, 4)
	done := make(chan struct{})
	go func() {
		defer close(done)
		db.ListenForChanges(ctx, func() { connected <- struct{}{} }, func(c models.Change) { changes <- c },
			func(err error) { t.Errorf("listening: %v", err) })
	}()
	defer func() { cancel(); <-done }()
	select {
	case <-connected:
	case <-time.After(time.Until(dbtest.WaitDeadline(t))):
		t.Fatal("not listening by the test's deadline")
	}
	sent := []models.Change{{Origin: "r1"}, {Origin: "r2", Incidents: []string{"abc", "def"}}}
	for _, c := range sent {
		if err := db.AnnounceChange(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range sent {
		select {
		case got := <-changes:
			if got.Origin != want.Origin || !slices.Equal(got.Incidents, want.Incidents) {
				t.Errorf("heard %+v, want %+v", got, want)
			}
		case <-time.After(time.Until(dbtest.WaitDeadline(t))):
			t.Fatalf("did not hear %+v by the test's deadline", want)
		}
	}
}
