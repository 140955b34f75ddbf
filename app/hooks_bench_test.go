package app_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app/notify"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// BenchmarkHookFanOut measures the webhook fan-out end to end (make
// bench-hooks): one incident update to N confirmed webhook subscribers,
// dispatched, claimed and POSTed (Statuspage's payload, signed) to
// receivers on loopback: 98% answer at once, 1% are slow (2s) and 1% fail
// (HTTP 500, retried later). Beside it, in the same run, bare loops POST
// the same number of requests of the same size to the fast receiver
// without Beacon (no database, no queue), on one goroutine and on as many
// as Beacon's hook workers. Metrics:
//
//	msgs/s           requests answered 2xx per second, from the update's commit to the last healthy endpoint's
//	s_to_healthy     seconds from the commit until the last fast endpoint has it
//	s_to_slow        seconds until the last slow endpoint has it too
//	bare1_msgs/s     the bare loop on one goroutine
//	bareW_msgs/s     the bare loop on WEBHOOK_WORKERS goroutines
//	vs_bareW         msgs/s ÷ bareW_msgs/s
//	peak_heap_MB     the most heap in use while Beacon sent (sampled); heap_MB before it began
func BenchmarkHookFanOut(b *testing.B) { benchFanOutSizes(b, hookFanOut) }

func hookFanOut(b *testing.B, dialect models.Dialect, n int) {
	b.StopTimer()
	db := dbtest.MustOpenDB(b, dialect)
	var fastGot, slowGot, failGot atomic.Int64
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.Header.Get("X-Beacon-Delivery") != "" {
			fastGot.Add(1)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer fast.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		time.Sleep(2 * time.Second)
		slowGot.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer slow.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		failGot.Add(1)
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	defer failing.Close()

	// Subscribers: every 100th slow, every 100th (offset 50) failing.
	now := time.Now().UTC()
	q := `INSERT INTO subscribers (id, email, email_normalized, status, channel, endpoint, secret, created_at, updated_at)
		SELECT 'sub' || substr('0000000' || g, -7), 'ops@example.test', 'webhook:' || (CASE WHEN g % 100 = 0 THEN ? WHEN g % 100 = 50 THEN ? ELSE ? END) || '/s/' || g,
		       'confirmed', 'webhook', (CASE WHEN g % 100 = 0 THEN ? WHEN g % 100 = 50 THEN ? ELSE ? END) || '/s/' || g, 'whsec_bench', ?, ? FROM seq`
	if db.Dialect == models.Postgres {
		q = `WITH seq AS (SELECT g FROM generate_series(1, ?) g) ` + q
	} else {
		q = `WITH RECURSIVE seq(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM seq WHERE g < ?) ` + q
	}
	if err := db.Gorm.Exec(q, n, slow.URL, failing.URL, fast.URL, slow.URL, failing.URL, fast.URL, now, now).Error; err != nil {
		b.Fatal(err)
	}
	slowN, failN := int64(n/100), int64(n/100)
	fastN := int64(n) - slowN - failN
	in := benchIncident(b, db)
	a, _ := mailApp(b, db, nil, &notify.MemoryMailer{}, notify.Tuning{}, map[string]string{"WEBHOOK_ALLOW_PRIVATE": "true", "WEBHOOK_WORKERS": os.Getenv("BENCH_WEBHOOK_WORKERS")})

	// The bare loops: as many POSTs of a webhook's size to the fast
	// receiver, no Beacon.
	body := bytes.Repeat([]byte("x"), 1400)
	bare1 := bareHookLoop(b, fast.URL, body, int(fastN)/10, 1)
	bareW := bareHookLoop(b, fast.URL, body, int(fastN), notify.DefaultHookWorkers)

	heap := sampleHeap()
	start, stop := benchNotify(b, db, a, in)
	var toHealthy time.Duration
	for fastGot.Load() < fastN || slowGot.Load() < slowN || failGot.Load() < failN {
		if toHealthy == 0 && fastGot.Load() >= fastN {
			toHealthy = time.Since(start)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if toHealthy == 0 {
		toHealthy = time.Since(start)
	}
	toSlow := time.Since(start)
	b.StopTimer()
	heap.Stop()
	stop()

	var sent int64
	db.Gorm.Model(&models.Delivery{}).Where("status = ?", models.DeliverySent).Count(&sent)
	if sent != fastN+slowN || fastGot.Load() != fastN {
		b.Fatalf("%d deliveries sent, the fast receiver got %d; want %d and %d", sent, fastGot.Load(), fastN+slowN, fastN)
	}
	rate := float64(fastN+slowN) / toSlow.Seconds()
	if toHealthy > 0 {
		rate = float64(fastN) / toHealthy.Seconds()
	}
	b.ReportMetric(rate, "msgs/s")
	b.ReportMetric(toHealthy.Seconds(), "s_to_healthy")
	b.ReportMetric(toSlow.Seconds(), "s_to_slow")
	b.ReportMetric(bare1, "bare1_msgs/s")
	b.ReportMetric(bareW, "bareW_msgs/s")
	b.ReportMetric(rate/bareW, "vs_bareW")
	heap.Report(b)
	b.ReportMetric(0, "ns/op")
}

// bareHookLoop POSTs body n times to url over conns goroutines sharing one
// client, and returns the requests per second.
func bareHookLoop(b *testing.B, url string, body []byte, n, conns int) float64 {
	b.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxIdleConns: conns}}
	defer client.CloseIdleConnections()
	var next atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				resp, err := client.Post(url, "application/json", bytes.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}
