package app_test

// The mail server's connections and outages: a connection the server
// closed while idle is replaced at once (issue 14), and a server that goes
// down pauses the workers, one probes it, and all resume as soon as it is
// back (issue 20). Neither costs a delivery an attempt.

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

// A server that accepts connections and never greets is unreachable: the
// connection is given up after the SMTP timeout (go-mail alone would wait
// for the greeting forever), the deliveries wait without an attempt used,
// and the notifier stops when told.
func TestNotifySilentServer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var conns []net.Conn
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				conns = append(conns, c) // held open, silent
				mu.Unlock()
			}
		}()
		t.Cleanup(func() {
			ln.Close()
			mu.Lock()
			defer mu.Unlock()
			for _, c := range conns {
				c.Close()
			}
		})
		addSubscribers(t, db, 2)
		openIncident(t, db, models.NewIncident{Name: "API errors", Notify: true})
		a, _ := mailApp(t, db, nil, nil, fastRetries, map[string]string{
			"SMTP_URL": "smtp://" + ln.Addr().String() + "?starttls=optional&timeout=300ms"})
		stop := runNotifier(t, a)
		var problems []models.FailureReason
		eventually(t, "reported", func() bool {
			problems, _ = db.DeliveryProblems(ctx, outbox(t, db)[0].ID, true, 5)
			return len(problems) > 0
		})
		if r := problems[0].Reason; !strings.HasPrefix(r, "cannot reach the mail server") || !strings.Contains(r, "timeout") {
			t.Errorf("reason = %q", r)
		}
		stop()
		var tried int64
		db.Gorm.Model(&models.Delivery{}).Where("attempts <> 0 OR status <> ?", models.DeliveryPending).Count(&tried)
		if tried != 0 {
			t.Errorf("%d deliveries used an attempt or left pending", tried)
		}
	})
}

// The server goes down in the middle of a fan-out and comes back on the
// same port: the workers pause on the first send that cannot reach it, one
// probes it, and all resume when it answers. Every subscriber gets the
// message once, none fails, and none used up an attempt. The time from the
// server's return to its first message, and to the last, is logged.
func TestNotifyServerOutageDuringFanOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := outageFanOut(t, db, 300, 8, 2*time.Second, notify.Tuning{ClaimBatch: 10})
		t.Logf("server back → first message %v, → all %d delivered %v (down %v)",
			f.toFirst.Round(time.Millisecond), f.after, f.toLast.Round(time.Millisecond), f.down.Round(time.Millisecond))
	})
}

// BenchmarkMailRecovery measures a server outage during a fan-out of
// 3,000 with 64 workers and the default tuning, the server down for 10 s
// (go test -run '^$' -bench MailRecovery -benchtime 1x ./app/): s_to_first,
// from the server's return to its first message; s_to_last, to the last;
// after, the messages sent after the return.
func BenchmarkMailRecovery(b *testing.B) {
	for _, dialect := range []models.Dialect{models.SQLite, models.Postgres} {
		b.Run(string(dialect), func(b *testing.B) {
			for range b.N {
				db := dbtest.MustOpenDB(b, dialect)
				f := outageFanOut(b, db, 3000, 64, 10*time.Second, notify.Tuning{})
				b.ReportMetric(f.toFirst.Seconds(), "s_to_first")
				b.ReportMetric(f.toLast.Seconds(), "s_to_last")
				b.ReportMetric(float64(f.after), "after")
				b.ReportMetric(0, "ns/op")
			}
		})
	}
}

// recovery is what outageFanOut measured.
type recovery struct {
	down            time.Duration // from the stop to the return
	toFirst, toLast time.Duration // from the return to the first message and to the last
	after           int           // messages sent after the return
}

// outageFanOut sends an update to n subscribers with workers workers,
// stops the server after a third of them, keeps it down for down, brings
// it back on the same port and checks that everyone got the message once,
// in one attempt. The server is stopped while no message is between its
// RCPT and its answer to the data (those recipients wait at RCPT), so no
// acknowledgement is lost with the connection and the counts are exact.
func outageFanOut(tb testing.TB, db *models.DB, n, workers int, down time.Duration, tuning notify.Tuning) recovery {
	tb.Helper()
	srv := smtptest.Start(tb, smtptest.Options{Discard: n > 1000})
	var (
		holding  atomic.Bool
		held     = make(chan struct{})
		passed   atomic.Int64 // recipients let through
		mu       sync.Mutex
		backAt   time.Time
		firstAt  time.Time
		released sync.Once
	)
	release := func() { released.Do(func() { close(held) }) }
	tb.Cleanup(release)
	srv.OnRcpt(func(string) error {
		if holding.Load() {
			<-held // until the server is stopped: the client sees the connection drop
			return nil
		}
		passed.Add(1)
		return nil
	})
	srv.OnData(func(string, []string) error {
		mu.Lock()
		defer mu.Unlock()
		if !backAt.IsZero() && firstAt.IsZero() {
			firstAt = time.Now()
		}
		return nil
	})
	if n > 1000 {
		dbtest.SeedConfirmedSubscribers(tb, db, n)
	} else {
		addSubscribers(tb, db, n)
	}
	if _, err := db.OpenIncident(ctx, models.NewIncident{Name: "API errors", Notify: true, Actor: "test"}); err != nil {
		tb.Fatal(err)
	}
	a, logs := mailApp(tb, db, srv, nil, tuning, map[string]string{
		"SMTP_URL": srv.URL() + "&timeout=10s", "MAIL_WORKERS": strconv.Itoa(workers)})
	runNotifier(tb, a)

	eventually(tb, "a third sent", func() bool { return srv.Total() >= n/3 })
	holding.Store(true)
	eventually(tb, "every message let through acknowledged and recorded", func() bool {
		return int64(srv.Total()) == passed.Load() && dbtest.DeliveryStatuses(tb, db)[models.DeliverySent] == srv.Total()
	})
	srv.Stop()
	stoppedAt := time.Now()
	release()
	before := srv.Total()
	eventually(tb, "the outage noticed", func() bool {
		var waiting int64
		db.Gorm.Model(&models.Delivery{}).Where("status = ? AND last_error LIKE ?", models.DeliveryPending,
			"cannot reach the mail server%").Count(&waiting)
		return waiting > 0
	})
	time.Sleep(time.Until(stoppedAt.Add(down))) // the scenario: the server stays down
	if before != srv.Total() {
		tb.Fatalf("the server accepted %d messages while down", srv.Total()-before)
	}
	holding.Store(false)
	srv.Restart(tb)
	mu.Lock()
	backAt = time.Now()
	mu.Unlock()
	eventually(tb, "all sent", func() bool { return srv.Total() == n })
	toLast := time.Since(backAt)
	eventually(tb, "settled", func() bool { return settled(tb, db) })

	if st := dbtest.DeliveryStatuses(tb, db); st[models.DeliverySent] != n || len(st) != 1 {
		tb.Errorf("deliveries = %v, want %d sent", st, n)
	}
	if n <= 1000 {
		for e, c := range srv.Counts() {
			if c != 1 {
				tb.Errorf("%s received %d messages, want 1", e, c)
			}
		}
		if len(srv.Counts()) != n {
			tb.Errorf("%d subscribers received the message, want %d", len(srv.Counts()), n)
		}
	}
	var again int64
	db.Gorm.Model(&models.Delivery{}).Where("attempts <> 1").Count(&again)
	if again != 0 {
		tb.Errorf("%d deliveries took more than one attempt: the outage cost attempts", again)
	}
	paused, resumed := 0, 0
	for _, m := range drain(logs) {
		switch {
		case strings.HasPrefix(m, "notifier: mail server unreachable"):
			paused++
		case strings.HasPrefix(m, "notifier: mail server reachable again"):
			resumed++
		}
	}
	if paused != 1 || resumed != 1 {
		tb.Errorf("the workers paused %d times and resumed %d times, want once: one outage for all", paused, resumed)
	}
	mu.Lock()
	defer mu.Unlock()
	return recovery{down: backAt.Sub(stoppedAt), toFirst: firstAt.Sub(backAt), toLast: toLast, after: n - before}
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
