package console

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// Scheduling maintenance from the console. Once scheduled, a maintenance
// is run from its page, the incident page, with the maintenance statuses;
// its automatic transitions and reminders belong to the scheduler.

// maintenanceFormView is the form that schedules a maintenance.
type maintenanceFormView struct {
	AdminView
	Components componentPicker
	Preview    previewView
	TimeZone   string
	MaxMessage int
	Templates  []templateChoice // the templates the form may start from
}

// newMaintenance is the form to schedule a maintenance.
func (h *Handler) newMaintenance(c echo.Context) error {
	values := map[string]string{"auto_in_progress": "1", "auto_complete": "1", "remind_prior": "1", "notify": "1"}
	fromTemplate, err := h.templateValues(c, models.KindMaintenance, true)
	if err != nil {
		return err
	}
	for k, v := range fromTemplate {
		if k != "status" && !strings.HasPrefix(k, "component[") { // a new maintenance is scheduled; its components are ticked
			values[k] = v
		}
	}
	f := view.FormOf(values)
	if fromTemplate != nil {
		t, err := h.DB.GetIncidentTemplate(c.Request().Context(), c.QueryParam("template"))
		if err != nil {
			return err
		}
		f.Values["component_ids"] = t.ComponentIDs()
	}
	return h.renderMaintenanceForm(c, http.StatusOK, f)
}

func (h *Handler) renderMaintenanceForm(c echo.Context, code int, f view.Form) error {
	comps, err := h.DB.ListComponents(c.Request().Context())
	if err != nil {
		return err
	}
	preview, err := previewOf(f, "body")
	if err != nil {
		return err
	}
	v := maintenanceFormView{AdminView: h.adminView(c, "Schedule maintenance", "maintenance"), Preview: preview,
		TimeZone: h.Site.Info().TimeZone, MaxMessage: models.MaxMessageLength}
	v.Components = componentPicker{ID: "f-component_ids", Legend: "Components under maintenance", Check: true,
		Hint:  "Customers see them as part of the maintenance. Set their status in the updates you post, e.g. under maintenance once it starts.",
		Error: f.Error("component_ids"), Choices: componentChoices(comps, f, nil)}
	if v.Templates, err = h.templatePicker(c, models.KindMaintenance, "/admin/maintenance/new", "", c.QueryParam("template")); err != nil {
		return err
	}
	v.Form = f
	return h.Render.Admin(c, code, "maintenance_new.html", v)
}

// scheduleMaintenance schedules a maintenance from the form;
// "preview" shows the form again with the message rendered.
func (h *Handler) scheduleMaintenance(c echo.Context) error {
	form := view.NewForm(c)
	form.Clear("csrf")
	if form.Value("preview") != "" {
		return h.renderMaintenanceForm(c, http.StatusOK, form)
	}
	v := &models.ValidationError{}
	n := models.NewIncident{Kind: models.KindMaintenance, Name: form.Value("name"), Status: models.Scheduled,
		Body: form.Value("body"), ComponentIDs: form.Values["component_ids"],
		ScheduledFor:   h.parseLocalTime(v, "scheduled_for", form.Value("scheduled_for")),
		ScheduledUntil: h.parseLocalTime(v, "scheduled_until", form.Value("scheduled_until")),
		AutoInProgress: checked(form, "auto_in_progress"), AutoComplete: checked(form, "auto_complete"),
		RemindPrior: checked(form, "remind_prior"), Notify: checked(form, "notify"), Actor: web.ActorOf(c).Name}
	for _, field := range []string{"scheduled_for", "scheduled_until"} {
		if form.Value(field) == "" {
			v.Add(field, "must be given")
		}
	}
	var in *models.Incident
	err := v.Err()
	if err == nil {
		err = h.Writes.Do(c, web.Everything, "maintenance.create", "incident", func(tx *models.DB) (string, any, error) {
			var err error
			if in, err = tx.OpenIncident(c.Request().Context(), n); err != nil {
				return "", nil, err
			}
			return in.ID, map[string]string{"name": in.Name, "window": h.Site.Window(in.ScheduledFor, in.ScheduledUntil)}, nil
		})
	}
	if form.Invalid(err) {
		form.Clear("preview")
		return h.renderMaintenanceForm(c, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	h.flash(c, "Scheduled the maintenance “%s” for %s.", in.Name, h.Site.Window(in.ScheduledFor, in.ScheduledUntil))
	return c.Redirect(http.StatusSeeOther, consoleIncidentURL(in.ID))
}
