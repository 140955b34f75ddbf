package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// jsonIntegration is an integration as the management API shows it.
type jsonIntegration struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	URL       string `json:"url"`
	HasSecret bool   `json:"has_secret"`
	Secret    string `json:"secret"`
}

// jsonTimelineEvent is a timeline event as the management API shows it.
type jsonTimelineEvent struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`
	Visibility string `json:"visibility"`
	Body       string `json:"body"`
	Source     string `json:"source"`
	Actor      string `json:"actor"`
	Signal     string `json:"signal"`
	OccurredAt string `json:"occurred_at"`
}

// createIntegration creates an integration through the API.
func createIntegration(t *testing.T, c *apiClient, fields map[string]any) jsonIntegration {
	t.Helper()
	var it jsonIntegration
	c.want(c.do("POST", "/integrations", map[string]any{"integration": fields}, &it), http.StatusCreated)
	if it.ID == "" || !strings.HasPrefix(it.URL, "https://status.acme.test/integrations/") {
		t.Fatalf("created integration = %+v", it)
	}
	return it
}

// pathOf is the path of an integration's URL.
func pathOf(it jsonIntegration) string {
	return strings.TrimPrefix(it.URL, "https://status.acme.test")
}

// eventsOf lists the incident's timeline events through the API.
func eventsOf(t *testing.T, c *apiClient, incidentID string) []jsonTimelineEvent {
	t.Helper()
	var list []jsonTimelineEvent
	c.want(c.do("GET", "/incidents/"+incidentID+"/events", nil, &list), http.StatusOK)
	return list
}

// findEvent is the first event whose body contains text, nil when none.
func findEvent(list []jsonTimelineEvent, text string) *jsonTimelineEvent {
	for i := range list {
		if strings.Contains(list[i].Body, text) {
			return &list[i]
		}
	}
	return nil
}

// The issue's "done when": an alert from a real Alertmanager, a Slack note
// and a PagerDuty acknowledgement land on one incident's timeline with
// their sources, authors and original times; the drafted postmortem
// carries all three with a measured time to detect; an action item whose
// GitHub issue is closed shows as done on the public postmortem.
func TestIntegrationsFeedTheTimelineAndThePostmortem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		a := newTestApp(t, db, nil)
		h := a.Handler()
		base := serveOnLoopback(t, a)
		secret, _, err := db.CreateAPIToken(ctx, "admin", models.RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		pageID, err := db.GetSetting(ctx, models.SettingPageID)
		if err != nil {
			t.Fatal(err)
		}
		c := &apiClient{t: t, h: h, auth: "OAuth " + secret, pageID: pageID}
		editor, err := db.CreateUser(ctx, "oncall@acme.test", "Ada Oncall", models.RoleEditor, "correct horse battery staple")
		if err != nil {
			t.Fatal(err)
		}

		var checkout jsonComponent
		c.want(c.do("POST", "/components", map[string]any{"component": map[string]any{"name": "Checkout API"}}, &checkout), 201)

		am := createIntegration(t, c, map[string]any{"kind": "alertmanager", "name": "Prometheus", "attach_window_minutes": 120})
		slack := createIntegration(t, c, map[string]any{"kind": "slack", "name": "Acme Slack",
			"signing_secret": "slack-signing-secret", "user_emails": map[string]string{"U0ADA": editor.Email}})
		pd := createIntegration(t, c, map[string]any{"kind": "pagerduty", "name": "PagerDuty", "signing_secret": "pd-webhook-secret"})
		gh := createIntegration(t, c, map[string]any{"kind": "github", "name": "GitHub"})
		if slack.Secret != "" || pd.Secret != "" || !slack.HasSecret || !pd.HasSecret {
			t.Fatalf("a secret the operator gave is shown again: %+v %+v", slack, pd)
		}
		if len(gh.Secret) < 32 {
			t.Fatalf("GitHub's generated secret is not shown once: %+v", gh)
		}

		// 1. The real Alertmanager fires an alert for Checkout API that
		// began 10 minutes ago, before anyone opened an incident: it is
		// kept unattached.
		t.Cleanup(func() {
			if !t.Failed() {
				return
			}
			for _, it := range []jsonIntegration{am, slack, pd, gh} {
				list, _ := db.ListIntegrationDeliveries(ctx, it.ID, 20)
				for _, d := range list {
					t.Logf("delivery to %s: %+v", it.Kind, d)
				}
			}
		})
		amServer := startAlertmanager(t, base+pathOf(am))
		startsAt := time.Now().UTC().Add(-10 * time.Minute).Truncate(time.Second)
		amServer.push(t, map[string]any{
			"labels":      map[string]string{"alertname": "CheckoutErrors", "component": "Checkout API", "severity": "critical"},
			"annotations": map[string]string{"summary": "5xx rate above 5%"},
			"startsAt":    startsAt.Format(time.RFC3339),
		})
		waitUntil(t, "the alert kept unattached", func() bool {
			list, err := db.ListUnattachedAlerts(ctx, time.Now(), 10)
			return err == nil && len(list) == 1 && list[0].ComponentName == "Checkout API"
		})

		// 2. An incident covering the component opens: the alert joins its
		// timeline with Alertmanager as its source and its original time.
		var in jsonIncident
		c.want(c.do("POST", "/incidents", map[string]any{"incident": map[string]any{
			"name": "Checkout failing", "status": "investigating", "body": "Looking into checkout errors.",
			"components": map[string]string{checkout.ID: "major_outage"},
		}}, &in), 201)
		alert := findEvent(eventsOf(t, c, in.ID), "CheckoutErrors")
		if alert == nil || alert.Source != "Alertmanager" || alert.Signal != "alert" || alert.Visibility != "internal" || alert.Actor != "Prometheus" {
			t.Fatalf("the alert is not on the timeline as an internal Alertmanager alert: %+v", eventsOf(t, c, in.ID))
		}
		if at, err := time.Parse(time.RFC3339, alert.OccurredAt); err != nil || !at.Equal(startsAt) {
			t.Errorf("alert occurred_at = %s, want its startsAt %s", alert.OccurredAt, startsAt.Format(time.RFC3339))
		}
		if list, _ := db.ListUnattachedAlerts(ctx, time.Now(), 10); len(list) != 0 {
			t.Errorf("the attached alert is still listed as unattached: %+v", list)
		}

		// The alert resolves at Alertmanager: the recovery is recorded, once
		// (Alertmanager may notify the group again).
		amServer.push(t, map[string]any{
			"labels":      map[string]string{"alertname": "CheckoutErrors", "component": "Checkout API", "severity": "critical"},
			"annotations": map[string]string{"summary": "5xx rate above 5%"},
			"startsAt":    startsAt.Format(time.RFC3339),
			"endsAt":      time.Now().UTC().Format(time.RFC3339),
		})
		waitUntil(t, "the recovery from Alertmanager on the timeline", func() bool {
			e := findEvent(eventsOf(t, c, in.ID), "CheckoutErrors** resolved")
			return e != nil && e.Signal == "recovery" && e.Source == "Alertmanager"
		})

		// 3. Slack: the channel is linked to the incident, then a note.
		slackPath := pathOf(slack)
		command := func(text string) string {
			return "token=x&team_id=T1&channel_id=C0OPS&channel_name=ops&user_id=U0ADA&user_name=ada" +
				"&command=%2Fbeacon&text=" + strings.ReplaceAll(text, " ", "+")
		}
		rec := slackRequest(slackPath, "slack-signing-secret", "application/x-www-form-urlencoded", command("link "+in.ID), time.Now()).send(h)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Checkout failing") {
			t.Fatalf("/beacon link: %d %s", rec.Code, rec.Body.String())
		}
		rec = slackRequest(slackPath, "slack-signing-secret", "application/x-www-form-urlencoded", command("note Rolled back deploy 4711"), time.Now()).send(h)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Noted") {
			t.Fatalf("/beacon note: %d %s", rec.Code, rec.Body.String())
		}
		note := findEvent(eventsOf(t, c, in.ID), "Rolled back deploy 4711")
		if note == nil || note.Source != "Slack #ops" || note.Actor != "Ada Oncall" || note.Kind != "note" {
			t.Fatalf("the Slack note is not on the timeline: %+v", eventsOf(t, c, in.ID))
		}

		// 4. PagerDuty: the incident is acknowledged (at its own time).
		ackAt := time.Now().UTC().Add(-2 * time.Minute).Truncate(time.Second)
		pdBody := fmt.Sprintf(`{"event":{"id":"01DEN2IQGZ8DEDMK1N7ZCRN1OJ","event_type":"incident.acknowledged","resource_type":"incident",`+
			`"occurred_at":%q,"agent":{"id":"PLH1HKV","summary":"Grace Pager","type":"user_reference"},`+
			`"data":{"id":"PGR0VU2","type":"incident","number":2,"status":"acknowledged","title":"Checkout 5xx",`+
			`"service":{"id":"PF9KMXH","summary":"Checkout API","type":"service_reference"}}}}`, ackAt.Format(time.RFC3339))
		rec = pagerDutyRequest(pathOf(pd), "pd-webhook-secret", pdBody).send(h)
		if rec.Code != 200 {
			t.Fatalf("PagerDuty webhook: %d %s", rec.Code, rec.Body.String())
		}
		// PagerDuty retries: the same event again is not recorded twice.
		pagerDutyRequest(pathOf(pd), "pd-webhook-secret", pdBody).send(h)
		events := eventsOf(t, c, in.ID)
		ack := findEvent(events, "acknowledged by Grace Pager")
		if ack == nil || ack.Source != "PagerDuty" || ack.Actor != "Grace Pager" || ack.Signal != "acknowledged" {
			t.Fatalf("the PagerDuty acknowledgement is not on the timeline: %+v", events)
		}
		n := 0
		for _, e := range events {
			if strings.Contains(e.Body, "acknowledged by Grace Pager") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("the acknowledgement is on the timeline %d times, want once", n)
		}

		// 5. Resolved; the postmortem is drafted, the impact having begun
		// four minutes before the alert.
		c.want(c.do("PATCH", "/incidents/"+in.ID, map[string]any{"incident": map[string]any{"status": "resolved", "body": "Fixed."}}, nil), 200)
		impactStart := startsAt.Add(-4 * time.Minute)
		var pm struct {
			Timeline []struct {
				Body string `json:"body"`
			} `json:"timeline"`
			Durations struct {
				DetectedAt     *string `json:"detected_at"`
				AcknowledgedAt *string `json:"acknowledged_at"`
				TimeToDetect   *int64  `json:"time_to_detect"`
			} `json:"durations"`
		}
		c.want(c.do("PUT", "/incidents/"+in.ID+"/postmortem", map[string]any{"postmortem": map[string]any{
			"impact_started_at": impactStart.Format(time.RFC3339), "summary": "Checkout failed for 14 minutes.",
		}}, &pm), 200)
		var drafted []string
		for _, e := range pm.Timeline {
			drafted = append(drafted, e.Body)
		}
		all := strings.Join(drafted, "\n")
		for _, want := range []string{"From Alertmanager: Alert **CheckoutErrors** firing", "From Slack #ops: Rolled back deploy 4711", "From PagerDuty: PagerDuty incident #2"} {
			if !strings.Contains(all, want) {
				t.Errorf("the drafted postmortem lacks %q:\n%s", want, all)
			}
		}
		if pm.Durations.TimeToDetect == nil || *pm.Durations.TimeToDetect != 240 {
			t.Errorf("time to detect = %v, want 240 s (from the impact start to the alert)", pm.Durations.TimeToDetect)
		}
		if pm.Durations.AcknowledgedAt == nil || !strings.HasPrefix(*pm.Durations.AcknowledgedAt, ackAt.In(berlin(t)).Format("2006-01-02T15:04:05")) {
			t.Errorf("acknowledged at %v, want PagerDuty's acknowledgement %s", pm.Durations.AcknowledgedAt, ackAt)
		}

		// 6. An action item tracked in GitHub; the postmortem is published.
		issueURL := "https://github.com/acme/checkout/issues/42"
		var item struct {
			ID string `json:"id"`
		}
		c.want(c.do("POST", "/incidents/"+in.ID+"/postmortem/action-items", map[string]any{"action_item": map[string]any{
			"title": "Alert on checkout 5xx sooner", "url": issueURL, "url_public": true,
		}}, &item), 201)
		c.want(c.do("PUT", "/incidents/"+in.ID+"/postmortem/publish", nil, nil), 200)
		page := wantPage(t, get(t, h, "/incidents/"+in.ID+"/postmortem"), 200)
		contains(t, page, `<span class="item-status item-open">Open</span>
        <span class="item-title"><a href="`+issueURL+`" rel="nofollow noopener">Alert on checkout 5xx sooner</a>`)

		// The issue is closed on GitHub: the item is done, publicly, and
		// the change is on the incident's timeline.
		ghBody := `{"action":"closed","issue":{"html_url":"` + issueURL + `","number":42,"title":"Alert sooner","state":"closed",` +
			`"closed_at":"` + time.Now().UTC().Format(time.RFC3339) + `"},"sender":{"login":"octocat"},"repository":{"full_name":"acme/checkout"}}`
		rec = gitHubRequest(pathOf(gh), gh.Secret, "issues", "72d3162e-cc78-11e3-81ab-4c9367dc0958", ghBody).send(h)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"changed":1`) {
			t.Fatalf("GitHub webhook: %d %s", rec.Code, rec.Body.String())
		}
		waitUntil(t, "the action item shown as done on the public postmortem", func() bool {
			return strings.Contains(get(t, h, "/incidents/"+in.ID+"/postmortem").Body.String(),
				`<span class="item-status item-done">Done</span>
        <span class="item-title"><a href="`+issueURL+`" rel="nofollow noopener">Alert on checkout 5xx sooner</a>`)
		})
		if e := findEvent(eventsOf(t, c, in.ID), "GitHub issue acme/checkout#42 was closed by octocat"); e == nil || e.Source != "GitHub" {
			t.Errorf("the GitHub change is not on the timeline: %+v", eventsOf(t, c, in.ID))
		}
	})
}
