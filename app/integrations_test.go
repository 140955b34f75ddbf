package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// integrationEnv is a test App with an admin API client and a component.
type integrationEnv struct {
	db   *models.DB
	h    http.Handler
	c    *apiClient
	comp jsonComponent
}

func newIntegrationEnv(t *testing.T, db *models.DB) *integrationEnv {
	t.Helper()
	ctx := context.Background()
	a := newTestApp(t, db, nil)
	secret, _, err := db.CreateAPIToken(ctx, "admin", models.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	pageID, err := db.GetSetting(ctx, models.SettingPageID)
	if err != nil {
		t.Fatal(err)
	}
	c := &apiClient{t: t, h: a.Handler(), auth: "OAuth " + secret, pageID: pageID}
	e := &integrationEnv{db: db, h: a.Handler(), c: c}
	c.want(c.do("POST", "/components", map[string]any{"component": map[string]any{"name": "Checkout API"}}, &e.comp), 201)
	return e
}

// integrationCounts counts the rows a refused webhook must not change.
func integrationCounts(t *testing.T, db *models.DB) string {
	t.Helper()
	out := tableCounts(t, db)
	for _, table := range []string{"integration_alerts", "integration_receipts", "integration_channels"} {
		var n int64
		if err := db.Gorm.Table(table).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		out += fmt.Sprintf(" %s=%d", table, n)
	}
	return out
}

func alertBody(status, fingerprint string, labels map[string]string, startsAt time.Time) string {
	var ls []string
	for k, v := range labels {
		ls = append(ls, fmt.Sprintf("%q:%q", k, v))
	}
	ends := "0001-01-01T00:00:00Z"
	if status == "resolved" {
		ends = startsAt.Add(5 * time.Minute).Format(time.RFC3339)
	}
	return fmt.Sprintf(`{"version":"4","groupKey":"{}:{alertname=\"X\"}","status":%q,"receiver":"beacon","groupLabels":{},"commonLabels":{},`+
		`"commonAnnotations":{},"externalURL":"http://am:9093","alerts":[{"status":%q,"labels":{%s},"annotations":{"summary":"Too many 5xx"},`+
		`"startsAt":%q,"endsAt":%q,"generatorURL":"http://prom/graph","fingerprint":%q}]}`,
		status, status, strings.Join(ls, ","), startsAt.Format(time.RFC3339), ends, fingerprint)
}

func postAlert(h http.Handler, path, body string) *responseRec {
	rec := inboundHook{path: path, contentType: "application/json", body: body}.send(h)
	return &responseRec{rec.Code, rec.Body.String()}
}

type responseRec struct {
	Code int
	Body string
}

// The management API: a secret the operator gives is never shown again; a
// generated one once; secrets are sealed in the database; bad input is a
// 422 naming the field with nothing written; everything is audited; only
// admins may manage integrations; a deleted integration's URL is a 404.
func TestIntegrationsManagementAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		e := newIntegrationEnv(t, db)
		c := e.c
		pd := createIntegration(t, c, map[string]any{"kind": "pagerduty", "name": "PagerDuty", "signing_secret": "pd-very-secret-value", "component": "Checkout API"})
		gh := createIntegration(t, c, map[string]any{"kind": "github", "name": "GitHub"})
		if pd.Secret != "" || gh.Secret == "" {
			t.Fatalf("create answers: %+v %+v", pd, gh)
		}
		for _, path := range []string{"/integrations", "/integrations/" + pd.ID, "/integrations/" + gh.ID} {
			rec := c.do("GET", path, nil, nil)
			c.want(rec, 200)
			lacks(t, rec.Body.String(), "pd-very-secret-value", gh.Secret, `"secret"`, "signing_secret")
		}
		// Sealed: the table holds neither secret in clear.
		var sealed []string
		if err := db.Gorm.Table("integrations").Pluck("secret_sealed", &sealed).Error; err != nil {
			t.Fatal(err)
		}
		for _, s := range sealed {
			if strings.Contains(s, "pd-very-secret-value") || strings.Contains(s, gh.Secret) || !strings.HasPrefix(s, "v1:") {
				t.Errorf("a secret is stored in clear: %q", s)
			}
		}

		// Bad input: 422 naming the field, nothing written.
		for name, body := range map[string]string{
			"kind":           `{"integration":{"kind":"nagios","name":"N"}}`,
			"signing_secret": `{"integration":{"kind":"slack","name":"S"}}`,
			"name":           `{"integration":{"kind":"alertmanager","name":" "}}`,
		} {
			c.badRequest(t, db, "create without "+name, "POST", "/integrations", body, 422, name)
		}
		c.badRequest(t, db, "github with a secret", "POST", "/integrations", `{"integration":{"kind":"github","name":"G","signing_secret":"x"}}`, 422, "signing_secret")
		c.badRequest(t, db, "severity to operational", "POST", "/integrations", `{"integration":{"kind":"alertmanager","name":"A","severity_status":{"critical":"operational"}}}`, 422, "severity_status")
		c.badRequest(t, db, "window too long", "POST", "/integrations", `{"integration":{"kind":"alertmanager","name":"A","attach_window_minutes":99999}}`, 422, "attach_window_minutes")
		c.badRequest(t, db, "kind not text", "POST", "/integrations", `{"integration":{"kind":5}}`, 400, "kind")
		c.badRequest(t, db, "change the kind", "PATCH", "/integrations/"+pd.ID, `{"integration":{"kind":"slack"}}`, 422, "kind")

		// PATCH: a new name and secret; the old secret stops working.
		var patched jsonIntegration
		c.want(c.do("PATCH", "/integrations/"+pd.ID, map[string]any{"integration": map[string]any{"name": "PD prod", "signing_secret": "rotated"}}, &patched), 200)
		if patched.Name != "PD prod" || patched.URL != pd.URL || strings.Contains(fmt.Sprint(patched), "rotated") {
			t.Errorf("patched = %+v", patched)
		}
		body := `{"event":{"id":"E1","event_type":"pagey.ping","occurred_at":"2026-01-02T15:04:05Z"}}`
		if rec := pagerDutyRequest(pathOf(pd), "pd-very-secret-value", body).send(e.h); rec.Code != 401 {
			t.Errorf("the old secret after rotation: %d", rec.Code)
		}
		if rec := pagerDutyRequest(pathOf(pd), "rotated", body).send(e.h); rec.Code != 200 {
			t.Errorf("the new secret: %d %s", rec.Code, rec.Body)
		}

		// Editors may not manage integrations.
		ed := newAPIClient(t, db, models.RoleEditor)
		ed.want(ed.do("GET", "/integrations", nil, nil), 403)
		ed.want(ed.do("POST", "/integrations", `{"integration":{"kind":"alertmanager","name":"A"}}`, nil), 403)

		// DELETE: the URL answers 404, and nothing is written.
		c.want(c.do("DELETE", "/integrations/"+pd.ID, nil, nil), 204)
		c.want(c.do("GET", "/integrations/"+pd.ID, nil, nil), 404)
		before := integrationCounts(t, db)
		if rec := pagerDutyRequest(pathOf(pd), "rotated", body).send(e.h); rec.Code != 404 || !strings.Contains(rec.Body.String(), "no integration") {
			t.Errorf("a deleted integration's URL: %d %s", rec.Code, rec.Body)
		}
		if after := integrationCounts(t, db); after != before {
			t.Errorf("rows changed: %s → %s", before, after)
		}

		// Audited.
		entries, err := db.ListAudit(ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, a := range entries {
			seen[a.Action] = true
			if strings.Contains(a.Detail, "rotated") || strings.Contains(a.Detail, "pd-very-secret-value") {
				t.Errorf("the audit log holds a secret: %+v", a)
			}
		}
		for _, want := range []string{"integration.create", "integration.update", "integration.delete"} {
			if !seen[want] {
				t.Errorf("no %s in the audit log", want)
			}
		}
	})
}

// Refused webhooks: an unknown URL (404), a missing or wrong signature or a
// stale Slack timestamp (401), a malformed body (400 naming what is wrong):
// nothing written but the delivery log line saying why.
func TestIntegrationWebhookFaults(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		e := newIntegrationEnv(t, db)
		am := createIntegration(t, e.c, map[string]any{"kind": "alertmanager", "name": "AM", "signing_secret": "am-bearer"})
		slack := createIntegration(t, e.c, map[string]any{"kind": "slack", "name": "Slack", "signing_secret": "slack-secret"})
		pd := createIntegration(t, e.c, map[string]any{"kind": "pagerduty", "name": "PD", "signing_secret": "pd-secret"})
		gh := createIntegration(t, e.c, map[string]any{"kind": "github", "name": "GH"})
		good := alertBody("firing", "f1", map[string]string{"alertname": "X", "component": "Checkout API"}, time.Now().Add(-time.Minute))
		pdBody := `{"event":{"id":"E1","event_type":"incident.triggered","occurred_at":"2026-01-02T15:04:05Z","data":{"service":{"summary":"Checkout API"}}}}`
		ghBody := `{"action":"closed","issue":{"html_url":"https://github.com/a/b/issues/1","number":1}}`
		slackForm := "command=%2Fbeacon&text=help&user_id=U1&channel_id=C1"
		withBearer := func(w inboundHook, token string) inboundHook {
			w.header = http.Header{"Authorization": {"Bearer " + token}}
			return w
		}
		amHook := func(body string) inboundHook {
			return withBearer(inboundHook{path: pathOf(am), contentType: "application/json", body: body}, "am-bearer")
		}
		cases := []struct {
			name string
			hook inboundHook
			code int
			want string // in the error
		}{
			{"unknown URL", inboundHook{path: "/integrations/" + strings.Repeat("0", 48), contentType: "application/json", body: good}, 404, "no integration"},
			{"alertmanager without credentials", inboundHook{path: pathOf(am), contentType: "application/json", body: good}, 401, "Authorization"},
			{"alertmanager wrong credentials", withBearer(inboundHook{path: pathOf(am), contentType: "application/json", body: good}, "nope"), 401, "Authorization"},
			{"alertmanager not JSON", amHook("{"), 400, "not valid JSON"},
			{"alertmanager empty", amHook(""), 400, "empty"},
			{"alertmanager version", amHook(`{"version":"3","alerts":[]}`), 400, "version"},
			{"alertmanager no alerts", amHook(`{"version":"4"}`), 400, "alerts"},
			{"alertmanager bad status", amHook(strings.Replace(good, `"status":"firing","labels"`, `"status":"burning","labels"`, 1)), 400, "alerts[0].status"},
			{"alertmanager bad time", amHook(strings.Replace(good, `"startsAt":"`, `"startsAt":"yesterday`, 1)), 400, "RFC 3339"},
			{"alertmanager alerts not a list", amHook(`{"version":"4","alerts":{}}`), 400, "alerts"},
			{"slack unsigned", inboundHook{path: pathOf(slack), contentType: "application/x-www-form-urlencoded", body: slackForm}, 401, "missing"},
			{"slack wrong secret", slackRequest(pathOf(slack), "other", "application/x-www-form-urlencoded", slackForm, time.Now()), 401, "does not match"},
			{"slack stale", slackRequest(pathOf(slack), "slack-secret", "application/x-www-form-urlencoded", slackForm, time.Now().Add(-6*time.Minute)), 401, "5 minutes"},
			{"slack no command", slackRequest(pathOf(slack), "slack-secret", "application/x-www-form-urlencoded", "text=hi", time.Now()), 400, "command"},
			{"slack bad event", slackRequest(pathOf(slack), "slack-secret", "application/json", `{"type":"event_callback"}`, time.Now()), 400, "event"},
			{"pagerduty unsigned", inboundHook{path: pathOf(pd), contentType: "application/json", body: pdBody}, 401, "missing"},
			{"pagerduty wrong", pagerDutyRequest(pathOf(pd), "other", pdBody), 401, "does not match"},
			{"pagerduty no event", pagerDutyRequest(pathOf(pd), "pd-secret", `{}`), 400, "event"},
			{"pagerduty no time", pagerDutyRequest(pathOf(pd), "pd-secret", `{"event":{"id":"E","event_type":"incident.triggered"}}`), 400, "occurred_at"},
			{"github unsigned", inboundHook{path: pathOf(gh), contentType: "application/json", body: ghBody, header: http.Header{"X-Github-Event": {"issues"}}}, 401, "missing"},
			{"github wrong", gitHubRequest(pathOf(gh), "other", "issues", "d1", ghBody), 401, "does not match"},
			{"github no issue", gitHubRequest(pathOf(gh), gh.Secret, "issues", "d2", `{"action":"closed"}`), 400, "issue"},
			{"github no event header", gitHubRequest(pathOf(gh), gh.Secret, "", "d3", ghBody), 400, "X-GitHub-Event"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := integrationCounts(t, db)
				rec := tc.hook.send(e.h)
				var body apiErr
				if rec.Code != tc.code {
					t.Fatalf("%d %s, want %d", rec.Code, rec.Body, tc.code)
				}
				decodeJSON(t, rec.Body.Bytes(), &body)
				if !strings.Contains(body.Error, tc.want) {
					t.Errorf("error %q does not say %q", body.Error, tc.want)
				}
				for _, leak := range leaks {
					if strings.Contains(body.Error, leak) {
						t.Errorf("error leaks %q: %s", leak, body.Error)
					}
				}
				if after := integrationCounts(t, db); after != before {
					t.Errorf("rows changed: %s → %s", before, after)
				}
			})
		}
		// The rejections are in each integration's delivery log, with why.
		list, err := db.ListIntegrationDeliveries(ctx, slack.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 5 || list[0].Accepted || list[0].StatusCode != 400 || !strings.Contains(list[2].Reason, "5 minutes") {
			t.Errorf("slack deliveries = %+v", list)
		}
	})
}

func decodeJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// Alertmanager's webhook straight to Beacon: a firing alert goes on the
// unresolved incident's timeline at its start; a re-send is not recorded
// again; the resolution is recorded as the recovery; the severity mapping
// sets the component's status and back; an alert without the label or
// naming no component is skipped; opted in, an alert opens an incident.
func TestAlertmanagerWebhook(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		e := newIntegrationEnv(t, db)
		am := createIntegration(t, e.c, map[string]any{"kind": "alertmanager", "name": "Prometheus", "component_label": "service",
			"severity_status": map[string]string{"critical": "major_outage"}})
		var in jsonIncident
		e.c.want(e.c.do("POST", "/incidents", map[string]any{"incident": map[string]any{
			"name": "Checkout slow", "status": "investigating", "component_ids": []string{e.comp.ID}}}, &in), 201)

		start := time.Now().UTC().Add(-3 * time.Minute).Truncate(time.Second)
		labels := map[string]string{"alertname": "CheckoutLatency", "service": e.comp.ID, "severity": "critical"}
		firing := alertBody("firing", "fp1", labels, start)
		for i := range 3 { // Alertmanager repeats every repeat_interval
			if rec := postAlert(e.h, pathOf(am), firing); rec.Code != 200 {
				t.Fatalf("send #%d: %d %s", i+1, rec.Code, rec.Body)
			}
		}
		events := eventsOf(t, e.c, in.ID)
		var alerts []jsonTimelineEvent
		for _, ev := range events {
			if ev.Source == "Alertmanager" {
				alerts = append(alerts, ev)
			}
		}
		if len(alerts) != 1 || alerts[0].Signal != "alert" || !strings.Contains(alerts[0].Body, "Too many 5xx") {
			t.Fatalf("alerts on the timeline = %+v", alerts)
		}
		if at, _ := time.Parse(time.RFC3339, alerts[0].OccurredAt); !at.Equal(start) {
			t.Errorf("occurred_at %s, want the alert's start %s", alerts[0].OccurredAt, start)
		}
		comp, err := db.GetComponent(ctx, e.comp.ID)
		if err != nil || comp.Status != models.MajorOutage {
			t.Errorf("component status = %v %v, want major_outage from the severity", comp, err)
		}

		// Resolved: the recovery, and the component back to operational.
		if rec := postAlert(e.h, pathOf(am), alertBody("resolved", "fp1", labels, start)); rec.Code != 200 {
			t.Fatalf("resolved: %d %s", rec.Code, rec.Body)
		}
		rec := findEvent(eventsOf(t, e.c, in.ID), "CheckoutLatency** resolved")
		if rec == nil || rec.Signal != "recovery" {
			t.Errorf("no recovery on the timeline: %+v", eventsOf(t, e.c, in.ID))
		}
		if comp, _ := db.GetComponent(ctx, e.comp.ID); comp.Status != models.Operational {
			t.Errorf("component status after the recovery = %s", comp.Status)
		}

		// Skipped: no label; a label naming no component.
		resp := postAlert(e.h, pathOf(am), alertBody("firing", "fp2", map[string]string{"alertname": "Other"}, start))
		if resp.Code != 200 || !strings.Contains(resp.Body, `has no label \"service\"`) {
			t.Errorf("alert without the label: %d %s", resp.Code, resp.Body)
		}
		resp = postAlert(e.h, pathOf(am), alertBody("firing", "fp3", map[string]string{"alertname": "Other", "service": "Billing"}, start))
		if resp.Code != 200 || !strings.Contains(resp.Body, `no component \"Billing\"`) {
			t.Errorf("alert naming no component: %d %s", resp.Code, resp.Body)
		}

		// Opted in: a firing alert with no incident opens one, a draft by
		// default (see TestAlertmanagerOpensDraft), unnotified, started at
		// the alert's start, with the alert on its timeline.
		var billing jsonComponent
		e.c.want(e.c.do("POST", "/components", map[string]any{"component": map[string]any{"name": "Billing"}}, &billing), 201)
		opener := createIntegration(t, e.c, map[string]any{"kind": "alertmanager", "name": "Grafana", "open_incident": true})
		grafana := strings.Replace(alertBody("firing", "", map[string]string{"alertname": "BillingDown", "component": "billing"}, start), `"version":"4"`, `"version":"1","title":"[FIRING:1] BillingDown"`, 1)
		if resp := postAlert(e.h, pathOf(opener), grafana); resp.Code != 200 {
			t.Fatalf("grafana: %d %s", resp.Code, resp.Body)
		}
		open, err := db.WithDrafts().ListUnresolved(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var opened *models.Incident
		for i := range open {
			if open[i].Name == "BillingDown on Billing" {
				opened = &open[i]
			}
		}
		if opened == nil || !opened.StartedAt.Equal(start) || !opened.Draft {
			t.Fatalf("no draft incident opened for the alert (or not at its start): %+v", open)
		}
		if ev := findEvent(eventsOf(t, e.c, opened.ID), "Alert **BillingDown** firing"); ev == nil || ev.Source != "Grafana" {
			t.Errorf("the alert is not on the opened incident: %+v", eventsOf(t, e.c, opened.ID))
		}
	})
}

// Slack: the Events API's URL check is answered; messages of a linked
// channel join the timeline at their time, once however often Slack
// retries, bots' messages do not; the shortcut adds one message; updates
// need a Slack user mapped to a Beacon editor.
func TestSlackApp(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		e := newIntegrationEnv(t, db)
		viewer, err := db.CreateUser(ctx, "ed@acme.test", "Ed Itor", models.RoleEditor, "correct horse battery staple")
		if err != nil {
			t.Fatal(err)
		}
		slack := createIntegration(t, e.c, map[string]any{"kind": "slack", "name": "Slack", "signing_secret": "s3cret",
			"user_emails": map[string]string{"UED": viewer.Email}})
		send := func(contentType, body string) *responseRec {
			rec := slackRequest(pathOf(slack), "s3cret", contentType, body, time.Now()).send(e.h)
			return &responseRec{rec.Code, rec.Body.String()}
		}
		if r := send("application/json", `{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`); r.Code != 200 ||
			!strings.Contains(r.Body, `"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"`) {
			t.Fatalf("url_verification: %d %s", r.Code, r.Body)
		}
		var in jsonIncident
		e.c.want(e.c.do("POST", "/incidents", map[string]any{"incident": map[string]any{
			"name": "Checkout slow", "status": "investigating", "component_ids": []string{e.comp.ID}}}, &in), 201)
		cmd := func(user, text string) *responseRec {
			return send("application/x-www-form-urlencoded", url.Values{"command": {"/beacon"}, "text": {text}, "user_id": {user},
				"user_name": {"someone"}, "channel_id": {"C1"}, "channel_name": {"inc-checkout"}}.Encode())
		}
		if r := cmd("UX", "note too early"); !strings.Contains(r.Body, "not linked") {
			t.Errorf("note before link: %s", r.Body)
		}
		if r := cmd("UX", "link <https://status.acme.test/incidents/"+in.ID+"|the incident>"); !strings.Contains(r.Body, "Checkout slow") {
			t.Fatalf("link: %s", r.Body)
		}
		msgAt := time.Unix(time.Now().Add(-time.Minute).Unix(), 0).UTC()
		msg := fmt.Sprintf(`{"type":"event_callback","event_id":"Ev1","event":{"type":"message","channel":"C1","user":"UED","text":"DB failover started","ts":"%d.000100"}}`, msgAt.Unix())
		for range 2 { // Slack retries
			if r := send("application/json", msg); r.Code != 200 {
				t.Fatalf("message: %d %s", r.Code, r.Body)
			}
		}
		send("application/json", `{"type":"event_callback","event_id":"Ev2","event":{"type":"message","channel":"C1","bot_id":"B1","text":"bot says"}}`)
		send("application/json", `{"type":"event_callback","event_id":"Ev3","event":{"type":"message","channel":"C9","user":"U1","text":"elsewhere"}}`)
		shortcut := url.Values{"payload": {`{"type":"message_action","callback_id":"add_to_timeline","channel":{"id":"C1","name":"inc-checkout"},"user":{"id":"UX","name":"grace"},"message":{"text":"Root cause: expired cert","user":"UX","ts":"1700000000.000200"}}`}}.Encode()
		if r := send("application/x-www-form-urlencoded", shortcut); r.Code != 200 || !strings.Contains(r.Body, "Added") {
			t.Errorf("shortcut: %d %s", r.Code, r.Body)
		}
		events := eventsOf(t, e.c, in.ID)
		n := 0
		for _, ev := range events {
			if ev.Body == "DB failover started" {
				n++
				if at, _ := time.Parse(time.RFC3339, ev.OccurredAt); !at.Equal(msgAt) || ev.Actor != "Ed Itor" || ev.Source != "Slack" {
					t.Errorf("message event = %+v", ev)
				}
			}
		}
		if n != 1 || findEvent(events, "bot says") != nil || findEvent(events, "elsewhere") != nil || findEvent(events, "expired cert") == nil {
			t.Errorf("timeline = %+v", events)
		}

		// Updates: an unmapped user is refused; the mapped editor posts.
		if r := cmd("UX", "update identified Found it"); !strings.Contains(r.Body, "Only Beacon editors") {
			t.Errorf("unmapped update: %s", r.Body)
		}
		if r := cmd("UED", "update identified Found the bad cert"); !strings.Contains(r.Body, "Update posted") {
			t.Fatalf("update: %s", r.Body)
		}
		if r := cmd("UED", "resolve Cert renewed"); !strings.Contains(r.Body, "Update posted") {
			t.Fatalf("resolve: %s", r.Body)
		}
		var got jsonIncident
		e.c.want(e.c.do("GET", "/incidents/"+in.ID, nil, &got), 200)
		if got.Status != "resolved" || len(got.IncidentUpdates) != 3 {
			t.Errorf("after the Slack updates: %+v", got)
		}
		if r := cmd("UED", "dance"); !strings.Contains(r.Body, "Unknown command") {
			t.Errorf("unknown command: %s", r.Body)
		}
	})
}

// GitHub: a reopened issue reopens its action item; a ping is answered.
func TestGitHubReopensActionItem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		e := newIntegrationEnv(t, db)
		gh := createIntegration(t, e.c, map[string]any{"kind": "github", "name": "GitHub"})
		var in jsonIncident
		e.c.want(e.c.do("POST", "/incidents", map[string]any{"incident": map[string]any{
			"name": "Outage", "status": "investigating", "component_ids": []string{e.comp.ID}}}, &in), 201)
		e.c.want(e.c.do("PATCH", "/incidents/"+in.ID, map[string]any{"incident": map[string]any{"status": "resolved"}}, nil), 200)
		e.c.want(e.c.do("PUT", "/incidents/"+in.ID+"/postmortem", map[string]any{"postmortem": map[string]any{"summary": "S"}}, nil), 200)
		issue := "https://github.com/acme/api/issues/7"
		var item struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		}
		e.c.want(e.c.do("POST", "/incidents/"+in.ID+"/postmortem/action-items", map[string]any{"action_item": map[string]any{
			"title": "Rotate certs automatically", "url": issue + "/", "status": "done"}}, &item), 201)
		if r := gitHubRequest(pathOf(gh), gh.Secret, "ping", "p1", `{"zen":"Keep it logically awesome."}`).send(e.h); r.Code != 200 {
			t.Errorf("ping: %d", r.Code)
		}
		body := `{"action":"reopened","issue":{"html_url":"` + issue + `","number":7,"updated_at":"2026-01-02T15:04:05Z"},"sender":{"login":"hubot"}}`
		if r := gitHubRequest(pathOf(gh), gh.Secret, "issues", "r1", body).send(e.h); r.Code != 200 || !strings.Contains(r.Body.String(), `"changed":1`) {
			t.Fatalf("reopened: %d %s", r.Code, r.Body)
		}
		// The same delivery again changes nothing.
		if r := gitHubRequest(pathOf(gh), gh.Secret, "issues", "r1", body).send(e.h); r.Code != 200 || !strings.Contains(r.Body.String(), `"changed":0`) {
			t.Errorf("redelivery: %d %s", r.Code, r.Body)
		}
		var items []struct {
			Status string `json:"status"`
		}
		e.c.want(e.c.do("GET", "/incidents/"+in.ID+"/postmortem/action-items", nil, &items), 200)
		if len(items) != 1 || items[0].Status != "open" {
			t.Errorf("items = %+v", items)
		}
		if ev := findEvent(eventsOf(t, e.c, in.ID), "issue #7 was reopened by hubot"); ev == nil || ev.Signal != "tracker" {
			t.Errorf("no tracker event: %+v", eventsOf(t, e.c, in.ID))
		}
	})
}

// The database down: a webhook is answered 503 (Alertmanager and PagerDuty
// retry), and the retry once the database is back records it, once.
func TestIntegrationWebhookDatabaseDown(t *testing.T) {
	db, proxy := openBehindCutProxy(t)
	e := newIntegrationEnv(t, db)
	pd := createIntegration(t, e.c, map[string]any{"kind": "pagerduty", "name": "PD", "signing_secret": "pd-secret"})
	var in jsonIncident
	e.c.want(e.c.do("POST", "/incidents", map[string]any{"incident": map[string]any{
		"name": "Outage", "status": "investigating", "component_ids": []string{e.comp.ID}}}, &in), 201)
	body := `{"event":{"id":"E-down","event_type":"incident.triggered","occurred_at":"2026-01-02T15:04:05Z",` +
		`"data":{"number":9,"title":"API down","service":{"summary":"Checkout API"}}}}`

	proxy.cut()
	rec := pagerDutyRequest(pathOf(pd), "pd-secret", body).send(e.h)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("during the outage: %d %s, want 503 with Retry-After", rec.Code, rec.Body)
	}
	for _, leak := range leaks {
		if strings.Contains(rec.Body.String(), leak) {
			t.Errorf("the answer leaks %q: %s", leak, rec.Body)
		}
	}
	proxy.restore()
	waitUntil(t, "the retry recorded", func() bool {
		return pagerDutyRequest(pathOf(pd), "pd-secret", body).send(e.h).Code == 200
	})
	pagerDutyRequest(pathOf(pd), "pd-secret", body).send(e.h)
	n := 0
	for _, ev := range eventsOf(t, e.c, in.ID) {
		if strings.Contains(ev.Body, "PagerDuty incident #9") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the triggered event is on the timeline %d times, want once", n)
	}
}

// GitLab: closing an issue marks its action item done; the token must be
// the integration's secret.
func TestGitLabClosesActionItem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		e := newIntegrationEnv(t, db)
		gl := createIntegration(t, e.c, map[string]any{"kind": "gitlab", "name": "GitLab"})
		if gl.Secret == "" {
			t.Fatalf("no generated secret: %+v", gl)
		}
		var in jsonIncident
		e.c.want(e.c.do("POST", "/incidents", map[string]any{"incident": map[string]any{
			"name": "Outage", "status": "investigating", "component_ids": []string{e.comp.ID}}}, &in), 201)
		e.c.want(e.c.do("PATCH", "/incidents/"+in.ID, map[string]any{"incident": map[string]any{"status": "resolved"}}, nil), 200)
		e.c.want(e.c.do("PUT", "/incidents/"+in.ID+"/postmortem", map[string]any{"postmortem": map[string]any{"summary": "S"}}, nil), 200)
		issue := "https://gitlab.example.com/acme/api/-/issues/12"
		e.c.want(e.c.do("POST", "/incidents/"+in.ID+"/postmortem/action-items", map[string]any{"action_item": map[string]any{
			"title": "Page on disk full", "url": issue}}, nil), 201)
		body := `{"object_kind":"issue","event_type":"issue","user":{"name":"Root","username":"root"},"project":{"path_with_namespace":"acme/api"},` +
			`"object_attributes":{"iid":12,"title":"Page on disk full","url":"` + issue + `","action":"close","state":"closed","updated_at":"2026-01-02 15:04:05 UTC"}}`
		hook := func(token string) inboundHook {
			return inboundHook{path: pathOf(gl), contentType: "application/json", body: body, header: http.Header{
				"X-Gitlab-Token": {token}, "X-Gitlab-Event": {"Issue Hook"}, "X-Gitlab-Event-Uuid": {"u-1"}}}
		}
		before := integrationCounts(t, db)
		if r := hook("wrong").send(e.h); r.Code != 401 {
			t.Errorf("wrong token: %d", r.Code)
		}
		if after := integrationCounts(t, db); after != before {
			t.Errorf("rows changed: %s → %s", before, after)
		}
		if r := hook(gl.Secret).send(e.h); r.Code != 200 || !strings.Contains(r.Body.String(), `"changed":1`) {
			t.Fatalf("close: %d %s", r.Code, r.Body)
		}
		var items []struct {
			Status string `json:"status"`
		}
		e.c.want(e.c.do("GET", "/incidents/"+in.ID+"/postmortem/action-items", nil, &items), 200)
		if len(items) != 1 || items[0].Status != "done" {
			t.Errorf("items = %+v", items)
		}
		ev := findEvent(eventsOf(t, e.c, in.ID), "GitLab issue acme/api#12 was closed by root")
		if ev == nil || ev.Source != "GitLab" || !strings.HasPrefix(ev.OccurredAt, "2026-01-02T16:04:05") {
			t.Errorf("no GitLab event at its time: %+v", eventsOf(t, e.c, in.ID))
		}
	})
}
