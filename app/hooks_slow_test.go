package app_test

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app/notify"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// TestHookSlowHostShare: with a host that answers slowly (its deliveries
// beyond its share of the slots deferred), every delivery to it and to
// the healthy host beside it is still made exactly once, after one
// attempt (a deferral counts none).
func TestHookSlowHostShare(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		const slowN, fastN = 12, 40
		var inflight, most atomic.Int64
		slow := newReceiver(t, func(w http.ResponseWriter, r *http.Request) bool {
			n := inflight.Add(1)
			defer inflight.Add(-1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(300 * time.Millisecond) // slower than the 250ms that make a host slow (WEBHOOK_TIMEOUT ÷ 4)
			w.WriteHeader(http.StatusNoContent)
			return true
		})
		fast := newReceiver(t, nil)
		now := time.Now().UTC()
		for i := range slowN + fastN {
			ep := fmt.Sprintf("%s/hook/%03d", fast.URL, i)
			if i < slowN {
				ep = fmt.Sprintf("%s/hook/%03d", slow.URL, i)
			}
			if err := db.Gorm.Exec(`INSERT INTO subscribers (id, email, email_normalized, status, channel, endpoint, secret, created_at, updated_at)
				VALUES (?, 'ops@example.test', ?, 'confirmed', 'webhook', ?, 'whsec_x', ?, ?)`, models.NewID(), "webhook:"+ep, ep, now, now).Error; err != nil {
				t.Fatal(err)
			}
		}
		a, _ := mailApp(t, db, nil, &notify.MemoryMailer{}, fastRetries,
			map[string]string{"WEBHOOK_ALLOW_PRIVATE": "true", "WEBHOOK_TIMEOUT": "1s", "WEBHOOK_WORKERS": "8"})
		openIncident(t, db, models.NewIncident{Name: "API errors", Notify: true})
		runNotifier(t, a)
		eventually(t, "settled", func() bool { return settled(t, db) })

		for _, rv := range []struct {
			r    *receiver
			want int
		}{{slow, slowN}, {fast, fastN}} {
			got := map[string]int{}
			for _, r := range rv.r.Received() {
				got[r.Path]++
			}
			if len(got) != rv.want {
				t.Errorf("%s: %d endpoints served, want %d", rv.r.URL, len(got), rv.want)
			}
			for p, n := range got {
				if n != 1 {
					t.Errorf("%s got %d requests", p, n)
				}
			}
		}
		var deliveries []models.Delivery
		db.Gorm.Find(&deliveries)
		for _, d := range deliveries {
			if d.Status != models.DeliverySent || d.Attempts != 1 {
				t.Errorf("delivery %d: %s after %d attempts, want sent after 1 (a deferral is no attempt)", d.ID, d.Status, d.Attempts)
			}
		}
		// Before the host is known slow every slot may post to it; the
		// share (8 ÷ 4 = 2) bounds it after (hostShares' own test checks
		// the share).
		t.Logf("the slow host had at most %d requests at once", most.Load())
	})
}
