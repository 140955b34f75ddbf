package console

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// The forms of an incident's page: post an update, add an internal note,
// edit an event's text, change the incident's details, delete it. Each
// change commits with its audit record (h.change); bad input shows the
// incident's page again with the form as it was sent.

// postUpdate posts a public update on an incident or maintenance,
// with its component changes; "preview" shows the page again with the
// message rendered. A "next" field (the dashboard's quick form) says where
// to go after.
func (h *Handler) postUpdate(c echo.Context) error {
	in, err := h.loadIncident(c)
	if err != nil {
		return err
	}
	form := view.NewForm(c)
	form.Clear("csrf", "next")
	if form.Value("preview") != "" {
		return h.renderIncidentPage(c, http.StatusOK, in, incidentForms{update: &form})
	}
	status := form.Value("status")
	u := models.NewUpdate{Status: status, Body: form.Value("body"), Components: componentChanges(form),
		Notify: checked(form, "notify"), Actor: web.ActorOf(c).Name,
		// "Set affected components back to operational" applies when resolving.
		RestoreComponents: checked(form, "restore_components") && (status == models.Resolved || status == models.Completed)}
	if strings.TrimSpace(u.Body) == "" && (status == "" || status == in.Status) && len(u.Components) == 0 && !u.RestoreComponents {
		err = models.Invalid("body", "must not be empty when neither the status nor a component changes")
	} else {
		err = h.Writes.Do(c, web.Incident(in.ID), "incident.update", "incident", func(tx *models.DB) (string, any, error) {
			_, err := tx.PostUpdate(c.Request().Context(), in.ID, u)
			return in.ID, map[string]any{"status": status, "components": u.Components, "restore_components": u.RestoreComponents}, err
		})
	}
	if form.Invalid(err) {
		form.Clear("preview")
		return h.renderIncidentPage(c, http.StatusUnprocessableEntity, in, incidentForms{update: &form, failed: &form})
	}
	if err != nil {
		return err
	}
	label := models.IncidentStatusLabel(status)
	if label == "" {
		label = models.IncidentStatusLabel(in.Status)
	}
	h.flash(c, "Posted “%s” on %s.", label, in.Name)
	return redirectBack(c, view.NewForm(c), consoleIncidentURL(in.ID))
}

// addNote adds an internal note to an incident's timeline: seen
// in the console only, never on the status page.
func (h *Handler) addNote(c echo.Context) error {
	in, err := h.loadIncident(c)
	if err != nil {
		return err
	}
	form := view.NewForm(c)
	form.Clear("csrf")
	n := models.NewEvent{Kind: models.EventNote, Body: form.Value("note"), Actor: web.ActorOf(c).Name}
	err = h.Writes.Do(c, web.Incident(in.ID), "event.create", "incident", func(tx *models.DB) (string, any, error) {
		_, err := tx.AddEvent(c.Request().Context(), in.ID, n)
		return in.ID, map[string]string{"kind": n.Kind}, err
	})
	if form.Invalid(err) {
		form.RenameFields(map[string]string{"body": "note"})
		return h.renderIncidentPage(c, http.StatusUnprocessableEntity, in, incidentForms{note: &form, failed: &form})
	}
	if err != nil {
		return err
	}
	h.flash(c, "Added an internal note to %s.", in.Name)
	return c.Redirect(http.StatusSeeOther, consoleIncidentURL(in.ID)+"#timeline")
}

// updateIncident changes an incident's name and impact, or a
// maintenance's name, window and automatic transitions.
func (h *Handler) updateIncident(c echo.Context) error {
	in, err := h.loadIncident(c)
	if err != nil {
		return err
	}
	form := view.NewForm(c)
	form.Clear("csrf")
	name := form.Value("name")
	p := models.IncidentPatch{Name: &name}
	v := &models.ValidationError{}
	if in.Kind == models.KindMaintenance {
		p.ScheduledFor = h.parseLocalTime(v, "scheduled_for", form.Value("scheduled_for"))
		p.ScheduledUntil = h.parseLocalTime(v, "scheduled_until", form.Value("scheduled_until"))
		auto, complete, remind := checked(form, "auto_in_progress"), checked(form, "auto_complete"), checked(form, "remind_prior")
		p.AutoInProgress, p.AutoComplete, p.RemindPrior = &auto, &complete, &remind
	} else if impact, sent := form.Values["impact"]; sent && impact[0] != in.Impact {
		p.Impact = &impact[0] // only a changed impact overrides the suggested one
	}
	err = v.Err()
	if err == nil {
		err = h.Writes.Do(c, web.Incident(in.ID), "incident.edit", "incident", func(tx *models.DB) (string, any, error) {
			_, err := tx.UpdateIncident(c.Request().Context(), in.ID, p, web.ActorOf(c).Name)
			return in.ID, map[string]any{"name": name, "impact": p.Impact}, err
		})
	}
	if form.Invalid(err) {
		return h.renderIncidentPage(c, http.StatusUnprocessableEntity, in, incidentForms{details: &form, failed: &form})
	}
	if err != nil {
		return err
	}
	h.flash(c, "Saved the details of %s.", strings.TrimSpace(name))
	return c.Redirect(http.StatusSeeOther, consoleIncidentURL(in.ID))
}

// eventEditView is the page that edits an event's text.
type eventEditView struct {
	AdminView
	Incident   adminIncident
	Event      timelineItem
	Revisions  []revisionView // oldest first
	MaxMessage int
}

// revisionView is an earlier text of an event.
type revisionView struct {
	BodyHTML template.HTML // sanitized on save
	EditedBy string
	At       view.DisplayTime
}

// editEvent is the form to edit the text of an update, a note or
// an external event, with its earlier texts.
func (h *Handler) editEvent(c echo.Context) error {
	in, ev, err := h.loadEvent(c)
	if err != nil {
		return err
	}
	return h.renderEventEdit(c, http.StatusOK, in, ev, view.FormOf(map[string]string{"body": ev.Body}))
}

// saveEvent saves an event's new text; the earlier one is kept as
// a revision.
func (h *Handler) saveEvent(c echo.Context) error {
	in, ev, err := h.loadEvent(c)
	if err != nil {
		return err
	}
	form := view.NewForm(c)
	form.Clear("csrf")
	body := form.Value("body")
	err = h.Writes.Do(c, web.Incident(in.ID), "event.edit", "timeline_event", func(tx *models.DB) (string, any, error) {
		_, err := tx.EditEvent(c.Request().Context(), in.ID, ev.ID, body, web.ActorOf(c).Name)
		return ev.ID, map[string]string{"incident_id": in.ID, "kind": ev.Kind}, err
	})
	if form.Invalid(err) {
		return h.renderEventEdit(c, http.StatusUnprocessableEntity, in, ev, form)
	}
	if err != nil {
		return err
	}
	if body == ev.Body {
		h.flash(c, "Nothing changed.")
	} else {
		h.flash(c, "Saved the new text; the earlier one is kept as a revision.")
	}
	return c.Redirect(http.StatusSeeOther, consoleIncidentURL(in.ID)+"#event-"+ev.ID)
}

// loadEvent loads the incident of :id and its editable event :eid.
func (h *Handler) loadEvent(c echo.Context) (*models.Incident, *models.TimelineEvent, error) {
	in, err := h.loadIncident(c)
	if err != nil {
		return nil, nil, err
	}
	for i := range in.Events {
		if e := &in.Events[i]; e.ID == c.Param("eid") && editable(e.Kind) {
			return in, e, nil
		}
	}
	return nil, nil, models.ErrNotFound
}

func (h *Handler) renderEventEdit(c echo.Context, code int, in *models.Incident, ev *models.TimelineEvent, f view.Form) error {
	revs, err := h.DB.ListEventRevisions(c.Request().Context(), ev.ID)
	if err != nil {
		return err
	}
	item := h.timelineItem(in, ev)
	v := eventEditView{AdminView: h.adminView(c, "Edit "+strings.ToLower(item.KindLabel), incidentSection(in)),
		Incident: h.adminIncident(in), Event: item, MaxMessage: models.MaxMessageLength}
	for _, r := range revs {
		v.Revisions = append(v.Revisions, revisionView{BodyHTML: template.HTML(r.BodyHTML), EditedBy: r.EditedBy,
			At: h.Site.Time(r.CreatedAt)})
	}
	v.Form = f
	return h.Render.Admin(c, code, "event_edit.html", v)
}

// incidentDeleteView is the page that asks before deleting an incident.
type incidentDeleteView struct {
	AdminView
	Incident adminIncident
}

// confirmDeleteIncident asks an administrator to confirm deleting
// an incident or maintenance.
func (h *Handler) confirmDeleteIncident(c echo.Context) error {
	in, err := h.loadIncident(c)
	if err != nil {
		return err
	}
	v := incidentDeleteView{AdminView: h.adminView(c, "Delete “"+in.Name+"”?", incidentSection(in)), Incident: h.adminIncident(in)}
	return h.Render.Admin(c, http.StatusOK, "incident_delete.html", v)
}

// deleteIncident deletes an incident or maintenance (administrators
// only): it leaves the status page, the console and the API.
func (h *Handler) deleteIncident(c echo.Context) error {
	in, err := h.loadIncident(c)
	if err != nil {
		return err
	}
	err = h.Writes.Do(c, web.Everything, "incident.delete", "incident", func(tx *models.DB) (string, any, error) {
		return in.ID, map[string]string{"name": in.Name, "kind": in.Kind}, tx.DeleteIncident(c.Request().Context(), in.ID)
	})
	if err != nil {
		return err
	}
	h.flash(c, "Deleted “%s”.", in.Name)
	if in.Kind == models.KindMaintenance {
		return c.Redirect(http.StatusSeeOther, "/admin/maintenance")
	}
	return c.Redirect(http.StatusSeeOther, "/admin/incidents?tab=all")
}
