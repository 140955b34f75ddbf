package api

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// Incident templates in Statuspage's shape under
// /v1/pages/{page_id}/incident_templates: list and create as Statuspage,
// and (Beacon's) show, change and delete one.

// templateWrappers are the names clients wrap a template in: Statuspage's
// docs say "template", the Go SDK sends "incident_template".
var templateWrappers = []string{"template", "incident_template"}

// jsonTemplate is an incident template object.
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
	ComponentStatuses       map[string]string `json:"component_statuses"` // Beacon: the status each component is set to ("" none)
	CreatedAt               jsonTime          `json:"created_at"`
	UpdatedAt               jsonTime          `json:"updated_at"`
}

// jsonTemplateOf shapes a template; comps are the page's components.
func (h *Handler) jsonTemplateOf(t *models.IncidentTemplate, comps []models.Component) jsonTemplate {
	out := jsonTemplate{ID: t.ID, Name: t.Name, Title: t.Title, Body: t.Body,
		GroupID: nullIfEmpty(t.GroupID), UpdateStatus: nullIfEmpty(t.UpdateStatus),
		ShouldTweet: t.ShouldTweet, ShouldSendNotifications: t.ShouldSendNotifications,
		Components: []jsonComponent{}, ComponentStatuses: t.Components,
		CreatedAt: h.isoTime(t.CreatedAt), UpdatedAt: h.isoTime(t.UpdatedAt)}
	if out.ComponentStatuses == nil {
		out.ComponentStatuses = map[string]string{}
	}
	for i := range comps {
		if _, ok := t.Components[comps[i].ID]; ok {
			out.Components = append(out.Components, h.jsonComponentOf(&comps[i], nil))
		}
	}
	return out
}

// templateRequest is the body of POST and PATCH /incident_templates.
type templateRequest struct {
	Name                    optional[string]            `json:"name,omitzero"`
	Title                   optional[string]            `json:"title,omitzero"`
	Body                    optional[string]            `json:"body,omitzero"`
	GroupID                 optional[string]            `json:"group_id,omitzero"`
	UpdateStatus            optional[string]            `json:"update_status,omitzero"`
	ShouldTweet             optional[bool]              `json:"should_tweet,omitzero"`
	ShouldSendNotifications optional[bool]              `json:"should_send_notifications,omitzero"`
	ComponentIDs            optional[[]string]          `json:"component_ids,omitzero"`
	Components              optional[componentStatuses] `json:"components,omitzero"` // Beacon: id → status, or a list of ids
}

// components is the template's components from component_ids and
// components; set is false when the request names neither.
func (r *templateRequest) components() (map[string]string, bool) {
	if !r.ComponentIDs.Set && !r.Components.Set {
		return nil, false
	}
	out := map[string]string{}
	for _, id := range slices.Concat(r.ComponentIDs.Value, r.Components.Value.IDs) {
		out[id] = ""
	}
	for id, st := range r.Components.Value.Statuses {
		out[id] = st
	}
	return out, true
}

// listTemplates is GET /v1/pages/{page_id}/incident_templates.
func (h *Handler) listTemplates(c echo.Context) error {
	list, err := h.DB.ListIncidentTemplates(c.Request().Context())
	if err != nil {
		return err
	}
	comps, err := h.DB.ListComponents(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]jsonTemplate, 0, len(list))
	for i := range list {
		out = append(out, h.jsonTemplateOf(&list[i], comps))
	}
	return c.JSON(http.StatusOK, out)
}

// showTemplate is GET /v1/pages/{page_id}/incident_templates/{id}.
func (h *Handler) showTemplate(c echo.Context) error {
	t, err := h.DB.GetIncidentTemplate(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return h.templateJSON(c, http.StatusOK, t)
}

func (h *Handler) templateJSON(c echo.Context, code int, t *models.IncidentTemplate) error {
	comps, err := h.DB.ListComponents(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(code, h.jsonTemplateOf(t, comps))
}

// createTemplate is POST /v1/pages/{page_id}/incident_templates.
func (h *Handler) createTemplate(c echo.Context) error {
	var req templateRequest
	if err := bindBodyAs(c, templateWrappers, &req); err != nil {
		return err
	}
	req.UpdateStatus.blankIsAbsent()
	t := &models.IncidentTemplate{Name: req.Name.Value, Title: req.Title.Value, Body: req.Body.Value,
		GroupID: req.GroupID.Value, UpdateStatus: req.UpdateStatus.Value, ShouldTweet: req.ShouldTweet.Value,
		ShouldSendNotifications: true}
	if p := req.ShouldSendNotifications.ptr(); p != nil {
		t.ShouldSendNotifications = *p
	}
	t.Components, _ = req.components()
	err := h.Writes.Do(c, web.Private, "incident_template.create", "incident_template", func(tx *models.DB) (string, any, error) {
		err := tx.CreateIncidentTemplate(c.Request().Context(), t)
		return t.ID, map[string]string{"name": t.Name}, err
	})
	if err != nil {
		return err
	}
	return h.templateJSON(c, http.StatusCreated, t)
}

// updateTemplate is PATCH (or PUT) /v1/pages/{page_id}/incident_templates/{id}.
func (h *Handler) updateTemplate(c echo.Context) error {
	var req templateRequest
	if err := bindBodyAs(c, templateWrappers, &req); err != nil {
		return err
	}
	if req.UpdateStatus.Null {
		req.UpdateStatus = optional[string]{Set: true}
	}
	p := models.IncidentTemplatePatch{Name: req.Name.ptr(), Title: req.Title.ptr(), Body: req.Body.ptr(),
		GroupID: req.GroupID.ptr(), UpdateStatus: req.UpdateStatus.ptr(), ShouldTweet: req.ShouldTweet.ptr(),
		ShouldSendNotifications: req.ShouldSendNotifications.ptr()}
	p.Components, p.SetComponents = req.components()
	var t *models.IncidentTemplate
	err := h.Writes.Do(c, web.Private, "incident_template.update", "incident_template", func(tx *models.DB) (string, any, error) {
		var err error
		t, err = tx.UpdateIncidentTemplate(c.Request().Context(), c.Param("id"), p)
		return c.Param("id"), req, err
	})
	if err != nil {
		return err
	}
	return h.templateJSON(c, http.StatusOK, t)
}

// deleteTemplate is DELETE /v1/pages/{page_id}/incident_templates/{id}:
// it answers the template as it was.
func (h *Handler) deleteTemplate(c echo.Context) error {
	var t *models.IncidentTemplate
	err := h.Writes.Do(c, web.Private, "incident_template.delete", "incident_template", func(tx *models.DB) (string, any, error) {
		var err error
		t, err = tx.DeleteIncidentTemplate(c.Request().Context(), c.Param("id"))
		if err != nil {
			return "", nil, err
		}
		return t.ID, map[string]string{"name": t.Name}, nil
	})
	if err != nil {
		return err
	}
	return h.templateJSON(c, http.StatusOK, t)
}
