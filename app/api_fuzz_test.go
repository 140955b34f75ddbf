package app_test

import (
	"net/netip"

	"context"
	"encoding/json"
	"fmt"
	"github.com/beaconstatus/beacon/app/egress"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/app"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// fuzzSite is a real App on one database with something to refer to: a
// component, a group, an open incident and a resolved one.
type fuzzSite struct {
	db      *models.DB
	a       *app.App
	h       http.Handler
	auth    string
	ids     map[string]string // {comp}, {group}, {inc}, {upd}, {done} → ids
	nextIP  int
	dialect models.Dialect
}

func newFuzzSite(f *testing.F, d models.Dialect) *fuzzSite {
	ctx := context.Background()
	db := dbtest.MustOpenDB(f, d)
	s := &fuzzSite{db: db, a: newTestApp(f, db, nil), ids: map[string]string{}, dialect: d}
	s.h = s.a.Handler()
	secret, _, err := db.CreateAPIToken(ctx, "fuzz", models.RoleAdmin)
	if err != nil {
		f.Fatal(err)
	}
	s.auth = "Bearer " + secret
	group := models.Component{Name: "Europe", IsGroup: true}
	if err := db.CreateComponent(ctx, &group, "fuzz"); err != nil {
		f.Fatal(err)
	}
	comp := models.Component{Name: "API", GroupID: &group.ID}
	if err := db.CreateComponent(ctx, &comp, "fuzz"); err != nil {
		f.Fatal(err)
	}
	s.ids["{comp}"], s.ids["{group}"] = comp.ID, group.ID
	open, err := db.OpenIncident(ctx, models.NewIncident{Name: "API errors", Body: "Looking.", Actor: "fuzz",
		Components: map[string]string{comp.ID: models.MajorOutage}})
	if err != nil {
		f.Fatal(err)
	}
	s.ids["{inc}"] = open.ID
	var upd struct{ ID string }
	if err := db.Gorm.Raw(`SELECT id FROM timeline_events WHERE incident_id = ? AND kind = 'update'`, open.ID).Scan(&upd).Error; err != nil || upd.ID == "" {
		f.Fatalf("incident update: %v", err)
	}
	s.ids["{upd}"] = upd.ID
	done, err := db.OpenIncident(ctx, models.NewIncident{Name: "Old outage", Body: "Over.", Actor: "fuzz", Status: models.Resolved})
	if err != nil {
		f.Fatal(err)
	}
	s.ids["{done}"] = done.ID
	pageID, err := db.GetSetting(ctx, models.SettingPageID)
	if err != nil {
		f.Fatal(err)
	}
	s.ids["{page}"] = pageID
	return s
}

// fill puts the site's ids in place of their placeholders.
func (s *fuzzSite) fill(v string) string {
	for k, id := range s.ids {
		v = strings.ReplaceAll(v, k, id)
	}
	return v
}

// fuzzRoutes are the management API's writes, each decoding a JSON body.
var fuzzRoutes = []struct{ method, path string }{
	{"POST", "/components"},
	{"PATCH", "/components/{comp}"},
	{"POST", "/component-groups"},
	{"PUT", "/component-groups/{group}"},
	{"POST", "/incidents"},
	{"PATCH", "/incidents/{inc}"},
	{"PATCH", "/incidents/{inc}/incident_updates/{upd}"},
	{"POST", "/incidents/{inc}/events"},
	{"POST", "/subscribers"},
	{"PUT", "/incidents/{done}/postmortem"},
	{"POST", "/incidents/{done}/postmortem/action-items"},
	{"PATCH", ""},
	{"POST", "/subscribers/unsubscribe"},
	{"POST", "/subscribers/resend_confirmation"},
	{"POST", "/incident_templates"},
	{"POST", "/integrations"},
}

// internalText is what an answer must never show: the words of Go's,
// the drivers' and the ORM's errors.
var internalText = []string{"gorm", "sql", "SQLSTATE", "pq:", "pgx", "json: ", "runtime error", "goroutine", "invalid memory", "panic", "constraint", "strconv."}

// FuzzManagementAPI posts any JSON body to each write of the management
// API, through the real router on SQLite and on PostgreSQL: the answer is
// never a 5xx, is JSON, says what is wrong in words without internal error
// text, and both databases answer alike.
func FuzzManagementAPI(f *testing.F) {
	for _, seed := range []struct {
		route uint8
		body  string
	}{
		{0, `{"component":{"name":"Web","status":"operational","group_id":"{group}"}}`},
		{0, `{"component":{"name":"","status":"melting"}}`},
		{1, `{"component":{"status":"major_outage","position":-1,"start_date":"2026-13-45"}}`},
		{1, `{"component":{"group_id":"{comp}"}}`},
		{2, `{"component_group":{"name":"Asia","components":["{comp}","nope"]}}`},
		{3, `{"component_group":{"components":[]}}`},
		{4, `{"incident":{"name":"Down","status":"investigating","impact_override":"critical","body":"<script>alert(1)</script>","components":{"{comp}":"major_outage"},"deliver_notifications":true}}`},
		{4, `{"incident":{"name":"Window","scheduled_for":"2026-12-01T10:00:00Z","scheduled_until":"2026-12-01T09:00:00Z"}}`},
		{4, `{"incident":{"name":"Backfill","backfilled":true,"backfill_date":"1900-01-01"}}`},
		{4, `{"incident":{"name":"x","component_ids":["{comp}","{group}"],"components":{"{comp}":"nope"}}}`},
		{5, `{"incident":{"status":"resolved","restore_components":true}}`},
		{5, `{"incident":{"status":"postmortem","display_at":"yesterday"}}`},
		{6, `{"incident_update":{"body":"edited","display_at":"2026-11-24T10:00:00+01:00"}}`},
		{7, `{"event":{"kind":"chat","body":"from slack","source":"slack","occurred_at":"2026-11-24T10:00:00Z"}}`},
		{8, `{"subscriber":{"email":"ann@example.com","component_ids":["{comp}"],"skip_confirmation_notification":true}}`},
		{8, `{"subscriber":{"email":"Ann <ann@example.com>\r\nBcc: x@example.com"}}`},
		{9, `{"postmortem":{"summary":"**what**","root_cause":"<img src=x onerror=alert(1)>","timeline":[{"id":"nope","remove":true}]}}`},
		{10, `{"action_item":{"title":"Add alerting","owner":"ops","due_date":"2026-12-31","status":"open","url":"javascript:alert(1)"}}`},
		{0, `{"component":{"name":1e999}}`},
		{4, `[]`},
		{4, `{"incident":null}`},
		{5, `{"incident":{"name":null,"components":{"":""}}}`},
		{0, "\xff\xfe"},
		{0, ``},
		{1, `{"component":{"position":9223372036854775808}}`},
		// What PostgreSQL cannot store and SQLite would: refused alike.
		{0, `{"component":{"name":"NUL\u0000here"}}`},
		{0, "{\"component\":{\"name\":\"bad \xff\xfe utf-8\"}}"},
		{1, `{"component":{"position":2147483648}}`},
		{4, `{"incident":{"name":"x","body":"a\u0000b","impact_override":"\u0000"}}`},
		{7, `{"event":{"kind":"chat","body":"x","source":"\u0000"}}`},
		{8, `{"subscriber":{"email":"ann\u0000@example.com"}}`},
		{10, `{"action_item":{"title":"t","owner":"\u0000","due_date":"2026-12-31"}}`},
		{15, `{"integration":{"kind":"alertmanager","name":"AM","severity_status":{"critical":"major_outage"},"attach_window_minutes":30}}`},
		{15, `{"integration":{"kind":"slack","name":"S","signing_secret":"\u0000","user_emails":{"U1":"x"}}}`},
	} {
		f.Add(seed.route, seed.body)
	}
	var sites []*fuzzSite
	for _, d := range dbtest.FuzzDialects() {
		sites = append(sites, newFuzzSite(f, d))
	}
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		r := fuzzRoutes[int(route)%len(fuzzRoutes)]
		var codes []int
		for _, s := range sites {
			path := "/v1/pages/" + s.ids["{page}"] + s.fill(r.path)
			req := httptest.NewRequest(r.method, path, strings.NewReader(s.fill(body)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", s.auth)
			rec := serve(s.h, req)
			codes = append(codes, rec.Code)
			if rec.Code >= 500 {
				t.Fatalf("%s: %s %s %q = %d %s", s.dialect, r.method, r.path, body, rec.Code, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); rec.Body.Len() > 0 && !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("%s: %s %s %q: Content-Type %q", s.dialect, r.method, r.path, body, ct)
			}
			if rec.Code < 400 {
				if !json.Valid(rec.Body.Bytes()) {
					t.Fatalf("%s: %s %s %q = %d with a body that is not JSON: %s", s.dialect, r.method, r.path, body, rec.Code, rec.Body)
				}
				continue
			}
			var e apiErr
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Fatalf("%s: %s %s %q = %d without an error message: %s", s.dialect, r.method, r.path, body, rec.Code, rec.Body)
			}
			for _, word := range internalText {
				if strings.Contains(strings.ToLower(e.Error), strings.ToLower(word)) && !strings.Contains(strings.ToLower(body), strings.ToLower(word)) {
					t.Fatalf("%s: %s %s %q = %d shows internal error text: %s", s.dialect, r.method, r.path, body, rec.Code, rec.Body)
				}
			}
		}
		if len(codes) == 2 && codes[0] != codes[1] {
			t.Fatalf("%s %s %q: SQLite answers %d, PostgreSQL %d", r.method, r.path, body, codes[0], codes[1])
		}
	})
}

// FuzzSubscribeForm posts any subscribe form, from a new client address
// each time: the answer is a page (200 "check your inbox", 422 saying
// what is wrong, or 429), never a 5xx; a refused form stores nothing; an
// accepted one stores a valid address with existing components only.
func FuzzSubscribeForm(f *testing.F) {
	f.Add("ann@example.com", "", "", false, "")
	f.Add("Bob@Example.com", "{comp}\n{group}", "incidents\nmaintenance", true, "")
	f.Add("cy@example.com", "nope", "", false, "")
	f.Add("dee@example.com", "{comp}", "postmortems\nweather", true, "")
	f.Add("eve@example.com\r\nBcc: x@example.com", "", "", false, "")
	f.Add("Fay <fay@example.com>", "", "", false, "")
	f.Add("", "", "", true, "")
	f.Add("gus@example.com", "{comp}\n{comp}\n\n", "incidents\nincidents", false, "")
	f.Add(strings.Repeat("h", 250)+"@example.com", "", "", false, "")
	f.Add("nul\x00@example.com", "", "", false, "")
	f.Add("bad\xff\xfe@example.com", "{comp}\x00", "incidents\x00", true, "")
	f.Add("ops@example.com", "", "", false, "https://203.0.113.7/hooks/status")
	f.Add("ops@example.com", "{comp}", "incidents", true, "http://127.0.0.1:8080/hook")
	f.Add("ops@example.com", "", "", false, "http://169.254.169.254/latest/meta-data/")
	f.Add("ops@example.com", "", "", false, "http://[fd00:ec2::254]/")
	f.Add("ops@example.com", "", "", false, "http://10.1.2.3/")
	f.Add("ops@example.com", "", "", false, "http://100.64.0.1/")
	f.Add("ops@example.com", "", "", false, "http://[::]/")
	f.Add("ops@example.com", "", "", false, "ftp://203.0.113.7/x")
	f.Add("ops@example.com", "", "", false, "https://user:pass@203.0.113.7/x")
	f.Add("ops@example.com", "", "", false, "javascript:alert(1)")
	f.Add("ops@example.com", "", "", false, "https://hooks.example.invalid/x")
	f.Add("ops@example.com", "", "", false, "https://203.0.113.7:99999/x")
	f.Add("", "", "", false, "https://203.0.113.7/\r\nx")
	f.Add("ops@example.com", "", "", false, "https://203.0.113.7/"+strings.Repeat("a", 2100))
	var sites []*fuzzSite
	for _, d := range dbtest.FuzzDialects() {
		sites = append(sites, newFuzzSite(f, d))
	}
	f.Fuzz(func(t *testing.T, email, componentIDs, kinds string, full bool, endpoint string) {
		var codes []int
		for _, s := range sites {
			form := url.Values{"email": {email}, "endpoint": {endpoint}}
			for _, id := range strings.Split(s.fill(componentIDs), "\n") {
				if id != "" {
					form.Add("component_ids", id)
				}
			}
			for _, k := range strings.Split(kinds, "\n") {
				if k != "" {
					form.Add("kinds", k)
				}
			}
			if full {
				form.Set("full", "1")
			}
			var before int64
			s.db.Gorm.Model(&models.Subscriber{}).Count(&before)
			s.nextIP++
			req := httptest.NewRequest(http.MethodPost, "/subscribe", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:1234", s.nextIP>>16&255, s.nextIP>>8&255, s.nextIP&255)
			rec := serve(s.h, req)
			codes = append(codes, rec.Code)
			var after int64
			s.db.Gorm.Model(&models.Subscriber{}).Count(&after)
			switch rec.Code {
			case http.StatusOK:
				if after > before+1 {
					t.Fatalf("%s: one form added %d subscribers", s.dialect, after-before)
				}
				_, norm, err := models.ParseEmail("email", email)
				if err != nil {
					t.Fatalf("%s: %q was accepted but is not an address: %v", s.dialect, email, err)
				}
				if endpoint != "" {
					u, err := egress.ParseEndpoint("endpoint", endpoint)
					if err != nil {
						t.Fatalf("%s: endpoint %q was accepted: %v", s.dialect, endpoint, err)
					}
					if ip, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]")); err == nil {
						if ok, why := (&egress.Guard{}).Allowed(ip); !ok {
							t.Fatalf("%s: endpoint %q on %s was accepted", s.dialect, endpoint, why)
						}
					}
					norm = "webhook:" + u.String()
				}
				sub, err := s.db.FindSubscriber(context.Background(), norm)
				if err != nil {
					t.Fatalf("%s: %q was accepted but not stored: %v", s.dialect, email, err)
				}
				for _, id := range sub.ComponentIDs {
					if id != s.ids["{comp}"] && id != s.ids["{group}"] {
						t.Fatalf("%s: %q subscribed to a component that does not exist: %q", s.dialect, email, id)
					}
				}
			case http.StatusUnprocessableEntity, http.StatusTooManyRequests:
				if after != before {
					t.Fatalf("%s: a refused form (%d) added %d subscribers", s.dialect, rec.Code, after-before)
				}
			default:
				t.Fatalf("%s: POST /subscribe %q %q %q %q = %d:\n%s", s.dialect, email, componentIDs, kinds, endpoint, rec.Code, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Fatalf("%s: Content-Type %q", s.dialect, ct)
			}
		}
		if len(codes) == 2 && codes[0] != codes[1] {
			t.Fatalf("POST /subscribe %q %q %q: SQLite answers %d, PostgreSQL %d", email, componentIDs, kinds, codes[0], codes[1])
		}
	})
}
