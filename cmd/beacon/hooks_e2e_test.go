package main_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
)

// TestHooksKilledMidFanOut kills 'beacon serve' (SIGKILL) in the middle of
// posting an incident to 1,000 webhook subscribers (receivers on
// loopback) with eight hook workers, and starts it again: every endpoint
// gets the incident, and the only copies are of requests the killed
// process had sent but not yet recorded, at most one per hook worker,
// each a copy with the same idempotency id.
func TestHooksKilledMidFanOut(t *testing.T) {
	t.Parallel()
	const subscribers, workers = 1000, 8
	for _, dialect := range []models.Dialect{models.SQLite, models.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			got := map[string][]string{} // path → idempotency ids received
			total := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				time.Sleep(2 * time.Millisecond) // an endpoint takes a moment, so the kill lands in the middle
				mu.Lock()
				got[r.URL.Path] = append(got[r.URL.Path], r.Header.Get("X-Beacon-Delivery"))
				total++
				mu.Unlock()
				w.WriteHeader(http.StatusNoContent)
			}))
			t.Cleanup(srv.Close)
			received := func() int { mu.Lock(); defer mu.Unlock(); return total }

			dbURL, dsn := emptyDatabase(t, dialect)
			env := beaconEnv("DATABASE_URL="+dbURL, "BASE_URL=https://status.acme.test", "WEBHOOK_ALLOW_PRIVATE=true",
				fmt.Sprint("WEBHOOK_WORKERS=", workers), "WEBHOOK_TIMEOUT=1m")
			paths := make([]string, subscribers)
			k := newKilledFanOut(t, env, dialect, dsn, subscribers, func(tx *models.DB, i int, now time.Time) error {
				paths[i] = fmt.Sprintf("/hook/%04d", i)
				ep := srv.URL + paths[i]
				return tx.Gorm.Exec(`INSERT INTO subscribers (id, email, email_normalized, status, channel, endpoint, secret,
					created_at, updated_at, confirmed_at) VALUES (?, ?, ?, 'confirmed', 'webhook', ?, 'whsec_test', ?, ?, ?)`,
					models.NewID(), "ops@example.test", "webhook:"+ep, ep, now, now, now).Error
			})
			atKill := k.killAndRestart(t, dialect, "requests", received)
			mu.Lock()
			defer mu.Unlock()
			duplicates := 0
			for _, p := range paths {
				ids := got[p]
				switch {
				case len(ids) == 0:
					t.Errorf("%s got nothing", p)
				case len(ids) > 1:
					duplicates += len(ids) - 1
					for _, id := range ids {
						if id != ids[0] || id == "" {
							t.Errorf("%s got copies with ids %v, want one id", p, ids)
							break
						}
					}
				}
			}
			if total != subscribers+duplicates || len(got) != subscribers {
				t.Errorf("%d endpoints got %d requests, want %d and %d", len(got), total, subscribers, subscribers+duplicates)
			}
			t.Logf("%s: SIGKILL after %d of %d requests: %d sent twice (bound: %d hook workers × 1)", dialect, atKill, subscribers, duplicates, workers)
			if duplicates > workers {
				t.Errorf("%d requests sent twice, more than the %d that can be in flight", duplicates, workers)
			}
		})
	}
}
