package app_test

import (
	"context"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app/mirror"
	"github.com/beaconstatus/beacon/app/smtptest"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// publicSurfaces are the public answers a draft must never change: the
// status page, history, feeds, badges, the widget, the postmortems list
// and API v2.
func publicSurfaces(compID string) []string {
	return []string{"/", "/history", "/postmortems", "/history.rss", "/history.atom", "/history.json",
		"/components/" + compID + "/history.atom", "/badge.svg", "/components/" + compID + "/badge.svg", "/widget.js",
		"/api/v2/summary.json", "/api/v2/status.json", "/api/v2/components.json", "/api/v2/incidents.json",
		"/api/v2/incidents/unresolved.json", "/api/v2/components/" + compID + "/uptime.json"}
}

// renderedAt is the footer's time of rendering, not content.
var renderedAt = regexp.MustCompile(`<p( id="updated-at")?>Last updated <time[^<]*</time></p>`)

// readSurfaces GETs the paths and returns their answers.
func readSurfaces(t *testing.T, h http.Handler, paths []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range paths {
		rec := get(t, h, p)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", p, rec.Code, rec.Body)
		}
		out[p] = renderedAt.ReplaceAllString(rec.Body.String(), "")
	}
	return out
}

// firstDifference shows where two answers part.
func firstDifference(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(i-80, 0)
	return "before …" + a[from:min(i+80, len(a))] + "… after …" + b[from:min(i+80, len(b))] + "…"
}

// notificationCount counts the outbox rows.
func notificationCount(t *testing.T, db *models.DB) int64 {
	t.Helper()
	var n int64
	if err := db.Gorm.Model(&models.Notification{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// A draft incident is on no public surface (page, history, feeds, badges,
// widget, API v2, the snapshot's core set and an export; its own pages 404), changes no component's public status
// and notifies no one, even when its updates ask to; token holders see it
// with "draft": true. PATCH draft:false publishes it: it appears
// everywhere, its held component change applies, and subscribers hear of
// it. A public incident cannot become a draft again (422 naming draft,
// nothing written).
func TestDraftIncidentIsPrivateUntilPublished(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		srv := smtptest.Start(t, smtptest.Options{})
		a, _ := mailApp(t, db, srv, nil, fastRetries, nil)
		runNotifier(t, a)
		h := a.Handler()
		secret, _, err := db.CreateAPIToken(ctx, "admin", models.RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		pageID, err := db.GetSetting(ctx, models.SettingPageID)
		if err != nil {
			t.Fatal(err)
		}
		c := &apiClient{t: t, h: h, auth: "OAuth " + secret, pageID: pageID}
		var comp jsonComponent
		c.want(c.do("POST", "/components", map[string]any{"component": map[string]any{"name": "Checkout API"}}, &comp), 201)
		addSubscriber(t, db, subscriber{Email: "ops@customer.test"})
		before := readSurfaces(t, h, publicSurfaces(comp.ID))

		// A draft, with a component change and an update that asks to notify.
		var draft jsonIncident
		c.want(c.do("POST", "/incidents", map[string]any{"incident": map[string]any{
			"name": "Quiet checkout trouble", "status": "investigating", "body": "Words only operators read",
			"components": map[string]string{comp.ID: "major_outage"}, "draft": true}}, &draft), 201)
		if !draft.Draft {
			t.Fatalf("create answer lacks draft: true: %+v", draft)
		}
		c.want(c.do("PATCH", "/incidents/"+draft.ID, map[string]any{"incident": map[string]any{
			"status": "identified", "body": "Found the cause", "deliver_notifications": true}}, nil), 200)

		after := readSurfaces(t, h, publicSurfaces(comp.ID))
		for _, p := range publicSurfaces(comp.ID) {
			lacks(t, after[p], "Quiet checkout trouble", draft.ID, "Words only operators read")
			if after[p] != before[p] {
				t.Errorf("GET %s changed with a draft: %s", p, firstDifference(before[p], after[p]))
			}
		}
		for _, p := range []string{"/incidents/" + draft.ID, "/incidents/" + draft.ID + ".atom", "/incidents/" + draft.ID + ".json",
			"/incidents/" + draft.ID + "/postmortem"} {
			if rec := get(t, h, p); rec.Code != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404 for a draft", p, rec.Code)
			}
		}
		if got, _ := db.GetComponent(ctx, comp.ID); got.Status != models.Operational {
			t.Errorf("a draft changed the component's status to %s", got.Status)
		}
		if n := notificationCount(t, db); n != 0 {
			t.Errorf("a draft queued %d notifications", n)
		}
		// Nor in the snapshot's core set, nor in an export of the site.
		keys, err := a.CoreKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		lacks(t, strings.Join(keys, " "), draft.ID)
		dir := t.TempDir()
		if _, err := a.Export(ctx, mirror.DirTarget(dir)); err != nil {
			t.Fatal(err)
		}
		err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err == nil && (strings.Contains(string(b), draft.ID) || strings.Contains(string(b), "Quiet checkout trouble")) {
				t.Errorf("the export's %s shows the draft", path)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}

		// Token holders see it, marked.
		var list []jsonIncident
		c.want(c.do("GET", "/incidents", nil, &list), 200)
		if len(list) != 1 || list[0].ID != draft.ID || !list[0].Draft {
			t.Fatalf("management list = %+v", list)
		}
		var shown jsonIncident
		c.want(c.do("GET", "/incidents/"+draft.ID, nil, &shown), 200)
		if !shown.Draft || shown.Status != "identified" {
			t.Errorf("management show = %+v", shown)
		}

		// Bad input: nothing written.
		c.badRequest(t, db, "draft null", "PATCH", "/incidents/"+draft.ID, `{"incident":{"draft":null}}`, 422, "draft")
		c.badRequest(t, db, "draft a string", "PATCH", "/incidents/"+draft.ID, `{"incident":{"draft":"no"}}`, 400, "draft")
		c.badRequest(t, db, "draft maintenance", "POST", "/incidents", `{"incident":{"name":"M","scheduled_for":"2030-01-01T00:00:00Z","scheduled_until":"2030-01-01T01:00:00Z","draft":true}}`, 422, "draft")
		c.badRequest(t, db, "draft backfill", "POST", "/incidents", `{"incident":{"name":"B","backfilled":true,"backfill_date":"2026-01-02","draft":true}}`, 422, "draft")
		if notificationCount(t, db) != 0 {
			t.Fatal("bad requests queued notifications")
		}

		// Publish: public everywhere, the held change applied, subscribers told.
		var published jsonIncident
		c.want(c.do("PATCH", "/incidents/"+draft.ID, map[string]any{"incident": map[string]any{"draft": false}}, &published), 200)
		if published.Draft {
			t.Fatalf("still a draft: %+v", published)
		}
		if got, _ := db.GetComponent(ctx, comp.ID); got.Status != models.MajorOutage {
			t.Errorf("component status after publishing = %s, want the held major_outage", got.Status)
		}
		now := readSurfaces(t, h, []string{"/", "/history", "/history.atom", "/api/v2/incidents/unresolved.json", "/api/v2/summary.json"})
		for _, body := range now {
			contains(t, body, "Quiet checkout trouble")
		}
		if rec := get(t, h, "/incidents/"+draft.ID); rec.Code != http.StatusOK {
			t.Errorf("incident page after publishing: %d", rec.Code)
		}
		eventually(t, "the subscriber told", func() bool { return srv.Total() == 1 })
		eventually(t, "settled", func() bool { return settled(t, db) })
		m := parseMail(t, srv.Messages()[0])
		if subject := m.Header.Get("Subject"); !strings.Contains(subject, "Quiet checkout trouble") || !strings.Contains(m.Text, "Found the cause") {
			t.Errorf("notification = %q\n%s", subject, m.Text)
		}
		actions := strings.Join(auditActions(t, db), " ")
		if !strings.Contains(actions, "incident.publish") {
			t.Errorf("audit lacks incident.publish: %s", actions)
		}

		// draft:false again: already so, nothing written.
		counts := tableCounts(t, db)
		c.want(c.do("PATCH", "/incidents/"+draft.ID, map[string]any{"incident": map[string]any{"draft": false}}, nil), 200)
		if after := tableCounts(t, db); after != counts {
			t.Errorf("publishing twice wrote rows: %s → %s", counts, after)
		}

		// Public now: it cannot go back to being a draft.
		c.badRequest(t, db, "back to draft", "PATCH", "/incidents/"+draft.ID, `{"incident":{"draft":true}}`, 422, "draft")
		if srv.Total() != 1 {
			t.Errorf("%d messages, want 1", srv.Total())
		}
	})
}

// The console marks drafts on the dashboard, the incidents list and the
// incident's page, with Publish (notify checked by default) and Discard;
// publishing without notifying tells no one; discarding deletes the draft
// and refuses a public incident.
func TestConsoleDraftPublishAndDiscard(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		a := newTestApp(t, db, nil)
		h := a.Handler()
		editor := signIn(t, h, db, models.RoleEditor)
		comp := addComponent(t, db, models.Component{Name: "Checkout API", Status: models.Operational})
		addSubscriber(t, db, subscriber{Email: "ops@customer.test"})
		ops := db.WithDrafts()
		open := func(name string) *models.Incident {
			in, err := ops.OpenIncident(ctx, models.NewIncident{Name: name, Body: "Held", Draft: true, Notify: true,
				Components: map[string]string{comp.ID: models.PartialOutage}, Actor: "Prometheus"})
			if err != nil {
				t.Fatal(err)
			}
			return in
		}
		first, second := open("Alert firing on checkout"), open("Another alert")

		dash := wantAdminPage(t, editor.Get("/admin"), 200)
		contains(t, dash, "Alert firing on checkout", "Draft")
		list := wantAdminPage(t, editor.Get("/admin/incidents?tab=all"), 200)
		contains(t, list, "Another alert", `tag-warn">Draft`)
		page := wantAdminPage(t, editor.Get("/admin/incidents/"+first.ID), 200)
		contains(t, page, "Draft:", "/admin/incidents/"+first.ID+"/publish", "/admin/incidents/"+first.ID+"/discard", `name="notify" value="1" checked`)
		lacks(t, page, `href="https://status.acme.test/incidents/`+first.ID)

		// Publish without notifying.
		wantRedirect(t, editor.PostForm("/admin/incidents/"+first.ID+"/publish", url.Values{}), "/admin/incidents/"+first.ID)
		if rec := get(t, h, "/incidents/"+first.ID); rec.Code != http.StatusOK {
			t.Errorf("published incident page: %d", rec.Code)
		}
		if got, _ := db.GetComponent(ctx, comp.ID); got.Status != models.PartialOutage {
			t.Errorf("component after publishing = %s", got.Status)
		}
		if n := notificationCount(t, db); n != 0 {
			t.Errorf("published without notify, yet %d notifications", n)
		}
		page = wantAdminPage(t, editor.Get("/admin/incidents/"+first.ID), 200)
		lacks(t, page, "/publish", "/discard")

		// Discard: gone; a public incident is not discarded.
		wantRedirect(t, editor.PostForm("/admin/incidents/"+second.ID+"/discard", url.Values{}), "/admin/incidents?tab=all")
		if _, err := ops.GetIncident(ctx, second.ID); err == nil {
			t.Error("the discarded draft is still there")
		}
		before := tableCounts(t, db)
		rec := editor.PostForm("/admin/incidents/"+first.ID+"/discard", url.Values{})
		if rec.Code != http.StatusUnprocessableEntity && rec.Code != http.StatusBadRequest {
			t.Errorf("discarding a public incident: %d", rec.Code)
		}
		lacks(t, rec.Body.String(), "models:", "sql")
		if after := tableCounts(t, db); after != before {
			t.Errorf("rows changed: %v → %v", before, after)
		}
		rec = editor.PostForm("/admin/incidents/"+first.ID+"/publish", url.Values{"notify": {"1"}})
		if rec.Code != http.StatusUnprocessableEntity && rec.Code != http.StatusBadRequest {
			t.Errorf("publishing a public incident: %d", rec.Code)
		}
		actions := strings.Join(auditActions(t, db), " ")
		for _, want := range []string{"incident.publish", "incident.discard"} {
			if !strings.Contains(actions, want) {
				t.Errorf("audit lacks %s: %s", want, actions)
			}
		}
	})
}

// An Alertmanager integration with open_incident opens a draft by
// default: the severity's status is held, nothing public changes, nobody
// is notified; the alert is on its timeline. open_incident_as "public"
// opens a public one; another value is a 422 naming the field.
func TestAlertmanagerOpensDraft(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		e := newIntegrationEnv(t, db)
		before := readSurfaces(t, e.h, []string{"/", "/api/v2/summary.json", "/history.atom"})
		am := createIntegration(t, e.c, map[string]any{"kind": "alertmanager", "name": "Prometheus", "open_incident": true,
			"severity_status": map[string]string{"critical": "major_outage"}})
		start := time.Now().UTC().Add(-2 * time.Minute).Truncate(time.Second)
		labels := map[string]string{"alertname": "CheckoutDown", "component": "Checkout API", "severity": "critical"}
		if rec := postAlert(e.h, pathOf(am), alertBody("firing", "fp1", labels, start)); rec.Code != 200 {
			t.Fatalf("alert: %d %s", rec.Code, rec.Body)
		}
		var list []jsonIncident
		e.c.want(e.c.do("GET", "/incidents", nil, &list), 200)
		if len(list) != 1 || !list[0].Draft || list[0].Name != "CheckoutDown on Checkout API" {
			t.Fatalf("incidents = %+v", list)
		}
		if ev := findEvent(eventsOf(t, e.c, list[0].ID), "Alert **CheckoutDown** firing"); ev == nil {
			t.Error("the alert is not on the draft's timeline")
		}
		if got, _ := db.GetComponent(ctx, e.comp.ID); got.Status != models.Operational {
			t.Errorf("the draft's alert set the component to %s", got.Status)
		}
		after := readSurfaces(t, e.h, []string{"/", "/api/v2/summary.json", "/history.atom"})
		for p := range after {
			if after[p] != before[p] {
				t.Errorf("GET %s changed with an alert's draft: %s", p, firstDifference(before[p], after[p]))
			}
		}
		if n := notificationCount(t, db); n != 0 {
			t.Errorf("%d notifications for a draft", n)
		}
		// The recovery lands on the draft and touches no status either.
		if rec := postAlert(e.h, pathOf(am), alertBody("resolved", "fp1", labels, start)); rec.Code != 200 {
			t.Fatalf("resolved: %d %s", rec.Code, rec.Body)
		}
		if got, _ := db.GetComponent(ctx, e.comp.ID); got.Status != models.Operational {
			t.Errorf("component = %s", got.Status)
		}
		// Published, the held severity status applies.
		e.c.want(e.c.do("PATCH", "/incidents/"+list[0].ID, map[string]any{"incident": map[string]any{"draft": false, "deliver_notifications": false}}, nil), 200)
		if got, _ := db.GetComponent(ctx, e.comp.ID); got.Status != models.MajorOutage {
			t.Errorf("component after publishing = %s, want major_outage", got.Status)
		}

		// Public, on request; a wrong value refused.
		e.c.badRequest(t, db, "open_incident_as", "PATCH", "/integrations/"+am.ID, `{"integration":{"open_incident_as":"secret"}}`, 422, "open_incident_as")
		var billing jsonComponent
		e.c.want(e.c.do("POST", "/components", map[string]any{"component": map[string]any{"name": "Billing"}}, &billing), 201)
		e.c.want(e.c.do("PATCH", "/integrations/"+am.ID, map[string]any{"integration": map[string]any{"open_incident_as": "public"}}, nil), 200)
		if rec := postAlert(e.h, pathOf(am), alertBody("firing", "fp2", map[string]string{"alertname": "BillingDown", "component": "Billing"}, start)); rec.Code != 200 {
			t.Fatalf("alert: %d %s", rec.Code, rec.Body)
		}
		contains(t, get(t, e.h, "/").Body.String(), "BillingDown on Billing")
	})
}
