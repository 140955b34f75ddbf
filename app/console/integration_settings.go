package console

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// An integration's settings, edited on its console page by administrators:
// the name; for Alertmanager the component label, the attach window,
// whether a firing alert opens an incident (a draft or a public one) and
// the severity → component status mapping; PagerDuty's component; Slack's
// user mapping. Maps are edited as lines "key = value".

// MaxSettingLines is how many lines a mapping may have.
const MaxSettingLines = 500

// integrationSettingsForm is the settings form filled from it.
func integrationSettingsForm(it *models.Integration) view.Form {
	s := it.Settings
	values := map[string]string{"name": it.Name, "component_label": s.ComponentLabel, "component": s.Component,
		"severity_status": formatPairs(s.SeverityStatus), "user_emails": formatPairs(s.UserEmails),
		"open_incident_as": models.OpenAsDraft}
	if s.AttachWindow > 0 {
		values["attach_window_minutes"] = strconv.Itoa(s.AttachWindow)
	}
	if s.OpenIncident {
		values["open_incident"] = "1"
	}
	if !s.OpensDraft() {
		values["open_incident_as"] = models.OpenAsPublic
	}
	return view.FormOf(values)
}

// formatPairs writes a map as sorted "key = value" lines.
func formatPairs(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s = %s\n", k, m[k])
	}
	return b.String()
}

// parsePairs reads "key = value" lines (blank lines skipped) into a map;
// a problem is reported on field, naming the line.
func parsePairs(v *models.ValidationError, field, text, shape string) map[string]string {
	out := map[string]string{}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	if len(lines) > MaxSettingLines {
		v.Add(field, "must have at most %d lines", MaxSettingLines)
		return nil
	}
	for i, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, val, ok := strings.Cut(line, "=")
		k, val = strings.TrimSpace(k), strings.TrimSpace(val)
		switch {
		case !ok || k == "" || val == "":
			v.Add(field, "line %d must read “%s”", i+1, shape)
			return nil
		case out[k] != "":
			v.Add(field, "line %d: %q is mapped twice", i+1, k)
			return nil
		}
		out[k] = val
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// settingsOf reads the form into a copy of it's settings, for the fields
// its kind's form has.
func settingsOf(v *models.ValidationError, it *models.Integration, form view.Form) models.IntegrationSettings {
	s := it.Settings
	switch it.Kind {
	case models.IntegrationAlertmanager:
		s.ComponentLabel = strings.TrimSpace(form.Value("component_label"))
		s.AttachWindow = 0
		if w := strings.TrimSpace(form.Value("attach_window_minutes")); w != "" {
			n, err := strconv.Atoi(w)
			if err != nil {
				v.Add("attach_window_minutes", "must be a whole number of minutes")
			}
			s.AttachWindow = n
		}
		s.OpenIncident = form.Value("open_incident") != ""
		s.OpenIncidentAs = form.Value("open_incident_as")
		s.SeverityStatus = parsePairs(v, "severity_status", form.Value("severity_status"), "severity = status, such as critical = major_outage")
	case models.IntegrationPagerDuty:
		s.Component = strings.TrimSpace(form.Value("component"))
	case models.IntegrationSlack:
		s.UserEmails = parsePairs(v, "user_emails", form.Value("user_emails"), "Slack user id = email, such as U024BE7LH = ann@example.com")
	}
	return s
}

// saveIntegration is POST /admin/integrations/:id: the name and the
// settings of its kind. Bad input: the page again (422) naming the field,
// nothing stored.
func (h *Handler) saveIntegration(c echo.Context) error {
	ctx := c.Request().Context()
	it, err := h.DB.GetIntegration(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	form := view.NewForm(c)
	form.Clear("csrf")
	v := &models.ValidationError{}
	name := form.Value("name")
	settings := settingsOf(v, it, form)
	err = v.Err()
	if err == nil {
		err = h.Writes.Do(c, web.Private, "integration.update", "integration", func(tx *models.DB) (string, any, error) {
			_, err := tx.UpdateIntegration(ctx, it.ID, models.IntegrationInput{Name: &name, Settings: &settings}, h.Secrets)
			return it.ID, map[string]bool{"secret_changed": false}, err
		})
	}
	if form.Invalid(err) {
		return h.renderIntegration(c, http.StatusUnprocessableEntity, it, &form)
	}
	if err != nil {
		return err
	}
	h.flash(c, "Saved the settings of %s.", strings.TrimSpace(name))
	return c.Redirect(http.StatusSeeOther, "/admin/integrations/"+it.ID)
}
