package app_test

// Helpers shared by the fan-out benchmarks (BenchmarkFanout: email over
// SMTP; BenchmarkHookFanOut: webhooks): the runs by database and size, the
// incident they notify, the update that sets them off, and the heap
// sampler.

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app"
	"github.com/beaconstatus/beacon/models"
)

// benchFanOutSizes runs fanOut b.N times for each database and each number
// of subscribers (10k, 100k).
func benchFanOutSizes(b *testing.B, fanOut func(b *testing.B, dialect models.Dialect, n int)) {
	for _, dialect := range []models.Dialect{models.SQLite, models.Postgres} {
		for _, n := range []int{10_000, 100_000} {
			b.Run(fmt.Sprintf("%s/%dk", dialect, n/1000), func(b *testing.B) {
				for range b.N {
					fanOut(b, dialect, n)
				}
			})
		}
	}
}

// benchIncident opens the incident "API errors" on a new component "API".
func benchIncident(b *testing.B, db *models.DB) *models.Incident {
	b.Helper()
	ctx := context.Background()
	api := models.Component{Name: "API"}
	if err := db.CreateComponent(ctx, &api, "bench"); err != nil {
		b.Fatal(err)
	}
	in, err := db.OpenIncident(ctx, models.NewIncident{Name: "API errors", Components: map[string]string{api.ID: models.MajorOutage}, Actor: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	return in
}

// benchNotify starts the timer, posts an update of in with notify on and
// runs a's notifier: it returns when the update was committed and how to
// stop the notifier.
func benchNotify(b *testing.B, db *models.DB, a *app.App, in *models.Incident) (start time.Time, stop func()) {
	b.Helper()
	b.StartTimer()
	start = time.Now()
	if _, err := db.PostUpdate(context.Background(), in.ID, models.NewUpdate{Status: models.Identified, Body: "A bad deploy; rolling back.", Notify: true, Actor: "bench"}); err != nil {
		b.Fatal(err)
	}
	return start, runNotifier(b, a)
}

// heapSampler records the most heap in use (runtime.MemStats.HeapInuse,
// sampled every 20 ms) from sampleHeap, after a GC, until Stop.
type heapSampler struct {
	baseline       uint64
	peak           atomic.Uint64
	sampling, done chan struct{}
}

func sampleHeap() *heapSampler {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := &heapSampler{baseline: ms.HeapInuse, sampling: make(chan struct{}), done: make(chan struct{})}
	s.peak.Store(s.baseline)
	go func() {
		defer close(s.done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-s.sampling:
				return
			case <-tick.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > s.peak.Load() {
					s.peak.Store(ms.HeapInuse)
				}
			}
		}
	}()
	return s
}

// Stop ends the sampling.
func (s *heapSampler) Stop() {
	close(s.sampling)
	<-s.done
}

// Report reports peak_heap_MB (the most while sampling) and heap_MB (before).
func (s *heapSampler) Report(b *testing.B) {
	b.ReportMetric(float64(s.peak.Load())/(1<<20), "peak_heap_MB")
	b.ReportMetric(float64(s.baseline)/(1<<20), "heap_MB")
}
