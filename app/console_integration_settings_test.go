package app_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// Admins edit an integration's settings on its console page: Alertmanager's
// label, attach window, opening (draft or public) and severity → status
// mapping; Slack's user mapping; PagerDuty's component. Bad input is the
// page again (422) naming the field, with nothing stored; editors may not.
func TestConsoleIntegrationSettings(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		a := newTestApp(t, db, nil)
		h := a.Handler()
		admin := signIn(t, h, db, models.RoleAdmin)
		box := models.NewSecretBox("test-secret-key-0123456789abcdef")
		create := func(kind, name, secret string) *models.Integration {
			in := models.IntegrationInput{Kind: &kind, Name: &name}
			if secret != "" {
				in.SigningSecret = &secret
			}
			it, _, err := db.CreateIntegration(ctx, in, box, "test")
			if err != nil {
				t.Fatal(err)
			}
			return it
		}
		am := create(models.IntegrationAlertmanager, "Prometheus", "")
		slack := create(models.IntegrationSlack, "Slack", "sl-secret")
		pd := create(models.IntegrationPagerDuty, "PagerDuty", "pd-secret")

		page := wantAdminPage(t, admin.Get("/admin/integrations/"+am.ID), 200)
		contains(t, page, `action="/admin/integrations/`+am.ID+`"`, `name="severity_status"`, `name="open_incident_as"`,
			`name="attach_window_minutes"`, `name="component_label"`)
		lacks(t, page, `name="user_emails"`)

		// Alertmanager: saved, shown back.
		wantRedirect(t, admin.PostForm("/admin/integrations/"+am.ID, url.Values{"name": {"Prometheus EU"},
			"component_label": {"service"}, "attach_window_minutes": {"45"}, "open_incident": {"1"}, "open_incident_as": {"public"},
			"severity_status": {"critical = major_outage\r\n\r\nwarning = degraded_performance\n"}}), "/admin/integrations/"+am.ID)
		got, err := db.GetIntegration(ctx, am.ID)
		if err != nil {
			t.Fatal(err)
		}
		s := got.Settings
		if got.Name != "Prometheus EU" || s.ComponentLabel != "service" || s.AttachWindow != 45 || !s.OpenIncident || s.OpensDraft() ||
			s.SeverityStatus["critical"] != "major_outage" || s.SeverityStatus["warning"] != "degraded_performance" || len(s.SeverityStatus) != 2 {
			t.Fatalf("saved = %q %+v", got.Name, s)
		}
		page = wantAdminPage(t, admin.Get("/admin/integrations/"+am.ID), 200)
		contains(t, page, "critical = major_outage\nwarning = degraded_performance", `value="45"`, "opens a public incident")

		// Bad input: 422 naming the field, nothing stored.
		for _, tc := range []struct {
			name  string
			form  url.Values
			field string
		}{
			{"severity line", url.Values{"name": {"P"}, "severity_status": {"critical major_outage"}}, "severity_status"},
			{"severity status", url.Values{"name": {"P"}, "severity_status": {"critical = on_fire"}}, "severity_status"},
			{"severity operational", url.Values{"name": {"P"}, "severity_status": {"critical = operational"}}, "severity_status"},
			{"severity twice", url.Values{"name": {"P"}, "severity_status": {"critical = major_outage\ncritical = partial_outage"}}, "severity_status"},
			{"window words", url.Values{"name": {"P"}, "attach_window_minutes": {"soon"}}, "attach_window_minutes"},
			{"window too long", url.Values{"name": {"P"}, "attach_window_minutes": {"999999"}}, "attach_window_minutes"},
			{"opens what", url.Values{"name": {"P"}, "open_incident_as": {"secret"}}, "open_incident_as"},
			{"name", url.Values{"name": {"  "}}, "name"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := integrationCounts(t, db)
				rec := admin.PostForm("/admin/integrations/"+am.ID, tc.form)
				if rec.Code != http.StatusUnprocessableEntity || fieldErrorOf(rec.Body.String(), tc.field) == "" {
					t.Fatalf("%d, want 422 naming %s:\n%s", rec.Code, tc.field, rec.Body)
				}
				lacks(t, rec.Body.String(), "models:", "sql")
				after, err := db.GetIntegration(ctx, am.ID)
				if err != nil {
					t.Fatal(err)
				}
				if after.Name != got.Name || after.Settings.AttachWindow != 45 || len(after.Settings.SeverityStatus) != 2 || after.Settings.OpensDraft() {
					t.Errorf("settings changed: %+v", after.Settings)
				}
				if c := integrationCounts(t, db); c != before {
					t.Errorf("rows changed: %s → %s", before, c)
				}
			})
		}

		// Slack's user mapping, and its bad lines.
		page = wantAdminPage(t, admin.Get("/admin/integrations/"+slack.ID), 200)
		contains(t, page, `name="user_emails"`)
		lacks(t, page, `name="severity_status"`, "sl-secret")
		wantRedirect(t, admin.PostForm("/admin/integrations/"+slack.ID, url.Values{"name": {"Slack"},
			"user_emails": {"U024BE7LH = ann@acme.test\nU0BOB = bob@acme.test"}}), "/admin/integrations/"+slack.ID)
		got, _ = db.GetIntegration(ctx, slack.ID)
		if got.Settings.UserEmails["U024BE7LH"] != "ann@acme.test" || len(got.Settings.UserEmails) != 2 || !got.HasSecret() {
			t.Fatalf("slack settings = %+v", got.Settings)
		}
		for name, text := range map[string]string{"no email": "U1 = ann", "no separator": "U1 ann@acme.test", "twice": "U1 = a@x.test\nU1 = b@x.test"} {
			rec := admin.PostForm("/admin/integrations/"+slack.ID, url.Values{"name": {"Slack"}, "user_emails": {text}})
			if rec.Code != http.StatusUnprocessableEntity || fieldErrorOf(rec.Body.String(), "user_emails") == "" {
				t.Errorf("%s: %d, want 422 naming user_emails", name, rec.Code)
			}
		}
		if got, _ := db.GetIntegration(ctx, slack.ID); len(got.Settings.UserEmails) != 2 {
			t.Errorf("a refused mapping was stored: %+v", got.Settings.UserEmails)
		}

		// PagerDuty's component.
		wantRedirect(t, admin.PostForm("/admin/integrations/"+pd.ID, url.Values{"name": {"PagerDuty"}, "component": {"Checkout API"}}),
			"/admin/integrations/"+pd.ID)
		if got, _ := db.GetIntegration(ctx, pd.ID); got.Settings.Component != "Checkout API" {
			t.Errorf("pagerduty component = %q", got.Settings.Component)
		}

		// Editors may not.
		editor := signIn(t, h, db, models.RoleEditor)
		if rec := editor.PostForm("/admin/integrations/"+am.ID, url.Values{"name": {"Mine"}}); rec.Code != http.StatusForbidden {
			t.Errorf("editor saving settings: %d", rec.Code)
		}
		if actions := auditActions(t, db); len(actions) == 0 {
			t.Error("no audit entries")
		}
	})
}
