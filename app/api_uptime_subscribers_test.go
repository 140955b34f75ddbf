package app_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

type jsonUptime struct {
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	RangeStart       string   `json:"range_start"`
	RangeEnd         string   `json:"range_end"`
	UptimePercentage float64  `json:"uptime_percentage"`
	MajorOutage      int64    `json:"major_outage"`
	PartialOutage    int64    `json:"partial_outage"`
	Warnings         []string `json:"warnings"`
	RelatedEvents    struct {
		Incidents []struct{ ID string } `json:"incidents"`
	} `json:"related_events"`
}

// GET /components/{id}/uptime and /component-groups/{id}/uptime in
// Statuspage's shape, over a range, from the status history.
func TestAPIUptime(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleEditor)
		loc := berlin(t)
		now := time.Now()
		day := func(daysAgo int) time.Time {
			l := now.In(loc)
			return time.Date(l.Year(), l.Month(), l.Day()-daysAgo, 0, 0, 0, 0, loc)
		}
		group := addComponent(t, db, models.Component{Name: "Backend", IsGroup: true, CreatedAt: day(40)})
		api := addComponent(t, db, models.Component{Name: "API", GroupID: &group.ID, CreatedAt: day(40)})
		web := addComponent(t, db, models.Component{Name: "Web", GroupID: &group.ID, CreatedAt: day(40)})
		// The API: two hours of major outage and four of partial outage, ten days ago.
		for _, ch := range []models.StatusChange{
			{ComponentID: api.ID, OldStatus: models.Operational, NewStatus: models.MajorOutage, ChangedAt: day(10).Add(6 * time.Hour)},
			{ComponentID: api.ID, OldStatus: models.MajorOutage, NewStatus: models.PartialOutage, ChangedAt: day(10).Add(8 * time.Hour)},
			{ComponentID: api.ID, OldStatus: models.PartialOutage, NewStatus: models.Operational, ChangedAt: day(10).Add(12 * time.Hour)},
		} {
			if err := db.Gorm.Create(&ch).Error; err != nil {
				t.Fatal(err)
			}
		}
		in := openIncident(t, db, models.NewIncident{Name: "API down", Body: "x", ComponentIDs: []string{api.ID},
			Backfilled: true, StartedAt: day(10).Add(6 * time.Hour), Status: models.Resolved})

		var up jsonUptime
		c.want(c.do("GET", "/components/"+api.ID+"/uptime", nil, &up), 200)
		if up.ID != api.ID || up.Name != "API" || up.MajorOutage != 2*3600 || up.PartialOutage != 4*3600 ||
			up.RangeEnd != day(0).Format(time.DateOnly) || up.UptimePercentage >= 100 || up.UptimePercentage < 99 {
			t.Errorf("uptime = %+v", up)
		}
		if len(up.RelatedEvents.Incidents) != 1 || up.RelatedEvents.Incidents[0].ID != in.ID {
			t.Errorf("related events = %+v", up.RelatedEvents)
		}
		// A range that leaves the outage out.
		c.want(c.do("GET", "/components/"+api.ID+"/uptime?start="+day(5).Format(time.DateOnly)+"&end="+day(1).Format(time.DateOnly), nil, &up), 200)
		if up.UptimePercentage != 100 || up.MajorOutage != 0 || up.RangeStart != day(5).Format(time.DateOnly) || len(up.RelatedEvents.Incidents) != 0 {
			t.Errorf("uptime without the outage = %+v", up)
		}
		// A month, as Statuspage's partial dates.
		c.want(c.do("GET", "/components/"+web.ID+"/uptime?start="+day(0).Format("2006-01"), nil, &up), 200)
		if up.UptimePercentage != 100 || up.RangeStart != day(0).Format("2006-01")+"-01" {
			t.Errorf("web uptime this month = %+v", up)
		}

		var gu struct {
			jsonUptime
			RelatedEvents []struct {
				ComponentID string                `json:"component_id"`
				Incidents   []struct{ ID string } `json:"incidents"`
			} `json:"related_events"`
		}
		c.want(c.do("GET", "/component-groups/"+group.ID+"/uptime", nil, &gu), 200)
		if gu.ID != group.ID || gu.MajorOutage != 2*3600 || len(gu.RelatedEvents) != 2 || gu.UptimePercentage >= 100 {
			t.Errorf("group uptime = %+v", gu)
		}

		// Bad input: 4xx naming the parameter.
		for _, tc := range []struct {
			path, field string
			code        int
		}{
			{"/components/" + api.ID + "/uptime?start=yesterday", "start", 400},
			{"/components/" + api.ID + "/uptime?end=2026-13-01", "end", 400},
			{"/components/" + api.ID + "/uptime?start=" + day(1).Format(time.DateOnly) + "&end=" + day(3).Format(time.DateOnly), "start", 422},
			{"/components/" + api.ID + "/uptime?start=" + day(400).Format(time.DateOnly), "start", 422},
			{"/components/" + api.ID + "/uptime?start=1900", "start", 400},
		} {
			var e apiErr
			if rec := c.do("GET", tc.path, nil, &e); rec.Code != tc.code || !strings.Contains(e.Error, tc.field) {
				t.Errorf("%s = %d %s, want %d naming %s", tc.path, rec.Code, rec.Body, tc.code, tc.field)
			}
		}
		c.want(c.do("GET", "/components/nosuch/uptime", nil, nil), 404)
		c.want(c.do("GET", "/components/"+group.ID+"/uptime", nil, nil), 404)
		c.want(c.do("GET", "/component-groups/"+api.ID+"/uptime", nil, nil), 404)
	})
}

// Subscribers: count, histogram, resend confirmation, reactivate, bulk
// unsubscribe and an incident's subscribers, in Statuspage's paths.
func TestAPISubscriberBulk(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		c := newAPIClient(t, db, models.RoleEditor)
		api := addComponent(t, db, models.Component{Name: "API"})
		web := addComponent(t, db, models.Component{Name: "Web"})
		ann := addSubscriber(t, db, subscriber{Email: "ann@example.com"})
		bob := addSubscriber(t, db, subscriber{Email: "bob@example.com", Components: []string{api.ID}})
		cy := addSubscriber(t, db, subscriber{Email: "cy@example.com", Components: []string{web.ID}})
		addSubscriber(t, db, subscriber{Email: "dee@example.com", NoIncidents: true})
		pend := addSubscriber(t, db, subscriber{Email: "eve@example.com", Status: "pending"})
		pend2 := addSubscriber(t, db, subscriber{Email: "fay@example.com", Status: "pending"})

		var counts map[string]int
		c.want(c.do("GET", "/subscribers/count", nil, &counts), 200)
		if counts["email"] != 4 || counts["sms"] != 0 || counts["webhook"] != 0 || len(counts) != 5 {
			t.Errorf("count = %v", counts)
		}
		counts = nil
		c.want(c.do("GET", "/subscribers/count?state=unconfirmed&type=email", nil, &counts), 200)
		if counts["email"] != 2 || len(counts) != 1 {
			t.Errorf("count unconfirmed = %v", counts)
		}
		c.want(c.do("GET", "/subscribers/count?state=all", nil, &counts), 200)
		if counts["email"] != 6 {
			t.Errorf("count all = %v", counts)
		}
		var hist map[string]map[string]int
		c.want(c.do("GET", "/subscribers/histogram_by_state", nil, &hist), 200)
		if hist["email"]["active"] != 4 || hist["email"]["unconfirmed"] != 2 || hist["email"]["total"] != 6 || hist["slack"]["total"] != 0 {
			t.Errorf("histogram = %v", hist)
		}

		// Resend: one, then all (the one just sent is not sent again).
		c.want(c.do("POST", "/subscribers/"+pend+"/resend_confirmation", nil, nil), 201)
		if n := confirmationsQueued(t, db, &models.Subscriber{ID: pend}); n != 1 {
			t.Errorf("%d confirmations to eve, want 1", n)
		}
		var sent map[string]int
		c.want(c.do("POST", "/subscribers/resend_confirmation", map[string]any{"subscribers": "all"}, &sent), 201)
		if sent["sent"] != 1 || confirmationsQueued(t, db, &models.Subscriber{ID: pend2}) != 1 || confirmationsQueued(t, db, &models.Subscriber{ID: pend}) != 1 {
			t.Errorf("resend all = %v", sent)
		}
		c.want(c.do("POST", "/subscribers/"+ann+"/resend_confirmation", nil, nil), 422)

		var re map[string]int
		c.want(c.form("POST", "/subscribers/reactivate", [][2]string{{"subscribers[]", ann}}, &re), 201)
		c.want(c.do("POST", "/subscribers/reactivate", `{"subscribers": "all"}`, &re), 201)

		// An incident on the API: ann (whole page) and bob (the API) hear
		// of it; cy chose the Web, dee no incidents.
		in := openIncident(t, db, models.NewIncident{Name: "API down", Body: "x", ComponentIDs: []string{api.ID}})
		var subs []jsonSubscriber
		c.want(c.do("GET", "/incidents/"+in.ID+"/subscribers", nil, &subs), 200)
		if got := emailsOf(subs); got != "ann@example.com,bob@example.com" {
			t.Errorf("incident's subscribers = %s", got)
		}
		var one jsonSubscriber
		c.want(c.do("GET", "/incidents/"+in.ID+"/subscribers/"+bob, nil, &one), 200)
		c.want(c.do("GET", "/incidents/"+in.ID+"/subscribers/"+cy, nil, nil), 404)
		c.want(c.do("GET", "/incidents/nosuch/subscribers", nil, nil), 404)

		// Unsubscribe two by a comma list, as a form.
		var un map[string]int
		c.want(c.form("POST", "/subscribers/unsubscribe", [][2]string{{"subscribers", ann + "," + bob}}, &un), 201)
		if un["unsubscribed"] != 2 {
			t.Errorf("unsubscribe = %v", un)
		}
		for _, id := range []string{ann, bob} {
			if s, _ := db.GetSubscriber(ctx, id); s.Status != models.SubscriberUnsubscribed {
				t.Errorf("%s after unsubscribe = %s", s.Email, s.Status)
			}
		}
		// "all" of the unconfirmed.
		c.want(c.do("POST", "/subscribers/unsubscribe", map[string]any{"subscribers": "all", "state": "unconfirmed"}, &un), 201)
		if n, _ := db.CountSubscribersWithStatus(ctx, models.SubscriberPending); n != 0 || un["unsubscribed"] != 2 {
			t.Errorf("unsubscribe all unconfirmed = %v, %d left", un, n)
		}
		c.want(c.do("GET", "/incidents/"+in.ID+"/subscribers", nil, &subs), 200)
		if len(subs) != 0 {
			t.Errorf("incident's subscribers after unsubscribing = %s", emailsOf(subs))
		}

		// Bad input: 422 or 400 naming the field, nothing written.
		many := make([]string, 101)
		for i := range many {
			many[i] = models.NewID()
		}
		for _, tc := range []struct {
			name, path, body string
			code             int
			field            string
		}{
			{"no subscribers", "/subscribers/unsubscribe", `{}`, 422, "subscribers"},
			{"unknown id", "/subscribers/unsubscribe", `{"subscribers": ["nosuchsub1"]}`, 422, "subscribers"},
			{"too many", "/subscribers/unsubscribe", `{"subscribers": ["` + strings.Join(many, `","`) + `"]}`, 422, "subscribers"},
			{"bad state", "/subscribers/unsubscribe", `{"subscribers": "all", "state": "sleepy"}`, 422, "state"},
			{"bad type", "/subscribers/resend_confirmation", `{"subscribers": "all", "type": "pigeon"}`, 422, "type"},
			{"not a list", "/subscribers/resend_confirmation", `{"subscribers": 5}`, 422, "subscribers"},
			{"empty list", "/subscribers/reactivate", `{"subscribers": []}`, 422, "subscribers"},
			{"unknown id to reactivate", "/subscribers/reactivate", `{"subscribers": ["nosuchsub1"]}`, 422, "subscribers"},
		} {
			c.badRequest(t, db, tc.name, "POST", tc.path, tc.body, tc.code, tc.field)
		}
		var e apiErr
		if rec := c.do("GET", "/subscribers/count?state=sleepy", nil, &e); rec.Code != http.StatusBadRequest || !strings.Contains(e.Error, "state") {
			t.Errorf("count with a bad state = %d %s", rec.Code, rec.Body)
		}
	})
}

func emailsOf(list []jsonSubscriber) string {
	var out []string
	for _, s := range list {
		out = append(out, s.Email)
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}
