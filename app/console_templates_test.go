package app_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// Incident templates in the console: written, listed, changed, deleted;
// the new-incident and post-update forms start from one by a link
// (?template=), no script needed, and posting the filled form opens the
// incident or posts the update the template describes.
func TestConsoleIncidentTemplates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		h := newTestApp(t, db, nil).Handler()
		c := signIn(t, h, db, models.RoleEditor)
		api := addComponent(t, db, models.Component{Name: "API"})
		web := addComponent(t, db, models.Component{Name: "Web"})

		// No template yet: the form says where to write one.
		body := wantAdminPage(t, c.Get("/admin/incidents/new"), http.StatusOK)
		contains(t, body, `href="/admin/incident-templates/new"`)

		wantRedirect(t, c.PostForm("/admin/incident-templates", url.Values{"name": {"API errors"}, "group_id": {"API"},
			"title": {"Elevated API error rates"}, "body": {"We are investigating errors on the API."},
			"update_status": {"investigating"}, "notify": {"1"}, "component[" + api.ID + "]": {"major_outage"}}), "/admin/incident-templates")
		wantRedirect(t, c.PostForm("/admin/incident-templates", url.Values{"name": {"API fixed"},
			"body": {"A fix is deployed; we are watching."}, "update_status": {"monitoring"},
			"component[" + api.ID + "]": {"operational"}}), "/admin/incident-templates")
		wantRedirect(t, c.PostForm("/admin/incident-templates", url.Values{"name": {"Maintenance started"},
			"body": {"The work has begun."}, "update_status": {"in_progress"}}), "/admin/incident-templates")
		list, err := db.ListIncidentTemplates(ctx)
		if err != nil || len(list) != 3 {
			t.Fatalf("templates = %+v, %v", list, err)
		}
		byName := map[string]models.IncidentTemplate{}
		for _, tpl := range list {
			byName[tpl.Name] = tpl
		}
		errTpl := byName["API errors"]
		if errTpl.Title != "Elevated API error rates" || errTpl.Components[api.ID] != models.MajorOutage || !errTpl.ShouldSendNotifications || byName["API fixed"].ShouldSendNotifications {
			t.Errorf("stored = %+v", list)
		}
		body = wantAdminPage(t, c.Get("/admin/incident-templates"), http.StatusOK)
		contains(t, body, "API errors", "Elevated API error rates", "Maintenance started")

		// One click: the new-incident form filled from the template.
		body = wantAdminPage(t, c.Get("/admin/incidents/new"), http.StatusOK)
		link := "/admin/incidents/new?template=" + errTpl.ID
		contains(t, body, `href="`+link+`"`)
		lacks(t, body, "Maintenance started") // its status is a maintenance's
		body = wantAdminPage(t, c.Get(link), http.StatusOK)
		contains(t, body, `value="Elevated API error rates"`, ">We are investigating errors on the API.</textarea>",
			`<option value="major_outage" selected>`)
		if !regexp.MustCompile(`value="investigating"[^>]*checked`).MatchString(body) {
			t.Errorf("the status radio is not filled from the template")
		}
		// Submitting the filled form opens the incident the template describes.
		form := formValues(t, body, `action="/admin/incidents"`)
		rec := c.PostForm("/admin/incidents", form)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("open from template = %d\n%s", rec.Code, rec.Body)
		}
		id := strings.TrimPrefix(rec.Header().Get("Location"), "/admin/incidents/")
		in, err := db.GetIncident(ctx, id)
		if err != nil || in.Name != "Elevated API error rates" || in.Status != models.Investigating {
			t.Fatalf("incident = %+v, %v", in, err)
		}
		if comp, _ := db.GetComponent(ctx, api.ID); comp.Status != models.MajorOutage {
			t.Errorf("API = %s, want major_outage", comp.Status)
		}

		// The update form on the incident's page, filled from another template.
		page := wantAdminPage(t, c.Get("/admin/incidents/"+id), http.StatusOK)
		fixed := byName["API fixed"]
		contains(t, page, `href="/admin/incidents/`+id+`?template=`+fixed.ID+`#post-update"`)
		page = wantAdminPage(t, c.Get("/admin/incidents/"+id+"?template="+fixed.ID), http.StatusOK)
		contains(t, page, ">A fix is deployed; we are watching.</textarea>")
		form = formValues(t, page, `action="/admin/incidents/`+id+`/updates"`)
		rec = c.PostForm("/admin/incidents/"+id+"/updates", form)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("update from template = %d\n%s", rec.Code, rec.Body)
		}
		if in, _ = db.GetIncident(ctx, id); in.Status != models.Monitoring {
			t.Errorf("status after the template's update = %s", in.Status)
		}
		if comp, _ := db.GetComponent(ctx, api.ID); comp.Status != models.Operational {
			t.Errorf("API after the template's update = %s", comp.Status)
		}

		// The maintenance form starts from a maintenance template: its
		// title, message and components ticked.
		wantRedirect(t, c.PostForm("/admin/incident-templates", url.Values{"name": {"DB upgrade"}, "title": {"Database upgrade"},
			"body": {"We upgrade the database."}, "update_status": {"scheduled"}, "component[" + web.ID + "]": {"under_maintenance"}}), "/admin/incident-templates")
		all, _ := db.ListIncidentTemplates(ctx)
		var dbTpl models.IncidentTemplate
		for _, tpl := range all {
			if tpl.Name == "DB upgrade" {
				dbTpl = tpl
			}
		}
		body = wantAdminPage(t, c.Get("/admin/maintenance/new"), http.StatusOK)
		contains(t, body, `href="/admin/maintenance/new?template=`+dbTpl.ID+`"`)
		lacks(t, body, "API errors") // an incident's status
		body = wantAdminPage(t, c.Get("/admin/maintenance/new?template="+dbTpl.ID), http.StatusOK)
		contains(t, body, `value="Database upgrade"`, ">We upgrade the database.</textarea>")
		if !regexp.MustCompile(`value="` + web.ID + `" checked`).MatchString(body) {
			t.Errorf("the template's component is not ticked")
		}
		if err := db.Gorm.Exec("DELETE FROM incident_templates WHERE id = ?", dbTpl.ID).Error; err != nil {
			t.Fatal(err)
		}

		// Change and delete.
		body = wantAdminPage(t, c.Get("/admin/incident-templates/"+errTpl.ID+"/edit"), http.StatusOK)
		contains(t, body, `value="API errors"`, `<option value="investigating" selected>`)
		wantRedirect(t, c.PostForm("/admin/incident-templates/"+errTpl.ID, url.Values{"name": {"API errors (edited)"},
			"title": {"API errors"}, "update_status": {"identified"}, "component[" + web.ID + "]": {"degraded_performance"}}), "/admin/incident-templates")
		if got, _ := db.GetIncidentTemplate(ctx, errTpl.ID); got.Name != "API errors (edited)" || got.UpdateStatus != "identified" ||
			len(got.Components) != 1 || got.Components[web.ID] != models.DegradedPerformance || got.ShouldSendNotifications {
			t.Errorf("edited = %+v", got)
		}
		wantRedirect(t, c.PostForm("/admin/incident-templates/"+byName["Maintenance started"].ID+"/delete", nil), "/admin/incident-templates")
		if _, err := db.GetIncidentTemplate(ctx, byName["Maintenance started"].ID); err != models.ErrNotFound {
			t.Errorf("deleted template: %v", err)
		}

		// Bad input: the form again naming the field, nothing written.
		for _, tc := range []struct {
			name  string
			form  url.Values
			field string
		}{
			{"no name", url.Values{"name": {" "}}, "name"},
			{"unknown status", url.Values{"name": {"x"}, "update_status": {"sideways"}}, "update_status"},
			{"unknown component status", url.Values{"name": {"x"}, "component[" + api.ID + "]": {"melting"}}, "components"},
			{"unknown component", url.Values{"name": {"x"}, "component[nosuchcomp]": {"major_outage"}}, "components"},
		} {
			before, _ := db.ListIncidentTemplates(ctx)
			for _, path := range []string{"/admin/incident-templates", "/admin/incident-templates/" + errTpl.ID} {
				rec := c.PostForm(path, tc.form)
				body := wantAdminPage(t, rec, http.StatusUnprocessableEntity)
				if !strings.Contains(body, "f-"+tc.field+"-error") && !strings.Contains(body, `id="f-components-error"`) {
					t.Errorf("%s at %s: no error at %s", tc.name, path, tc.field)
				}
			}
			if after, _ := db.ListIncidentTemplates(ctx); len(after) != len(before) || after[0].Name != before[0].Name {
				t.Errorf("%s: templates changed", tc.name)
			}
		}
		wantPage(t, c.Get("/admin/incidents/new?template=nosuchtpl"), http.StatusNotFound)
		wantPage(t, c.Get("/admin/incident-templates/nosuchtpl/edit"), http.StatusNotFound)
	})
}

var (
	inputRE    = regexp.MustCompile(`<input[^>]*>`)
	textareaRE = regexp.MustCompile(`(?s)<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>`)
	selectRE   = regexp.MustCompile(`(?s)<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>`)
	attrRE     = regexp.MustCompile(`(\w[\w-]*)="([^"]*)"`)
)

// formValues reads what a browser would submit from the form whose tag
// holds marker: text fields, ticked boxes and radios, selects, textareas.
func formValues(t *testing.T, page, marker string) url.Values {
	t.Helper()
	i := strings.Index(page, marker)
	if i < 0 {
		t.Fatalf("no form %s", marker)
	}
	end := strings.Index(page[i:], "</form>")
	f := page[i : i+end]
	out := url.Values{}
	for _, tag := range inputRE.FindAllString(f, -1) {
		attrs := map[string]string{}
		for _, m := range attrRE.FindAllStringSubmatch(tag, -1) {
			attrs[m[1]] = html.UnescapeString(m[2])
		}
		name := attrs["name"]
		if name == "" || name == "csrf" {
			continue
		}
		switch attrs["type"] {
		case "checkbox", "radio":
			if strings.Contains(tag, " checked") {
				out.Add(name, attrs["value"])
			}
		default:
			out.Add(name, attrs["value"])
		}
	}
	for _, m := range textareaRE.FindAllStringSubmatch(f, -1) {
		out.Set(m[1], html.UnescapeString(m[2]))
	}
	for _, m := range selectRE.FindAllStringSubmatch(f, -1) {
		if sel := regexp.MustCompile(`<option value="([^"]*)" selected>`).FindStringSubmatch(m[2]); sel != nil {
			out.Set(m[1], html.UnescapeString(sel[1]))
		} else if first := regexp.MustCompile(`<option value="([^"]*)"`).FindStringSubmatch(m[2]); first != nil {
			out.Set(m[1], html.UnescapeString(first[1]))
		}
	}
	return out
}
