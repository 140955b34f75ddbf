package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// Incident templates in the console: operators list, write, change and
// delete them; the "open an incident" and "post an update" forms start
// from one in one click (a link with ?template=, no script needed).

// templatesView is the templates page.
type templatesView struct {
	AdminView
	Templates []templateRow
}

// templateRow is one template in the list.
type templateRow struct {
	ID, Name, Title, Group, Status string
	Components                     int
	Notify                         bool
}

// templateFormView is the form that writes or changes a template.
type templateFormView struct {
	AdminView
	Action     string // where the form posts
	Editing    bool
	Statuses   []view.Option
	Components componentPicker
	MaxMessage int
}

// templateChoice is a template in a form's picker.
type templateChoice struct {
	Name, Group, URL string
	Current          bool
}

// listTemplates is the templates page.
func (h *Handler) listTemplates(c echo.Context) error {
	list, err := h.DB.ListIncidentTemplates(c.Request().Context())
	if err != nil {
		return err
	}
	v := templatesView{AdminView: h.adminView(c, "Incident templates", "templates")}
	for _, t := range list {
		status := "No change"
		if t.UpdateStatus != "" {
			status = models.IncidentStatusLabel(t.UpdateStatus)
		}
		v.Templates = append(v.Templates, templateRow{ID: t.ID, Name: t.Name, Title: t.Title, Group: t.GroupID,
			Status: status, Components: len(t.Components), Notify: t.ShouldSendNotifications})
	}
	return h.Render.Admin(c, http.StatusOK, "incident_templates.html", v)
}

// newTemplate is the form to write a template.
func (h *Handler) newTemplate(c echo.Context) error {
	return h.renderTemplateForm(c, http.StatusOK, view.FormOf(map[string]string{"notify": "1"}), "")
}

// editTemplate is the form to change a template.
func (h *Handler) editTemplate(c echo.Context) error {
	t, err := h.DB.GetIncidentTemplate(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	values := map[string]string{"name": t.Name, "title": t.Title, "body": t.Body, "group_id": t.GroupID,
		"update_status": t.UpdateStatus, "notify": checkbox(t.ShouldSendNotifications)}
	for id, st := range t.Components {
		values[componentField(id)] = st
	}
	return h.renderTemplateForm(c, http.StatusOK, view.FormOf(values), t.ID)
}

func (h *Handler) renderTemplateForm(c echo.Context, code int, f view.Form, id string) error {
	comps, err := h.DB.ListComponents(c.Request().Context())
	if err != nil {
		return err
	}
	title, action := "New incident template", "/admin/incident-templates"
	if id != "" {
		title, action = "Edit incident template", "/admin/incident-templates/"+id
	}
	v := templateFormView{AdminView: h.adminView(c, title, "templates"), Action: action, Editing: id != "",
		MaxMessage: models.MaxMessageLength}
	v.Statuses = append(v.Statuses, view.Option{Value: "", Label: "No change", Selected: f.Value("update_status") == ""})
	for _, s := range append(append([]string{}, models.IncidentStatuses...), models.MaintenanceStatuses...) {
		v.Statuses = append(v.Statuses, view.Option{Value: s, Label: models.IncidentStatusLabel(s), Selected: s == f.Value("update_status")})
	}
	v.Components = componentPicker{ID: "f-components", Legend: "Components",
		Hint:  "The status each component is set to when the template is used; “No change” leaves it out.",
		Error: f.Error("components"), Choices: componentChoices(comps, f, nil), Statuses: componentStatusOptions("")}
	v.Form = f
	return h.Render.Admin(c, code, "incident_template_edit.html", v)
}

// templateOfForm reads a template from the form.
func templateOfForm(f view.Form) *models.IncidentTemplate {
	return &models.IncidentTemplate{Name: f.Value("name"), Title: f.Value("title"), Body: f.Value("body"),
		GroupID: f.Value("group_id"), UpdateStatus: f.Value("update_status"),
		ShouldSendNotifications: checked(f, "notify"), Components: componentChanges(f)}
}

// createTemplate stores a new template from the form.
func (h *Handler) createTemplate(c echo.Context) error {
	form := view.NewForm(c)
	form.Clear("csrf")
	t := templateOfForm(form)
	err := h.Writes.Do(c, web.Private, "incident_template.create", "incident_template", func(tx *models.DB) (string, any, error) {
		err := tx.CreateIncidentTemplate(c.Request().Context(), t)
		return t.ID, map[string]string{"name": t.Name}, err
	})
	if form.Invalid(err) {
		return h.renderTemplateForm(c, http.StatusUnprocessableEntity, form, "")
	}
	if err != nil {
		return err
	}
	h.flash(c, "Saved the template “%s”.", t.Name)
	return c.Redirect(http.StatusSeeOther, "/admin/incident-templates")
}

// saveTemplate changes a template from the form.
func (h *Handler) saveTemplate(c echo.Context) error {
	id := c.Param("id")
	if _, err := h.DB.GetIncidentTemplate(c.Request().Context(), id); err != nil {
		return err
	}
	form := view.NewForm(c)
	form.Clear("csrf")
	t := templateOfForm(form)
	notify := t.ShouldSendNotifications
	p := models.IncidentTemplatePatch{Name: &t.Name, Title: &t.Title, Body: &t.Body, GroupID: &t.GroupID,
		UpdateStatus: &t.UpdateStatus, ShouldSendNotifications: &notify, Components: t.Components, SetComponents: true}
	err := h.Writes.Do(c, web.Private, "incident_template.update", "incident_template", func(tx *models.DB) (string, any, error) {
		_, err := tx.UpdateIncidentTemplate(c.Request().Context(), id, p)
		return id, map[string]string{"name": t.Name}, err
	})
	if form.Invalid(err) {
		return h.renderTemplateForm(c, http.StatusUnprocessableEntity, form, id)
	}
	if err != nil {
		return err
	}
	h.flash(c, "Saved the template “%s”.", t.Name)
	return c.Redirect(http.StatusSeeOther, "/admin/incident-templates")
}

// deleteTemplate deletes a template.
func (h *Handler) deleteTemplate(c echo.Context) error {
	var t *models.IncidentTemplate
	err := h.Writes.Do(c, web.Private, "incident_template.delete", "incident_template", func(tx *models.DB) (string, any, error) {
		var err error
		if t, err = tx.DeleteIncidentTemplate(c.Request().Context(), c.Param("id")); err != nil {
			return "", nil, err
		}
		return t.ID, map[string]string{"name": t.Name}, nil
	})
	if err != nil {
		return err
	}
	h.flash(c, "Deleted the template “%s”.", t.Name)
	return c.Redirect(http.StatusSeeOther, "/admin/incident-templates")
}

// templatePicker lists the templates a form of kind may start from (those
// whose status suits it), each a link to base with ?template=; current
// is the one in use.
func (h *Handler) templatePicker(c echo.Context, kind, base, anchor, current string) ([]templateChoice, error) {
	list, err := h.DB.ListIncidentTemplates(c.Request().Context())
	if err != nil {
		return nil, err
	}
	var out []templateChoice
	for _, t := range list {
		if t.UpdateStatus != "" && !containsStatus(kind, t.UpdateStatus) {
			continue
		}
		out = append(out, templateChoice{Name: t.Name, Group: t.GroupID, Current: t.ID == current,
			URL: base + "?" + url.Values{"template": {t.ID}}.Encode() + anchor})
	}
	return out, nil
}

// containsStatus reports whether status may be posted on kind.
func containsStatus(kind, status string) bool {
	list := models.IncidentStatuses
	if kind == models.KindMaintenance {
		list = models.MaintenanceStatuses
	}
	for _, s := range list {
		if s == status {
			return true
		}
	}
	return false
}

// templateValues are the form values the template named by ?template=
// fills in (nil without one): the title as the name (when withTitle), the
// message, the status when it suits kind, the notify box, the components.
func (h *Handler) templateValues(c echo.Context, kind string, withTitle bool) (map[string]string, error) {
	id := strings.TrimSpace(c.QueryParam("template"))
	if id == "" {
		return nil, nil
	}
	t, err := h.DB.GetIncidentTemplate(c.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	values := map[string]string{"body": t.Body, "notify": checkbox(t.ShouldSendNotifications)}
	if withTitle {
		values["name"] = t.Title
	}
	if containsStatus(kind, t.UpdateStatus) {
		values["status"] = t.UpdateStatus
	}
	for id, st := range t.Components {
		if st != "" {
			values[componentField(id)] = st
		}
	}
	return values, nil
}
