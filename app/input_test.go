package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// Text a database cannot store (a NUL character, invalid UTF-8) and
// integers beyond PostgreSQL's integer columns are refused the same way on
// both databases: a 4xx that names the field, nothing written. PostgreSQL
// used to answer 500 where SQLite stored them.
func TestUnstorableInputIsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		api := newAPIClient(t, db, models.RoleAdmin)
		h := api.h
		admin := signIn(t, h, db, models.RoleAdmin)
		before := tableCounts(t, db)

		// Management API: JSON bodies.
		for _, tc := range []struct{ path, body, field string }{
			{"/components", `{"component": {"name": "API\u0000"}}`, "component.name"},
			{"/components", `{"component": {"name": "API", "description": "a\u0000b"}}`, "component.description"},
			{"/components", `{"component": {"name": "API", "position": 2147483648}}`, "component.position"},
			{"/components", `{"component": {"name": "API", "position": 99999999999999999999999}}`, "component.position"},
			{"/incidents", `{"incident": {"name": "Down\u0000", "body": "x"}}`, "incident.name"},
			{"/incidents", `{"incident": {"name": "Down", "body": "x\u0000y"}}`, "incident.body"},
			{"/subscribers", `{"subscriber": {"email": "ann\u0000@example.com"}}`, "subscriber.email"},
		} {
			rec := api.do(http.MethodPost, tc.path, tc.body, nil)
			wantFieldError(t, "POST "+tc.path+" "+tc.body, rec, tc.field)
		}

		// Console forms and the public forms.
		for _, tc := range []struct {
			path, field string
			form        url.Values
		}{
			{"/admin/components", "name", url.Values{"name": {"API\x00"}, "status": {"operational"}}},
			{"/admin/components", "name", url.Values{"name": {"API\xff\xfe"}, "status": {"operational"}}},
			{"/admin/incidents", "message", url.Values{"name": {"Down"}, "impact": {"minor"}, "status": {"investigating"}, "message": {"a\x00b"}}},
		} {
			rec := admin.PostForm(tc.path, tc.form)
			if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), tc.field) {
				t.Errorf("POST %s %q = %d, want 422 naming %s:\n%.400s", tc.path, tc.form.Encode(), rec.Code, tc.field, rec.Body)
			}
		}
		for _, tc := range []struct {
			path  string
			form  url.Values
			field string
		}{
			{"/subscribe", url.Values{"email": {"ann\x00@example.com"}}, "email"},
			{"/subscribe", url.Values{"email": {"ann\xff@example.com"}}, "email"},
			{"/admin/login", url.Values{"email": {"ann\x00@example.com"}, "password": {"x"}}, "email"},
			{"/admin/login", url.Values{"email": {"ann@example.com"}, "password": {"\xff"}}, "password"},
		} {
			rec := httpPostForm(h, tc.path, tc.form)
			if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), tc.field) {
				t.Errorf("anonymous POST %s %q = %d, want 422 naming %s:\n%.400s", tc.path, tc.form.Encode(), rec.Code, tc.field, rec.Body)
			}
		}

		// Query parameters, on pages and the public API.
		for _, path := range []string{"/history?page=%00", "/history?page=%FF", "/api/v2/incidents.json?page=1%00",
			"/admin/subscribers?q=%00"} {
			rec := get(t, h, path)
			if strings.HasPrefix(path, "/admin") {
				rec = admin.Get(path)
			}
			if rec.Code != http.StatusUnprocessableEntity {
				t.Errorf("GET %s = %d, want 422", path, rec.Code)
			}
		}

		if after := tableCounts(t, db); after != before {
			t.Errorf("refused input changed the database: %v → %v", before, after)
		}
	})
}

// wantFieldError checks a JSON 422 whose fields name field.
func wantFieldError(t *testing.T, what string, rec interface {
	Result() *http.Response
}, field string) {
	t.Helper()
	res := rec.Result()
	var body struct {
		Error  string              `json:"error"`
		Fields []models.FieldError `json:"fields"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Errorf("%s: %d, not JSON: %v", what, res.StatusCode, err)
		return
	}
	if res.StatusCode != http.StatusUnprocessableEntity || len(body.Fields) == 0 || body.Fields[0].Field != field {
		t.Errorf("%s = %d %+v, want 422 naming %s", what, res.StatusCode, body, field)
	}
}

// Validation errors name the fields as the request does: an incident's
// impact is impact_override in the API.
func TestAPIErrorsNameTheRequestsFields(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		api := newAPIClient(t, db, models.RoleEditor)
		wantFieldError(t, "create with a bad impact_override", api.do(http.MethodPost, "/incidents",
			`{"incident": {"name": "Down", "body": "x", "impact_override": "bogus"}}`, nil), "impact_override")
		var in struct {
			ID string `json:"id"`
		}
		api.want(api.do(http.MethodPost, "/incidents", `{"incident": {"name": "Down", "body": "x"}}`, &in), http.StatusCreated)
		wantFieldError(t, "update with a bad impact_override", api.do(http.MethodPatch, "/incidents/"+in.ID,
			`{"incident": {"impact_override": "bogus"}}`, nil), "impact_override")
	})
}
