package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// postmortemFields decodes the body of PUT /postmortem: Statuspage's
// body_draft (stored as the supporting notes), Beacon's section keys,
// impact_started_at and timeline entries. Unknown fields are a 422 naming
// them, so a misspelt section is not silently dropped.
func postmortemFields(c echo.Context) (models.PostmortemInput, error) {
	var raw map[string]json.RawMessage
	if err := bindBody(c, "postmortem", &raw); err != nil {
		return models.PostmortemInput{}, err
	}
	in := models.PostmortemInput{Sections: map[string]string{}}
	v := &models.ValidationError{}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		val := raw[key]
		switch {
		case key == "body_draft" || models.ValidSectionKey(key):
			var s *string
			if err := json.Unmarshal(val, &s); err != nil {
				return in, apiFieldError(key, "must be a string")
			}
			section := key
			if key == "body_draft" {
				section = models.SectionNotes
			}
			in.Sections[section] = ""
			if s != nil {
				in.Sections[section] = *s
			}
		case key == "impact_started_at":
			var s optional[string]
			if err := json.Unmarshal(val, &s); err != nil {
				return in, apiFieldError(key, "must be a string")
			}
			at, err := parseAPITime(key, s)
			if err != nil {
				v.Add(key, "must be an ISO 8601 time such as 2026-11-24T14:00:00Z")
			}
			in.ImpactStartedAt = at
		case key == "milestones":
			set, err := milestoneFields(val, v)
			if err != nil {
				return in, err
			}
			in.Milestones = set
		case key == "timeline":
			entries, err := timelineFields(val, v)
			if err != nil {
				return in, err
			}
			in.Timeline = entries
		default:
			v.Add(key, "is not a postmortem field: send body_draft, impact_started_at, milestones, timeline or a section (%s)", sectionKeys())
		}
	}
	return in, v.Err()
}

// milestoneFields decodes {"detected_at": "…", "resolved_at": null, …}: a
// time sets a milestone, null goes back to the entry marked as it or its
// default. Bad times and unknown names are added to v as
// "milestones.<name>".
func milestoneFields(raw json.RawMessage, v *models.ValidationError) (map[string]*time.Time, error) {
	var fields map[string]optional[string]
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, apiFieldError("milestones", "must be an object of times such as {\"detected_at\": \"2026-11-24T14:05:00Z\"}")
	}
	out := map[string]*time.Time{}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		key := milestoneOfField(name)
		if key == "" {
			v.Add("milestones."+name, "is not a milestone: send %s", milestoneFieldList())
			continue
		}
		at, err := parseAPITime(name, fields[name])
		if err != nil || fields[name].Set && !fields[name].Null && at == nil {
			v.Add("milestones."+name, "must be an ISO 8601 time such as 2026-11-24T14:00:00Z, or null for its default")
			continue
		}
		out[key] = at
	}
	return out, nil
}

// milestoneOfField is the milestone whose time field is name, "" for none.
func milestoneOfField(name string) string {
	for _, s := range models.MilestoneSpecs {
		if s.Field == name {
			return s.Key
		}
	}
	return ""
}

func milestoneFieldList() string {
	list := ""
	for i, s := range models.MilestoneSpecs {
		if i > 0 {
			list += ", "
		}
		list += s.Field
	}
	return list
}

// milestoneFieldNames names the milestone fields of a validation error as
// the request sent them: under "milestones".
func milestoneFieldNames(err error, in models.PostmortemInput, topImpactStart bool) error {
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		for i, f := range ve.Fields {
			key := milestoneOfField(f.Field)
			if key != "" && !(key == models.MilestoneImpactStarted && topImpactStart) {
				ve.Fields[i].Field = "milestones." + f.Field
			}
		}
	}
	return err
}

func sectionKeys() string {
	keys := ""
	for i, s := range models.PostmortemSections {
		if i > 0 {
			keys += ", "
		}
		keys += s.Key
	}
	return keys
}

// entryRequest is one timeline entry of PUT /postmortem.
type entryRequest struct {
	ID         string           `json:"id"`
	OccurredAt optional[string] `json:"occurred_at"`
	Body       optional[string] `json:"body"`
	Included   optional[bool]   `json:"included"`
	Milestone  optional[string] `json:"milestone"`
	Remove     bool             `json:"remove"`
}

// timelineFields decodes the timeline entries; bad times are added to v.
func timelineFields(raw json.RawMessage, v *models.ValidationError) ([]models.EntryInput, error) {
	var list []entryRequest
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, apiFieldError("timeline", "must be a list of entries {id, occurred_at, body, included, milestone, remove}")
	}
	out := make([]models.EntryInput, 0, len(list))
	for i, e := range list {
		in := models.EntryInput{ID: e.ID, Body: e.Body.ptr(), Included: e.Included.ptr(), Remove: e.Remove}
		if e.Milestone.Set {
			in.Milestone = &e.Milestone.Value // null: ""
		}
		at, err := parseAPITime("occurred_at", e.OccurredAt)
		if err != nil {
			v.Add("timeline", "entry %d: occurred_at must be an ISO 8601 time such as 2026-11-24T14:00:00Z", i+1)
		}
		in.OccurredAt = at
		out = append(out, in)
	}
	return out, nil
}

// showPostmortem is GET /v1/pages/{page_id}/incidents/{id}/postmortem:
// the postmortem, draft or published, with its blameless warnings.
func (h *Handler) showPostmortem(c echo.Context) error {
	pm, err := h.DB.GetPostmortem(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return h.postmortemJSON(c, http.StatusOK, pm)
}

// putPostmortem is PUT /v1/pages/{page_id}/incidents/{id}/postmortem: it
// drafts the postmortem from the timeline when there is none yet, then
// applies the body (Statuspage's body_draft, or Beacon's sections and
// timeline). A published postmortem keeps the change as a revision.
func (h *Handler) putPostmortem(c echo.Context) error {
	in, err := postmortemFields(c)
	if err != nil {
		return err
	}
	ctx, id, actor := c.Request().Context(), c.Param("id"), web.ActorOf(c).Name
	var pm *models.Postmortem
	err = h.Writes.Do(c, web.Incident(id), "postmortem.save", "incident", func(tx *models.DB) (string, any, error) {
		if _, err := tx.StartPostmortem(ctx, id, actor); err != nil {
			return "", nil, err
		}
		var err error
		pm, err = tx.SavePostmortem(ctx, id, in, actor)
		if err != nil {
			return "", nil, err
		}
		return id, map[string]any{"revision": pm.Revision}, nil
	})
	if err != nil {
		return milestoneFieldNames(err, in, in.ImpactStartedAt != nil)
	}
	return h.postmortemJSON(c, http.StatusOK, pm)
}

// publishPostmortem is PUT /v1/pages/{page_id}/incidents/{id}/postmortem/publish
// with {"postmortem": {"notify_subscribers": true}}: subscribers are
// notified once, when asked. The body may be left out (no notification).
func (h *Handler) publishPostmortem(c echo.Context) error {
	var req struct {
		NotifySubscribers bool `json:"notify_subscribers"`
	}
	if c.Request().ContentLength != 0 {
		if err := bindBody(c, "postmortem", &req); err != nil {
			return err
		}
	}
	var pm *models.Postmortem
	err := h.Writes.Do(c, web.Incident(c.Param("id")), "postmortem.publish", "incident", func(tx *models.DB) (string, any, error) {
		var err error
		pm, err = tx.PublishPostmortem(c.Request().Context(), c.Param("id"), req.NotifySubscribers, web.ActorOf(c).Name)
		if err != nil {
			return "", nil, err
		}
		return pm.IncidentID, map[string]any{"notify_subscribers": req.NotifySubscribers, "revision": pm.Revision}, nil
	})
	if err != nil {
		return err
	}
	return h.postmortemJSON(c, http.StatusOK, pm)
}

// revertPostmortem is PUT /v1/pages/{page_id}/incidents/{id}/postmortem/revert:
// a published postmortem goes back to draft.
func (h *Handler) revertPostmortem(c echo.Context) error {
	var pm *models.Postmortem
	err := h.Writes.Do(c, web.Incident(c.Param("id")), "postmortem.unpublish", "incident", func(tx *models.DB) (string, any, error) {
		var err error
		pm, err = tx.UnpublishPostmortem(c.Request().Context(), c.Param("id"), web.ActorOf(c).Name)
		if err != nil {
			return "", nil, err
		}
		return pm.IncidentID, nil, nil
	})
	if err != nil {
		return err
	}
	return h.postmortemJSON(c, http.StatusOK, pm)
}

// deletePostmortem is DELETE /v1/pages/{page_id}/incidents/{id}/postmortem:
// it answers with the postmortem as it was.
func (h *Handler) deletePostmortem(c echo.Context) error {
	ctx := c.Request().Context()
	pm, err := h.DB.GetPostmortem(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	err = h.Writes.Do(c, web.Incident(pm.IncidentID), "postmortem.delete", "incident", func(tx *models.DB) (string, any, error) {
		return pm.IncidentID, map[string]any{"status": pm.Status, "revision": pm.Revision}, tx.DeletePostmortem(ctx, pm.IncidentID)
	})
	if err != nil {
		return err
	}
	return h.postmortemJSON(c, http.StatusOK, pm)
}

// actionItemRequest is the body of POST and PATCH action-items.
type actionItemRequest struct {
	Title     optional[string] `json:"title"`
	Owner     optional[string] `json:"owner"`
	DueDate   optional[string] `json:"due_date"`
	Status    optional[string] `json:"status"`
	URL       optional[string] `json:"url"`
	URLPublic optional[bool]   `json:"url_public"`
	Position  optional[int]    `json:"position"`
}

// input turns the request into a models.ActionItemInput: null clears a
// field (an empty title is then refused).
func (r *actionItemRequest) input() models.ActionItemInput {
	str := func(o optional[string]) *string {
		if !o.Set {
			return nil
		}
		return &o.Value
	}
	return models.ActionItemInput{Title: str(r.Title), Owner: str(r.Owner), DueDate: str(r.DueDate),
		Status: str(r.Status), URL: str(r.URL), URLPublic: r.URLPublic.ptr(), Position: r.Position.ptr()}
}

// listActionItems is GET /v1/pages/{page_id}/incidents/{id}/postmortem/action-items.
func (h *Handler) listActionItems(c echo.Context) error {
	list, err := h.DB.ListActionItems(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	out := make([]jsonActionItem, 0, len(list))
	for i := range list {
		out = append(out, h.jsonActionItemOf(c.Param("id"), &list[i]))
	}
	return c.JSON(http.StatusOK, out)
}

// createActionItem is POST /v1/pages/{page_id}/incidents/{id}/postmortem/action-items.
func (h *Handler) createActionItem(c echo.Context) error {
	var req actionItemRequest
	if err := bindBody(c, "action_item", &req); err != nil {
		return err
	}
	var item *models.ActionItem
	err := h.Writes.Do(c, web.Incident(c.Param("id")), "action_item.create", "action_item", func(tx *models.DB) (string, any, error) {
		var err error
		item, err = tx.CreateActionItem(c.Request().Context(), c.Param("id"), req.input())
		if err != nil {
			return "", nil, err
		}
		return item.ID, map[string]string{"incident_id": c.Param("id"), "title": item.Title}, nil
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, h.jsonActionItemOf(c.Param("id"), item))
}

// updateActionItem is PATCH /v1/pages/{page_id}/incidents/{id}/postmortem/action-items/{item_id}:
// an item of another incident is not found.
func (h *Handler) updateActionItem(c echo.Context) error {
	var req actionItemRequest
	if err := bindBody(c, "action_item", &req); err != nil {
		return err
	}
	var item *models.ActionItem
	err := h.Writes.Do(c, web.Incident(c.Param("id")), "action_item.update", "action_item", func(tx *models.DB) (string, any, error) {
		var err error
		item, err = tx.UpdateActionItem(c.Request().Context(), c.Param("id"), c.Param("item_id"), req.input())
		if err != nil {
			return "", nil, err
		}
		return item.ID, req, nil
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.jsonActionItemOf(c.Param("id"), item))
}

// deleteActionItem is DELETE /v1/pages/{page_id}/incidents/{id}/postmortem/action-items/{item_id}:
// it answers with the item as it was.
func (h *Handler) deleteActionItem(c echo.Context) error {
	var item *models.ActionItem
	err := h.Writes.Do(c, web.Incident(c.Param("id")), "action_item.delete", "action_item", func(tx *models.DB) (string, any, error) {
		var err error
		item, err = tx.DeleteActionItem(c.Request().Context(), c.Param("id"), c.Param("item_id"))
		if err != nil {
			return "", nil, err
		}
		return item.ID, map[string]string{"incident_id": c.Param("id"), "title": item.Title}, nil
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.jsonActionItemOf(c.Param("id"), item))
}
