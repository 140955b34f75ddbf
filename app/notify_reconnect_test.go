package app_test

// The mail server's connections: one the server closed while idle is
// replaced at once, without costing a delivery an attempt (issue 14).

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app/notify"
	"github.com/beaconstatus/beacon/app/smtptest"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// After a quiet spell the server has closed the workers' idle connections
// (it answers "421 4.4.2 Idle timeout" and hangs up, as go-smtp does). An
// update posted then reaches every subscriber at once, on new connections:
// each delivery in one attempt, none retried or deferred, no warning
// logged. The tuning is the default (a retry would come 15 to 30 s
// later); the time from the post to the last subscriber is logged.
func TestNotifyAfterIdleConnectionsClosed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		srv := smtptest.Start(t, smtptest.Options{IdleTimeout: 500 * time.Millisecond})
		emails := addSubscribers(t, db, 12)
		in := openIncident(t, db, models.NewIncident{Name: "API errors", Notify: true})
		// Small claims: all four workers send, so all four connections
		// go stale.
		a, logs := mailApp(t, db, srv, nil, notify.Tuning{ClaimBatch: 3}, nil)
		runNotifier(t, a)
		eventually(t, "the first message sent to all", func() bool { return settled(t, db) && srv.Total() == len(emails) })
		used := srv.Sessions()
		eventually(t, "the idle connections closed by the server", func() bool { return srv.Open() == 0 })
		drain(logs)

		ed := signIn(t, a.Handler(), db, models.RoleEditor)
		posted := time.Now()
		page := "/admin/incidents/" + in.ID
		wantRedirect(t, ed.PostForm(page+"/updates", url.Values{"status": {"monitoring"}, "body": {"A fix is out."},
			"notify": {"1"}}), page)
		eventually(t, "the update sent to all", func() bool { return srv.Total() == 2*len(emails) })
		t.Logf("every subscriber had the update %v after it was posted, on connections closed by the server while idle",
			time.Since(posted).Round(time.Millisecond))
		eventually(t, "settled", func() bool { return settled(t, db) })

		for _, e := range emails {
			if n := srv.Received(e); n != 2 {
				t.Errorf("%s received %d messages, want 2", e, n)
			}
		}
		update := outbox(t, db)[1]
		var ds []models.Delivery
		db.Gorm.Where("notification_id = ?", update.ID).Find(&ds)
		if len(ds) != len(emails) {
			t.Fatalf("%d deliveries of the update, want %d", len(ds), len(emails))
		}
		for _, d := range ds {
			if d.Status != models.DeliverySent || d.Attempts != 1 || d.LastError != "" {
				t.Errorf("delivery to %s: %s after %d attempts (%q), want sent at the first", d.Email, d.Status, d.Attempts, d.LastError)
			}
		}
		if s := srv.Sessions(); s <= used {
			t.Errorf("%d sessions after the update, %d before: the closed connections were not replaced", s, used)
		}
		for _, m := range drain(logs) {
			if strings.Contains(m, "will retry") || strings.Contains(m, "deferred") || strings.Contains(m, "unreachable") {
				t.Errorf("logged %q: a connection closed while idle cost an attempt", m)
			}
		}
	})
}

// A connection unused for longer than SMTP_URL's idle limit is not used
// again: the next message goes on a new one (a server or a firewall may
// have dropped it without a word), in one attempt.
func TestNotifyReplacesIdleConnections(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		srv := smtptest.Start(t, smtptest.Options{})
		emails := addSubscribers(t, db, 4)
		in := openIncident(t, db, models.NewIncident{Name: "API errors", Notify: true})
		a, _ := mailApp(t, db, srv, nil, fastRetries, map[string]string{
			"SMTP_URL": srv.URL() + "&timeout=2s&idle=100ms", "MAIL_WORKERS": "1"})
		runNotifier(t, a)
		eventually(t, "the first message sent to all", func() bool { return settled(t, db) && srv.Total() == len(emails) })
		if s := srv.Sessions(); s != 1 {
			t.Fatalf("%d sessions for the first round on one worker, want 1", s)
		}
		time.Sleep(300 * time.Millisecond) // the scenario: idle past the limit
		postUpdate(t, db, in.ID, models.NewUpdate{Status: models.Resolved, Notify: true})
		eventually(t, "the update sent to all", func() bool { return settled(t, db) && srv.Total() == 2*len(emails) })
		if s := srv.Sessions(); s != 2 {
			t.Errorf("%d sessions, want 2: the idle connection was not replaced", s)
		}
		var ds []models.Delivery
		db.Gorm.Where("notification_id = ?", outbox(t, db)[1].ID).Find(&ds)
		if len(ds) != len(emails) {
			t.Fatalf("%d deliveries of the update, want %d", len(ds), len(emails))
		}
		for _, d := range ds {
			if d.Status != models.DeliverySent || d.Attempts != 1 {
				t.Errorf("delivery of the update to %s: %s after %d attempts", d.Email, d.Status, d.Attempts)
			}
		}
	})
}

// drain returns the messages logged so far.
func drain(logs logRecords) []string {
	var out []string
	for {
		select {
		case m := <-logs:
			out = append(out, m)
		default:
			return out
		}
	}
}
