package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app/notify"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// TestAPISubscriberCountsByType: the count and histogram_by_state
// endpoints split the subscribers by type (email, webhook, slack, discord,
// teams) and state, as Statuspage's ?type= does; a quarantined endpoint
// is quarantined, not active; an unknown type or state is a 400 naming it.
func TestAPISubscriberCountsByType(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		rv := newReceiver(t, nil)
		_, c := hookApp(t, db, &notify.MemoryMailer{}, nil)
		addSubscriber(t, db, subscriber{Email: "ann@example.com"})
		addSubscriber(t, db, subscriber{Email: "eve@example.com", Status: "pending"})
		add := func(channel, path string, confirmed bool) string {
			var created createdHook
			sub := map[string]any{"endpoint": rv.URL + path, "skip_confirmation_notification": confirmed}
			if channel == "webhook" {
				sub["email"] = "ops@example.com"
			} else {
				sub["channel"] = channel
			}
			c.want(c.do("POST", "/subscribers", map[string]any{"subscriber": sub}, &created), 201)
			return created.ID
		}
		add("webhook", "/w1", true)
		add("webhook", "/w2", false) // unconfirmed
		quarantined := add("webhook", "/w3", true)
		add("slack", "/s1", true)
		add("slack", "/s2", true)
		add("discord", "/d1", true)
		add("teams", "/t1", true)
		if err := db.Gorm.Model(&models.Subscriber{}).Where("id = ?", quarantined).Update("quarantined_at", time.Now().UTC()).Error; err != nil {
			t.Fatal(err)
		}

		for _, tc := range []struct {
			query string
			want  map[string]int
		}{
			{"", map[string]int{"email": 1, "sms": 0, "webhook": 1, "integration_partner": 0, "slack": 2, "discord": 1, "teams": 1}},
			{"?type=webhook", map[string]int{"webhook": 1}},
			{"?type=webhook&state=unconfirmed", map[string]int{"webhook": 1}},
			{"?type=webhook&state=quarantined", map[string]int{"webhook": 1}},
			{"?type=webhook&state=all", map[string]int{"webhook": 3}},
			{"?type=slack", map[string]int{"slack": 2}},
			{"?type=email&state=unconfirmed", map[string]int{"email": 1}},
			{"?state=quarantined", map[string]int{"email": 0, "sms": 0, "webhook": 1, "integration_partner": 0, "slack": 0, "discord": 0, "teams": 0}},
		} {
			var got map[string]int
			c.want(c.do("GET", "/subscribers/count"+tc.query, nil, &got), 200)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("count%s = %v, want %v", tc.query, got, tc.want)
			}
		}

		var hist map[string]map[string]int
		c.want(c.do("GET", "/subscribers/histogram_by_state", nil, &hist), 200)
		for typ, want := range map[string][4]int{
			"email": {1, 1, 0, 2}, "webhook": {1, 1, 1, 3}, "slack": {2, 0, 0, 2}, "discord": {1, 0, 0, 1}, "teams": {1, 0, 0, 1}, "sms": {},
		} {
			h := hist[typ]
			if got := [4]int{h["active"], h["unconfirmed"], h["quarantined"], h["total"]}; got != want {
				t.Errorf("histogram[%s] = %v, want %v (active, unconfirmed, quarantined, total)", typ, got, want)
			}
		}

		for _, q := range []string{"?type=pigeon", "?state=sleepy"} {
			var e struct {
				Error string `json:"error"`
			}
			field := strings.SplitN(strings.TrimPrefix(q, "?"), "=", 2)[0]
			if rec := c.do("GET", "/subscribers/count"+q, nil, &e); rec.Code != http.StatusBadRequest || !strings.Contains(e.Error, field) {
				t.Errorf("count%s = %d %q, want 400 naming %s", q, rec.Code, e.Error, field)
			}
		}
	})
}
