package console

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// Action items of a postmortem in the console: added and listed in the
// postmortem editor, edited on their own page, and every open one across
// incidents at /admin/action-items, overdue first.

// pmItemRow is an action item as the console lists it.
type pmItemRow struct {
	ID, Title, Owner    string
	Due, DueISO         string // "Jan 31, 2026" and 2026-01-31; "" without a due date
	Overdue             bool
	Status, StatusLabel string
	URL                 string // the team's tracker
	URLPublic           bool   // the public postmortem shows the link
	EditURL, SaveURL    string
	DeleteURL           string
	Statuses            []view.Option // the quick status form's choices
}

// actionItemURL is the console address of an action item.
func actionItemURL(incidentID, itemID string) string {
	return pmURL(incidentID) + "/action-items/" + itemID
}

// pmItemRowOf is an action item of an incident's postmortem; now (in the
// page's zone) tells whether it is overdue.
func pmItemRowOf(incidentID string, item *models.ActionItem, now time.Time) pmItemRow {
	u := actionItemURL(incidentID, item.ID)
	r := pmItemRow{ID: item.ID, Title: item.Title, Owner: item.Owner, Overdue: item.Overdue(now), Status: item.Status,
		StatusLabel: models.ActionItemStatusLabel(item.Status), URL: item.URL, URLPublic: item.URLPublic,
		EditURL: u + "/edit", SaveURL: u, DeleteURL: u + "/delete", Statuses: actionStatusOptions(item.Status)}
	if item.DueDate != nil {
		r.Due, r.DueISO = item.DueDate.UTC().Format("Jan 2, 2006"), item.DueDateString()
	}
	return r
}

// actionStatusOptions are the action item statuses, selected marked.
func actionStatusOptions(selected string) []view.Option {
	opts := make([]view.Option, len(models.ActionItemStatuses))
	for i, s := range models.ActionItemStatuses {
		opts[i] = view.Option{Value: s, Label: models.ActionItemStatusLabel(s), Selected: s == selected}
	}
	return opts
}

// actionItemFields are the fields of an action item form holding f.
func actionItemFields(f view.Form) []view.FieldView {
	status := f.Select("status", "Status")
	status.Options = actionStatusOptions(f.Value("status"))
	return []view.FieldView{
		f.Field("title", "Title", "required", "autocomplete=off"),
		f.Field("owner", "Owner", "autocomplete=off", "hint=A team or a person; not shown publicly."),
		f.Field("due_date", "Due date", "type=date", "hint=YYYY-MM-DD."),
		status,
		f.Field("url", "Tracker link", "type=url", "hint=The ticket in your tracker, e.g. https://tracker.example.com/PROJ-12."),
	}
}

// actionItemPublic is the checkbox that shows an item's tracker link on
// the public postmortem.
func actionItemPublic(f view.Form) view.CheckboxView {
	return f.Checkbox("url_public", "Show the link publicly", "hint=Tracker links are internal unless ticked.")
}

// actionItemInput reads the fields an action item form sent; the others
// stay as they are.
func actionItemInput(f view.Form) models.ActionItemInput {
	str := func(name string) *string {
		if vs, ok := f.Values[name]; ok && len(vs) > 0 {
			s := vs[0]
			return &s
		}
		return nil
	}
	in := models.ActionItemInput{Title: str("title"), Owner: str("owner"), DueDate: str("due_date"),
		Status: str("status"), URL: str("url")}
	if in.Title != nil {
		// The whole form (not the lists' quick status form): an unticked
		// box sends nothing.
		in.URLPublic = ptrTo(checked(f, "url_public"))
	}
	return in
}

// addActionItem adds an action item to an incident's postmortem;
// bad input shows the editor again with the form as sent.
func (h *Handler) addActionItem(c echo.Context) error {
	in, pm, err := h.loadPostmortem(c)
	if err != nil {
		return err
	}
	form := view.NewForm(c)
	form.Clear("csrf")
	err = h.Writes.Do(c, web.Incident(in.ID), "action_item.create", "action_item", func(tx *models.DB) (string, any, error) {
		item, err := tx.CreateActionItem(c.Request().Context(), in.ID, actionItemInput(form))
		if err != nil {
			return "", nil, err
		}
		return item.ID, map[string]string{"incident_id": in.ID, "title": item.Title}, nil
	})
	if form.Invalid(err) {
		return h.renderPMEditor(c, http.StatusUnprocessableEntity, in, pm, pmForms{item: &form, failed: &form})
	}
	if err != nil {
		return err
	}
	h.flash(c, "Added the action item “%s”.", form.Value("title"))
	return c.Redirect(http.StatusSeeOther, pmURL(in.ID)+"#action-items")
}

// actionItemEditView is the page that edits an action item.
type actionItemEditView struct {
	AdminView
	Incident adminIncident
	Item     pmItemRow
	Fields   []view.FieldView
	Public   view.CheckboxView // show the link publicly
	BackURL  string
}

// loadActionItem loads the incident of :id and the action item :item_id
// of its postmortem; an item of another incident is not found.
func (h *Handler) loadActionItem(c echo.Context) (*models.Incident, *models.ActionItem, error) {
	in, pm, err := h.loadPostmortem(c)
	if err != nil {
		return nil, nil, err
	}
	for i := range pm.ActionItems {
		if pm.ActionItems[i].ID == c.Param("item_id") {
			return in, &pm.ActionItems[i], nil
		}
	}
	return nil, nil, models.ErrNotFound
}

// editActionItem is the form to edit an action item.
func (h *Handler) editActionItem(c echo.Context) error {
	in, item, err := h.loadActionItem(c)
	if err != nil {
		return err
	}
	f := view.FormOf(map[string]string{"title": item.Title, "owner": item.Owner, "due_date": item.DueDateString(),
		"status": item.Status, "url": item.URL, "url_public": checkbox(item.URLPublic)})
	return h.renderActionItemEdit(c, http.StatusOK, in, item, f)
}

func (h *Handler) renderActionItemEdit(c echo.Context, code int, in *models.Incident, item *models.ActionItem, f view.Form) error {
	v := actionItemEditView{AdminView: h.adminView(c, "Edit action item", incidentSection(in)), Incident: h.adminIncident(in),
		Item: pmItemRowOf(in.ID, item, h.Now().In(h.Site.Zone())), Fields: actionItemFields(f), Public: actionItemPublic(f), BackURL: pmURL(in.ID) + "#action-items"}
	v.Form = f
	return h.Render.Admin(c, code, "action_item_edit.html", v)
}

// saveActionItem changes the fields of an action item the form
// sent (the lists' quick form sends only its status); "next" says where
// to go after.
func (h *Handler) saveActionItem(c echo.Context) error {
	in, item, err := h.loadActionItem(c)
	if err != nil {
		return err
	}
	form := view.NewForm(c)
	form.Clear("csrf")
	input := actionItemInput(form)
	var saved *models.ActionItem
	err = h.Writes.Do(c, web.Incident(in.ID), "action_item.update", "action_item", func(tx *models.DB) (string, any, error) {
		var err error
		saved, err = tx.UpdateActionItem(c.Request().Context(), in.ID, item.ID, input)
		if err != nil {
			return "", nil, err
		}
		return item.ID, map[string]string{"incident_id": in.ID, "title": saved.Title, "status": saved.Status}, nil
	})
	if form.Invalid(err) {
		form.Clear("next")
		if _, sent := form.Values["title"]; !sent {
			// The quick form: show the whole item, with the status tried.
			full := view.FormOf(map[string]string{"title": item.Title, "owner": item.Owner, "due_date": item.DueDateString(),
				"status": form.Value("status"), "url": item.URL, "url_public": checkbox(item.URLPublic)})
			full.Fields = form.Fields
			form = full
		}
		return h.renderActionItemEdit(c, http.StatusUnprocessableEntity, in, item, form)
	}
	if err != nil {
		return err
	}
	h.flash(c, "Saved the action item “%s” (%s).", saved.Title, models.ActionItemStatusLabel(saved.Status))
	return redirectBack(c, form, pmURL(in.ID)+"#action-items")
}

// deleteActionItem deletes an action item.
func (h *Handler) deleteActionItem(c echo.Context) error {
	in, item, err := h.loadActionItem(c)
	if err != nil {
		return err
	}
	err = h.Writes.Do(c, web.Incident(in.ID), "action_item.delete", "action_item", func(tx *models.DB) (string, any, error) {
		_, err := tx.DeleteActionItem(c.Request().Context(), in.ID, item.ID)
		return item.ID, map[string]string{"incident_id": in.ID, "title": item.Title}, err
	})
	if err != nil {
		return err
	}
	h.flash(c, "Deleted the action item “%s”.", item.Title)
	return c.Redirect(http.StatusSeeOther, pmURL(in.ID)+"#action-items")
}

// actionItemsView is the list of open action items across incidents.
type actionItemsView struct {
	AdminView
	Items   []openItemRow
	Overdue int
}

// openItemRow is an open action item with its incident.
type openItemRow struct {
	pmItemRow
	IncidentName, PostmortemURL string
}

// listActionItems lists every open (or in progress) action item across
// incidents, the overdue ones first, then by due date.
func (h *Handler) listActionItems(c echo.Context) error {
	list, err := h.DB.ListOpenActionItems(c.Request().Context())
	if err != nil {
		return err
	}
	v := actionItemsView{AdminView: h.adminView(c, "Action items", "action-items")}
	now := h.Now().In(h.Site.Zone())
	for i := range list {
		row := openItemRow{pmItemRow: pmItemRowOf(list[i].IncidentID, &list[i].ActionItem, now),
			IncidentName: list[i].IncidentName, PostmortemURL: pmURL(list[i].IncidentID)}
		if row.Overdue {
			v.Overdue++
		}
		v.Items = append(v.Items, row)
	}
	return h.Render.Admin(c, http.StatusOK, "action_items.html", v)
}
