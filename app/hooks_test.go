package app_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app"
	"github.com/beaconstatus/beacon/app/notify"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// hookEnv lets the tests' receivers on loopback be reached.
var hookEnv = map[string]string{"WEBHOOK_ALLOW_PRIVATE": "true", "WEBHOOK_TIMEOUT": "10s", "WEBHOOK_WORKERS": "8"}

// hookApp is an App on db with a memory mailer, fast retries and env over
// hookEnv, and an API client with an editor's token.
func hookApp(t *testing.T, db *models.DB, mm *notify.MemoryMailer, env map[string]string) (*app.App, *apiClient) {
	t.Helper()
	all := map[string]string{}
	for k, v := range hookEnv {
		all[k] = v
	}
	for k, v := range env {
		all[k] = v
	}
	a, _ := mailApp(t, db, nil, mm, fastRetries, all)
	secret, _, err := db.CreateAPIToken(context.Background(), "hooks", models.RoleEditor)
	if err != nil {
		t.Fatal(err)
	}
	pageID, err := db.GetSetting(context.Background(), models.SettingPageID)
	if err != nil {
		t.Fatal(err)
	}
	return a, &apiClient{t: t, h: a.Handler(), auth: "OAuth " + secret, pageID: pageID}
}

// createdHook is the API's answer to a new subscriber, with its secret.
type createdHook struct {
	ID            string  `json:"id"`
	Mode          string  `json:"mode"`
	Email         string  `json:"email"`
	Endpoint      *string `json:"endpoint"`
	Secret        string  `json:"secret"`
	Status        string  `json:"status"`
	QuarantinedAt *string `json:"quarantined_at"`
}

// statuspageWebhook is the part of Statuspage's webhook payload consumers
// read (Zulip's integration, chat bridges).
type statuspageWebhook struct {
	Meta struct {
		Unsubscribe   string `json:"unsubscribe"`
		Documentation string `json:"documentation"`
	} `json:"meta"`
	Page struct {
		ID                string `json:"id"`
		StatusIndicator   string `json:"status_indicator"`
		StatusDescription string `json:"status_description"`
	} `json:"page"`
	Incident *struct {
		ID              string `json:"id"`
		Name            string `json:"name"`
		Status          string `json:"status"`
		Impact          string `json:"impact"`
		Shortlink       string `json:"shortlink"`
		IncidentUpdates []struct {
			ID         string `json:"id"`
			IncidentID string `json:"incident_id"`
			Status     string `json:"status"`
			Body       string `json:"body"`
			CreatedAt  string `json:"created_at"`
		} `json:"incident_updates"`
		Components []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"components"`
	} `json:"incident"`
}

// TestHookChannelsEndToEnd: a webhook subscriber added through the API, a
// Slack and a Discord one added in the console, each on a receiver on
// loopback, get each notified update of an incident on their component
// once, in their own format (the webhook signed with its secret); an
// update posted without notifying, and a subscriber of another component,
// get nothing; email subscribers are served as before.
func TestHookChannelsEndToEnd(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		api := addComponent(t, db, models.Component{Name: "API"})
		web := addComponent(t, db, models.Component{Name: "Web"})
		hook, slack, discord, other := newReceiver(t, nil), newReceiver(t, nil), newReceiver(t, nil), newReceiver(t, nil)
		teams := newReceiver(t, nil)
		mm := &notify.MemoryMailer{}
		a, c := hookApp(t, db, mm, nil)

		var created createdHook
		c.want(c.do("POST", "/subscribers", map[string]any{"subscriber": map[string]any{
			"endpoint": hook.URL + "/statuspage", "email": "ops@example.com", "component_ids": []string{api.ID},
			"skip_confirmation_notification": true}}, &created), 201)
		if created.Mode != "webhook" || created.Endpoint == nil || *created.Endpoint != hook.URL+"/statuspage" ||
			!strings.HasPrefix(created.Secret, "whsec_") || created.Status != "confirmed" || created.Email != "ops@example.com" {
			t.Fatalf("created = %+v", created)
		}
		var shown createdHook
		c.want(c.do("GET", "/subscribers/"+created.ID, nil, &shown), 200)
		if shown.Secret != "" || shown.Mode != "webhook" {
			t.Errorf("the secret is shown again: %+v", shown)
		}
		c.want(c.do("POST", "/subscribers", map[string]any{"subscriber": map[string]any{
			"endpoint": other.URL, "email": "web@example.com", "component_ids": []string{web.ID},
			"skip_confirmation_notification": true}}, nil), 201)

		editor := signIn(t, a.Handler(), db, models.RoleEditor)
		for _, ch := range []struct {
			channel string
			rv      *receiver
		}{{"slack", slack}, {"discord", discord}, {"teams", teams}} {
			rec := editor.PostForm("/admin/subscribers", url.Values{"channel": {ch.channel}, "endpoint": {ch.rv.URL + "/" + ch.channel},
				"component_ids": {api.ID}, "kinds": {"incidents", "maintenance"}})
			wantRedirect(t, rec, "/admin/subscribers")
		}
		list := wantAdminPage(t, editor.Get("/admin/subscribers"), 200)
		contains(t, list, "Slack", "Discord", "Webhook", slack.URL+"/slack", "contact ops@example.com")
		addSubscriber(t, db, subscriber{Email: "ann@example.com", Components: []string{api.ID}})

		in := openIncident(t, db, models.NewIncident{Name: "API errors", Status: models.Investigating, Body: "Requests **fail**.",
			Components: map[string]string{api.ID: models.PartialOutage}, Notify: true})
		postUpdate(t, db, in.ID, models.NewUpdate{Status: models.Identified, Body: "A bad deploy; nobody is told of this one."})
		postUpdate(t, db, in.ID, models.NewUpdate{Status: models.Resolved, Body: "Rolled back.", RestoreComponents: true, Notify: true})

		runNotifier(t, a)
		eventually(t, "all delivered", func() bool { return settled(t, db) })

		st := dbtest.DeliveryStatuses(t, db)
		if st[models.DeliverySent] != 10 || st[models.DeliveryFailed] != 0 {
			t.Errorf("deliveries %v, want 10 sent (2 updates × webhook, Slack, Discord, Teams, email)", st)
		}
		if n := len(other.Received()); n != 0 {
			t.Errorf("the subscriber of another component got %d requests", n)
		}
		if n := len(mm.Messages()); n != 2 {
			t.Errorf("the email subscriber got %d messages, want 2", n)
		}

		// The webhook: Statuspage's payload, signed, each with its own idempotency id.
		got := hook.Received()
		if len(got) != 2 {
			t.Fatalf("the webhook got %d requests, want 2", len(got))
		}
		ids := map[string]bool{}
		for i, r := range got {
			if !verifySignature(r.Header.Get("X-Beacon-Signature"), r.Body, created.Secret, time.Now(), 5*time.Minute) {
				t.Errorf("request %d: the signature %q does not verify", i, r.Header.Get("X-Beacon-Signature"))
			}
			if verifySignature(r.Header.Get("X-Beacon-Signature"), r.Body, "whsec_wrong", time.Now(), 5*time.Minute) {
				t.Errorf("request %d verifies with another secret", i)
			}
			id := r.Header.Get("X-Beacon-Delivery")
			if id == "" || ids[id] || r.Header.Get("Idempotency-Key") != id || r.Header.Get("Content-Type") != "application/json" {
				t.Errorf("request %d: headers %v", i, r.Header)
			}
			ids[id] = true
			var p statuspageWebhook
			if err := json.Unmarshal(r.Body, &p); err != nil {
				t.Fatalf("request %d: %v\n%s", i, err, r.Body)
			}
			want := []string{models.Investigating, models.Resolved}[i]
			if p.Incident == nil || p.Incident.ID != in.ID || p.Incident.Name != "API errors" || p.Incident.Status != want ||
				len(p.Incident.IncidentUpdates) != 1 || p.Incident.IncidentUpdates[0].Status != want ||
				p.Incident.IncidentUpdates[0].IncidentID != in.ID || p.Incident.IncidentUpdates[0].ID == "" ||
				!strings.HasSuffix(p.Incident.Shortlink, "/incidents/"+in.ID) ||
				len(p.Incident.Components) != 1 || p.Incident.Components[0].ID != api.ID || p.Incident.Components[0].Name != "API" {
				t.Errorf("request %d: payload %s", i, r.Body)
			}
			if p.Page.ID != c.pageID || p.Page.StatusIndicator == "" || p.Page.StatusDescription == "" ||
				!strings.Contains(p.Meta.Unsubscribe, "/unsubscribe/") || p.Meta.Documentation == "" {
				t.Errorf("request %d: meta and page %s", i, r.Body)
			}
		}
		if !strings.Contains(string(got[0].Body), `"body":"Requests **fail**."`) {
			t.Errorf("the first update's body: %s", got[0].Body)
		}

		// Slack: Block Kit, with the name, status, update and link.
		sl := slack.Received()
		if len(sl) != 2 {
			t.Fatalf("Slack got %d requests, want 2", len(sl))
		}
		var sm struct {
			Text   string           `json:"text"`
			Blocks []map[string]any `json:"blocks"`
		}
		if err := json.Unmarshal(sl[0].Body, &sm); err != nil || len(sm.Blocks) < 3 || sm.Blocks[0]["type"] != "header" {
			t.Fatalf("Slack message %s (%v)", sl[0].Body, err)
		}
		contains(t, string(sl[0].Body), `"text":"Investigating: API errors"`, `*Status*\nInvestigating`, "Requests fail.", "/incidents/"+in.ID)
		contains(t, string(sl[1].Body), "Resolved: API errors", "Rolled back.")
		if sl[0].Header.Get("X-Beacon-Signature") != "" {
			t.Error("a Slack message carries a webhook signature")
		}

		// Discord: one embed, mentions off.
		dc := discord.Received()
		if len(dc) != 2 {
			t.Fatalf("Discord got %d requests, want 2", len(dc))
		}
		var dm struct {
			Embeds []struct {
				Title, URL, Description string
				Fields                  []struct{ Name, Value string }
			} `json:"embeds"`
			AllowedMentions struct {
				Parse []string `json:"parse"`
			} `json:"allowed_mentions"`
		}
		if err := json.Unmarshal(dc[0].Body, &dm); err != nil || len(dm.Embeds) != 1 {
			t.Fatalf("Discord message %s (%v)", dc[0].Body, err)
		}
		e := dm.Embeds[0]
		if e.Title != "Investigating: API errors" || !strings.HasSuffix(e.URL, "/incidents/"+in.ID) || !strings.Contains(e.Description, "Requests fail.") ||
			len(e.Fields) < 2 || e.Fields[0].Value != "Investigating" || dm.AllowedMentions.Parse == nil {
			t.Errorf("Discord message %s", dc[0].Body)
		}

		// Teams: a Workflows message with one Adaptive Card.
		tm := teams.Received()
		if len(tm) != 2 {
			t.Fatalf("Teams got %d requests, want 2", len(tm))
		}
		var card struct {
			Type        string `json:"type"`
			Attachments []struct {
				ContentType string `json:"contentType"`
				Content     struct {
					Type    string           `json:"type"`
					Version string           `json:"version"`
					Body    []map[string]any `json:"body"`
					Actions []map[string]any `json:"actions"`
				} `json:"content"`
			} `json:"attachments"`
		}
		if err := json.Unmarshal(tm[1].Body, &card); err != nil || card.Type != "message" || len(card.Attachments) != 1 ||
			card.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" || card.Attachments[0].Content.Type != "AdaptiveCard" ||
			len(card.Attachments[0].Content.Actions) != 1 || card.Attachments[0].Content.Body[0]["text"] != "Resolved: API errors" {
			t.Errorf("Teams message %s (%v)", tm[1].Body, err)
		}
		contains(t, string(tm[1].Body), "Rolled back.", "/incidents/"+in.ID)
	})
}
