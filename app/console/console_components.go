package console

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// Components and groups in the console: the list in page order with a
// quick status form, up and down buttons and delete links; the forms that
// add a component or a group; a component's edit page.

// componentsView is the components page.
type componentsView struct {
	AdminView
	Rows   []componentRow
	Groups []view.Option // the create form's group choices, "" first (no group)
}

// componentRow is one component or group in the list.
type componentRow struct {
	adminComponent
	Description        string
	Showcase           bool
	OnlyShowIfDegraded bool
	First, Last        bool          // at its level: no up, no down button
	Members            int           // a group's components
	Statuses           []view.Option // the quick status select, the current one selected
}

// listComponents is the components page.
func (h *Handler) listComponents(c echo.Context) error {
	return h.renderComponents(c, http.StatusOK, view.FormOf(map[string]string{"status": models.Operational}))
}

func (h *Handler) renderComponents(c echo.Context, code int, f view.Form) error {
	comps, err := h.DB.ListComponents(c.Request().Context())
	if err != nil {
		return err
	}
	v := componentsView{AdminView: h.adminView(c, "Components", "components")}
	levels := componentLevels(comps)
	members := map[string]int{}
	for _, comp := range comps {
		if comp.GroupID != nil {
			members[*comp.GroupID]++
		}
	}
	for _, comp := range comps {
		ids := levels[levelOf(&comp)]
		v.Rows = append(v.Rows, componentRow{adminComponent: adminComponentOf(&comp), Description: comp.Description,
			Showcase: comp.Showcase, OnlyShowIfDegraded: comp.OnlyShowIfDegraded,
			First: ids[0] == comp.ID, Last: ids[len(ids)-1] == comp.ID, Members: members[comp.ID],
			Statuses: componentStatusOptions(comp.Status)})
	}
	v.Groups = groupOptions(comps, "", f.Value("group_id"))
	v.Form = f
	return h.Render.Admin(c, code, "components.html", v)
}

// levelOf is the level of the page a component is ordered in: its
// group's id, or "" for groups and ungrouped components.
func levelOf(comp *models.Component) string {
	if comp.GroupID != nil {
		return *comp.GroupID
	}
	return ""
}

// componentLevels lists the ids of each level of the page, in page order.
func componentLevels(comps []models.Component) map[string][]string {
	levels := map[string][]string{}
	for i := range comps {
		l := levelOf(&comps[i])
		levels[l] = append(levels[l], comps[i].ID)
	}
	return levels
}

// nextPosition is the position after the last one of a level.
func nextPosition(comps []models.Component, level string) int {
	next := 0
	for i := range comps {
		if levelOf(&comps[i]) == level {
			next = max(next, comps[i].Position+1)
		}
	}
	return next
}

// groupOptions are the choices of a group select: no group, then every
// group but except, selected marked.
func groupOptions(comps []models.Component, except, selected string) []view.Option {
	opts := []view.Option{{Value: "", Label: "No group", Selected: selected == ""}}
	for _, comp := range comps {
		if comp.IsGroup && comp.ID != except {
			opts = append(opts, view.Option{Value: comp.ID, Label: comp.Name, Selected: comp.ID == selected})
		}
	}
	return opts
}

// createComponent adds a component at the end of its group (or of
// the page).
func (h *Handler) createComponent(c echo.Context) error {
	form := view.NewForm(c)
	form.Clear("csrf")
	ctx := c.Request().Context()
	comps, err := h.DB.ListComponents(ctx)
	if err != nil {
		return err
	}
	comp := &models.Component{Name: form.Value("name"), Description: form.Value("description"),
		Status: form.Value("status"), Showcase: true}
	if g := form.Value("group_id"); g != "" {
		comp.GroupID = &g
	}
	comp.Position = nextPosition(comps, form.Value("group_id"))
	err = h.Writes.Do(c, web.Everything, "component.create", "component", func(tx *models.DB) (string, any, error) {
		err := tx.CreateComponent(ctx, comp, web.ActorOf(c).Name)
		return comp.ID, map[string]string{"name": comp.Name, "status": comp.Status}, err
	})
	if form.Invalid(err) {
		return h.renderComponents(c, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	h.flash(c, "Added the component %s.", comp.Name)
	return c.Redirect(http.StatusSeeOther, "/admin/components")
}

// createGroup adds a component group at the end of the page.
func (h *Handler) createGroup(c echo.Context) error {
	form := view.NewForm(c)
	form.Clear("csrf")
	ctx := c.Request().Context()
	comps, err := h.DB.ListComponents(ctx)
	if err != nil {
		return err
	}
	g := &models.Component{IsGroup: true, Name: form.Value("group_name"), Description: form.Value("group_description"),
		Showcase: true, Position: nextPosition(comps, "")}
	err = h.Writes.Do(c, web.Everything, "component_group.create", "component", func(tx *models.DB) (string, any, error) {
		err := tx.CreateComponent(ctx, g, web.ActorOf(c).Name)
		return g.ID, map[string]string{"name": g.Name}, err
	})
	if form.Invalid(err) {
		form.RenameFields(map[string]string{"name": "group_name", "description": "group_description"})
		return h.renderComponents(c, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	h.flash(c, "Added the group %s. Add components to it from their edit pages or the form below.", g.Name)
	return c.Redirect(http.StatusSeeOther, "/admin/components")
}

// componentEditView is a component's (or group's) edit page.
type componentEditView struct {
	AdminView
	Component adminComponent
	Groups    []view.Option
	Statuses  []view.Option
}

// loadComponent loads the component of the :id parameter.
func (h *Handler) loadComponent(c echo.Context) (*models.Component, error) {
	id := c.Param("id")
	if !models.ValidID(id) {
		return nil, models.ErrNotFound
	}
	return h.DB.GetComponent(c.Request().Context(), id)
}

// editComponent is the form that edits a component or group.
func (h *Handler) editComponent(c echo.Context) error {
	comp, err := h.loadComponent(c)
	if err != nil {
		return err
	}
	return h.renderComponentEdit(c, http.StatusOK, comp, componentForm(comp))
}

// componentForm is a component as its edit form starts.
func componentForm(comp *models.Component) view.Form {
	group := ""
	if comp.GroupID != nil {
		group = *comp.GroupID
	}
	start := ""
	if comp.StartDate != nil {
		start = comp.StartDate.Format(time.DateOnly)
	}
	return view.FormOf(map[string]string{"name": comp.Name, "description": comp.Description, "group_id": group,
		"status": comp.Status, "showcase": checkbox(comp.Showcase), "only_show_if_degraded": checkbox(comp.OnlyShowIfDegraded),
		"start_date": start})
}

func (h *Handler) renderComponentEdit(c echo.Context, code int, comp *models.Component, f view.Form) error {
	comps, err := h.DB.ListComponents(c.Request().Context())
	if err != nil {
		return err
	}
	kind := "component"
	if comp.IsGroup {
		kind = "group"
	}
	v := componentEditView{AdminView: h.adminView(c, "Edit "+kind+" "+comp.Name, "components"),
		Component: adminComponentOf(comp), Groups: groupOptions(comps, comp.ID, f.Value("group_id")),
		Statuses: componentStatusOptions(f.Value("status"))}
	v.Form = f
	return h.Render.Admin(c, code, "component_edit.html", v)
}

// saveComponent saves a component's (or group's) edit form.
func (h *Handler) saveComponent(c echo.Context) error {
	comp, err := h.loadComponent(c)
	if err != nil {
		return err
	}
	form := view.NewForm(c)
	form.Clear("csrf")
	name, desc := form.Value("name"), form.Value("description")
	showcase, onlyDegraded := checked(form, "showcase"), checked(form, "only_show_if_degraded")
	p := models.ComponentPatch{Name: &name, Description: &desc, Showcase: &showcase, OnlyShowIfDegraded: &onlyDegraded}
	if !comp.IsGroup {
		status, group := form.Value("status"), form.Value("group_id")
		p.Status, p.GroupID = &status, &group
		if form.Values.Has("start_date") {
			start, err := models.ParseStartDate("start_date", form.Value("start_date"))
			if form.Invalid(err) {
				return h.renderComponentEdit(c, http.StatusUnprocessableEntity, comp, form)
			}
			p.SetStartDate, p.StartDate = true, start
		}
		if group != levelOf(comp) { // into another group: at its end
			comps, err := h.DB.ListComponents(c.Request().Context())
			if err != nil {
				return err
			}
			pos := nextPosition(comps, group)
			p.Position = &pos
		}
	}
	err = h.Writes.Do(c, web.Everything, "component.update", "component", func(tx *models.DB) (string, any, error) {
		_, err := tx.UpdateComponent(c.Request().Context(), comp.ID, p, web.ActorOf(c).Name)
		return comp.ID, map[string]any{"name": name, "status": p.Status, "group_id": p.GroupID}, err
	})
	if form.Invalid(err) {
		return h.renderComponentEdit(c, http.StatusUnprocessableEntity, comp, form)
	}
	if err != nil {
		return err
	}
	h.flash(c, "Saved %s.", strings.TrimSpace(name))
	return c.Redirect(http.StatusSeeOther, "/admin/components")
}

// setComponentStatus sets a component's status (the quick forms of
// the dashboard and the components page; "next" says where to go after).
func (h *Handler) setComponentStatus(c echo.Context) error {
	comp, err := h.loadComponent(c)
	if err != nil {
		return err
	}
	status := c.FormValue("status")
	err = h.Writes.Do(c, web.Everything, "component.update", "component", func(tx *models.DB) (string, any, error) {
		_, err := tx.UpdateComponent(c.Request().Context(), comp.ID, models.ComponentPatch{Status: &status}, web.ActorOf(c).Name)
		return comp.ID, map[string]string{"status": status}, err
	})
	if f := componentForm(comp); f.Invalid(err) {
		f.Values.Set("status", status)
		return h.renderComponentEdit(c, http.StatusUnprocessableEntity, comp, f)
	}
	if err != nil {
		return err
	}
	if status == comp.Status {
		h.flash(c, "%s was already %s.", comp.Name, models.ComponentStatusLabel(status))
	} else {
		h.flash(c, "%s is now %s.", comp.Name, models.ComponentStatusLabel(status))
	}
	return redirectBack(c, view.NewForm(c), "/admin/components")
}

// moveComponent moves a component (or group) one place up or down
// among its neighbours.
func (h *Handler) moveComponent(c echo.Context) error {
	comp, err := h.loadComponent(c)
	if err != nil {
		return err
	}
	step := map[string]int{"up": -1, "down": 1}[c.FormValue("direction")]
	if step == 0 {
		return models.Invalid("direction", "must be up or down")
	}
	ctx := c.Request().Context()
	comps, err := h.DB.ListComponents(ctx)
	if err != nil {
		return err
	}
	if _, ok := moveAmong(comps, comp, step); !ok {
		h.flash(c, "%s is already the %s of its level.", comp.Name, map[int]string{-1: "first", 1: "last"}[step])
		return c.Redirect(http.StatusSeeOther, "/admin/components#component-"+comp.ID)
	}
	err = h.Writes.Do(c, web.Everything, "component.reorder", "component", func(tx *models.DB) (string, any, error) {
		comps, err := tx.ListComponents(ctx)
		if err != nil {
			return "", nil, err
		}
		ids, _ := moveAmong(comps, comp, step)
		return comp.ID, map[string]any{"direction": c.FormValue("direction"), "order": ids}, tx.ReorderComponents(ctx, ids)
	})
	if err != nil {
		return err
	}
	h.flash(c, "Moved %s %s.", comp.Name, c.FormValue("direction"))
	return c.Redirect(http.StatusSeeOther, "/admin/components#component-"+comp.ID)
}

// moveAmong returns the ids of comp's level with comp moved step places,
// and false when it cannot move that way.
func moveAmong(comps []models.Component, comp *models.Component, step int) ([]string, bool) {
	ids := componentLevels(comps)[levelOf(comp)]
	for i, id := range ids {
		if j := i + step; id == comp.ID && j >= 0 && j < len(ids) {
			ids[i], ids[j] = ids[j], ids[i]
			return ids, true
		}
	}
	return ids, false
}

// componentDeleteView asks before deleting a component or group.
type componentDeleteView struct {
	AdminView
	Component adminComponent
	Members   []string // a group's components, which stay, ungrouped
}

// confirmDeleteComponent asks to confirm deleting a component or
// group.
func (h *Handler) confirmDeleteComponent(c echo.Context) error {
	comp, err := h.loadComponent(c)
	if err != nil {
		return err
	}
	v := componentDeleteView{AdminView: h.adminView(c, "Delete "+comp.Name+"?", "components"), Component: adminComponentOf(comp)}
	if comp.IsGroup {
		comps, err := h.DB.ListComponents(c.Request().Context())
		if err != nil {
			return err
		}
		for _, m := range comps {
			if m.GroupID != nil && *m.GroupID == comp.ID {
				v.Members = append(v.Members, m.Name)
			}
		}
	}
	return h.Render.Admin(c, http.StatusOK, "component_delete.html", v)
}

// deleteComponent deletes a component with its status history, or
// a group (its components stay, ungrouped).
func (h *Handler) deleteComponent(c echo.Context) error {
	comp, err := h.loadComponent(c)
	if err != nil {
		return err
	}
	action := "component.delete"
	if comp.IsGroup {
		action = "component_group.delete"
	}
	err = h.Writes.Do(c, web.Everything, action, "component", func(tx *models.DB) (string, any, error) {
		return comp.ID, map[string]string{"name": comp.Name}, tx.DeleteComponent(c.Request().Context(), comp.ID)
	})
	if err != nil {
		return err
	}
	h.flash(c, "Deleted %s.", comp.Name)
	return c.Redirect(http.StatusSeeOther, "/admin/components")
}
