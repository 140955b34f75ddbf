package app_test

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/models/dbtest"
)

// FuzzFormBody posts any form body to each write of the management API,
// and a form and the equivalent JSON built from the same fields to the
// component and incident creates, through the real router on SQLite and
// on PostgreSQL: no 5xx, no internal error text, and the form's answer is
// the JSON's (the same status and error, or the same component or
// incident made).
func FuzzFormBody(f *testing.F) {
	for _, seed := range []struct {
		route                          uint8
		raw, name, status, body, state string
		notify                         bool
	}{
		{0, "component[name]=Web&component[status]=major_outage&component[group_id]={group}", "Web", "operational", "The site", "major_outage", true},
		{1, "component[status]=partial_outage&component[position]=2&component[showcase]=false", "", "", "", "", false},
		{2, "component_group[name]=Asia&component_group[components][]={comp}", "Down", "investigating", "Looking", "major_outage", true},
		{4, "incident[name]=Down&incident[components][{comp}]=major_outage&incident[component_ids][]={comp}&incident[deliver_notifications]=true", "x", "sideways", "", "melting", false},
		{4, "incident[name]=Window&incident[scheduled_for]=2026-12-01T10:00:00Z&incident[scheduled_until]=2026-12-01T09:00:00Z", "", "", "", "", true},
		{5, "incident[status]=resolved&incident[body]=Fixed&incident[components][{comp}]=operational", "a\x00b", "identified", "\xff\xfe", "operational", true},
		{5, "incident[name=x", "  ", "resolved", "<script>", "", false},
		{7, "event[kind]=chat&event[body]=hi&event[occurred_at]=yesterday", "n", "monitoring", "b", "degraded_performance", false},
		{8, "subscriber[email]=ann@example.com&subscriber[component_ids][]={comp}", strings.Repeat("n", 300), "investigating", "", "", true},
		{9, "postmortem[summary]=what&postmortem[timeline][0][id]=x", "", "", "", "", false},
		{10, "action_item[title]=Fix&action_item[position]=1e999", "", "", "", "", false},
		{4, "incident[components][][id]=x&incident[a][b][c][d][e][f][g]=1&%zz", "", "", "", "", false},
		{4, "incident[name][]=a&incident[name][x]=b&incident=c", "", "", "", "", false},
	} {
		f.Add(seed.route, seed.raw, seed.name, seed.status, seed.body, seed.state, seed.notify)
	}
	var sites []*fuzzSite
	for _, d := range dbtest.FuzzDialects() {
		s := newFuzzSite(f, d)
		s.h = newTestApp(f, s.db, map[string]string{"API_RATE_LIMIT": "1000000"}).Handler()
		sites = append(sites, s)
	}
	f.Fuzz(func(t *testing.T, route uint8, raw, name, status, body, state string, notify bool) {
		r := fuzzRoutes[int(route)%len(fuzzRoutes)]
		var codes []int
		for _, s := range sites {
			// Any form: never a 5xx, an error in words.
			rec := s.post(r.method, r.path, formType, s.fill(raw))
			codes = append(codes, rec.Code)
			s.checkAnswer(t, r.method+" "+r.path+" "+raw, rec)

			// The same fields as a form and as JSON: the same answer.
			comp := s.ids["{comp}"]
			pairs := url.Values{"component[name]": {name}, "component[status]": {status}, "component[description]": {body}}
			doc := map[string]any{"component": map[string]any{"name": name, "status": status, "description": body}}
			path := "/components"
			if route%2 == 1 {
				pairs = url.Values{"incident[name]": {name}, "incident[status]": {status}, "incident[body]": {body},
					"incident[components][" + comp + "]": {state}, "incident[deliver_notifications]": {map[bool]string{true: "true", false: "false"}[notify]}}
				doc = map[string]any{"incident": map[string]any{"name": name, "status": status, "body": body,
					"components": map[string]string{comp: state}, "deliver_notifications": notify}}
				path = "/incidents"
			}
			js, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			fr := s.post("POST", path, formType, pairs.Encode())
			jr := s.post("POST", path, "application/json", string(js))
			s.checkAnswer(t, "form "+pairs.Encode(), fr)
			if fr.Code != jr.Code {
				t.Fatalf("%s: POST %s: form %d %s, JSON %d %s", s.dialect, path, fr.Code, fr.Body, jr.Code, jr.Body)
			}
			if fr.Code >= 400 && fr.Body.String() != jr.Body.String() {
				t.Fatalf("%s: POST %s: form says %s, JSON %s", s.dialect, path, fr.Body, jr.Body)
			}
			if fr.Code < 300 && made(t, fr.Body.Bytes()) != made(t, jr.Body.Bytes()) {
				t.Fatalf("%s: POST %s: the form made %s, the JSON %s", s.dialect, path, made(t, fr.Body.Bytes()), made(t, jr.Body.Bytes()))
			}
		}
		if len(codes) == 2 && codes[0] != codes[1] {
			t.Fatalf("%s %s %q: SQLite answers %d, PostgreSQL %d", r.method, r.path, raw, codes[0], codes[1])
		}
	})
}

// post sends a body of contentType to a path of the site's page.
func (s *fuzzSite) post(method, path, contentType, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/v1/pages/"+s.ids["{page}"]+s.fill(path), strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", s.auth)
	return serve(s.h, req)
}

// checkAnswer fails on a 5xx, an answer that is not JSON, or an error
// without words or with internal text.
func (s *fuzzSite) checkAnswer(t *testing.T, what string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("%s: %q = %d %s", s.dialect, what, rec.Code, rec.Body)
	}
	if rec.Body.Len() > 0 && !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("%s: %q = %d, not JSON: %s", s.dialect, what, rec.Code, rec.Body)
	}
	if rec.Code < 400 {
		return
	}
	var e apiErr
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
		t.Fatalf("%s: %q = %d without an error message: %s", s.dialect, what, rec.Code, rec.Body)
	}
	for _, word := range internalText {
		if strings.Contains(strings.ToLower(e.Error), strings.ToLower(word)) && !strings.Contains(strings.ToLower(what), strings.ToLower(word)) {
			t.Fatalf("%s: %q = %d shows internal error text: %s", s.dialect, what, rec.Code, rec.Body)
		}
	}
}

// made is what a create made, without its id and times.
func made(t *testing.T, body []byte) string {
	var v struct {
		Name, Status, Impact string
		Description          *string
		Components           []struct{ ID, Status string }
		IncidentUpdates      []struct{ Body string } `json:"incident_updates"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	out, _ := json.Marshal(v)
	return string(out)
}
