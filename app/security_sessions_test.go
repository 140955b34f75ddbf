package app_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// sessionRow is the one stored console session: its expiry, and the
// absolute deadline and values scs keeps in its data.
func sessionRow(t *testing.T, db *models.DB) (expiry, deadline time.Time, values map[string]any) {
	t.Helper()
	var rows []struct {
		Data   []byte
		Expiry time.Time
	}
	if err := db.Gorm.Raw("SELECT data, expiry FROM sessions").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("%d sessions stored, want 1", len(rows))
	}
	deadline, values, err := scs.GobCodec{}.Decode(rows[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	return rows[0].Expiry, deadline, values
}

// A console session ends after 12 idle hours and, used or not, 7 days
// after sign-in: the stored expiry is never later than either, and the
// store refuses a session past its expiry.
func TestSessionIdleAndAbsoluteTimeouts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		c := signIn(t, h, db, models.RoleEditor)
		if rec := c.Get("/admin"); rec.Code != http.StatusOK {
			t.Fatalf("signed in: %d", rec.Code)
		}
		near := func(what string, got, want time.Time) {
			t.Helper()
			if d := got.Sub(want); d < -2*time.Minute || d > 2*time.Minute {
				t.Errorf("%s = %v, want about %v", what, got, want)
			}
		}
		now := time.Now()
		expiry, deadline, _ := sessionRow(t, db)
		near("absolute deadline", deadline, now.Add(7*24*time.Hour))
		near("idle expiry", expiry, now.Add(12*time.Hour))

		// Near the deadline, a request does not push the expiry past it.
		_, _, values := sessionRow(t, db)
		soon := time.Now().Add(30 * time.Second).UTC()
		data, err := scs.GobCodec{}.Encode(soon, values)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm.Exec("UPDATE sessions SET data = ?", data).Error; err != nil {
			t.Fatal(err)
		}
		if rec := c.Get("/admin"); rec.Code != http.StatusOK {
			t.Fatalf("before the deadline: %d", rec.Code)
		}
		expiry, _, _ = sessionRow(t, db)
		if expiry.After(soon.Add(time.Second)) {
			t.Errorf("expiry %v after a request is later than the absolute deadline %v", expiry, soon)
		}

		// Past its expiry (idle, or the deadline), the session is gone.
		if err := db.Gorm.Exec("UPDATE sessions SET expiry = ?", time.Now().Add(-time.Second).UTC()).Error; err != nil {
			t.Fatal(err)
		}
		rec := c.Get("/admin")
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("an expired session: %d, want 303 to sign in", rec.Code)
		}
	})
}
