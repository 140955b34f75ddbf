package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

type jsonSubscriber struct {
	ID                           string   `json:"id"`
	Mode                         string   `json:"mode"`
	Email                        string   `json:"email"`
	QuarantinedAt                *string  `json:"quarantined_at"`
	PurgeAt                      *string  `json:"purge_at"`
	Components                   []string `json:"components"`
	CreatedAt                    string   `json:"created_at"`
	SkipConfirmationNotification bool     `json:"skip_confirmation_notification"`
	Status                       string   `json:"status"`
	AllComponents                bool     `json:"all_components"`
	NotifyIncidents              bool     `json:"notify_incidents"`
	NotifyMaintenance            bool     `json:"notify_maintenance"`
	NotifyPostmortems            bool     `json:"notify_postmortems"`
	ConfirmedAt                  *string  `json:"confirmed_at"`
	UnsubscribedAt               *string  `json:"unsubscribed_at"`
}

func TestAPISubscribers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleEditor)
		comp := models.Component{Name: "API"}
		if err := db.CreateComponent(context.Background(), &comp, "test"); err != nil {
			t.Fatal(err)
		}

		var asked jsonSubscriber
		c.want(c.do("POST", "/subscribers", map[string]any{"subscriber": map[string]any{"email": "Ann@Example.com", "component_ids": []string{comp.ID}}}, &asked), 201)
		if asked.ID == "" || asked.Mode != "email" || asked.Email != "Ann@Example.com" || asked.Status != "pending" || asked.PurgeAt == nil ||
			asked.QuarantinedAt != nil || len(asked.Components) != 1 || asked.Components[0] != comp.ID || asked.AllComponents ||
			asked.SkipConfirmationNotification || !asked.NotifyIncidents || !asked.NotifyMaintenance || !asked.NotifyPostmortems {
			t.Errorf("created = %+v", asked)
		}
		wantISO(t, "created_at", asked.CreatedAt)
		wantISO(t, "purge_at", *asked.PurgeAt)
		s, _ := db.GetSubscriber(context.Background(), asked.ID)
		if s.Source != models.SourceAPI || confirmationsQueued(t, db, s) != 1 {
			t.Errorf("stored = %+v", s)
		}

		var vouched jsonSubscriber
		c.want(c.do("POST", "/subscribers", `{"email": "bob@example.com", "skip_confirmation_notification": true, "notify_postmortems": false}`, &vouched), 201)
		if vouched.Status != "confirmed" || !vouched.SkipConfirmationNotification || vouched.PurgeAt != nil || vouched.ConfirmedAt == nil ||
			!vouched.AllComponents || vouched.Components == nil || len(vouched.Components) != 0 || vouched.NotifyPostmortems {
			t.Errorf("vouched = %+v", vouched)
		}
		if n := confirmationsQueued(t, db, nil); n != 1 {
			t.Errorf("%d confirmations queued, want 1", n)
		}

		list := func(query string) string {
			t.Helper()
			var out []jsonSubscriber
			c.want(c.do("GET", "/subscribers"+query, nil, &out), 200)
			var emails []string
			for _, s := range out {
				emails = append(emails, s.Email)
			}
			return strings.Join(emails, " ")
		}
		for query, want := range map[string]string{
			"":                          "bob@example.com",
			"?state=all":                "bob@example.com Ann@Example.com",
			"?state=unconfirmed":        "Ann@Example.com",
			"?state=all&q=ANN":          "Ann@Example.com",
			"?state=all&per_page=1":     "bob@example.com",
			"?state=all&limit=1&page=2": "Ann@Example.com",
			"?state=quarantined":        "",
			"?type=sms&state=all":       "",
			"?type=email":               "bob@example.com",
		} {
			if got := list(query); got != want {
				t.Errorf("GET /subscribers%s = %q, want %q", query, got, want)
			}
		}

		var one jsonSubscriber
		c.want(c.do("GET", "/subscribers/"+asked.ID, nil, &one), 200)
		if one.ID != asked.ID || one.Email != "Ann@Example.com" {
			t.Errorf("GET one = %+v", one)
		}
		var gone jsonSubscriber
		c.want(c.do("DELETE", "/subscribers/"+vouched.ID, nil, &gone), 200)
		if gone.Status != "unsubscribed" || gone.UnsubscribedAt == nil {
			t.Errorf("DELETE answered %+v", gone)
		}
		if got := list("?state=unsubscribed"); got != "bob@example.com" {
			t.Errorf("unsubscribed = %q", got)
		}
		c.want(c.do("DELETE", "/subscribers/"+vouched.ID, nil, nil), 200) // again: still unsubscribed

		acts := strings.Join(auditActions(t, db), " ")
		if acts != "subscriber.create subscriber.create subscriber.unsubscribe subscriber.unsubscribe" {
			t.Errorf("audit log: %s", acts)
		}
	})
}

func TestAPISubscriberBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleEditor)
		if _, err := db.AddSubscriber(context.Background(), models.NewSubscriber{Email: "taken@example.com", Choices: models.EveryNotification()}, time.Now()); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name, method, path, body string
			code                     int
			field                    string
		}{
			{"no body", "POST", "/subscribers", ``, 400, ""},
			{"no email", "POST", "/subscribers", `{"subscriber": {}}`, 422, "email"},
			{"invalid email", "POST", "/subscribers", `{"subscriber": {"email": "ann@"}}`, 422, "email"},
			{"overlong email", "POST", "/subscribers", `{"subscriber": {"email": "` + strings.Repeat("a", 64) + "@" + strings.Repeat("b", 200) + `.com"}}`, 422, "email"},
			{"header injection", "POST", "/subscribers", `{"subscriber": {"email": "ann@example.com\r\nBcc: all@example.com"}}`, 422, "email"},
			{"unknown component", "POST", "/subscribers", `{"subscriber": {"email": "ann@example.com", "component_ids": ["nope"]}}`, 422, "component_ids"},
			{"components not a list", "POST", "/subscribers", `{"subscriber": {"email": "ann@example.com", "component_ids": "nope"}}`, 400, "component_ids"},
			{"no kind", "POST", "/subscribers", `{"subscriber": {"email": "ann@example.com", "notify_incidents": false, "notify_maintenance": false, "notify_postmortems": false}}`, 422, "kinds"},
			{"second subscribe", "POST", "/subscribers", `{"subscriber": {"email": "TAKEN@example.com"}}`, 409, "already subscribed"},
			{"bad state", "GET", "/subscribers?state=bounced", ``, 400, "state"},
			{"bad page", "GET", "/subscribers?page=0", ``, 400, "page"},
			{"unknown id", "GET", "/subscribers/nosuchsub", ``, 404, ""},
			{"malformed id", "GET", "/subscribers/NO%20SUCH", ``, 404, ""},
			{"delete unknown", "DELETE", "/subscribers/nosuchsub", ``, 404, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := subscriberRows(t, db)
				c.badRequest(t, db, tc.name, tc.method, tc.path, tc.body, tc.code, tc.field)
				if after := subscriberRows(t, db); after != before {
					t.Errorf("subscriber tables changed")
				}
			})
		}
		// An editor token may; a request without a token may not.
		c.auth = ""
		c.want(c.do("GET", "/subscribers", nil, nil), 401)
	})
}
