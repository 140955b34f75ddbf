package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// deliveryOutcomes dispatches the notifications and gives the deliveries
// these outcomes, in address order: sent, failed (with the reason),
// retrying; the rest stay pending.
func deliveryOutcomes(t *testing.T, db *models.DB, sent, failed, retrying int, reason string) {
	t.Helper()
	for {
		step, err := db.DispatchNext(ctx, 1000, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if step.NotificationID == 0 {
			break
		}
	}
	claimed, err := db.ClaimDeliveries(ctx, "test", time.Now(), time.Minute, 1000)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(claimed, func(a, b models.ClaimedDelivery) int { return strings.Compare(a.Email, b.Email) })
	var rest []int64
	for i, d := range claimed {
		switch {
		case i < sent:
			err = db.MarkSent(ctx, d.ID, "test", fmt.Sprintf("<m%d@test>", i), time.Now())
		case i < sent+failed:
			err = db.FailDelivery(ctx, d.ID, "test", reason)
		case i < sent+failed+retrying:
			err = db.RetryDelivery(ctx, d.ID, "test", "421 busy", time.Now().Add(time.Hour))
		default:
			rest = append(rest, d.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := db.ReleaseDeliveries(ctx, "test", rest); err != nil {
		t.Fatal(err)
	}
}

// Editors see each notification's deliveries by status, why some failed,
// and can send the failed ones again.
func TestConsoleNotifications(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		body := wantAdminPage(t, ed.Get("/admin/notifications"), http.StatusOK)
		contains(t, body, "No notification yet.", `href="/admin/notifications" aria-current="page"`)

		addSubscribers(t, db, 10)
		openIncident(t, db, models.NewIncident{Name: "API <errors>", Notify: true})
		deliveryOutcomes(t, db, 4, 3, 1, `550 5.1.1 <user> unknown`)
		n := outbox(t, db)[0]
		page := fmt.Sprintf("/admin/notifications/%d", n.ID)

		body = wantAdminPage(t, ed.Get("/admin/notifications"), http.StatusOK)
		inOrder(t, body, `<a href="`+page+`">Incident opened: API &lt;errors&gt;</a>`,
			"<td>3", "1 retrying", "<td>4</td>", `<span class="tag tag-warn">3</span>`, "<td>0</td>")

		body = wantAdminPage(t, ed.Get(page), http.StatusOK)
		contains(t, body, "<h1>Incident opened: API &lt;errors&gt;</h1>",
			"10: 3 pending, 4 sent, 3 failed, 0 skipped",
			"<code>421 busy</code>", "<code>550 5.1.1 &lt;user&gt; unknown</code></td><td>3</td>",
			"<th scope=\"row\">user004@example.test</th><td>1</td>", "Retry failed")

		rec := ed.PostFormRaw(page+"/retry", url.Values{})
		if rec.Code != http.StatusForbidden {
			t.Errorf("retry without CSRF token: %d, want 403", rec.Code)
		}
		wantRedirect(t, ed.PostForm(page+"/retry", nil), page)
		body = wantAdminPage(t, ed.Get(page), http.StatusOK)
		contains(t, body, "3 failed deliveries will be sent again.", "10: 6 pending, 4 sent, 0 failed, 0 skipped")
		lacks(t, body, "Retry failed")
		var attempts []int
		db.Gorm.Model(&models.Delivery{}).Where("email IN ?", []string{"user004@example.test", "user005@example.test", "user006@example.test"}).
			Pluck("attempts", &attempts)
		if !slices.Equal(attempts, []int{0, 0, 0}) {
			t.Errorf("retried deliveries have attempts %v", attempts)
		}
		if got := auditActions(t, db); !slices.Contains(got, "notification.retry") {
			t.Errorf("audit log = %v", got)
		}
		wantRedirect(t, ed.PostForm(page+"/retry", nil), page)
		contains(t, wantAdminPage(t, ed.Get(page), http.StatusOK), "No failed delivery to retry.")

		for _, p := range []string{"/admin/notifications/999999", "/admin/notifications/abc", "/admin/notifications/-1"} {
			wantAdminPage(t, ed.Get(p), http.StatusNotFound)
			if rec := ed.PostForm(p+"/retry", nil); rec.Code != http.StatusNotFound {
				t.Errorf("POST %s/retry: %d, want 404", p, rec.Code)
			}
		}
		anon := newConsoleClient(t, h)
		if rec := anon.Get(page); rec.Code != http.StatusSeeOther {
			t.Errorf("anonymous GET %s: %d, want 303 to sign in", page, rec.Code)
		}
	})
}

// A confirmation has a subject in the console, like every notification;
// an incident's timeline counts "1 event", not "1 events".
func TestConsoleWordsConfirmationAndEventCount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		if rec := httpPostForm(h, "/subscribe", url.Values{"email": {"ann@example.com"}}); rec.Code != http.StatusOK {
			t.Fatalf("subscribe = %d", rec.Code)
		}
		body := wantAdminPage(t, ed.Get("/admin/notifications"), http.StatusOK)
		contains(t, body, "Confirmation: Confirm your subscription</a>")

		in := openIncident(t, db, models.NewIncident{Name: "Quiet"})
		body = wantAdminPage(t, ed.Get("/admin/incidents/"+in.ID), http.StatusOK)
		contains(t, body, "· newest first · 1 event</span>")
	})
}
