package models_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// subNow is the clock of the subscriber tests.
var subNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// subscriberTables are the tables subscriptions write.
var subscriberTables = []string{"subscribers", "subscriber_components", "notifications", "deliveries"}

// dumpTables returns every row of tables, as text.
func dumpTables(t *testing.T, db *models.DB, tables ...string) string {
	t.Helper()
	var b strings.Builder
	for _, table := range tables {
		rows, err := db.SQL.QueryContext(ctx, "SELECT * FROM "+table+" ORDER BY 1, 2")
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		fmt.Fprintf(&b, "%s %v\n", table, cols)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "  %v\n", vals)
		}
		rows.Close()
	}
	return b.String()
}

// subsUnchanged runs fn and fails the test when it changed a subscriber table.
func subsUnchanged(t *testing.T, db *models.DB, fn func() error) error {
	t.Helper()
	before := dumpTables(t, db, subscriberTables...)
	err := fn()
	if after := dumpTables(t, db, subscriberTables...); after != before {
		t.Errorf("the database changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	return err
}

// confirmations counts the confirmation emails queued for a subscriber.
func confirmations(t *testing.T, db *models.DB, id string) int64 {
	t.Helper()
	var n int64
	if err := db.Gorm.Model(&models.Notification{}).Where("kind = ? AND subscriber_id = ?", models.NotifySubscriberConfirm, id).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func subscribe(t *testing.T, db *models.DB, email string, ch models.SubscriberChoices, now time.Time, want models.SubscribeOutcome) *models.Subscriber {
	t.Helper()
	s, outcome, err := db.Subscribe(ctx, email, ch, models.SourceWeb, now)
	if err != nil {
		t.Fatalf("subscribe %s: %v", email, err)
	}
	if outcome != want {
		t.Errorf("subscribe %s: outcome %s, want %s", email, outcome, want)
	}
	return s
}

func mustSubscriber(t *testing.T, db *models.DB, id string) *models.Subscriber {
	t.Helper()
	s, err := db.GetSubscriber(ctx, id)
	if err != nil {
		t.Fatalf("get subscriber %s: %v", id, err)
	}
	return s
}

func TestParseEmail(t *testing.T) {
	for in, want := range map[string]string{
		"ann@example.com":               "ann@example.com",
		"  Ann.Lee+status@Example.COM ": "ann.lee+status@example.com",
		"o'brien@mail.example.co.uk":    "o'brien@mail.example.co.uk",
		"x@xn--bcher-kva.example":       "x@xn--bcher-kva.example",
	} {
		email, norm, err := models.ParseEmail("email", in)
		if err != nil || norm != want || email != strings.TrimSpace(in) {
			t.Errorf("ParseEmail(%q) = %q, %q, %v; want normalized %q", in, email, norm, err, want)
		}
	}
	for name, in := range map[string]string{
		"empty":            "  ",
		"overlong":         strings.Repeat("a", 64) + "@" + strings.Repeat("b", 186) + ".com",
		"CRLF injection":   "ann@example.com\r\nBcc: all@example.com",
		"LF injection":     "ann@example.com\nBcc: all@example.com",
		"NUL":              "ann@exam\x00ple.com",
		"tab":              "ann@exa\tmple.com",
		"display name":     "Ann <ann@example.com>",
		"angle brackets":   "<ann@example.com>",
		"comment":          "ann@example.com (Ann)",
		"two addresses":    "ann@example.com, bob@example.com",
		"no at":            "ann.example.com",
		"no domain dot":    "ann@localhost",
		"numeric tld":      "ann@10.0.0.1",
		"ip literal":       "ann@[10.0.0.1]",
		"quoted local":     `"ann lee"@example.com`,
		"double dot":       "ann..lee@example.com",
		"leading dot":      ".ann@example.com",
		"hyphen label":     "ann@-example.com",
		"empty label":      "ann@example..com",
		"non-ascii":        "änn@example.com",
		"long local part":  strings.Repeat("a", 65) + "@example.com",
		"header in domain": "ann@example.com\r\nSubject: hi",
	} {
		if _, _, err := models.ParseEmail("email", in); err == nil {
			t.Errorf("%s: ParseEmail(%q) accepted", name, in)
		} else {
			wantInvalid(t, err, "email")
		}
	}
}

// A new address is pending with a confirmation queued in the same
// transaction; asking again resends at most every interval; another case
// of the same address is the same subscriber.
func TestSubscribePending(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		api := addComponent(t, db, models.Component{Name: "API"})
		s := subscribe(t, db, "Ann@Example.com", models.SubscriberChoices{ComponentIDs: []string{api.ID}, Incidents: true}, subNow, models.SubscribeCreated)
		got := mustSubscriber(t, db, s.ID)
		if got.Status != models.SubscriberPending || got.Email != "Ann@Example.com" || got.EmailNormalized != "ann@example.com" ||
			got.AllComponents || len(got.ComponentIDs) != 1 || got.ComponentIDs[0] != api.ID ||
			!got.NotifyIncidents || got.NotifyMaintenance || got.NotifyPostmortems || got.TokenVersion != 1 ||
			got.Source != models.SourceWeb || got.ConfirmationSentAt == nil || !got.ConfirmationSentAt.Equal(subNow) {
			t.Errorf("subscriber = %+v", got)
		}
		if n := confirmations(t, db, s.ID); n != 1 {
			t.Fatalf("%d confirmations queued, want 1", n)
		}
		var n models.Notification
		db.Gorm.Take(&n, "subscriber_id = ?", s.ID)
		if n.Status != "pending" || n.ComponentIDs != "[]" || n.IncidentID != nil {
			t.Errorf("notification = %+v", n)
		}
		if p := got.PurgeAt(); p == nil || !p.Equal(subNow.Add(models.UnconfirmedLifetime)) {
			t.Errorf("purge at %v", p)
		}

		// Within the interval: the new choices, no second email.
		s2 := subscribe(t, db, "ann@example.com", models.EveryNotification(), subNow.Add(models.ConfirmationResendInterval-time.Second), models.SubscribeThrottled)
		if s2.ID != s.ID {
			t.Fatalf("second subscribe made another subscriber")
		}
		got = mustSubscriber(t, db, s.ID)
		if !got.AllComponents || len(got.ComponentIDs) != 0 || !got.NotifyMaintenance || confirmations(t, db, s.ID) != 1 {
			t.Errorf("after a throttled subscribe: %+v, %d confirmations", got, confirmations(t, db, s.ID))
		}
		// After it: another email.
		later := subNow.Add(models.ConfirmationResendInterval)
		subscribe(t, db, "ANN@example.com", models.EveryNotification(), later, models.SubscribeResent)
		if n := confirmations(t, db, s.ID); n != 2 {
			t.Errorf("%d confirmations queued, want 2", n)
		}
		if got = mustSubscriber(t, db, s.ID); !got.ConfirmationSentAt.Equal(later) || got.Email != "Ann@Example.com" {
			t.Errorf("after a resend: %+v", got)
		}
	})
}

// A confirmed subscriber is left exactly as they are by another
// subscribe; an unsubscribed one is pending again with links revoked.
func TestSubscribeConfirmedAndUnsubscribed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		api := addComponent(t, db, models.Component{Name: "API"})
		s := subscribe(t, db, "bob@example.com", models.SubscriberChoices{ComponentIDs: []string{api.ID}, Postmortems: true}, subNow, models.SubscribeCreated)
		if _, err := db.ConfirmSubscriber(ctx, s.ID, 1, subNow.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		err := subsUnchanged(t, db, func() error {
			_, _, err := db.Subscribe(ctx, "bob@example.com", models.EveryNotification(), models.SourceWeb, subNow.Add(time.Hour))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		subscribe(t, db, "bob@example.com", models.EveryNotification(), subNow.Add(time.Hour), models.SubscribeAlreadyConfirmed)

		if _, err := db.Unsubscribe(ctx, s.ID, 1, subNow.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		back := subscribe(t, db, "bob@example.com", models.EveryNotification(), subNow.Add(3*time.Hour), models.SubscribeResubscribed)
		got := mustSubscriber(t, db, back.ID)
		if got.ID != s.ID || got.Status != models.SubscriberPending || got.TokenVersion != 2 || got.ConfirmedAt != nil ||
			got.UnsubscribedAt != nil || !got.AllComponents || !got.NotifyIncidents {
			t.Errorf("resubscribed = %+v", got)
		}
		if n := confirmations(t, db, s.ID); n != 2 {
			t.Errorf("%d confirmations, want 2", n)
		}
		// The first confirmation link is revoked, the new one works.
		err = subsUnchanged(t, db, func() error {
			_, err := db.ConfirmSubscriber(ctx, s.ID, 1, subNow.Add(4*time.Hour))
			return err
		})
		wantNotFound(t, err)
		if got, err := db.ConfirmSubscriber(ctx, s.ID, 2, subNow.Add(4*time.Hour)); err != nil || got.Status != models.SubscriberConfirmed {
			t.Errorf("confirm with the new version: %+v, %v", got, err)
		}
	})
}

func TestSubscribeInvalid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		err := subsUnchanged(t, db, func() error {
			_, _, err := db.Subscribe(ctx, "not an address", models.SubscriberChoices{ComponentIDs: []string{"nosuchcomp"}}, models.SourceWeb, subNow)
			return err
		})
		for _, f := range []string{"email", "component_ids", "kinds"} {
			wantInvalid(t, err, f)
		}
		many := make([]string, models.MaxSubscriberComponents+1)
		for i := range many {
			many[i] = fmt.Sprintf("c%d", i)
		}
		err = subsUnchanged(t, db, func() error {
			_, _, err := db.Subscribe(ctx, "ann@example.com", models.SubscriberChoices{ComponentIDs: many, Incidents: true}, models.SourceWeb, subNow)
			return err
		})
		wantInvalid(t, err, "component_ids")
	})
}

// Two requests for one new address at once make one subscriber and one
// confirmation.
func TestSubscribeConcurrently(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		var wg sync.WaitGroup
		errs := make(chan error, 6)
		for i := 0; i < 6; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := db.Subscribe(ctx, "race@example.com", models.EveryNotification(), models.SourceWeb, subNow)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		s, err := db.FindSubscriber(ctx, "race@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if n := confirmations(t, db, s.ID); n != 1 {
			t.Errorf("%d confirmations, want 1", n)
		}
	})
}

func TestConfirmUpdateUnsubscribe(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		g := addComponent(t, db, models.Component{Name: "Europe", IsGroup: true})
		api := addComponent(t, db, models.Component{Name: "API", GroupID: &g.ID})
		s := subscribe(t, db, "cy@example.com", models.EveryNotification(), subNow, models.SubscribeCreated)

		for _, version := range []int{2, 0} { // a revoked link; no subscriber at all
			id := s.ID
			if version == 0 {
				id, version = "nosuchsub", 1
			}
			err := subsUnchanged(t, db, func() error {
				_, err := db.ConfirmSubscriber(ctx, id, version, subNow)
				return err
			})
			wantNotFound(t, err)
		}
		c, err := db.ConfirmSubscriber(ctx, s.ID, 1, subNow.Add(time.Minute))
		if err != nil || c.Status != models.SubscriberConfirmed || !c.ConfirmedAt.Equal(subNow.Add(time.Minute)) {
			t.Fatalf("confirm: %+v, %v", c, err)
		}
		if c, err := db.ConfirmSubscriber(ctx, s.ID, 1, subNow.Add(time.Hour)); err != nil || !c.ConfirmedAt.Equal(subNow.Add(time.Minute)) {
			t.Errorf("second confirm: %+v, %v", c, err)
		}

		// Choices: a group and a member, the group standing for all its members.
		u, err := db.UpdateSubscriberChoices(ctx, s.ID, 1, models.SubscriberChoices{ComponentIDs: []string{g.ID, api.ID, g.ID}, Maintenance: true}, subNow.Add(2*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		got := mustSubscriber(t, db, s.ID)
		if got.AllComponents || strings.Join(got.ComponentIDs, ",") != strings.Join(sorted(g.ID, api.ID), ",") ||
			got.NotifyIncidents || !got.NotifyMaintenance || got.NotifyPostmortems || u.Status != models.SubscriberConfirmed {
			t.Errorf("after update: %+v", got)
		}
		for _, bad := range []models.SubscriberChoices{{Incidents: true, ComponentIDs: []string{"gone"}}, {}} {
			err := subsUnchanged(t, db, func() error {
				_, err := db.UpdateSubscriberChoices(ctx, s.ID, 1, bad, subNow)
				return err
			})
			var v *models.ValidationError
			if !errors.As(err, &v) {
				t.Errorf("update with %+v: %v, want a validation error", bad, err)
			}
		}
		_, err = db.UpdateSubscriberChoices(ctx, s.ID, 7, models.EveryNotification(), subNow)
		wantNotFound(t, err)

		// A delivery not yet sent is skipped when they unsubscribe.
		n := &models.Notification{Kind: models.NotifyIncidentOpened}
		if err := db.Enqueue(ctx, n, nil, nil); err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm.Exec("INSERT INTO deliveries (notification_id, subscriber_id, email, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)",
			n.ID, s.ID, "cy@example.com", subNow, subNow).Error; err != nil {
			t.Fatal(err)
		}
		un, err := db.Unsubscribe(ctx, s.ID, 1, subNow.Add(time.Hour))
		if err != nil || un.Status != models.SubscriberUnsubscribed || !un.UnsubscribedAt.Equal(subNow.Add(time.Hour)) {
			t.Fatalf("unsubscribe: %+v, %v", un, err)
		}
		var status string
		db.Gorm.Raw("SELECT status FROM deliveries WHERE subscriber_id = ?", s.ID).Scan(&status)
		if status != "skipped" {
			t.Errorf("delivery is %s after unsubscribing, want skipped", status)
		}
		// Again (a mail client's retry): no error, nothing changes.
		err = subsUnchanged(t, db, func() error {
			_, err := db.Unsubscribe(ctx, s.ID, 1, subNow.Add(2*time.Hour))
			return err
		})
		if err != nil {
			t.Error(err)
		}
		// An old confirmation or manage link cannot bring them back.
		for name, fn := range map[string]func() error{
			"confirm": func() error { _, err := db.ConfirmSubscriber(ctx, s.ID, 1, subNow); return err },
			"update": func() error {
				_, err := db.UpdateSubscriberChoices(ctx, s.ID, 1, models.EveryNotification(), subNow)
				return err
			},
		} {
			var conflict *models.ErrConflict
			if err := subsUnchanged(t, db, fn); !errors.As(err, &conflict) {
				t.Errorf("%s after unsubscribing: %v, want a conflict", name, err)
			}
		}
	})
}

func sorted(ids ...string) []string {
	out := append([]string(nil), ids...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestExpireUnconfirmedSubscribers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		old := subscribe(t, db, "old@example.com", models.EveryNotification(), subNow.Add(-models.UnconfirmedLifetime-time.Minute), models.SubscribeCreated)
		fresh := subscribe(t, db, "fresh@example.com", models.EveryNotification(), subNow.Add(-models.UnconfirmedLifetime+time.Minute), models.SubscribeCreated)
		resent := subscribe(t, db, "resent@example.com", models.EveryNotification(), subNow.Add(-10*24*time.Hour), models.SubscribeCreated)
		subscribe(t, db, "resent@example.com", models.EveryNotification(), subNow.Add(-time.Hour), models.SubscribeResent)
		confirmed := subscribe(t, db, "confirmed@example.com", models.EveryNotification(), subNow.Add(-30*24*time.Hour), models.SubscribeCreated)
		if _, err := db.ConfirmSubscriber(ctx, confirmed.ID, 1, subNow.Add(-29*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		n, err := db.ExpireUnconfirmedSubscribers(ctx, subNow)
		if err != nil || n != 1 {
			t.Fatalf("expired %d, %v; want 1", n, err)
		}
		_, err = db.GetSubscriber(ctx, old.ID)
		wantNotFound(t, err)
		if c := confirmations(t, db, old.ID); c != 0 {
			t.Errorf("%d confirmations left of an expired subscriber", c)
		}
		for _, s := range []*models.Subscriber{fresh, resent, confirmed} {
			mustSubscriber(t, db, s.ID)
		}
		if n, _ := db.ExpireUnconfirmedSubscribers(ctx, subNow); n != 0 {
			t.Errorf("second run expired %d", n)
		}
	})
}

func TestAddSubscriber(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		add := func(email string, skip bool) (*models.Subscriber, error) {
			return db.AddSubscriber(ctx, models.NewSubscriber{Email: email, Choices: models.EveryNotification(),
				SkipConfirmation: skip, Source: models.SourceConsole}, subNow)
		}
		vouched, err := add("dee@example.com", true)
		if err != nil || vouched.Status != models.SubscriberConfirmed || vouched.ConfirmedAt == nil || vouched.Source != models.SourceConsole {
			t.Fatalf("add skipping confirmation: %+v, %v", vouched, err)
		}
		if n := confirmations(t, db, vouched.ID); n != 0 {
			t.Errorf("%d confirmations for a vouched subscriber", n)
		}
		asked, err := add("eve@example.com", false)
		if err != nil || asked.Status != models.SubscriberPending || confirmations(t, db, asked.ID) != 1 {
			t.Fatalf("add: %+v, %v", asked, err)
		}
		for _, email := range []string{"DEE@example.com", "eve@example.com"} {
			for _, skip := range []bool{true, false} {
				var conflict *models.ErrConflict
				if err := subsUnchanged(t, db, func() error { _, err := add(email, skip); return err }); !errors.As(err, &conflict) {
					t.Errorf("add %s again: %v, want a conflict", email, err)
				}
			}
		}
		if _, err := db.Unsubscribe(ctx, vouched.ID, 0, subNow); err != nil {
			t.Fatal(err)
		}
		var conflict *models.ErrConflict
		if err := subsUnchanged(t, db, func() error { _, err := add("dee@example.com", true); return err }); !errors.As(err, &conflict) ||
			!strings.Contains(err.Error(), "unsubscribed") {
			t.Errorf("add an unsubscribed address skipping confirmation: %v", err)
		}
		again, err := add("dee@example.com", false)
		if err != nil || again.ID != vouched.ID || again.Status != models.SubscriberPending || confirmations(t, db, vouched.ID) != 1 {
			t.Errorf("add an unsubscribed address with confirmation: %+v, %v", again, err)
		}
		err = subsUnchanged(t, db, func() error { _, err := add("bad\r\n@example.com", true); return err })
		wantInvalid(t, err, "email")
	})
}

func TestListAndDeleteSubscribers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		api := addComponent(t, db, models.Component{Name: "API"})
		var ids []string
		for i, email := range []string{"a_1@example.com", "ab1@example.com", "Carl@Example.org", "dora%@example.org", "eli@example.net"} {
			s := subscribe(t, db, email, models.SubscriberChoices{ComponentIDs: []string{api.ID}, Incidents: true}, subNow.Add(time.Duration(i)*time.Minute), models.SubscribeCreated)
			ids = append(ids, s.ID)
		}
		db.ConfirmSubscriber(ctx, ids[2], 1, subNow)
		db.Unsubscribe(ctx, ids[4], 1, subNow)

		emails := func(f models.SubscriberFilter) (string, int64) {
			t.Helper()
			list, total, err := db.ListSubscribers(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, s := range list {
				if len(s.ComponentIDs) != 1 {
					t.Errorf("%s listed without its components", s.Email)
				}
				out = append(out, s.Email)
			}
			return strings.Join(out, " "), total
		}
		for _, tc := range []struct {
			f     models.SubscriberFilter
			want  string
			total int64
		}{
			{models.SubscriberFilter{}, "eli@example.net dora%@example.org Carl@Example.org ab1@example.com a_1@example.com", 5},
			{models.SubscriberFilter{Query: "CARL"}, "Carl@Example.org", 1},
			{models.SubscriberFilter{Query: "a_"}, "a_1@example.com", 1}, // _ is no wildcard
			{models.SubscriberFilter{Query: "%"}, "dora%@example.org", 1},
			{models.SubscriberFilter{Query: ".org"}, "dora%@example.org Carl@Example.org", 2},
			{models.SubscriberFilter{Status: models.SubscriberPending}, "dora%@example.org ab1@example.com a_1@example.com", 3},
			{models.SubscriberFilter{Status: models.SubscriberUnsubscribed}, "eli@example.net", 1},
			{models.SubscriberFilter{Limit: 2, Offset: 2}, "Carl@Example.org ab1@example.com", 5},
			{models.SubscriberFilter{Query: "example.org", Status: models.SubscriberConfirmed}, "Carl@Example.org", 1},
		} {
			if got, total := emails(tc.f); got != tc.want || total != tc.total {
				t.Errorf("%+v: %q (%d), want %q (%d)", tc.f, got, total, tc.want, tc.total)
			}
		}
		_, _, err := db.ListSubscribers(ctx, models.SubscriberFilter{Status: "bounced"})
		wantInvalid(t, err, "status")

		counts, err := db.CountSubscribers(ctx)
		if err != nil || counts[models.SubscriberPending] != 3 || counts[models.SubscriberConfirmed] != 1 || counts[models.SubscriberUnsubscribed] != 1 {
			t.Errorf("counts = %v, %v", counts, err)
		}

		gone, err := db.DeleteSubscriber(ctx, ids[0])
		if err != nil || gone.Email != "a_1@example.com" {
			t.Fatalf("delete: %+v, %v", gone, err)
		}
		var left int64
		db.Gorm.Table("subscriber_components").Where("subscriber_id = ?", ids[0]).Count(&left)
		if left != 0 || confirmations(t, db, ids[0]) != 0 {
			t.Errorf("deleted subscriber left %d components, %d notifications", left, confirmations(t, db, ids[0]))
		}
		_, err = db.DeleteSubscriber(ctx, ids[0])
		wantNotFound(t, err)
		_, err = db.GetSubscriber(ctx, ids[0])
		wantNotFound(t, err)
	})
}
