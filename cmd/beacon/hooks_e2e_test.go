package main_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
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
			ctx := context.Background()
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
			if out, errOut, code := runBeacon(t, env, "", "migrate"); code != 0 {
				t.Fatalf("beacon migrate: exit %d, %s %s", code, out, errOut)
			}
			out, errOut, code := runBeacon(t, env, "", "token", "add", "--name", "alerts", "--role", "editor")
			lines := strings.Split(strings.TrimSpace(out), "\n")
			token := lines[len(lines)-1]
			if code != 0 || !strings.HasPrefix(token, "bcn_") {
				t.Fatalf("token add: exit %d, %q %q", code, out, errOut)
			}
			db, err := models.Open(ctx, dialect, dsn, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			paths := make([]string, subscribers)
			err = db.InTx(ctx, func(tx *models.DB) error {
				now := time.Now().UTC()
				for i := range paths {
					paths[i] = fmt.Sprintf("/hook/%04d", i)
					ep := srv.URL + paths[i]
					if err := tx.Gorm.Exec(`INSERT INTO subscribers (id, email, email_normalized, status, channel, endpoint, secret,
						created_at, updated_at, confirmed_at) VALUES (?, ?, ?, 'confirmed', 'webhook', ?, 'whsec_test', ?, ?, ?)`,
						models.NewID(), "ops@example.test", "webhook:"+ep, ep, now, now, now).Error; err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}

			t0 := time.Now()
			first := startServer(t, env)
			t.Logf("started after %s", time.Since(t0))
			var pages []struct{ ID string }
			if code := apiCall(t, "GET", first.URL+"/v1/pages", token, nil, &pages); code != 200 || len(pages) != 1 {
				t.Fatalf("GET /v1/pages = %d", code)
			}
			if code := apiCall(t, "POST", first.URL+"/v1/pages/"+pages[0].ID+"/incidents", token, map[string]any{"incident": map[string]any{
				"name": "API errors", "status": "investigating", "body": "We are looking into it.", "deliver_notifications": true,
			}}, nil); code != 201 {
				t.Fatalf("open incident = %d", code)
			}
			if !waitFor(t, func() bool { return received() >= subscribers/4 }) {
				t.Fatalf("only %d requests by the test's deadline:\n%s", received(), first.Logs)
			}
			if err := first.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			<-first.exited
			atKill := received()
			st := dbtest.DeliveryStatuses(t, db)
			t.Logf("%s: killed with %d requests received; deliveries %v", dialect, atKill, st)
			if atKill >= subscribers {
				t.Fatalf("the fan-out finished before the kill (%d requests): nothing was tested", atKill)
			}
			// The killed workers' leases run out (the test moves the clock for
			// this one step instead of waiting out the lease).
			if _, err := db.ReleaseExpired(ctx, time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}

			t.Logf("killed after %s", time.Since(t0))
			second := startServer(t, env)
			t.Logf("restarted after %s", time.Since(t0))
			if !waitFor(t, func() bool { return dbtest.DeliveryStatuses(t, db)[models.DeliverySent] == subscribers }) {
				t.Fatalf("not all sent after the restart: %v\n%s", dbtest.DeliveryStatuses(t, db), second.Logs)
			}
			t.Logf("all sent after %s", time.Since(t0))
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
