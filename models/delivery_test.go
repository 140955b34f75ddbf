package models_test

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// sub is a subscriber row for tests (the subscriber side has its own
// models; these tests need only the rows).
type sub struct {
	Email                               string
	Status                              string // default confirmed
	Components                          []string
	NoIncidents, NoMaintenance, NoPosts bool
}

// addSubscriber inserts a subscriber and its component choices with plain
// SQL and returns its id.
func addSubscriber(t testing.TB, db *models.DB, s sub) string {
	t.Helper()
	if s.Status == "" {
		s.Status = "confirmed"
	}
	id := models.NewID()
	now := time.Now().UTC()
	err := db.Gorm.Exec(`INSERT INTO subscribers (id, email, email_normalized, status, all_components,
		notify_incidents, notify_maintenance, notify_postmortems, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, s.Email, s.Email, s.Status, len(s.Components) == 0, !s.NoIncidents, !s.NoMaintenance, !s.NoPosts, now, now).Error
	if err != nil {
		t.Fatalf("add subscriber %s: %v", s.Email, err)
	}
	for _, c := range s.Components {
		if err := db.Gorm.Exec(`INSERT INTO subscriber_components (subscriber_id, component_id) VALUES (?, ?)`, id, c).Error; err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// enqueue writes a notification of kind about the components.
func enqueue(t testing.TB, db *models.DB, kind string, components ...string) int64 {
	t.Helper()
	n := &models.Notification{Kind: kind, Subject: "Test"}
	if err := db.Enqueue(ctx, n, components, nil); err != nil {
		t.Fatal(err)
	}
	return n.ID
}

// dispatchAll runs DispatchNext until nothing is waiting.
func dispatchAll(t testing.TB, db *models.DB, batch int) {
	t.Helper()
	for {
		step, err := db.DispatchNext(ctx, batch, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if step.NotificationID == 0 {
			return
		}
	}
}

// recipients returns the sorted addresses of a notification's deliveries.
func recipients(t testing.TB, db *models.DB, notificationID int64) []string {
	t.Helper()
	var emails []string
	if err := db.Gorm.Model(&models.Delivery{}).Where("notification_id = ?", notificationID).
		Order("email").Pluck("email", &emails).Error; err != nil {
		t.Fatal(err)
	}
	return emails
}

// The dispatcher makes one delivery per confirmed subscriber who wants the
// kind and follows the page, one of the components or their group.
func TestDispatchMatchesSubscribers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		core := addComponent(t, db, models.Component{Name: "Core", IsGroup: true})
		api := addComponent(t, db, models.Component{Name: "API", GroupID: &core.ID}).ID
		web := addComponent(t, db, models.Component{Name: "Web", GroupID: &core.ID}).ID
		dbc := addComponent(t, db, models.Component{Name: "DB"}).ID
		for _, s := range []sub{
			{Email: "all@x.test"},
			{Email: "pending@x.test", Status: "pending"},
			{Email: "gone@x.test", Status: "unsubscribed"},
			{Email: "api@x.test", Components: []string{api}},
			{Email: "web@x.test", Components: []string{web}},
			{Email: "core@x.test", Components: []string{core.ID}},
			{Email: "no-incidents@x.test", NoIncidents: true},
			{Email: "db-api@x.test", Components: []string{dbc, api}},
		} {
			addSubscriber(t, db, s)
		}
		pending := addSubscriber(t, db, sub{Email: "new@x.test", Status: "pending"})

		incident := enqueue(t, db, models.NotifyIncidentUpdated, api)
		maint := enqueue(t, db, models.NotifyMaintenanceStarted, dbc)
		page := enqueue(t, db, models.NotifyIncidentOpened)
		confirm := &models.Notification{Kind: models.NotifySubscriberConfirm, SubscriberID: &pending}
		if err := db.Enqueue(ctx, confirm, nil, nil); err != nil {
			t.Fatal(err)
		}
		dispatchAll(t, db, 3)

		for _, c := range []struct {
			id   int64
			want []string
		}{
			{incident, []string{"all@x.test", "api@x.test", "core@x.test", "db-api@x.test"}},
			{maint, []string{"all@x.test", "db-api@x.test", "no-incidents@x.test"}},
			{page, []string{"all@x.test", "api@x.test", "core@x.test", "db-api@x.test", "web@x.test"}},
			{confirm.ID, []string{"new@x.test"}},
		} {
			if got := recipients(t, db, c.id); !slices.Equal(got, c.want) {
				t.Errorf("notification %d went to %v, want %v", c.id, got, c.want)
			}
		}
		for _, n := range outbox(t, db) {
			if n.Status != models.NotificationDispatched || n.DispatchedAt == nil {
				t.Errorf("notification %d is %s", n.ID, n.Status)
			}
		}
		var d models.Delivery
		db.Gorm.Take(&d, "notification_id = ?", incident)
		if d.Status != models.DeliveryPending || d.Attempts != 0 || d.LeaseUntil != nil {
			t.Errorf("new delivery = %+v", d)
		}
	})
}

// The dispatcher works in batches by subscriber id, committing its cursor
// with each; started again from any point it makes no duplicate.
func TestDispatchBatchesAndResumes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		var ids []string
		for i := range 25 {
			ids = append(ids, addSubscriber(t, db, sub{Email: fmt.Sprintf("s%02d@x.test", i)}))
		}
		addSubscriber(t, db, sub{Email: "pending@x.test", Status: "pending"})
		sort.Strings(ids)
		n := enqueue(t, db, models.NotifyIncidentOpened)

		var created []int
		for i := 0; ; i++ {
			step, err := db.DispatchNext(ctx, 7, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if step.NotificationID != n {
				t.Fatalf("step %d: %+v", i, step)
			}
			created = append(created, step.Created)
			if i == 1 {
				// Between batches: the cursor is the batch's last subscriber.
				var got models.Notification
				db.Gorm.Take(&got, n)
				if got.Status != models.NotificationDispatching || got.DispatchCursor != ids[13] {
					t.Errorf("after two batches: status %s, cursor %q, want dispatching, %q", got.Status, got.DispatchCursor, ids[13])
				}
			}
			if step.Done {
				break
			}
		}
		if !slices.Equal(created, []int{7, 7, 7, 4}) {
			t.Errorf("batches made %v deliveries, want [7 7 7 4]", created)
		}

		// A dispatcher that lost its progress goes over the list again and
		// makes nothing twice.
		db.Gorm.Exec(`UPDATE notifications SET status = 'dispatching', dispatch_cursor = ? WHERE id = ?`, ids[3], n)
		dispatchAll(t, db, 10)
		if got := len(recipients(t, db, n)); got != 25 {
			t.Errorf("%d deliveries, want 25", got)
		}
	})
}

// Claimed deliveries are leased to one worker; an expired lease puts them
// back; outcomes are recorded only by the holder; sent ones stay sent.
func TestClaimLeaseAndOutcomes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		for i := range 5 {
			addSubscriber(t, db, sub{Email: fmt.Sprintf("s%d@x.test", i)})
		}
		gone := addSubscriber(t, db, sub{Email: "gone@x.test"})
		n := enqueue(t, db, models.NotifyIncidentOpened)
		dispatchAll(t, db, 100)
		db.Gorm.Exec(`UPDATE subscribers SET status = 'unsubscribed' WHERE id = ?`, gone)

		now := time.Now().UTC()
		lease := time.Minute
		a, err := db.ClaimDeliveries(ctx, "a", now, lease, 4)
		if err != nil || len(a) != 4 {
			t.Fatalf("claim: %d, %v", len(a), err)
		}
		b, err := db.ClaimDeliveries(ctx, "b", now, lease, 10)
		if err != nil || len(b) != 2 {
			t.Fatalf("second claim got %d, %v; want the 2 left", len(b), err)
		}
		for _, d := range append(a, b...) {
			if d.Status != models.DeliverySending || d.LeaseUntil == nil || d.TokenVersion != 1 ||
				(d.SubscriberID == gone) != (d.SubscriberStatus == "unsubscribed") {
				t.Errorf("claimed %+v", d)
			}
		}
		if more, _ := db.ClaimDeliveries(ctx, "c", now, lease, 10); len(more) != 0 {
			t.Errorf("a third worker claimed %d leased deliveries", len(more))
		}

		if err := db.MarkSent(ctx, a[0].ID, "b", "<x@y>", now); !errors.Is(err, models.ErrLeaseLost) {
			t.Errorf("MarkSent by another worker: %v, want ErrLeaseLost", err)
		}
		if err := db.MarkSent(ctx, a[0].ID, "a", "<m0@beacon>", now); err != nil {
			t.Fatal(err)
		}
		if err := db.RetryDelivery(ctx, a[1].ID, "a", "421 try later", now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.FailDelivery(ctx, a[2].ID, "a", "550 no such user"); err != nil {
			t.Fatal(err)
		}
		for _, d := range b {
			if d.SubscriberID == gone {
				if err := db.SkipDelivery(ctx, d.ID, "b", "unsubscribed"); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Worker a dies holding a[3]; worker b holds the rest of b.
		if n, err := db.ReleaseExpired(ctx, now.Add(lease/2)); err != nil || n != 0 {
			t.Errorf("released %d before the leases ended (%v)", n, err)
		}
		if n, err := db.ReleaseExpired(ctx, now.Add(lease+time.Second)); err != nil || n != 2 {
			t.Errorf("released %d expired leases (%v), want 2", n, err)
		}
		if err := db.MarkSent(ctx, a[3].ID, "a", "<late@beacon>", now); !errors.Is(err, models.ErrLeaseLost) {
			t.Errorf("MarkSent after the lease was released: %v", err)
		}
		again, err := db.ClaimDeliveries(ctx, "c", now.Add(lease+time.Second), lease, 10)
		if err != nil || len(again) != 2 {
			t.Fatalf("reclaimed %d (%v), want 2 (the retry is not due yet)", len(again), err)
		}

		var sent models.Delivery
		db.Gorm.Take(&sent, a[0].ID)
		if sent.Status != models.DeliverySent || sent.MessageID != "<m0@beacon>" || sent.SentAt == nil ||
			sent.Attempts != 1 || sent.LeasedBy != "" || sent.LeaseUntil != nil {
			t.Errorf("sent delivery = %+v", sent)
		}
		var retry models.Delivery
		db.Gorm.Take(&retry, a[1].ID)
		if retry.Status != models.DeliveryPending || retry.Attempts != 1 || retry.LastError != "421 try later" ||
			retry.NextAttemptAt.Sub(now.Add(time.Hour)).Abs() >= time.Millisecond {
			t.Errorf("retried delivery = %+v", retry)
		}

		rep, err := db.GetNotificationReport(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if want := (models.DeliveryCounts{Pending: 3, Retrying: 1, Sent: 1, Failed: 1, Skipped: 1}); rep.Counts != want {
			t.Errorf("counts = %+v, want %+v", rep.Counts, want)
		}
		reasons, _ := db.DeliveryProblems(ctx, n, false, 10)
		if len(reasons) != 1 || reasons[0] != (models.FailureReason{Reason: "550 no such user", Count: 1}) {
			t.Errorf("failure reasons = %+v", reasons)
		}
		retrying, _ := db.DeliveryProblems(ctx, n, true, 10)
		if len(retrying) != 1 || retrying[0].Reason != "421 try later" {
			t.Errorf("retry reasons = %+v", retrying)
		}
		if k, err := db.RetryFailedDeliveries(ctx, n, now); err != nil || k != 1 {
			t.Errorf("retried %d failed (%v)", k, err)
		}
		var failed models.Delivery
		db.Gorm.Take(&failed, a[2].ID)
		if failed.Status != models.DeliveryPending || failed.Attempts != 0 {
			t.Errorf("retried failed delivery = %+v", failed)
		}
		if _, err := db.GetNotificationReport(ctx, 999999); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("report of a missing notification: %v", err)
		}
	})
}

// Workers of several replicas claiming at once never share a delivery.
func TestClaimConcurrently(t *testing.T) {
	for _, dialect := range []models.Dialect{models.SQLite, models.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			dsn := dbtest.NewDSN(t, dialect)
			var replicas []*models.DB
			for range 3 {
				db, err := models.Open(ctx, dialect, dsn, nil)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				replicas = append(replicas, db)
			}
			db := replicas[0]
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for i := range 300 {
				addSubscriber(t, db, sub{Email: fmt.Sprintf("s%03d@x.test", i)})
			}
			enqueue(t, db, models.NotifyIncidentOpened)
			dispatchAll(t, db, 128)

			var mu sync.Mutex
			seen := map[int64]string{}
			var wg sync.WaitGroup
			for w := range 9 {
				wg.Go(func() {
					name := fmt.Sprintf("w%d", w)
					for {
						got, err := replicas[w%3].ClaimDeliveries(ctx, name, time.Now(), time.Minute, 7)
						if err != nil {
							t.Error(err)
							return
						}
						if len(got) == 0 {
							return
						}
						mu.Lock()
						for _, d := range got {
							if prev, ok := seen[d.ID]; ok {
								t.Errorf("delivery %d claimed by %s and %s", d.ID, prev, name)
							}
							seen[d.ID] = name
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if len(seen) != 300 {
				t.Errorf("%d deliveries claimed, want 300", len(seen))
			}
		})
	}
}

// MarkSentBatch records several acknowledged messages at once, each only
// if its worker still holds it.
func TestMarkSentBatch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		for i := range 4 {
			addSubscriber(t, db, sub{Email: fmt.Sprintf("s%d@x.test", i)})
		}
		enqueue(t, db, models.NotifyIncidentOpened)
		dispatchAll(t, db, 10)
		now := time.Now().UTC()
		a, _ := db.ClaimDeliveries(ctx, "a", now, time.Minute, 3)
		b, _ := db.ClaimDeliveries(ctx, "b", now, time.Minute, 3)
		if len(a) != 3 || len(b) != 1 {
			t.Fatalf("claimed %d and %d", len(a), len(b))
		}
		lost, err := db.MarkSentBatch(ctx, []models.SentDelivery{
			{ID: a[0].ID, Worker: "a", MessageID: "<m0@x>", At: now},
			{ID: a[1].ID, Worker: "a", MessageID: "<m1@x>", At: now.Add(time.Second)},
			{ID: a[2].ID, Worker: "b", MessageID: "<m2@x>", At: now}, // not b's
			{ID: b[0].ID, Worker: "b", MessageID: "<m3@x>", At: now},
		})
		if err != nil || !slices.Equal(lost, []int64{a[2].ID}) {
			t.Fatalf("lost %v (%v), want [%d]", lost, err, a[2].ID)
		}
		for i, id := range []int64{a[0].ID, a[1].ID, b[0].ID} {
			var d models.Delivery
			db.Gorm.Take(&d, id)
			want := []string{"<m0@x>", "<m1@x>", "<m3@x>"}[i]
			if d.Status != models.DeliverySent || d.MessageID != want || d.Attempts != 1 || d.LeasedBy != "" ||
				d.SentAt == nil || d.SentAt.Sub(now.Add(time.Second)).Abs() > time.Millisecond {
				t.Errorf("delivery %d = %+v", id, d)
			}
		}
		var held models.Delivery
		db.Gorm.Take(&held, a[2].ID)
		if held.Status != models.DeliverySending || held.LeasedBy != "a" {
			t.Errorf("delivery not b's = %+v", held)
		}
	})
}

func TestDeferDeliveries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		for i := range 3 {
			addSubscriber(t, db, sub{Email: fmt.Sprintf("s%d@x.test", i)})
		}
		enqueue(t, db, models.NotifyIncidentOpened)
		dispatchAll(t, db, 10)
		now := time.Now().UTC()
		a, _ := db.ClaimDeliveries(ctx, "a", now, time.Minute, 3)
		if len(a) != 3 {
			t.Fatalf("claimed %d", len(a))
		}
		later := now.Add(time.Hour)
		lost, err := db.DeferDeliveries(ctx, []models.DeferredDelivery{
			{ID: a[0].ID, Worker: "a", Reason: "slow", Next: later},
			{ID: a[1].ID, Worker: "a", Reason: "slower", Next: later.Add(time.Minute)},
			{ID: a[2].ID, Worker: "b", Reason: "not b's", Next: later}, // not b's
		})
		if err != nil || !slices.Equal(lost, []int64{a[2].ID}) {
			t.Fatalf("lost %v (%v), want [%d]", lost, err, a[2].ID)
		}
		for i, id := range []int64{a[0].ID, a[1].ID} {
			var d models.Delivery
			db.Gorm.Take(&d, id)
			want := later.Add(time.Duration(i) * time.Minute)
			if d.Status != models.DeliveryPending || d.Attempts != 0 || d.LeasedBy != "" || d.LastError != []string{"slow", "slower"}[i] ||
				d.NextAttemptAt.Sub(want).Abs() > time.Millisecond {
				t.Errorf("delivery %d = %+v", id, d)
			}
		}
		// Deferred past now: not claimed again before then.
		if again, _ := db.ClaimDeliveries(ctx, "c", now.Add(time.Minute), time.Minute, 3); len(again) != 0 {
			t.Errorf("claimed %d deferred deliveries", len(again))
		}
	})
}
