package models_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// BenchmarkClaimRecord measures the database's part of the notify path
// without mail: 10,000 deliveries claimed 100 at a time by one worker and
// recorded sent in statements of 1, 4 or 32 (what the recorder writes at
// once). Metrics: µs per delivery for claiming and for recording.
func BenchmarkClaimRecord(b *testing.B) {
	const n = 10_000
	for _, dialect := range []models.Dialect{models.SQLite, models.Postgres} {
		for _, per := range []int{1, 4, 32} {
			b.Run(fmt.Sprintf("%s/per%d", dialect, per), func(b *testing.B) {
				var claim, record time.Duration
				for range b.N {
					b.StopTimer()
					db := dbtest.MustOpenDB(b, dialect)
					dbtest.SeedConfirmedSubscribers(b, db, n)
					enqueue(b, db, models.NotifyIncidentOpened)
					dispatchAll(b, db, 2000)
					b.StartTimer()
					sent := 0
					for sent < n {
						t0 := time.Now()
						batch, err := db.ClaimDeliveries(ctx, "w", time.Now(), time.Minute, 100)
						if err != nil || len(batch) == 0 {
							b.Fatalf("claim: %d, %v", len(batch), err)
						}
						claim += time.Since(t0)
						t0 = time.Now()
						for i := 0; i < len(batch); i += per {
							var acks []models.SentDelivery
							for _, d := range batch[i:min(i+per, len(batch))] {
								acks = append(acks, models.SentDelivery{ID: d.ID, Worker: "w", MessageID: fmt.Sprintf("<%d@x>", d.ID), At: time.Now()})
							}
							if lost, err := db.MarkSentBatch(ctx, acks); err != nil || len(lost) > 0 {
								b.Fatalf("record: %v, %v", lost, err)
							}
						}
						record += time.Since(t0)
						sent += len(batch)
					}
				}
				b.ReportMetric(float64(claim.Microseconds())/float64(b.N*n), "claim_µs/delivery")
				b.ReportMetric(float64(record.Microseconds())/float64(b.N*n), "record_µs/delivery")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}
