package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// optional is a JSON field that tells "absent" from "null" from a value,
// as a PATCH needs.
type optional[T any] struct {
	Set   bool // the field was in the body
	Null  bool // ... as null
	Value T
}

// UnmarshalJSON records that the field was present. An empty string for
// a field that is not text (a boolean, a number, a list) is absent, as
// Statuspage's clients send it for "not set".
func (o *optional[T]) UnmarshalJSON(b []byte) error {
	*o = optional[T]{Set: true}
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	if string(b) == `""` && reflect.TypeFor[T]().Kind() != reflect.String {
		*o = optional[T]{}
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// formType is the type a form value of this field is read as.
func (optional[T]) formType() reflect.Type { return reflect.TypeFor[T]() }

// blankIsAbsent makes an empty string or null absent: for the optional
// fields whose "" means "not set" to Statuspage's clients.
func (o *optional[T]) blankIsAbsent() {
	if o.Null || o.Set && reflect.ValueOf(o.Value).IsZero() {
		*o = optional[T]{}
	}
}

// MarshalJSON writes the value, or null when absent (for the audit log).
func (o optional[T]) MarshalJSON() ([]byte, error) {
	if !o.Set || o.Null {
		return []byte("null"), nil
	}
	return json.Marshal(o.Value)
}

// IsZero reports an absent field, so omitzero leaves it out.
func (o optional[T]) IsZero() bool { return !o.Set }

// ptr returns the value when it was given and not null.
func (o optional[T]) ptr() *T {
	if !o.Set || o.Null {
		return nil
	}
	return &o.Value
}

// componentRequest is the body of POST and PATCH /components.
type componentRequest struct {
	Name               optional[string] `json:"name,omitzero"`
	Description        optional[string] `json:"description,omitzero"`
	Status             optional[string] `json:"status,omitzero"`
	GroupID            optional[string] `json:"group_id,omitzero"`
	Position           optional[int]    `json:"position,omitzero"`
	Showcase           optional[bool]   `json:"showcase,omitzero"`
	OnlyShowIfDegraded optional[bool]   `json:"only_show_if_degraded,omitzero"`
	StartDate          optional[string] `json:"start_date,omitzero"`
}

// startDate reads start_date: nil when absent, null or "".
func (r *componentRequest) startDate() (*time.Time, error) {
	p := r.StartDate.ptr()
	if p == nil {
		return nil, nil
	}
	return models.ParseStartDate("component.start_date", *p)
}

// patch is the request as a models.ComponentPatch.
func (r *componentRequest) patch() (models.ComponentPatch, error) {
	p := models.ComponentPatch{
		Name: r.Name.ptr(), Status: r.Status.ptr(), Position: r.Position.ptr(),
		Showcase: r.Showcase.ptr(), OnlyShowIfDegraded: r.OnlyShowIfDegraded.ptr(),
	}
	if r.Description.Set {
		d := r.Description.Value // null clears it
		p.Description = &d
	}
	if r.GroupID.Set {
		g := r.GroupID.Value // null ungroups
		p.GroupID = &g
	}
	if r.StartDate.Set { // null or "" clears it
		d, err := r.startDate()
		if err != nil {
			return p, err
		}
		p.SetStartDate, p.StartDate = true, d
	}
	return p, nil
}

// listComponents is GET /v1/pages/{page_id}/components: every component
// and group in page order.
func (h *Handler) listComponents(c echo.Context) error {
	list, err := h.DB.ListComponents(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.jsonComponentsOf(list))
}

// showComponent is GET /v1/pages/{page_id}/components/{id}.
func (h *Handler) showComponent(c echo.Context) error {
	comp, err := h.DB.GetComponent(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.jsonComponentWithMembers(c, comp))
}

// jsonComponentWithMembers shapes one component, a group with its members.
func (h *Handler) jsonComponentWithMembers(c echo.Context, comp *models.Component) any {
	var members []string
	if comp.IsGroup {
		list, err := h.DB.ListComponents(c.Request().Context())
		if err == nil {
			members = groupMembers(list)[comp.ID]
		}
	}
	return h.jsonComponentOf(comp, members)
}

// createComponent is POST /v1/pages/{page_id}/components.
func (h *Handler) createComponent(c echo.Context) error {
	var req componentRequest
	if err := bindBody(c, "component", &req); err != nil {
		return err
	}
	req.Status.blankIsAbsent() // "" is "not set" to Statuspage's clients
	comp := &models.Component{
		Name: req.Name.Value, Description: req.Description.Value, Status: req.Status.Value,
		GroupID: req.GroupID.ptr(), Position: req.Position.Value, Showcase: true,
		OnlyShowIfDegraded: req.OnlyShowIfDegraded.Value,
	}
	if p := req.Showcase.ptr(); p != nil {
		comp.Showcase = *p
	}
	if p := req.GroupID.ptr(); p != nil && *p == "" {
		comp.GroupID = nil
	}
	d, err := req.startDate()
	if err != nil {
		return err
	}
	comp.StartDate = d
	err = h.Writes.Do(c, web.Everything, "component.create", "component", func(tx *models.DB) (string, any, error) {
		return comp.ID, map[string]string{"name": comp.Name}, tx.CreateComponent(c.Request().Context(), comp, web.ActorOf(c).Name)
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, h.jsonComponentOf(comp, nil))
}

// updateComponent is PATCH (or PUT) /v1/pages/{page_id}/components/{id}.
func (h *Handler) updateComponent(c echo.Context) error {
	var req componentRequest
	if err := bindBody(c, "component", &req); err != nil {
		return err
	}
	req.Status.blankIsAbsent() // "" is "not set" to Statuspage's clients
	patch, err := req.patch()
	if err != nil {
		return err
	}
	var comp *models.Component
	err = h.Writes.Do(c, web.Everything, "component.update", "component", func(tx *models.DB) (string, any, error) {
		var err error
		comp, err = tx.UpdateComponent(c.Request().Context(), c.Param("id"), patch, web.ActorOf(c).Name)
		return c.Param("id"), req, err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.jsonComponentWithMembers(c, comp))
}

// deleteComponent is DELETE /v1/pages/{page_id}/components/{id}.
func (h *Handler) deleteComponent(c echo.Context) error {
	err := h.Writes.Do(c, web.Everything, "component.delete", "component", func(tx *models.DB) (string, any, error) {
		return c.Param("id"), nil, tx.DeleteComponent(c.Request().Context(), c.Param("id"))
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// groupRequest is the body of POST and PATCH /component-groups. As in
// Statuspage, the description may sit beside the wrapper.
type groupRequest struct {
	Description    optional[string] `json:"description"`
	ComponentGroup struct {
		Name        optional[string]   `json:"name,omitzero"`
		Description optional[string]   `json:"description,omitzero"`
		Components  optional[[]string] `json:"components,omitzero"`
		Position    optional[int]      `json:"position,omitzero"`
	} `json:"component_group,omitzero"`
}

func (r *groupRequest) description() optional[string] {
	if r.ComponentGroup.Description.Set {
		return r.ComponentGroup.Description
	}
	return r.Description
}

// listComponentGroups is GET /v1/pages/{page_id}/component-groups.
func (h *Handler) listComponentGroups(c echo.Context) error {
	list, err := h.DB.ListComponents(c.Request().Context())
	if err != nil {
		return err
	}
	members := groupMembers(list)
	out := []jsonComponentGroup{}
	for i := range list {
		if list[i].IsGroup {
			out = append(out, h.jsonGroupOf(&list[i], members[list[i].ID]))
		}
	}
	return c.JSON(http.StatusOK, out)
}

// showComponentGroup is GET /v1/pages/{page_id}/component-groups/{id}.
func (h *Handler) showComponentGroup(c echo.Context) error {
	g, members, err := h.loadGroup(c, h.DB, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.jsonGroupOf(g, members))
}

// loadGroup loads a group and its members' ids; a plain component is 404.
func (h *Handler) loadGroup(c echo.Context, db *models.DB, id string) (*models.Component, []string, error) {
	list, err := db.ListComponents(c.Request().Context())
	if err != nil {
		return nil, nil, err
	}
	for i := range list {
		if list[i].ID == id && list[i].IsGroup {
			return &list[i], groupMembers(list)[id], nil
		}
	}
	return nil, nil, models.ErrNotFound
}

// createComponentGroup is POST /v1/pages/{page_id}/component-groups: the
// group and its members move in one transaction.
func (h *Handler) createComponentGroup(c echo.Context) error {
	var req groupRequest
	if err := bindBody(c, "", &req); err != nil {
		return err
	}
	g := &models.Component{IsGroup: true, Name: req.ComponentGroup.Name.Value,
		Description: req.description().Value, Position: req.ComponentGroup.Position.Value, Showcase: true}
	var members []string
	err := h.Writes.Do(c, web.Everything, "component_group.create", "component", func(tx *models.DB) (string, any, error) {
		ctx := c.Request().Context()
		if err := tx.CreateComponent(ctx, g, web.ActorOf(c).Name); err != nil {
			return "", nil, err
		}
		if err := h.setGroupMembers(c, tx, g.ID, req.ComponentGroup.Components.Value); err != nil {
			return "", nil, err
		}
		var err error
		g, members, err = h.loadGroup(c, tx, g.ID)
		return g.ID, map[string]any{"name": g.Name, "components": members}, err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, h.jsonGroupOf(g, members))
}

// updateComponentGroup is PATCH (or PUT) /v1/pages/{page_id}/component-groups/{id}.
// A components list replaces the group's members.
func (h *Handler) updateComponentGroup(c echo.Context) error {
	var req groupRequest
	if err := bindBody(c, "", &req); err != nil {
		return err
	}
	if req.ComponentGroup.Components.Null { // null is "not given", as for incidents: [] empties the group
		req.ComponentGroup.Components = optional[[]string]{}
	}
	var g *models.Component
	var members []string
	err := h.Writes.Do(c, web.Everything, "component_group.update", "component", func(tx *models.DB) (string, any, error) {
		ctx := c.Request().Context()
		id := c.Param("id")
		_, members, err := h.loadGroup(c, tx, id)
		if err != nil {
			return "", nil, err
		}
		desc := req.description()
		p := models.ComponentPatch{Name: req.ComponentGroup.Name.ptr(), Position: req.ComponentGroup.Position.ptr()}
		if desc.Set {
			p.Description = &desc.Value
		}
		if _, err := tx.UpdateComponent(ctx, id, p, web.ActorOf(c).Name); err != nil {
			return "", nil, err
		}
		if list := req.ComponentGroup.Components; list.Set {
			empty := ""
			for _, m := range members { // former members not listed leave the group
				if !slices.Contains(list.Value, m) {
					if _, err := tx.UpdateComponent(ctx, m, models.ComponentPatch{GroupID: &empty}, web.ActorOf(c).Name); err != nil {
						return "", nil, err
					}
				}
			}
			if err := h.setGroupMembers(c, tx, id, list.Value); err != nil {
				return "", nil, err
			}
		}
		return id, req.ComponentGroup, nil
	})
	if err != nil {
		return err
	}
	g, members, err = h.loadGroup(c, h.DB, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.jsonGroupOf(g, members))
}

// setGroupMembers moves the listed components into the group.
func (h *Handler) setGroupMembers(c echo.Context, tx *models.DB, groupID string, ids []string) error {
	for _, id := range ids {
		if _, err := tx.GetComponent(c.Request().Context(), id); err != nil {
			if errors.Is(err, models.ErrNotFound) {
				return models.Invalid("components", "no component with id %q", id)
			}
			return err
		}
		g := groupID
		if _, err := tx.UpdateComponent(c.Request().Context(), id, models.ComponentPatch{GroupID: &g}, web.ActorOf(c).Name); err != nil {
			return err
		}
	}
	return nil
}

// deleteComponentGroup is DELETE /v1/pages/{page_id}/component-groups/{id}:
// the members stay, ungrouped.
func (h *Handler) deleteComponentGroup(c echo.Context) error {
	err := h.Writes.Do(c, web.Everything, "component_group.delete", "component", func(tx *models.DB) (string, any, error) {
		if _, _, err := h.loadGroup(c, tx, c.Param("id")); err != nil {
			return "", nil, err
		}
		return c.Param("id"), nil, tx.DeleteComponent(c.Request().Context(), c.Param("id"))
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
