package app_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app/notify"
	"github.com/beaconstatus/beacon/app/smtptest"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// BenchmarkFanout measures the notify path end to end: one incident update
// to N confirmed subscribers, dispatched, claimed and sent over SMTP to an
// in-process server on loopback (make bench-fanout). Beside it, in the same
// run, bare loops send the same messages (same templates, same SMTP
// driver) over the same server without Beacon: no database, no queue, on
// one connection and on as many as Beacon's workers. Metrics:
//
//	msgs/s              Beacon's messages per second, from the update's commit to the last message accepted
//	s_to_first          seconds from the commit to the first message
//	s_to_last           seconds from the commit to the last message
//	bare1_msgs/s        the bare loop on one connection, before Beacon
//	bareW_msgs/s        the bare loop on MAIL_WORKERS connections, before Beacon
//	bare1_after_msgs/s  the bare loop on one connection again, after Beacon
//	vs_bare1            msgs/s ÷ the mean of bare1_msgs/s and bare1_after_msgs/s (target ≥ 0.5)
//	peak_heap_MB        the most heap in use while Beacon sent (runtime.MemStats.HeapInuse, sampled)
//	heap_MB             the heap in use before it began
func BenchmarkFanout(b *testing.B) { benchFanOutSizes(b, fanout) }

func fanout(b *testing.B, dialect models.Dialect, n int) {
	b.StopTimer()
	db := dbtest.MustOpenDB(b, dialect)
	dbtest.SeedConfirmedSubscribers(b, db, n)
	in := benchIncident(b, db)
	srv := smtptest.Start(b, smtptest.Options{Discard: true})
	a, _ := mailApp(b, db, srv, nil, notify.Tuning{}, nil)
	cfg, err := notify.ParseSMTPURL(srv.URL())
	if err != nil {
		b.Fatal(err)
	}

	// The bare loops: the same messages, the same driver, no Beacon.
	var emails []string
	db.Gorm.Raw(`SELECT email FROM subscribers ORDER BY id`).Scan(&emails)
	bare1 := bareLoop(b, *cfg, emails, 1)
	bareW := bareLoop(b, *cfg, emails, notify.DefaultMailWorkers)
	emails = nil
	if srv.Total() != 2*n {
		b.Fatalf("bare loops sent %d, want %d", srv.Total(), 2*n)
	}

	// Beacon: an update with notify on, then the notifier until the server
	// has the last message.
	heap := sampleHeap()
	start, stop := benchNotify(b, db, a, in)
	var first time.Duration
	for srv.Total() < 3*n {
		if first == 0 && srv.Total() > 2*n {
			first = time.Since(start)
		}
		time.Sleep(2 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	heap.Stop()
	stop()

	var sent int64
	db.Gorm.Model(&models.Delivery{}).Where("status = ?", models.DeliverySent).Count(&sent)
	if sent != int64(n) || srv.Total() != 3*n {
		b.Fatalf("%d deliveries sent, the server accepted %d from Beacon; want %d", sent, srv.Total()-2*n, n)
	}
	// bare1 again: the machine's load drifts, so Beacon is compared with
	// the mean of the bare loop just before and just after it.
	db.Gorm.Raw(`SELECT email FROM subscribers ORDER BY id`).Scan(&emails)
	bare1After := bareLoop(b, *cfg, emails, 1)
	rate := float64(n) / elapsed.Seconds()
	b.ReportMetric(rate, "msgs/s")
	b.ReportMetric(elapsed.Seconds(), "s_to_last")
	b.ReportMetric(first.Seconds(), "s_to_first")
	b.ReportMetric(bare1, "bare1_msgs/s")
	b.ReportMetric(bareW, "bareW_msgs/s")
	b.ReportMetric(bare1After, "bare1_after_msgs/s")
	b.ReportMetric(rate/((bare1+bare1After)/2), "vs_bare1")
	heap.Report(b)
	b.ReportMetric(0, "ns/op")
}

// bareLoop sends a message to each address over conns connections, the
// messages made as Beacon makes them (rendered once, then filled in for
// each recipient), and returns the messages per second.
func bareLoop(b *testing.B, cfg notify.SMTPConfig, emails []string, conns int) float64 {
	b.Helper()
	tpl, err := notify.NewEmailTemplates()
	if err != nil {
		b.Fatal(err)
	}
	mailer := notify.NewSMTPMailer(cfg)
	at := time.Now()
	start := time.Now()
	prepared, err := tpl.Prepare(notify.Email{
		Page: notify.Page{Name: "Acme Cloud", URL: "https://status.acme.test"}, TimeZone: time.UTC,
		FromName: "Acme Status", FromAddress: "status@acme.test", Kind: models.NotifyIncidentUpdated,
		Content: models.NotificationContent{IncidentKind: models.KindIncident, Name: "API errors", Status: models.Identified,
			Body: "A bad deploy; rolling back.", BodyHTML: "<p>A bad deploy; rolling back.</p>", Components: []string{"API"}, At: at},
		IncidentURL: "https://status.acme.test/incidents/x",
	})
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	for c := range conns {
		wg.Go(func() {
			s := mailer.NewSender()
			defer s.Close()
			for i := c; i < len(emails); i += conns {
				m, err := prepared.For(notify.Recipient{To: emails[i],
					ManageURL:      "https://status.acme.test/subscriptions/manage/" + emails[i],
					UnsubscribeURL: "https://status.acme.test/subscriptions/unsubscribe/" + emails[i],
					MessageID:      fmt.Sprintf("<bare.%d@status.acme.test>", i), Date: at})
				if err != nil {
					b.Error(err)
					return
				}
				if err := s.Send(context.Background(), m); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return float64(len(emails)) / time.Since(start).Seconds()
}
