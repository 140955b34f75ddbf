package app_test

import (
	"context"
	"testing"

	"github.com/beaconstatus/beacon/app/notify"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

func TestNotifyLogDriver(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		addSubscriber(t, db, subscriber{Email: "ann@example.test"})
		openIncident(t, db, models.NewIncident{Name: "API errors", Notify: true})
		a, logs := mailApp(t, db, nil, nil, fastRetries, nil)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); a.RunNotifier(ctx) }()
		logs.waitFor(t, "mail (log driver: set SMTP_URL to send it)", 1)
		eventually(t, "recorded", func() bool { return settled(t, db) })
		cancel()
		<-done
		if d := deliveryOf(t, db, "ann@example.test"); d.Status != models.DeliverySent {
			t.Errorf("delivery = %+v", d)
		}
	})
}

// The memory driver keeps the messages, for tests.
func TestNotifyMemoryDriver(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		addSubscribers(t, db, 3)
		openIncident(t, db, models.NewIncident{Name: "API errors", Notify: true})
		mm := &notify.MemoryMailer{}
		a, _ := mailApp(t, db, nil, mm, fastRetries, nil)
		runNotifier(t, a)
		eventually(t, "sent", func() bool { return settled(t, db) })
		if msgs := mm.Messages(); len(msgs) != 3 || msgs[0].Subject != "[Acme Cloud] Investigating: API errors" {
			t.Errorf("memory mailer holds %d messages", len(msgs))
		}
	})
}
