package app_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app/notify"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// componentWebhook is Statuspage's webhook body for a component's status
// change (as Zulip's integration reads it).
type componentWebhook struct {
	Meta struct {
		Unsubscribe string `json:"unsubscribe"`
	} `json:"meta"`
	Page struct {
		ID              string `json:"id"`
		StatusIndicator string `json:"status_indicator"`
	} `json:"page"`
	ComponentUpdate *struct {
		ID          string `json:"id"`
		ComponentID string `json:"component_id"`
		OldStatus   string `json:"old_status"`
		NewStatus   string `json:"new_status"`
		CreatedAt   string `json:"created_at"`
	} `json:"component_update"`
	Component *struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Status string `json:"status"`
		PageID string `json:"page_id"`
	} `json:"component"`
	Incident json.RawMessage `json:"incident"`
}

// TestHookComponentUpdate: a component's status changed by itself (the
// API) is told once per change to the webhook subscribers of that
// component (and of the whole page), in Statuspage's component_update
// body, signed; a webhook of another component, a Slack subscriber and an
// email subscriber of that component hear nothing of it; a change made by
// an incident's update comes in the incident's webhook only.
func TestHookComponentUpdate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		api := addComponent(t, db, models.Component{Name: "API"})
		web := addComponent(t, db, models.Component{Name: "Web"})
		mine, page, other, slack := newReceiver(t, nil), newReceiver(t, nil), newReceiver(t, nil), newReceiver(t, nil)
		mm := &notify.MemoryMailer{}
		a, c := hookApp(t, db, mm, nil)
		secrets := map[*receiver]string{}
		for _, s := range []struct {
			rv    *receiver
			comps []string
		}{{mine, []string{api.ID}}, {page, nil}, {other, []string{web.ID}}} {
			var created createdHook
			sub := map[string]any{"endpoint": s.rv.URL + "/hook", "email": "ops@example.com", "skip_confirmation_notification": true}
			if s.comps != nil {
				sub["component_ids"] = s.comps
			}
			c.want(c.do("POST", "/subscribers", map[string]any{"subscriber": sub}, &created), 201)
			secrets[s.rv] = created.Secret
		}
		c.want(c.do("POST", "/subscribers", map[string]any{"subscriber": map[string]any{
			"endpoint": slack.URL + "/slack", "channel": "slack", "component_ids": []string{api.ID},
			"skip_confirmation_notification": true}}, nil), 201)
		addSubscriber(t, db, subscriber{Email: "ann@example.com", Components: []string{api.ID}})

		c.want(c.do("PATCH", "/components/"+api.ID, map[string]any{"component": map[string]any{"status": "major_outage"}}, nil), 200)
		c.want(c.do("PATCH", "/components/"+api.ID, map[string]any{"component": map[string]any{"status": "operational"}}, nil), 200)
		// The same status again: no change, nothing told.
		c.want(c.do("PATCH", "/components/"+api.ID, map[string]any{"component": map[string]any{"status": "operational"}}, nil), 200)
		// A change by an incident's update: in the incident's webhook.
		openIncident(t, db, models.NewIncident{Name: "API slow", Status: models.Investigating, Body: "Slow.",
			Components: map[string]string{api.ID: models.DegradedPerformance}, Notify: true})

		runNotifier(t, a)
		eventually(t, "all delivered", func() bool { return settled(t, db) })

		if n := len(other.Received()); n != 0 {
			t.Errorf("the webhook of another component got %d requests", n)
		}
		if n := len(slack.Received()); n != 1 {
			t.Errorf("Slack got %d requests, want 1 (the incident only)", n)
		}
		if n := len(mm.Messages()); n != 1 {
			t.Errorf("the email subscriber got %d messages, want 1 (the incident only)", n)
		}
		for _, rv := range []*receiver{mine, page} {
			got := rv.Received()
			if len(got) != 3 {
				t.Fatalf("%s got %d requests, want 2 component updates and 1 incident", rv.URL, len(got))
			}
			ids := map[string]bool{}
			var changes [][2]string
			incidents := 0
			for i, r := range got {
				if !verifySignature(r.Header.Get("X-Beacon-Signature"), r.Body, secrets[rv], time.Now(), 5*time.Minute) {
					t.Errorf("request %d: the signature does not verify", i)
				}
				id := r.Header.Get("X-Beacon-Delivery")
				if id == "" || ids[id] {
					t.Errorf("request %d: idempotency id %q repeated or missing", i, id)
				}
				ids[id] = true
				var p componentWebhook
				if err := json.Unmarshal(r.Body, &p); err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				if p.ComponentUpdate == nil {
					if len(p.Incident) == 0 || r.Header.Get("X-Beacon-Event") != models.NotifyIncidentOpened {
						t.Errorf("request %d: neither a component update nor an incident: %s", i, r.Body)
					}
					incidents++
					continue
				}
				if r.Header.Get("X-Beacon-Event") != models.NotifyComponentUpdated || len(p.Incident) != 0 ||
					p.Component == nil || p.Component.ID != api.ID || p.Component.Name != "API" || p.Component.PageID != c.pageID ||
					p.ComponentUpdate.ComponentID != api.ID || p.ComponentUpdate.ID == "" || p.ComponentUpdate.CreatedAt == "" ||
					p.Component.Status != p.ComponentUpdate.NewStatus || p.Page.ID != c.pageID || p.Meta.Unsubscribe == "" {
					t.Errorf("request %d: payload %s", i, r.Body)
				}
				changes = append(changes, [2]string{p.ComponentUpdate.OldStatus, p.ComponentUpdate.NewStatus})
			}
			want := [][2]string{{"operational", "major_outage"}, {"major_outage", "operational"}}
			if incidents != 1 || len(changes) != 2 || changes[0] != want[0] || changes[1] != want[1] {
				t.Errorf("%s: changes %v and %d incidents, want %v and 1", rv.URL, changes, incidents, want)
			}
		}
	})
}
