package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app/notify"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// A failing endpoint is retried with backoff, then quarantined after
// WEBHOOK_QUARANTINE_AFTER failures in a row: its delivery is skipped, its
// contact emailed through the outbox, and it gets nothing more until
// reactivated through the API; then it gets the next notification.
func TestHookFailingEndpointQuarantined(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		var healthy atomic.Bool
		rv := newReceiver(t, func(w http.ResponseWriter, r *http.Request) bool {
			if healthy.Load() {
				w.WriteHeader(http.StatusOK)
				return true
			}
			http.Error(w, "down", http.StatusBadGateway)
			return false
		})
		var attempts atomic.Int32
		failing := newReceiver(t, func(w http.ResponseWriter, r *http.Request) bool {
			attempts.Add(1)
			return rv.answer(w, r)
		})
		mm := &notify.MemoryMailer{}
		a, c := hookApp(t, db, mm, map[string]string{"WEBHOOK_QUARANTINE_AFTER": "3"})
		var created createdHook
		c.want(c.do("POST", "/subscribers", map[string]any{"subscriber": map[string]any{
			"endpoint": failing.URL, "email": "ops@example.com", "skip_confirmation_notification": true}}, &created), 201)
		good := newReceiver(t, nil)
		c.want(c.do("POST", "/subscribers", map[string]any{"subscriber": map[string]any{
			"endpoint": good.URL, "email": "dev@example.com", "skip_confirmation_notification": true}}, nil), 201)

		openIncident(t, db, models.NewIncident{Name: "API errors", Notify: true})
		runNotifier(t, a)
		eventually(t, "settled", func() bool { return settled(t, db) })

		if n := attempts.Load(); n != 3 {
			t.Errorf("the failing endpoint was tried %d times, want 3", n)
		}
		if n := len(good.Received()); n != 1 {
			t.Errorf("the healthy endpoint got %d requests, want 1", n)
		}
		s, err := db.GetSubscriber(ctx, created.ID)
		if err != nil || s.QuarantinedAt == nil || s.Failures != 3 {
			t.Fatalf("after 3 failures: %+v, %v", s, err)
		}
		var d models.Delivery
		db.Gorm.Where("subscriber_id = ?", created.ID).Take(&d)
		if d.Status != models.DeliverySkipped || !strings.Contains(d.LastError, "quarantined after 3") || d.Attempts != 3 {
			t.Errorf("its delivery: %s after %d attempts, %q", d.Status, d.Attempts, d.LastError)
		}
		eventually(t, "the contact told", func() bool {
			for _, m := range mm.Messages() {
				if m.To == "ops@example.com" && strings.Contains(m.Subject, "Your webhook is paused") &&
					strings.Contains(m.Text, failing.URL) && strings.Contains(m.Text, "HTTP 502") {
					return true
				}
			}
			return false
		})
		var listed []createdHook
		c.want(c.do("GET", "/subscribers?state=quarantined&type=webhook", nil, &listed), 200)
		if len(listed) != 1 || listed[0].ID != created.ID || listed[0].QuarantinedAt == nil {
			t.Errorf("quarantined subscribers: %+v", listed)
		}

		// Quarantined: the next incident is not even dispatched to it.
		healthy.Store(true)
		openIncident(t, db, models.NewIncident{Name: "Web errors", Notify: true})
		eventually(t, "settled", func() bool { return settled(t, db) && len(good.Received()) == 2 })
		if n := attempts.Load(); n != 3 {
			t.Errorf("the quarantined endpoint was tried again: %d", n)
		}

		var back createdHook
		c.want(c.do("POST", "/subscribers/"+created.ID+"/reactivate", nil, &back), 200)
		if back.QuarantinedAt != nil {
			t.Errorf("reactivated = %+v", back)
		}
		// Statuspage's bulk reactivate: none is quarantined any more.
		var re struct{ Reactivated int }
		c.want(c.do("POST", "/subscribers/reactivate", `{"subscribers": "all"}`, &re), 201)
		if re.Reactivated != 0 {
			t.Errorf("bulk reactivate after reactivating: %d", re.Reactivated)
		}
		openIncident(t, db, models.NewIncident{Name: "DNS errors", Notify: true})
		eventually(t, "the reactivated endpoint served", func() bool { return len(failing.Received()) == 1 && settled(t, db) })
		if s, _ := db.GetSubscriber(ctx, created.ID); s.Failures != 0 || s.QuarantinedAt != nil {
			t.Errorf("after a success: %+v", s)
		}
		c.want(c.do("POST", "/subscribers/"+models.NewID()+"/reactivate", nil, nil), 404)
	})
}

// An endpoint that hangs, one that answers with a body too large and one
// that redirects to a metadata address: each attempt is a recorded failure
// with its reason, the worker goes on, and a healthy endpoint beside them
// gets its message.
func TestHookBadEndpoints(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		release := make(chan struct{})
		t.Cleanup(func() { close(release) })
		hang := newReceiver(t, func(w http.ResponseWriter, r *http.Request) bool {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return false
		})
		huge := newReceiver(t, func(w http.ResponseWriter, r *http.Request) bool {
			w.WriteHeader(http.StatusOK)
			chunk := []byte(strings.Repeat("x", 64<<10))
			for range 32 {
				if _, err := w.Write(chunk); err != nil {
					break
				}
			}
			return false
		})
		redirect := newReceiver(t, func(w http.ResponseWriter, r *http.Request) bool {
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusTemporaryRedirect)
			return false
		})
		good := newReceiver(t, nil)
		a, c := hookApp(t, db, nil, map[string]string{"WEBHOOK_TIMEOUT": "300ms", "WEBHOOK_WORKERS": "2"})
		ids := map[string]string{}
		for name, rv := range map[string]*receiver{"hang": hang, "huge": huge, "redirect": redirect, "good": good} {
			var s createdHook
			c.want(c.do("POST", "/subscribers", map[string]any{"subscriber": map[string]any{
				"endpoint": rv.URL, "email": name + "@example.com", "skip_confirmation_notification": true}}, &s), 201)
			ids[name] = s.ID
		}
		tuning := fastRetries
		tuning.MaxAttempts = 2
		a, _ = mailApp(t, db, nil, &notify.MemoryMailer{}, tuning, map[string]string{"WEBHOOK_ALLOW_PRIVATE": "true",
			"WEBHOOK_TIMEOUT": "300ms", "WEBHOOK_WORKERS": "2"})
		openIncident(t, db, models.NewIncident{Name: "API errors", Notify: true})
		runNotifier(t, a)
		eventually(t, "settled", func() bool { return settled(t, db) })

		if n := len(good.Received()); n != 1 {
			t.Errorf("the healthy endpoint got %d requests", n)
		}
		// The console shows the channel's deliveries and why they failed.
		editor := signIn(t, a.Handler(), db, models.RoleEditor)
		page := wantAdminPage(t, editor.Get(fmt.Sprintf("/admin/notifications/%d", outbox(t, db)[0].ID)), 200)
		contains(t, page, "By channel", `<th scope="row">Webhook</th><td>0</td><td>1</td><td>3</td><td>0</td>`,
			"no complete answer within 300ms", "longer than 65536 bytes", hang.URL)
		for name, want := range map[string]string{"hang": "no complete answer within 300ms", "huge": "longer than 65536 bytes",
			"redirect": "169.254.169.254 is a cloud metadata address"} {
			var d models.Delivery
			db.Gorm.Where("subscriber_id = ?", ids[name]).Take(&d)
			if d.Status != models.DeliveryFailed || d.Attempts != 2 || !strings.Contains(d.LastError, want) {
				t.Errorf("%s: %s after %d attempts, %q; want failed with %q", name, d.Status, d.Attempts, d.LastError, want)
			}
		}
	})
}

// At connect time the guard refuses what it refused when saving: an
// endpoint stored while private addresses were allowed (or whose name
// resolved elsewhere then) is not connected to once they are not.
func TestHookConnectTimeGuard(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		rv := newReceiver(t, nil)
		_, c := hookApp(t, db, nil, nil)
		var s createdHook
		c.want(c.do("POST", "/subscribers", map[string]any{"subscriber": map[string]any{
			"endpoint": rv.URL, "email": "ops@example.com", "skip_confirmation_notification": true}}, &s), 201)
		tuning := fastRetries
		tuning.MaxAttempts = 1
		a, _ := mailApp(t, db, nil, &notify.MemoryMailer{}, tuning, nil) // WEBHOOK_ALLOW_PRIVATE unset
		openIncident(t, db, models.NewIncident{Name: "API errors", Notify: true})
		runNotifier(t, a)
		eventually(t, "settled", func() bool { return settled(t, db) })
		if n := len(rv.Received()); n != 0 {
			t.Errorf("the loopback endpoint got %d requests", n)
		}
		var d models.Delivery
		db.Gorm.Where("subscriber_id = ?", s.ID).Take(&d)
		if d.Status != models.DeliveryFailed || !strings.Contains(d.LastError, "refused") || !strings.Contains(d.LastError, "loopback") {
			t.Errorf("delivery %s, %q", d.Status, d.LastError)
		}
	})
}

// Three replicas' notifiers on one database post one fan-out to webhook
// endpoints: every endpoint gets each notification exactly once.
func TestHookThreeReplicas(t *testing.T) {
	const replicas, endpoints = 3, 200
	for _, dialect := range []models.Dialect{models.Postgres, models.SQLite} {
		t.Run(string(dialect), func(t *testing.T) {
			dsn := dbtest.NewDSN(t, dialect)
			var dbs []*models.DB
			for range replicas {
				db, err := models.Open(context.Background(), dialect, dsn, nil)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				dbs = append(dbs, db)
			}
			db := dbs[0]
			if _, err := db.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			rv := newReceiver(t, nil)
			for i := range endpoints {
				ep := fmt.Sprintf("%s/hook/%03d", rv.URL, i)
				if err := db.Gorm.Exec(`INSERT INTO subscribers (id, email, email_normalized, status, channel, endpoint, secret, created_at, updated_at)
					VALUES (?, 'ops@example.test', ?, 'confirmed', 'webhook', ?, 'whsec_x', ?, ?)`, models.NewID(), "webhook:"+ep, ep,
					time.Now().UTC(), time.Now().UTC()).Error; err != nil {
					t.Fatal(err)
				}
			}
			openIncident(t, db, models.NewIncident{Name: "API errors", Notify: true})
			in := openIncident(t, db, models.NewIncident{Name: "Web errors", Notify: true})
			postUpdate(t, db, in.ID, models.NewUpdate{Status: models.Resolved, Notify: true})
			for _, r := range dbs {
				a, _ := mailApp(t, r, nil, &notify.MemoryMailer{}, fastRetries, hookEnv)
				runNotifier(t, a)
			}
			eventually(t, "settled", func() bool { return settled(t, db) })
			got := map[string]int{}
			ids := map[string]bool{}
			for _, r := range rv.Received() {
				got[r.Path]++
				ids[r.Header.Get("X-Beacon-Delivery")] = true
			}
			for i := range endpoints {
				if n := got[fmt.Sprintf("/hook/%03d", i)]; n != 3 {
					t.Errorf("endpoint %d got %d requests, want 3", i, n)
				}
			}
			if len(rv.Received()) != 3*endpoints || len(ids) != 3*endpoints {
				t.Errorf("%d requests with %d idempotency ids, want %d", len(rv.Received()), len(ids), 3*endpoints)
			}
			var workers []string
			db.Gorm.Raw(`SELECT DISTINCT message_id FROM deliveries WHERE status = 'sent'`).Scan(&workers)
			if len(workers) != 3*endpoints {
				t.Errorf("%d distinct ids recorded, want %d", len(workers), 3*endpoints)
			}
		})
	}
}
