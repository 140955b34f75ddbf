package app_test

// Statuspage drop-in, round two: the request styles real clients send to
// the management API (form bodies with bracket keys, empty strings for
// "not set", legacy paths, ?api_key=), 405 for a wrong method, and PATCH
// of the page.

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// raw sends method path (as c.do) with body as is and the Content-Type
// given ("" sends none, as Go's http.NewRequest does), decoding the JSON
// answer into out.
func (c *apiClient) raw(method, path, contentType, body string, out any) *httptest.ResponseRecorder {
	c.t.Helper()
	if !strings.HasPrefix(path, "/v1") {
		path = "/v1/pages/" + c.pageID + path
	}
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	rec := serve(c.h, req)
	if ct := rec.Header().Get("Content-Type"); rec.Body.Len() > 0 && !strings.HasPrefix(ct, "application/json") {
		c.t.Errorf("%s %s: Content-Type = %q, want JSON", method, path, ct)
	}
	if out != nil && rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			c.t.Fatalf("%s %s: decode %q: %v", method, path, rec.Body.String(), err)
		}
	}
	return rec
}

const formType = "application/x-www-form-urlencoded"

// form sends a form body as curl -d does.
func (c *apiClient) form(method, path string, pairs [][2]string, out any) *httptest.ResponseRecorder {
	c.t.Helper()
	var parts []string
	for _, p := range pairs {
		parts = append(parts, url.QueryEscape(p[0])+"="+url.QueryEscape(p[1]))
	}
	return c.raw(method, path, formType, strings.Join(parts, "&"), out)
}

// Statuspage's documented curl examples, form-encoded, create and change
// components, groups, incidents, maintenance and subscribers.
func TestAPIFormBodiesAsStatuspageCurlExamples(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleEditor)
		ctx := context.Background()

		var api, web jsonComponent
		c.want(c.form("POST", "/components", [][2]string{{"component[name]", "API"}, {"component[description]", "The public API"},
			{"component[status]", "operational"}, {"component[showcase]", "true"}, {"component[only_show_if_degraded]", "false"}}, &api), 201)
		c.want(c.form("POST", "/components", [][2]string{{"component[name]", "Website"}}, &web), 201)
		if api.Name != "API" || api.Description == nil || *api.Description != "The public API" || !api.Showcase {
			t.Errorf("created by form = %+v", api)
		}
		// curl -X PATCH -d "component[status]=major_outage"
		c.want(c.form("PATCH", "/components/"+api.ID, [][2]string{{"component[status]", "major_outage"}}, &api), 200)
		if comp, err := db.GetComponent(ctx, api.ID); err != nil || comp.Status != models.MajorOutage {
			t.Fatalf("component after form PATCH = %+v, %v", comp, err)
		}
		c.want(c.form("PATCH", "/components/"+api.ID, [][2]string{{"component[status]", "operational"}, {"component[position]", "3"}}, &api), 200)
		if api.Status != "operational" || api.Position != 3 {
			t.Errorf("after PATCH status and position = %+v", api)
		}

		var group jsonComponent
		c.want(c.form("POST", "/component-groups", [][2]string{{"component_group[name]", "Backend"},
			{"component_group[components][]", api.ID}, {"component_group[components][]", web.ID}}, &group), 201)
		if len(group.Components) != 2 {
			t.Errorf("group by form = %+v", group)
		}

		// curl -d "incident[name]=…" -d "incident[components][ID]=major_outage" -d "incident[component_ids][]=ID"
		var in jsonIncident
		c.want(c.form("POST", "/incidents", [][2]string{
			{"incident[name]", "Elevated API errors"}, {"incident[status]", "investigating"},
			{"incident[impact_override]", "major"}, {"incident[body]", "We are looking into it."},
			{"incident[components][" + api.ID + "]", "major_outage"},
			{"incident[component_ids][]", api.ID}, {"incident[component_ids][]", web.ID},
			{"incident[deliver_notifications]", "true"},
		}, &in), 201)
		if in.Name != "Elevated API errors" || in.Status != "investigating" || in.Impact != "major" || len(in.Components) != 2 {
			t.Fatalf("incident by form = %+v", in)
		}
		if comp, _ := db.GetComponent(ctx, api.ID); comp.Status != models.MajorOutage {
			t.Errorf("API after the form incident = %q", comp.Status)
		}
		// Statuspage's docs' array form: incident[components][]=ID.
		var listed jsonIncident
		c.want(c.form("POST", "/incidents", [][2]string{{"incident[name]", "test incident"},
			{"incident[components][]", web.ID}}, &listed), 201)
		if len(listed.Components) != 1 || listed.Components[0].ID != web.ID {
			t.Errorf("incident[components][] = %+v", listed.Components)
		}

		// curl -X PATCH -d "incident[status]=resolved" -d "incident[components][ID]=operational"
		c.want(c.form("PATCH", "/incidents/"+in.ID, [][2]string{{"incident[status]", "resolved"},
			{"incident[body]", "Fixed."}, {"incident[components][" + api.ID + "]", "operational"}}, &in), 200)
		if in.Status != "resolved" || len(in.IncidentUpdates) != 2 {
			t.Errorf("after form resolve = %+v", in)
		}
		if comp, _ := db.GetComponent(ctx, api.ID); comp.Status != models.Operational {
			t.Errorf("API after resolve = %q", comp.Status)
		}

		// A scheduled maintenance, nested fields and booleans as text.
		from := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
		var mnt jsonIncident
		c.want(c.form("POST", "/incidents", [][2]string{{"incident[name]", "Database upgrade"},
			{"incident[status]", "scheduled"}, {"incident[scheduled_for]", from.Format(time.RFC3339)},
			{"incident[scheduled_until]", from.Add(2 * time.Hour).Format(time.RFC3339)},
			{"incident[scheduled_remind_prior]", "1"}, {"incident[scheduled_auto_in_progress]", "true"},
			{"incident[component_ids][]", web.ID}}, &mnt), 201)
		if mnt.ScheduledFor == nil || mnt.Status != "scheduled" {
			t.Errorf("maintenance by form = %+v", mnt)
		}

		var sub struct{ ID, Email string }
		c.want(c.form("POST", "/subscribers", [][2]string{{"subscriber[email]", "ann@example.com"},
			{"subscriber[component_ids][]", api.ID}, {"subscriber[skip_confirmation_notification]", "true"}}, &sub), 201)
		if s, err := db.GetSubscriber(ctx, sub.ID); err != nil || s.Status != models.SubscriberConfirmed || len(s.ComponentIDs) != 1 {
			t.Errorf("subscriber by form = %+v, %v", s, err)
		}

		// An unwrapped form (name=…) reads like an unwrapped JSON object.
		var bare jsonComponent
		c.want(c.form("POST", "/components", [][2]string{{"name", "CDN"}}, &bare), 201)
		if bare.Name != "CDN" {
			t.Errorf("unwrapped form = %+v", bare)
		}
		// JSON sent with curl -d's form type is still read as JSON.
		var js jsonComponent
		c.want(c.raw("POST", "/components", formType, `{"component":{"name":"DNS"}}`, &js), 201)
		if js.Name != "DNS" {
			t.Errorf("JSON with the form type = %+v", js)
		}
	})
}

// The exact bodies the Terraform provider's SDK (github.com/yannh/statuspage-go-sdk)
// sends: no Content-Type, every optional field of an incident an empty
// string, "components":null.
func TestAPITerraformSDKBodies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleEditor)
		ctx := context.Background()

		// resource_component create: optional fields left out (omitempty pointers).
		var api jsonComponent
		c.want(c.raw("POST", "/components", "", `{"component":{"name":"API","description":"Public API","status":"operational","showcase":true}}`, &api), 201)
		// resource_component update: every field sent, unset ones as "" and false.
		c.want(c.raw("PATCH", "/components/"+api.ID, "", `{"component":{"name":"API v2","description":"","status":"","only_show_if_degraded":false,"showcase":false}}`, &api), 200)
		if api.Name != "API v2" || api.Status != "operational" || api.Showcase || api.Description != nil && *api.Description != "" {
			t.Errorf("after the SDK's update = %+v", api)
		}
		c.want(c.raw("PATCH", "/components/"+api.ID, "", `{"component":{"name":"API v2","description":"","status":"degraded_performance","only_show_if_degraded":false,"showcase":true}}`, &api), 200)
		if api.Status != "degraded_performance" {
			t.Errorf("status after the SDK's update = %q", api.Status)
		}
		// resource_component_group create and update.
		var group jsonComponent
		c.want(c.raw("POST", "/component-groups", "", `{"component_group":{"name":"Backend","description":"","components":["`+api.ID+`"]}}`, &group), 201)
		c.want(c.raw("PATCH", "/component-groups/"+group.ID, "", `{"component_group":{"name":"Backend services","description":"","components":["`+api.ID+`"]}}`, &group), 200)
		if group.Name != "Backend services" {
			t.Errorf("group after the SDK's update = %+v", group)
		}
		// "components": null leaves the members as they are.
		c.want(c.raw("PATCH", "/component-groups/"+group.ID, "", `{"component_group":{"name":"Backend services","components":null}}`, &group), 200)
		if len(group.Components) != 1 {
			t.Errorf("group after components null = %+v", group)
		}

		// CreateIncident: every optional field an empty string.
		var in jsonIncident
		c.want(c.raw("POST", "/incidents", "", `{"incident":{"name":"Database slow","status":"investigating","impact_override":"","scheduled_for":"","scheduled_until":"","body":"","component_ids":null,"components":null}}`, &in), 201)
		if in.Name != "Database slow" || in.Status != "investigating" || in.ScheduledFor != nil {
			t.Fatalf("incident from the SDK = %+v", in)
		}
		if got, err := db.GetIncident(ctx, in.ID); err != nil || got.Kind != models.KindIncident {
			t.Fatalf("stored = %+v, %v", got, err)
		}
		// With components: the SDK's component_ids list.
		var in2 jsonIncident
		c.want(c.raw("POST", "/incidents", "", `{"incident":{"name":"API down","status":"identified","impact_override":"critical","scheduled_for":"","scheduled_until":"","body":"Rolling back.","component_ids":["`+api.ID+`"],"components":null}}`, &in2), 201)
		if in2.Impact != "critical" || len(in2.Components) != 1 {
			t.Errorf("incident with components from the SDK = %+v", in2)
		}
		// UpdateIncident: the same shape.
		c.want(c.raw("PATCH", "/incidents/"+in.ID, "", `{"incident":{"name":"Database slow","status":"resolved","impact_override":"","scheduled_for":"","scheduled_until":"","body":"Fixed.","component_ids":null,"components":null}}`, &in), 200)
		if in.Status != "resolved" || in.IncidentUpdates[0].Body != "Fixed." {
			t.Errorf("after the SDK's update = %+v", in)
		}
		// A maintenance from the SDK: the schedule given, the rest empty.
		from := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
		var mnt jsonIncident
		c.want(c.raw("POST", "/incidents", "", `{"incident":{"name":"Upgrade","status":"scheduled","impact_override":"","scheduled_for":"`+from.Format(time.RFC3339)+`","scheduled_until":"`+from.Add(time.Hour).Format(time.RFC3339)+`","body":"","component_ids":null,"components":null}}`, &mnt), 201)
		if mnt.ScheduledFor == nil || mnt.Status != "scheduled" {
			t.Errorf("maintenance from the SDK = %+v", mnt)
		}
		// DeleteIncident and DeleteComponent (the SDK accepts 200 or 204).
		admin := newAPIClientOn(t, c, db, models.RoleAdmin)
		if rec := admin.raw("DELETE", "/incidents/"+in2.ID, "", "", nil); rec.Code != 200 && rec.Code != 204 {
			t.Errorf("delete incident = %d", rec.Code)
		}
	})
}

// newAPIClientOn is another client of the same App with a token of role.
func newAPIClientOn(t *testing.T, c *apiClient, db *models.DB, role string) *apiClient {
	secret, _, err := db.CreateAPIToken(context.Background(), "test2 "+role, role)
	if err != nil {
		t.Fatal(err)
	}
	return &apiClient{t: t, h: c.h, auth: "OAuth " + secret, pageID: c.pageID}
}

// A bad form is refused as the same JSON is: 4xx naming the field, nothing written.
func TestAPIFormBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleEditor)
		var api jsonComponent
		c.want(c.do("POST", "/components", map[string]any{"component": map[string]any{"name": "API"}}, &api), 201)
		for _, tc := range []struct {
			name, method, path, body string
			code                     int
			field                    string
		}{
			{"empty name", "POST", "/components", "component[name]=", 422, "name"},
			{"unknown status", "POST", "/components", "component[name]=X&component[status]=sideways", 422, "status"},
			{"position not a number", "PATCH", "/components/" + api.ID, "component[position]=first", 400, "position"},
			{"showcase not a boolean", "PATCH", "/components/" + api.ID, "component[showcase]=maybe", 400, "showcase"},
			{"name given fields", "POST", "/components", "component[name][first]=X", 400, "name"},
			{"malformed key", "POST", "/incidents", "incident[name=X", 400, "incident[name"},
			{"bad escape", "POST", "/incidents", "incident[name]=%zz", 400, "form"},
			{"list of objects", "POST", "/incidents", "incident[components][][id]=x", 400, "incident[components][][id]"},
			{"too deep", "POST", "/incidents", "incident[a][b][c][d][e][f][g]=x", 400, "incident[a]"},
			{"incident without name", "POST", "/incidents", "incident[status]=investigating", 422, "name"},
			{"unknown incident status", "POST", "/incidents", "incident[name]=X&incident[status]=sideways", 422, "status"},
			{"unknown component status", "POST", "/incidents", "incident[name]=X&incident[components][" + api.ID + "]=melting", 422, "components"},
			{"unknown component", "POST", "/incidents", "incident[name]=X&incident[component_ids][]=nosuch", 422, "component"},
			{"notify not a boolean", "POST", "/incidents", "incident[name]=X&incident[deliver_notifications]=perhaps", 400, "deliver_notifications"},
			{"bad schedule", "POST", "/incidents", "incident[name]=X&incident[scheduled_for]=tomorrow", 422, "scheduled_for"},
			{"component_ids not a list", "POST", "/incidents", "incident[name]=X&incident[component_ids][a]=b", 400, "component_ids"},
			{"bad email", "POST", "/subscribers", "subscriber[email]=not-an-address", 422, "email"},
			{"NUL in a form value", "POST", "/components", "component[name]=a%00b", 422, "name"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := tableCounts(t, db)
				var e apiErr
				rec := c.raw(tc.method, tc.path, formType, tc.body, &e)
				if rec.Code != tc.code || e.Error == "" {
					t.Fatalf("%d %s, want %d with a message", rec.Code, rec.Body.String(), tc.code)
				}
				if !strings.Contains(e.Error, tc.field) {
					t.Errorf("error %q does not name %s", e.Error, tc.field)
				}
				for _, word := range internalText {
					if strings.Contains(strings.ToLower(e.Error), strings.ToLower(word)) {
						t.Errorf("error leaks internals: %q", e.Error)
					}
				}
				if after := tableCounts(t, db); after != before {
					t.Errorf("rows changed: %v → %v", before, after)
				}
			})
		}
	})
}

// The same bad field is refused with the same words in a form as in JSON.
func TestAPIFormErrorsMatchJSON(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleEditor)
		for _, tc := range []struct{ form, json string }{
			{"component[name]=", `{"component":{"name":""}}`},
			{"component[name]=X&component[status]=sideways", `{"component":{"name":"X","status":"sideways"}}`},
			{"component[name]=X&component[position]=first", `{"component":{"name":"X","position":"first"}}`},
			{"incident[name]=X&incident[status]=sideways", `{"incident":{"name":"X","status":"sideways"}}`},
			{"incident[name]=X&incident[backfilled]=yes&incident[backfill_date]=", `{"incident":{"name":"X","backfilled":true,"backfill_date":""}}`},
		} {
			path := "/components"
			if strings.HasPrefix(tc.form, "incident") {
				path = "/incidents"
			}
			f, j := c.raw("POST", path, formType, tc.form, nil), c.raw("POST", path, "application/json", tc.json, nil)
			if f.Code != j.Code || f.Body.String() != j.Body.String() {
				t.Errorf("%s: form %d %s, JSON %d %s", tc.form, f.Code, f.Body, j.Code, j.Body)
			}
		}
	})
}

// Legacy paths: a ".json" suffix and a trailing slash.
func TestAPILegacyPaths(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleEditor)
		var api jsonComponent
		c.want(c.do("POST", "/components.json", map[string]any{"component": map[string]any{"name": "API"}}, &api), 201)
		var list []jsonComponent
		c.want(c.do("GET", "/components.json", nil, &list), 200)
		c.want(c.do("GET", "/components/", nil, &list), 200)
		if len(list) != 1 {
			t.Errorf("components = %+v", list)
		}
		var got jsonComponent
		c.want(c.do("GET", "/components/"+api.ID+".json", nil, &got), 200)
		c.want(c.form("PATCH", "/components/"+api.ID+".json", [][2]string{{"component[status]", "partial_outage"}}, &got), 200)
		if got.ID != api.ID || got.Status != "partial_outage" {
			t.Errorf("via .json = %+v", got)
		}
		c.want(c.do("GET", "/components/"+api.ID+"/", nil, &got), 200)
		c.want(c.do("GET", "/v1/pages/"+c.pageID+".json", nil, nil), 200)
		c.want(c.do("GET", "/v1/pages/"+c.pageID+"/", nil, nil), 200)
		c.want(c.do("GET", "/v1/pages.json", nil, nil), 200)
		c.want(c.do("GET", "/incidents/unresolved.json", nil, nil), 200)
		c.want(c.do("GET", "/components/nosuch.json", nil, nil), 404)
	})
}

// ?api_key= authenticates, and the token never reaches the log.
func TestAPIKeyQueryParameter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		var logs bytes.Buffer
		cfg, err := app.LoadConfig(func(k string) string { return testEnv[k] })
		if err != nil {
			t.Fatal(err)
		}
		a, err := app.New(context.Background(), cfg, db, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
		if err != nil {
			t.Fatal(err)
		}
		secret, _, err := db.CreateAPIToken(context.Background(), "key", models.RoleEditor)
		if err != nil {
			t.Fatal(err)
		}
		pageID, _ := db.GetSetting(context.Background(), models.SettingPageID)
		c := &apiClient{t: t, h: a.Handler(), pageID: pageID}
		c.want(c.do("GET", "/components?api_key="+url.QueryEscape(secret), nil, nil), 200)
		c.want(c.form("POST", "/components?api_key="+url.QueryEscape(secret), [][2]string{{"component[name]", "API"}}, nil), 201)
		c.want(c.do("GET", "/components?api_key=wrong", nil, nil), 401)
		c.want(c.do("GET", "/components", nil, nil), 401)
		if strings.Contains(logs.String(), secret) || strings.Contains(logs.String(), "api_key") {
			t.Errorf("the log shows the token:\n%s", logs.String())
		}
		if !strings.Contains(logs.String(), "/components") {
			t.Errorf("the requests were not logged:\n%s", logs.String())
		}
	})
}

// A wrong method is a 405 with Allow, in JSON; an unknown path a JSON 404.
func TestAPIWrongMethod(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleAdmin)
		var api jsonComponent
		c.want(c.do("POST", "/components", map[string]any{"component": map[string]any{"name": "API"}}, &api), 201)
		for _, tc := range []struct{ method, path, allow string }{
			{"DELETE", "/incidents", "GET, POST"},
			{"POST", "/components/" + api.ID, "DELETE, GET, PATCH, PUT"},
			{"POST", "/components/" + api.ID + ".json", "DELETE, GET, PATCH, PUT"},
			{"DELETE", "", "GET, PATCH, PUT"},
			{"POST", "/subscribers/nosuch", "DELETE, GET"},
			{"POST", "/v1/pages", "GET"},
		} {
			var e apiErr
			rec := c.do(tc.method, tc.path, nil, &e)
			if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != tc.allow || !strings.Contains(e.Error, tc.method) {
				t.Errorf("%s %s = %d Allow %q %q, want 405 Allow %q", tc.method, tc.path, rec.Code, rec.Header().Get("Allow"), e.Error, tc.allow)
			}
		}
		var e apiErr
		if rec := c.do("GET", "/nothing-here", nil, &e); rec.Code != 404 || e.Error == "" {
			t.Errorf("unknown path = %d %s", rec.Code, rec.Body)
		}
	})
}

// PATCH /v1/pages/{id}: name, time zone and website; unknown fields ignored.
func TestAPIPatchPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleAdmin)
		var page struct {
			ID, Name, URL string
			TimeZone      string `json:"time_zone"`
		}
		type pageJSON = map[string]any
		c.want(c.do("PATCH", "/v1/pages/"+c.pageID, pageJSON{"page": pageJSON{"name": "Acme Status", "time_zone": "America/New_York",
			"url": "https://www.acme.test", "css_body_background_color": "#ffffff", "allow_sms_subscribers": false, "branding": "premium"}}, &page), 200)
		if page.Name != "Acme Status" || page.TimeZone != "America/New_York" || page.URL != "https://www.acme.test" {
			t.Errorf("after PATCH = %+v", page)
		}
		c.want(c.do("GET", "/v1/pages/"+c.pageID, nil, &page), 200)
		if page.Name != "Acme Status" {
			t.Errorf("GET after PATCH = %+v", page)
		}
		// A form, and empty fields left alone.
		c.want(c.form("PATCH", "/v1/pages/"+c.pageID, [][2]string{{"page[name]", "Acme Cloud Status"}, {"page[time_zone]", ""}}, &page), 200)
		if page.Name != "Acme Cloud Status" || page.TimeZone != "America/New_York" {
			t.Errorf("after form PATCH = %+v", page)
		}
		// Bad values: 422 naming the field, nothing stored.
		for _, tc := range []struct{ body, field string }{
			{`{"page":{"time_zone":"Mars/Olympus"}}`, "time_zone"},
			{`{"page":{"url":"javascript:alert(1)"}}`, "url"},
			{`{"page":{"name":"` + strings.Repeat("n", 101) + `"}}`, "name"},
			{`{"page":{"name":5}}`, "name"},
		} {
			var e apiErr
			rec := c.raw("PATCH", "/v1/pages/"+c.pageID, "application/json", tc.body, &e)
			if rec.Code/100 != 4 || !strings.Contains(e.Error, tc.field) {
				t.Errorf("%s = %d %s, want 4xx naming %s", tc.body, rec.Code, rec.Body, tc.field)
			}
		}
		if ps, _ := db.LoadPageSettings(context.Background()); ps.Name != "Acme Cloud Status" || ps.TimeZone != "America/New_York" {
			t.Errorf("stored = %+v", ps)
		}
		// An editor may not change the page.
		ed := newAPIClientOn(t, c, db, models.RoleEditor)
		ed.want(ed.do("PATCH", "/v1/pages/"+c.pageID, pageJSON{"page": pageJSON{"name": "X"}}, nil), 403)
		// The server's next start shows the stored name and time zone too
		// (TestPageSettingsLive: the running one shows them at once).
		h := newTestApp(t, db, nil).Handler()
		body := wantPage(t, get(t, h, "/"), 200)
		contains(t, body, "Acme Cloud Status")
		var summary struct {
			Page struct {
				Name     string
				TimeZone string `json:"time_zone"`
			} `json:"page"`
		}
		if err := json.Unmarshal(get(t, h, "/api/v2/summary.json").Body.Bytes(), &summary); err != nil || summary.Page.Name != "Acme Cloud Status" || summary.Page.TimeZone != "America/New_York" {
			t.Errorf("summary page = %+v, %v", summary.Page, err)
		}
		restarted := &apiClient{t: t, h: h, auth: c.auth, pageID: c.pageID}
		restarted.want(restarted.do("GET", "/v1/pages/"+c.pageID, nil, &page), 200)
		if page.Name != "Acme Cloud Status" || strings.Contains(restarted.do("GET", "/v1/pages/"+c.pageID, nil, nil).Body.String(), "pending_restart") {
			t.Errorf("after the restart = %+v", page)
		}
	})
}
