package main_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/beaconstatus/beacon/app/notify"
	"github.com/beaconstatus/beacon/app/smtptest"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// smtpTimeout is the mail timeout of the notify tests' servers: far longer
// than a message to the local test server takes, even on a loaded machine
// (a message the server accepted but the client gave up waiting for would
// be sent again: a copy the tests count), and short enough that the
// notifier's lease, 3 × (2 × 1m + 5s) ≈ 6 minutes, ends within the 10
// minutes TestNotifyWorkerKilledMidBatch moves the clock by.
const smtpTimeout = "1m"

// TestNotifyWorkerKilledMidBatch kills 'beacon serve' (SIGKILL) while its
// one worker holds a batch of deliveries, has four acknowledged and
// recorded, and the mail server holds the fifth message unanswered. Once the leases run out another server sends
// what was not acknowledged, and nothing that was: every subscriber gets
// exactly one message.
func TestNotifyWorkerKilledMidBatch(t *testing.T) {
	t.Parallel()
	for _, dialect := range []models.Dialect{models.SQLite, models.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dbURL, dsn := emptyDatabase(t, dialect)
			srv := smtptest.Start(t, smtptest.Options{})
			env := beaconEnv("DATABASE_URL="+dbURL, "SMTP_URL="+srv.URL()+"&timeout="+smtpTimeout,
				"MAIL_FROM=status@acme.test", "MAIL_WORKERS=1", "BASE_URL=https://status.acme.test")
			if out, errOut, code := runBeacon(t, env, "", "migrate"); code != 0 {
				t.Fatalf("beacon migrate: exit %d, %s %s", code, out, errOut)
			}
			db, err := models.Open(ctx, dialect, dsn, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			var emails []string
			for i := range 12 {
				e := fmt.Sprintf("user%02d@example.test", i)
				now := time.Now().UTC()
				if err := db.Gorm.Exec(`INSERT INTO subscribers (id, email, email_normalized, status, created_at, updated_at)
					VALUES (?, ?, ?, 'confirmed', ?, ?)`, models.NewID(), e, e, now, now).Error; err != nil {
					t.Fatal(err)
				}
				emails = append(emails, e)
			}

			// The fifth message is held until the process is dead, then refused.
			held, dead := make(chan string, 1), make(chan struct{})
			var seen atomic.Int32
			srv.OnData(func(_ string, to []string) error {
				if seen.Add(1) == 5 {
					held <- to[0]
					<-dead
					return &smtp.SMTPError{Code: 421, Message: "connection lost"}
				}
				return nil
			})
			if _, err := db.OpenIncident(ctx, models.NewIncident{Name: "API errors", Notify: true, Actor: "test"}); err != nil {
				t.Fatal(err)
			}

			first := startServer(t, env)
			var inFlight string
			select {
			case inFlight = <-held:
			case <-first.exited:
				t.Fatalf("beacon serve exited:\n%s", first.Logs)
			case <-time.After(time.Until(dbtest.WaitDeadline(t))):
				t.Fatalf("no fifth message by the test's deadline:\n%s", first.Logs)
			}
			// A worker records an acknowledgement while it sends the next
			// message: the fourth is recorded by now or very soon.
			if !waitFor(t, func() bool { return dbtest.DeliveryStatuses(t, db)[models.DeliverySent] == 4 }) {
				t.Fatalf("the four acknowledged messages are not recorded: %v", dbtest.DeliveryStatuses(t, db))
			}
			if err := first.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			<-first.exited
			close(dead)

			st := dbtest.DeliveryStatuses(t, db)
			if st[models.DeliverySent] != 4 || st[models.DeliverySending] != 8 {
				t.Fatalf("after the kill: %v, want 4 sent and 8 still leased", st)
			}
			// The leases run out (the test moves the clock for this one step
			// instead of waiting out the lease).
			if n, err := db.ReleaseExpired(ctx, time.Now().Add(10*time.Minute)); err != nil || n != 8 {
				t.Fatalf("released %d (%v), want 8", n, err)
			}

			second := startServer(t, env)
			if !waitFor(t, func() bool { return dbtest.DeliveryStatuses(t, db)[models.DeliverySent] == 12 }) {
				t.Fatalf("not all sent: %v\n%s", dbtest.DeliveryStatuses(t, db), second.Logs)
			}
			counts := srv.Counts()
			for _, e := range emails {
				if counts[e] != 1 {
					t.Errorf("%s received %d messages, want 1", e, counts[e])
				}
			}
			if srv.Total() != 12 || !strings.HasSuffix(inFlight, "@example.test") {
				t.Errorf("the server accepted %d messages, want 12", srv.Total())
			}
		})
	}
}

// TestNotifyKilledMidFanOut kills 'beacon serve' (SIGKILL) in the middle
// of emailing an incident update to 2,000 subscribers with four workers,
// and starts it again: every subscriber gets the message, and the only
// copies are of messages the mail server had accepted but the killed
// process had not yet recorded, at most notify.DefaultUnrecorded per
// worker, each a copy with the same Message-ID.
func TestNotifyKilledMidFanOut(t *testing.T) {
	t.Parallel()
	const subscribers, workers = 2000, 4
	for _, dialect := range []models.Dialect{models.SQLite, models.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			dbURL, dsn := emptyDatabase(t, dialect)
			srv := smtptest.Start(t, smtptest.Options{})
			// A mail server that takes a moment per message, as real ones do,
			// so the kill lands in the middle.
			srv.OnData(func(string, []string) error { time.Sleep(2 * time.Millisecond); return nil })
			env := beaconEnv("DATABASE_URL="+dbURL, "SMTP_URL="+srv.URL()+"&timeout="+smtpTimeout,
				"MAIL_FROM=status@acme.test", fmt.Sprint("MAIL_WORKERS=", workers), "BASE_URL=https://status.acme.test")
			emails := make([]string, subscribers)
			k := newKilledFanOut(t, env, dialect, dsn, subscribers, func(tx *models.DB, i int, now time.Time) error {
				emails[i] = fmt.Sprintf("user%04d@example.test", i)
				return tx.Gorm.Exec(`INSERT INTO subscribers (id, email, email_normalized, status, created_at, updated_at, confirmed_at)
					VALUES (?, ?, ?, 'confirmed', ?, ?, ?)`, models.NewID(), emails[i], emails[i], now, now, now).Error
			})
			db := k.db
			atKill := k.killAndRestart(t, dialect, "messages", srv.Total)
			if st := dbtest.DeliveryStatuses(t, db); len(st) != 1 {
				t.Errorf("deliveries after the restart: %v, want %d sent", st, subscribers)
			}
			counts := srv.Counts()
			duplicates := 0
			for _, e := range emails {
				switch n := counts[e]; {
				case n == 0:
					t.Errorf("%s got no message", e)
				case n > 1:
					duplicates += n - 1
					ids := map[string]bool{}
					for _, m := range srv.Messages() {
						if m.To[0] == e {
							msg, err := m.Parse()
							if err != nil {
								t.Fatal(err)
							}
							ids[msg.Header.Get("Message-Id")] = true
						}
					}
					if len(ids) != 1 {
						t.Errorf("%s got %d messages with %d Message-IDs, want copies of one", e, n, len(ids))
					}
				}
			}
			if len(counts) != subscribers || srv.Total() != subscribers+duplicates {
				t.Errorf("%d addresses got %d messages, want %d and %d", len(counts), srv.Total(), subscribers, subscribers+duplicates)
			}
			bound := workers * notify.DefaultUnrecorded
			t.Logf("%s: SIGKILL after %d of %d messages: %d sent twice (bound: %d workers × %d = %d)",
				dialect, atKill, subscribers, duplicates, workers, notify.DefaultUnrecorded, bound)
			if duplicates > bound {
				t.Errorf("%d messages sent twice, more than the %d that can be in flight", duplicates, bound)
			}
		})
	}
}

// emptyDatabase makes a database of dialect with no schema for a beacon
// process: its DATABASE_URL, and the DSN the test opens it with.
func emptyDatabase(t *testing.T, dialect models.Dialect) (dbURL, dsn string) {
	if dialect == models.SQLite {
		path := filepath.Join(t.TempDir(), "beacon.db")
		return "sqlite:" + path, models.SQLiteDSN(path)
	}
	dbURL = dbtest.NewEmptyPostgres(t)
	return dbURL, dbURL
}
