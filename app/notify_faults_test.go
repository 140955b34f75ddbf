package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/beaconstatus/beacon/app/smtptest"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// One fan-out meets every mail server fault at once: a message stalled
// past the timeout, recipients refused for good (5xx) and for now (4xx),
// and the server going down in the middle (421, then gone) and coming
// back. Nothing is lost and nothing is sent twice: each deliverable
// subscriber gets one message, each refused one fails with the server's
// answer after one attempt, the outage costs no attempt, and the console's
// notification page shows the exact counts and the answers.
func TestNotifyFaultsDuringFanOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		srv := smtptest.Start(t, smtptest.Options{})
		good := addSubscribers(t, db, 40)
		refused := []string{"nobody1@example.test", "nobody2@example.test", "nobody3@example.test"}
		busy := []string{"busy1@example.test", "busy2@example.test"}
		for _, e := range append(append([]string{}, refused...), busy...) {
			addSubscriber(t, db, subscriber{Email: e})
		}

		var mu sync.Mutex
		busyTries := map[string]int{}
		down := make(chan struct{})
		wentDown := false
		srv.OnRcpt(func(to string) error {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case strings.HasPrefix(to, "nobody"):
				return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
			case strings.HasPrefix(to, "busy") && busyTries[to] < 2:
				busyTries[to]++
				return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
			case !wentDown && srv.Total() >= 15 && strings.HasPrefix(to, "user"):
				// The server is going down: this recipient is told so (a
				// temporary answer), and the test stops the server.
				wentDown = true
				close(down)
				return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Shutting down"}
			}
			return nil
		})
		release := make(chan struct{})
		t.Cleanup(func() { close(release) })
		var stallOnce sync.Once
		srv.OnData(func(_ string, to []string) error {
			stalled := false
			if srv.Total() == 5 && strings.HasPrefix(to[0], "user") {
				stallOnce.Do(func() { stalled = true })
			}
			if stalled {
				<-release // longer than the client's timeout
				return &smtp.SMTPError{Code: 451, Message: "too late"}
			}
			return nil
		})

		openIncident(t, db, models.NewIncident{Name: "API errors", Notify: true})
		// One worker: the server stops between two of its messages, never
		// while one is in flight, so every count below is exact.
		a, _ := mailApp(t, db, srv, nil, fastRetries, map[string]string{
			"SMTP_URL": srv.URL() + "&timeout=300ms", "MAIL_WORKERS": "1"})
		runNotifier(t, a)
		n := outbox(t, db)[0]

		<-down
		srv.Stop()
		eventually(t, "the outage reported", func() bool {
			problems, _ := db.DeliveryProblems(ctx, n.ID, true, 10)
			for _, p := range problems {
				if strings.HasPrefix(p.Reason, "cannot reach the mail server") {
					return true
				}
			}
			return false
		})
		srv.Restart(t)
		eventually(t, "settled", func() bool { return settled(t, db) })

		counts := srv.Counts()
		for _, e := range append(append([]string{}, good...), busy...) {
			if counts[e] != 1 {
				t.Errorf("%s received %d messages, want 1", e, counts[e])
			}
		}
		for _, e := range refused {
			if counts[e] != 0 {
				t.Errorf("%s, refused, received %d", e, counts[e])
			}
			if d := deliveryOf(t, db, e); d.Status != models.DeliveryFailed || d.Attempts != 1 || d.LastError != "550 5.1.1 No such user here" {
				t.Errorf("delivery to %s = %s after %d attempts: %q", e, d.Status, d.Attempts, d.LastError)
			}
		}
		for _, e := range busy {
			if d := deliveryOf(t, db, e); d.Status != models.DeliverySent || d.Attempts != 3 {
				t.Errorf("delivery to %s = %s after %d attempts, want sent at the third", e, d.Status, d.Attempts)
			}
		}
		// One was tried twice: the stalled message (the server may have
		// accepted it). The recipient told the server was going down (421)
		// was not refused: it was sent again on a new connection, or waited
		// for the server, without an attempt counted.
		var again []string
		for _, e := range good {
			if d := deliveryOf(t, db, e); d.Attempts != 1 {
				again = append(again, fmt.Sprintf("%s:%d", e, d.Attempts))
			}
		}
		if len(again) != 1 {
			t.Errorf("deliveries tried more than once: %v, want the stalled one", again)
		}
		wantSent := len(good) + len(busy)
		if srv.Total() != wantSent || len(counts) != wantSent {
			t.Errorf("the server accepted %d messages for %d addresses, want %d", srv.Total(), len(counts), wantSent)
		}
		rep, err := db.GetNotificationReport(ctx, n.ID)
		if err != nil || rep.Counts != (models.DeliveryCounts{Sent: wantSent, Failed: len(refused)}) {
			t.Errorf("report = %+v (%v), want %d sent and %d failed", rep, err, wantSent, len(refused))
		}

		ed := signIn(t, a.Handler(), db, models.RoleEditor)
		body := wantAdminPage(t, ed.Get(fmt.Sprintf("/admin/notifications/%d", n.ID)), http.StatusOK)
		contains(t, body, fmt.Sprintf("%d: 0 pending, %d sent, %d failed, 0 skipped", wantSent+len(refused), wantSent, len(refused)),
			"<code>550 5.1.1 No such user here</code></td><td>3</td>",
			`<th scope="row">nobody1@example.test</th><td>1</td>`, "Retry failed")
	})
}
