package app_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

var integrationURLRE = regexp.MustCompile(`value="(https://status\.acme\.test/integrations/[0-9a-f]+)"`)

// Admins add integrations in the console: the URL is shown, GitHub's
// generated secret once, a sender's secret never; each integration's page
// lists its last deliveries, accepted or rejected and why; deleting one
// stops its URL. Alerts no incident covers are listed on the dashboard.
// Editors cannot open the integrations pages.
func TestConsoleIntegrations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		a := newTestApp(t, db, nil)
		h := a.Handler()
		admin := signIn(t, h, db, models.RoleAdmin)
		addComponent(t, db, models.Component{Name: "Checkout API", Status: models.Operational})

		page := wantAdminPage(t, admin.Get("/admin/integrations"), 200)
		contains(t, page, "No integrations yet.", `href="/admin/integrations"`)

		// Bad input: the form again, naming the field.
		rec := admin.PostForm("/admin/integrations", url.Values{"kind": {"slack"}, "name": {"Slack"}})
		if rec.Code != http.StatusUnprocessableEntity || fieldErrorOf(rec.Body.String(), "signing_secret") == "" {
			t.Fatalf("slack without a secret: %d\n%s", rec.Code, rec.Body)
		}

		rec = admin.PostForm("/admin/integrations", url.Values{"kind": {"slack"}, "name": {"Slack"}, "signing_secret": {"sl-secret-123"}})
		page = wantAdminPage(t, rec, http.StatusCreated)
		lacks(t, page, "sl-secret-123")
		rec = admin.PostForm("/admin/integrations", url.Values{"kind": {"github"}, "name": {"GitHub"}})
		page = wantAdminPage(t, rec, http.StatusCreated)
		contains(t, page, "shown only this once")
		list, err := db.ListIntegrations(ctx)
		if err != nil || len(list) != 2 {
			t.Fatalf("integrations = %v %v", list, err)
		}
		rec = admin.PostForm("/admin/integrations", url.Values{"kind": {"alertmanager"}, "name": {"Prometheus"}, "attach_window_minutes": {"30"}})
		page = wantAdminPage(t, rec, http.StatusCreated)
		m := integrationURLRE.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no URL shown:\n%s", page)
		}
		amPath := strings.TrimPrefix(m[1], "https://status.acme.test")

		// A delivery accepted (the alert waits unattached) and one refused.
		start := time.Now().UTC().Add(-time.Minute)
		if r := postAlert(h, amPath, alertBody("firing", "fp", map[string]string{"alertname": "CheckoutDown", "component": "Checkout API"}, start)); r.Code != 200 {
			t.Fatalf("alert: %d %s", r.Code, r.Body)
		}
		if r := postAlert(h, amPath, `{"version":"4"}`); r.Code != 400 {
			t.Fatalf("bad alert: %d %s", r.Code, r.Body)
		}
		list, _ = db.ListIntegrations(ctx)
		var am models.Integration
		for _, it := range list {
			if it.Kind == models.IntegrationAlertmanager {
				am = it
			}
		}
		page = wantAdminPage(t, admin.Get("/admin/integrations/"+am.ID), 200)
		contains(t, page, "Last deliveries", "1 alerts: 0 on a timeline, 1 unattached", "rejected", "field alerts is missing",
			"Unattached alerts wait 30m0s")

		dash := wantAdminPage(t, admin.Get("/admin"), 200)
		contains(t, dash, "Unattached alerts", "Checkout API", "CheckoutDown")

		// Editors may not manage integrations.
		editor := signIn(t, h, db, models.RoleEditor)
		if rec := editor.Get("/admin/integrations"); rec.Code != http.StatusForbidden {
			t.Errorf("editor: %d", rec.Code)
		}

		// Deleted: gone from the list, its URL a 404.
		wantRedirect(t, admin.PostForm("/admin/integrations/"+am.ID+"/delete", nil), "/admin/integrations")
		page = wantAdminPage(t, admin.Get("/admin/integrations"), 200)
		lacks(t, page, "\">Prometheus</a>")
		if r := postAlert(h, amPath, alertBody("firing", "fp2", map[string]string{"alertname": "X", "component": "Checkout API"}, start)); r.Code != 404 {
			t.Errorf("deleted integration's URL: %d", r.Code)
		}
		if actions := strings.Join(auditActions(t, db), " "); !strings.Contains(actions, "integration.create") || !strings.Contains(actions, "integration.delete") {
			t.Errorf("audit = %s", actions)
		}
	})
}
