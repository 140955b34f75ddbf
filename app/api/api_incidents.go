package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// incidentRequest is the body of POST and PATCH /incidents, with
// Statuspage's field names.
type incidentRequest struct {
	Name                    optional[string]            `json:"name"`
	Status                  optional[string]            `json:"status"`
	ImpactOverride          optional[string]            `json:"impact_override"`
	Body                    optional[string]            `json:"body"`
	ComponentIDs            optional[[]string]          `json:"component_ids"`
	Components              optional[componentStatuses] `json:"components"`
	DeliverNotifications    optional[bool]              `json:"deliver_notifications"`
	Backfilled              bool                        `json:"backfilled"`
	BackfillDate            optional[string]            `json:"backfill_date"`
	ScheduledFor            optional[string]            `json:"scheduled_for"`
	ScheduledUntil          optional[string]            `json:"scheduled_until"`
	ScheduledRemindPrior    optional[bool]              `json:"scheduled_remind_prior"`
	ScheduledAutoInProgress optional[bool]              `json:"scheduled_auto_in_progress"`
	ScheduledAutoCompleted  optional[bool]              `json:"scheduled_auto_completed"`
	RestoreComponents       bool                        `json:"restore_components"` // Beacon: on resolve, set affected components back to operational
	DisplayAt               optional[string]            `json:"display_at"`
}

// componentStatuses is an incident's components as Statuspage takes
// them: a map of component id to its new status, or (as in its docs' form
// example, incident[components][]=ID) a list of ids.
type componentStatuses struct {
	Statuses map[string]string
	IDs      []string
}

// UnmarshalJSON reads the map or the list.
func (s *componentStatuses) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '[' {
		if err := json.Unmarshal(b, &s.IDs); err != nil {
			return models.Invalid("components", "must be an object of component id to status, or a list of component ids")
		}
		return nil
	}
	if err := json.Unmarshal(b, &s.Statuses); err != nil {
		return models.Invalid("components", "must be an object of component id to status, or a list of component ids")
	}
	return nil
}

// MarshalJSON writes the map (for the audit log).
func (s componentStatuses) MarshalJSON() ([]byte, error) { return json.Marshal(s.Statuses) }

// normalize reads the request as Statuspage's clients mean it: an empty
// string in an optional field (not the name: renaming to "" is an
// error), and null components, are absent (the
// Terraform provider's SDK sends "impact_override":"", "scheduled_for":""
// and "components":null on every create).
func (r *incidentRequest) normalize() {
	for _, o := range []*optional[string]{&r.Status, &r.ImpactOverride, &r.Body,
		&r.BackfillDate, &r.ScheduledFor, &r.ScheduledUntil, &r.DisplayAt} {
		o.blankIsAbsent()
	}
	r.ComponentIDs.blankIsAbsent()
	if r.Components.Null {
		r.Components = optional[componentStatuses]{}
	}
}

// componentIDs are the affected components named without a status.
func (r *incidentRequest) componentIDs() []string {
	return append(slices.Clone(r.ComponentIDs.Value), r.Components.Value.IDs...)
}

// parseAPITime reads an ISO 8601 time (or a date for backfill_date).
func parseAPITime(field string, o optional[string]) (*time.Time, error) {
	if !o.Set || o.Null || o.Value == "" {
		return nil, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", time.DateOnly} {
		if t, err := time.Parse(layout, o.Value); err == nil {
			t = t.UTC()
			return &t, nil
		}
	}
	return nil, models.Invalid(field, "must be an ISO 8601 time such as 2026-11-24T14:00:00Z")
}

// isMaintenance tells a scheduled maintenance from an incident, as
// Statuspage does: by its schedule or a maintenance status.
func (r *incidentRequest) isMaintenance() bool {
	if r.ScheduledFor.Set && !r.ScheduledFor.Null || r.ScheduledUntil.Set && !r.ScheduledUntil.Null {
		return true
	}
	switch r.Status.Value {
	case models.Scheduled, models.InProgress, models.Verifying, models.Completed:
		return true
	}
	return false
}

// newIncident turns a POST body into a models.NewIncident.
func (r *incidentRequest) newIncident(actor string) (models.NewIncident, error) {
	n := models.NewIncident{
		Kind: models.KindIncident, Name: r.Name.Value, Status: r.Status.Value, Impact: r.ImpactOverride.Value,
		Body: r.Body.Value, Components: r.Components.Value.Statuses, ComponentIDs: r.componentIDs(),
		Backfilled: r.Backfilled, Notify: true, Actor: actor,
		RemindPrior: r.ScheduledRemindPrior.Value, AutoInProgress: r.ScheduledAutoInProgress.Value,
		AutoComplete: r.ScheduledAutoCompleted.Value,
	}
	if p := r.DeliverNotifications.ptr(); p != nil {
		n.Notify = *p
	}
	if r.isMaintenance() {
		n.Kind = models.KindMaintenance
	}
	v := &models.ValidationError{}
	var err error
	if n.ScheduledFor, err = parseAPITime("scheduled_for", r.ScheduledFor); err != nil {
		v.Add("scheduled_for", "must be an ISO 8601 time such as 2026-11-24T14:00:00Z")
	}
	if n.ScheduledUntil, err = parseAPITime("scheduled_until", r.ScheduledUntil); err != nil {
		v.Add("scheduled_until", "must be an ISO 8601 time such as 2026-11-24T16:00:00Z")
	}
	if r.Backfilled {
		at, err := parseAPITime("backfill_date", r.BackfillDate)
		switch {
		case err != nil:
			v.Add("backfill_date", "must be a date or an ISO 8601 time")
		case at == nil:
			v.Add("backfill_date", "a backfilled incident needs the date it happened")
		default:
			n.StartedAt = *at
		}
	}
	return n, v.Err()
}

// listIncidents is GET /v1/pages/{page_id}/incidents: newest first,
// ?q= searches names, ?page=&per_page= (or limit=) reach the whole history.
func (h *Handler) listIncidents(c echo.Context) error {
	return h.listIncidentsWhere(c, models.IncidentFilter{Query: c.QueryParam("q")})
}

// listUnresolvedIncidents is GET /v1/pages/{page_id}/incidents/unresolved.
func (h *Handler) listUnresolvedIncidents(c echo.Context) error {
	return h.listIncidentsWhere(c, models.IncidentFilter{Kind: models.KindIncident, Unresolved: true})
}

// listScheduledMaintenance is GET /v1/pages/{page_id}/incidents/scheduled
// (and /upcoming): maintenance not started yet.
func (h *Handler) listScheduledMaintenance(c echo.Context) error {
	return h.listIncidentsWhere(c, models.IncidentFilter{Kind: models.KindMaintenance, Upcoming: true})
}

// listActiveMaintenance is GET /v1/pages/{page_id}/incidents/active_maintenance.
func (h *Handler) listActiveMaintenance(c echo.Context) error {
	f := models.IncidentFilter{Kind: models.KindMaintenance, Unresolved: true}
	return h.listIncidentsWhere(c, f, func(in *models.Incident) bool {
		return in.Status == models.InProgress || in.Status == models.Verifying
	})
}

func (h *Handler) listIncidentsWhere(c echo.Context, f models.IncidentFilter, keep ...func(*models.Incident) bool) error {
	limit, offset, err := paging(c, 50, 100)
	if err != nil {
		return err
	}
	f.Limit, f.Offset = limit, offset
	list, total, err := h.DB.ListIncidents(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := make([]jsonIncident, 0, len(list))
	for i := range list {
		if len(keep) > 0 && !keep[0](&list[i]) {
			continue
		}
		out = append(out, h.jsonIncidentOf(&list[i]))
	}
	c.Response().Header().Set("X-Total-Count", strconv.FormatInt(total, 10))
	return c.JSON(http.StatusOK, out)
}

// showIncident is GET /v1/pages/{page_id}/incidents/{id}.
func (h *Handler) showIncident(c echo.Context) error {
	in, err := h.DB.GetIncident(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.jsonIncidentOf(in))
}

// createIncident is POST /v1/pages/{page_id}/incidents: an incident, a
// scheduled maintenance (scheduled_for/until) or a backfilled incident.
func (h *Handler) createIncident(c echo.Context) error {
	var req incidentRequest
	if err := bindBody(c, "incident", &req); err != nil {
		return err
	}
	req.normalize()
	n, err := req.newIncident(web.ActorOf(c).Name)
	if err != nil {
		return err
	}
	var in *models.Incident
	err = h.Writes.Do(c, web.Everything, n.Kind+".create", "incident", func(tx *models.DB) (string, any, error) {
		var err error
		in, err = tx.OpenIncident(c.Request().Context(), n)
		if err != nil {
			return "", nil, err
		}
		return in.ID, map[string]string{"name": in.Name, "status": in.Status}, nil
	})
	if err != nil {
		return incidentFieldNames(err)
	}
	return c.JSON(http.StatusCreated, h.jsonIncidentOf(in))
}

// updateIncident is PATCH (or PUT) /v1/pages/{page_id}/incidents/{id}:
// name, impact and schedule change the incident; status, body and
// components post an update to its timeline. Both in one transaction.
func (h *Handler) updateIncident(c echo.Context) error {
	var req incidentRequest
	if err := bindBody(c, "incident", &req); err != nil {
		return err
	}
	req.normalize()
	id := c.Param("id")
	actor := web.ActorOf(c).Name
	v := &models.ValidationError{}
	p := models.IncidentPatch{Name: req.Name.ptr(), Impact: req.ImpactOverride.ptr(),
		AutoInProgress: req.ScheduledAutoInProgress.ptr(), AutoComplete: req.ScheduledAutoCompleted.ptr(),
		RemindPrior: req.ScheduledRemindPrior.ptr()}
	var err error
	if p.ScheduledFor, err = parseAPITime("scheduled_for", req.ScheduledFor); err != nil {
		v.Add("scheduled_for", "must be an ISO 8601 time such as 2026-11-24T14:00:00Z")
	}
	if p.ScheduledUntil, err = parseAPITime("scheduled_until", req.ScheduledUntil); err != nil {
		v.Add("scheduled_until", "must be an ISO 8601 time such as 2026-11-24T16:00:00Z")
	}
	u := models.NewUpdate{Status: req.Status.Value, Body: req.Body.Value, Components: req.Components.Value.Statuses,
		Notify: true, Actor: actor, RestoreComponents: req.RestoreComponents}
	if d := req.DeliverNotifications.ptr(); d != nil {
		u.Notify = *d
	}
	if at, err := parseAPITime("display_at", req.DisplayAt); err != nil {
		v.Add("display_at", "must be an ISO 8601 time such as 2026-11-24T14:00:00Z")
	} else if at != nil {
		u.At = *at
	}
	if err := v.Err(); err != nil {
		return err
	}
	patchIncident := p != (models.IncidentPatch{})
	postUpdate := req.Status.Set || req.Body.Set || req.Components.Set || req.ComponentIDs.Set || req.RestoreComponents
	if !patchIncident && !postUpdate {
		return web.BadRequest("nothing to change: send name, status, body, impact_override, components or the schedule")
	}
	err = h.Writes.Do(c, web.Incident(id), "incident.update", "incident", func(tx *models.DB) (string, any, error) {
		ctx := c.Request().Context()
		if patchIncident {
			if _, err := tx.UpdateIncident(ctx, id, p, actor); err != nil {
				return "", nil, err
			}
		}
		if postUpdate {
			u.ComponentIDs = req.componentIDs()
			if _, err := tx.PostUpdate(ctx, id, u); err != nil {
				return "", nil, err
			}
		}
		return id, map[string]any{"status": req.Status.Value, "name": req.Name.Value}, nil
	})
	if err != nil {
		return incidentFieldNames(err)
	}
	in, err := h.DB.GetIncident(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.jsonIncidentOf(in))
}

// deleteIncident is DELETE /v1/pages/{page_id}/incidents/{id} (admins):
// it answers with the incident as it was.
func (h *Handler) deleteIncident(c echo.Context) error {
	in, err := h.DB.GetIncident(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	err = h.Writes.Do(c, web.Everything, "incident.delete", "incident", func(tx *models.DB) (string, any, error) {
		return in.ID, map[string]string{"name": in.Name}, tx.DeleteIncident(c.Request().Context(), in.ID)
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.jsonIncidentOf(in))
}

// updateIncidentUpdate is PATCH /v1/pages/{page_id}/incidents/{id}/incident_updates/{update_id}:
// it edits an update's text, keeping the earlier text as a revision.
func (h *Handler) updateIncidentUpdate(c echo.Context) error {
	var req struct {
		Body optional[string] `json:"body"`
	}
	if err := bindBody(c, "incident_update", &req); err != nil {
		return err
	}
	if !req.Body.Set || req.Body.Null {
		return models.Invalid("body", "must be given")
	}
	var ev *models.TimelineEvent
	err := h.Writes.Do(c, web.Incident(c.Param("id")), "incident_update.edit", "timeline_event", func(tx *models.DB) (string, any, error) {
		var err error
		ev, err = tx.EditEvent(c.Request().Context(), c.Param("id"), c.Param("update_id"), req.Body.Value, web.ActorOf(c).Name)
		return c.Param("update_id"), nil, err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.jsonUpdateOf(ev))
}

// listEvents is GET /v1/pages/{page_id}/incidents/{id}/events: the whole
// timeline, internal events included, oldest first.
func (h *Handler) listEvents(c echo.Context) error {
	in, err := h.DB.GetIncident(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	out := make([]jsonEvent, 0, len(in.Events))
	for i := range in.Events {
		out = append(out, h.jsonEventOf(&in.Events[i]))
	}
	return c.JSON(http.StatusOK, out)
}

// createEvent is POST /v1/pages/{page_id}/incidents/{id}/events: an
// internal note or an external event (a chat message, a monitoring alert).
func (h *Handler) createEvent(c echo.Context) error {
	var req struct {
		Kind       string           `json:"kind"`
		Body       string           `json:"body"`
		Source     string           `json:"source"`
		OccurredAt optional[string] `json:"occurred_at"`
		Public     bool             `json:"public"`
	}
	if err := bindBody(c, "event", &req); err != nil {
		return err
	}
	at, err := parseAPITime("occurred_at", req.OccurredAt)
	if err != nil {
		return err
	}
	n := models.NewEvent{Kind: req.Kind, Body: req.Body, Source: req.Source, Public: req.Public, Actor: web.ActorOf(c).Name}
	if n.Kind == "" {
		n.Kind = models.EventExternal
	}
	if at != nil {
		n.OccurredAt = *at
	}
	var ev *models.TimelineEvent
	err = h.Writes.Do(c, web.Incident(c.Param("id")), "event.create", "incident", func(tx *models.DB) (string, any, error) {
		var err error
		ev, err = tx.AddEvent(c.Request().Context(), c.Param("id"), n)
		return c.Param("id"), map[string]string{"kind": n.Kind, "source": n.Source}, err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, h.jsonEventOf(ev))
}

// incidentFieldNames names the fields of an incident's validation error as
// the API does: the model's impact is the API's impact_override.
func incidentFieldNames(err error) error {
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		for i, f := range ve.Fields {
			if f.Field == "impact" {
				ve.Fields[i].Field = "impact_override"
			}
		}
	}
	return err
}
