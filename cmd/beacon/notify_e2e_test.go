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

	"github.com/beaconstatus/beacon/app/smtptest"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

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
			var dbURL, dsn string
			if dialect == models.SQLite {
				path := filepath.Join(t.TempDir(), "beacon.db")
				dbURL, dsn = "sqlite:"+path, models.SQLiteDSN(path)
			} else {
				dbURL = dbtest.NewEmptyPostgres(t)
				dsn = dbURL
			}
			srv := smtptest.Start(t, smtptest.Options{})
			env := beaconEnv("DATABASE_URL="+dbURL, "SMTP_URL="+srv.URL()+"&timeout=5s",
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
			case <-time.After(time.Minute):
				t.Fatalf("no fifth message within a minute:\n%s", first.Logs)
			}
			// A worker records an acknowledgement while it sends the next
			// message: the fourth is recorded by now or very soon.
			if !waitFor(time.Minute, func() bool { return statuses(t, db)[models.DeliverySent] == 4 }) {
				t.Fatalf("the four acknowledged messages are not recorded: %v", statuses(t, db))
			}
			if err := first.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			<-first.exited
			close(dead)

			st := statuses(t, db)
			if st[models.DeliverySent] != 4 || st[models.DeliverySending] != 8 {
				t.Fatalf("after the kill: %v, want 4 sent and 8 still leased", st)
			}
			// The leases run out (the test moves the clock for this one step
			// instead of waiting out the two-minute lease).
			if n, err := db.ReleaseExpired(ctx, time.Now().Add(10*time.Minute)); err != nil || n != 8 {
				t.Fatalf("released %d (%v), want 8", n, err)
			}

			second := startServer(t, env)
			if !waitFor(time.Minute, func() bool { return statuses(t, db)[models.DeliverySent] == 12 }) {
				t.Fatalf("not all sent: %v\n%s", statuses(t, db), second.Logs)
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

// statuses counts the deliveries by status.
func statuses(t *testing.T, db *models.DB) map[string]int {
	t.Helper()
	var rows []struct {
		Status string
		N      int
	}
	if err := db.Gorm.Raw(`SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out
}
