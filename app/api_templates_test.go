package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

type jsonTemplate struct {
	ID                      string            `json:"id"`
	Name                    string            `json:"name"`
	Title                   string            `json:"title"`
	Body                    string            `json:"body"`
	GroupID                 *string           `json:"group_id"`
	UpdateStatus            *string           `json:"update_status"`
	ShouldTweet             bool              `json:"should_tweet"`
	ShouldSendNotifications bool              `json:"should_send_notifications"`
	Components              []jsonComponent   `json:"components"`
	ComponentStatuses       map[string]string `json:"component_statuses"`
	CreatedAt               string            `json:"created_at"`
}

// /incident_templates in Statuspage's shape: create (JSON, form, the Go
// SDK's wrapper), list, show, change, delete; bad input refused.
func TestAPIIncidentTemplates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleEditor)
		api := addComponent(t, db, models.Component{Name: "API"})
		web := addComponent(t, db, models.Component{Name: "Web"})

		var tpl jsonTemplate
		c.want(c.do("POST", "/incident_templates", map[string]any{"template": map[string]any{
			"name": "API errors", "title": "Elevated API error rates", "body": "We are investigating errors on the API.",
			"group_id": "API", "update_status": "investigating", "should_tweet": false, "should_send_notifications": true,
			"component_ids": []string{api.ID}, "components": map[string]string{web.ID: "degraded_performance"},
		}}, &tpl), 201)
		if tpl.Name != "API errors" || tpl.Title != "Elevated API error rates" || tpl.UpdateStatus == nil || *tpl.UpdateStatus != "investigating" ||
			tpl.GroupID == nil || *tpl.GroupID != "API" || !tpl.ShouldSendNotifications || len(tpl.Components) != 2 ||
			tpl.ComponentStatuses[web.ID] != "degraded_performance" || tpl.ComponentStatuses[api.ID] != "" {
			t.Errorf("created = %+v", tpl)
		}
		wantISO(t, "created_at", tpl.CreatedAt)
		// A form, Statuspage's curl style.
		var formTpl jsonTemplate
		c.want(c.form("POST", "/incident_templates", [][2]string{{"template[name]", "Maintenance done"},
			{"template[title]", "Database upgrade"}, {"template[body]", "The upgrade is complete."},
			{"template[update_status]", "completed"}, {"template[should_send_notifications]", "false"},
			{"template[component_ids][]", web.ID}}, &formTpl), 201)
		if formTpl.ShouldSendNotifications || formTpl.UpdateStatus == nil || *formTpl.UpdateStatus != "completed" || len(formTpl.Components) != 1 {
			t.Errorf("form template = %+v", formTpl)
		}
		// The Go SDK's body (its wrapper, its nulls).
		var sdk jsonTemplate
		c.want(c.raw("POST", "/incident_templates", "", `{"incident_template":{"name":"From Terraform","group_id":null,"update_status":"identified","suffix":"x","y_axis_min":"y","component_ids":null,"should_tweet":null}}`, &sdk), 201)
		if sdk.Name != "From Terraform" || sdk.GroupID != nil || *sdk.UpdateStatus != "identified" {
			t.Errorf("SDK template = %+v", sdk)
		}

		var list []jsonTemplate
		c.want(c.do("GET", "/incident_templates", nil, &list), 200)
		if len(list) != 3 {
			t.Errorf("list = %+v", list)
		}
		c.want(c.do("PATCH", "/incident_templates/"+tpl.ID, map[string]any{"template": map[string]any{
			"body": "Errors are back to normal.", "update_status": "resolved", "components": map[string]string{api.ID: "operational"}}}, &tpl), 200)
		if tpl.Body != "Errors are back to normal." || *tpl.UpdateStatus != "resolved" || len(tpl.Components) != 1 || tpl.Title != "Elevated API error rates" {
			t.Errorf("patched = %+v", tpl)
		}
		var got jsonTemplate
		c.want(c.do("GET", "/incident_templates/"+tpl.ID, nil, &got), 200)
		if got.Body != tpl.Body {
			t.Errorf("shown = %+v", got)
		}
		// Deleting a component takes it out of its templates.
		if err := db.DeleteComponent(context.Background(), api.ID); err != nil {
			t.Fatal(err)
		}
		c.want(c.do("GET", "/incident_templates/"+tpl.ID, nil, &got), 200)
		if len(got.Components) != 0 {
			t.Errorf("after deleting the component = %+v", got.Components)
		}
		c.want(c.do("DELETE", "/incident_templates/"+formTpl.ID, nil, nil), 200)
		c.want(c.do("GET", "/incident_templates/"+formTpl.ID, nil, nil), 404)

		for _, tc := range []struct {
			name, method, path, body string
			code                     int
			field                    string
		}{
			{"no name", "POST", "/incident_templates", `{"template": {"title": "x"}}`, 422, "name"},
			{"bad status", "POST", "/incident_templates", `{"template": {"name": "x", "update_status": "sideways"}}`, 422, "update_status"},
			{"unknown component", "POST", "/incident_templates", `{"template": {"name": "x", "component_ids": ["nosuchcomp"]}}`, 422, "components"},
			{"bad component status", "POST", "/incident_templates", `{"template": {"name": "x", "components": {"` + web.ID + `": "melting"}}}`, 422, "components"},
			{"tweet not a boolean", "POST", "/incident_templates", `{"template": {"name": "x", "should_tweet": "often"}}`, 400, "should_tweet"},
			{"long body", "POST", "/incident_templates", `{"template": {"name": "x", "body": "` + strings.Repeat("b", models.MaxMessageLength+1) + `"}}`, 422, "body"},
			{"rename to empty", "PATCH", "/incident_templates/" + tpl.ID, `{"template": {"name": ""}}`, 422, "name"},
			{"patch missing", "PATCH", "/incident_templates/nosuchtpl", `{"template": {"name": "y"}}`, 404, ""},
			{"form without name", "POST", "/incident_templates", `template[title]=x`, 422, "name"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var table int64
				db.Gorm.Table("incident_templates").Count(&table)
				ct := "application/json"
				if tc.body[0] != '{' {
					ct = formType
				}
				var e apiErr
				rec := c.raw(tc.method, tc.path, ct, tc.body, &e)
				if rec.Code != tc.code || e.Error == "" || tc.field != "" && !strings.Contains(e.Error, tc.field) {
					t.Fatalf("%d %s, want %d naming %s", rec.Code, rec.Body, tc.code, tc.field)
				}
				var after int64
				db.Gorm.Table("incident_templates").Count(&after)
				if after != table {
					t.Errorf("templates %d → %d", table, after)
				}
				if cur, _ := db.GetIncidentTemplate(context.Background(), tpl.ID); cur.Name != "API errors" {
					t.Errorf("template changed: %+v", cur)
				}
			})
		}
	})
}
