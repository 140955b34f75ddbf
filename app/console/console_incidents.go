package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// Running incidents from the console: the list, the form that opens one
// (or backfills a past one), and an incident's page with its whole
// timeline and the forms that act on it (console_timeline.go).

// consoleIncidentsPerPage is how many incidents a list page shows.
const consoleIncidentsPerPage = 25

// incidentListView is the list of incidents and maintenance.
type incidentListView struct {
	AdminView
	Tab       string // open, maintenance or all
	Tabs      []NavItem
	Query     string
	ClearURL  string // the tab without the search
	Incidents []adminIncident
	Total     int64
	PageNum   int
	NumPages  int
	PrevURL   string
	NextURL   string
}

// listIncidents lists incidents: ?tab=open (unresolved incidents, the
// default), maintenance or all; ?q= searches names; ?page= pages.
func (h *Handler) listIncidents(c echo.Context) error {
	tab := c.QueryParam("tab")
	if tab == "" {
		tab = "open"
	}
	return h.listConsoleIncidents(c, tab)
}

// listMaintenance lists scheduled maintenance, upcoming and past.
func (h *Handler) listMaintenance(c echo.Context) error {
	return h.listConsoleIncidents(c, "maintenance")
}

func (h *Handler) listConsoleIncidents(c echo.Context, tab string) error {
	f := models.IncidentFilter{Query: strings.TrimSpace(c.QueryParam("q")), Limit: consoleIncidentsPerPage}
	title, section := "Incidents", "incidents"
	switch tab {
	case "open":
		f.Kind, f.Unresolved = models.KindIncident, true
	case "maintenance":
		f.Kind = models.KindMaintenance
		title, section = "Maintenance", "maintenance"
	case "all":
	default:
		return web.BadRequest("tab must be open, maintenance or all, got %q", tab)
	}
	page := 1
	if raw := c.QueryParam("page"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return web.BadRequest("page must be a whole number from 1 up, got %q", raw)
		}
		page = n
	}
	f.Offset = (page - 1) * consoleIncidentsPerPage
	list, total, err := h.DB.ListIncidents(c.Request().Context(), f)
	if err != nil {
		return err
	}
	v := incidentListView{AdminView: h.adminView(c, title, section), Tab: tab, Query: f.Query, ClearURL: incidentListURL(tab, "", 1), Total: total, PageNum: page,
		NumPages: max(1, int((total+consoleIncidentsPerPage-1)/consoleIncidentsPerPage))}
	if page > v.NumPages {
		return echo.NewHTTPError(http.StatusNotFound, "There is no page "+strconv.Itoa(page)+" of this list.")
	}
	for _, t := range []struct{ key, label string }{{"open", "Open incidents"}, {"maintenance", "Maintenance"}, {"all", "All"}} {
		v.Tabs = append(v.Tabs, NavItem{Label: t.label, URL: incidentListURL(t.key, "", 1), Current: t.key == tab})
	}
	for i := range list {
		v.Incidents = append(v.Incidents, h.adminIncident(&list[i]))
	}
	if page > 1 {
		v.PrevURL = incidentListURL(tab, f.Query, page-1)
	}
	if page < v.NumPages {
		v.NextURL = incidentListURL(tab, f.Query, page+1)
	}
	return h.Render.Admin(c, http.StatusOK, "incidents.html", v)
}

// incidentListURL is the address of a page of a tab of the list.
func incidentListURL(tab, query string, page int) string {
	path, q := "/admin/incidents", url.Values{}
	switch tab {
	case "maintenance":
		path = "/admin/maintenance"
	case "all":
		q.Set("tab", tab)
	}
	if query != "" {
		q.Set("q", query)
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// incidentFormView is the form that opens an incident or schedules a
// maintenance.
type incidentFormView struct {
	AdminView
	Statuses          []view.Option
	Impacts           []view.Option
	Components        componentPicker
	Preview           previewView
	TimeZone          string
	BackfillOpen      bool // the backfill section starts open
	MaxMessageLength  int
	ComponentStatuses []view.Option
	Templates         []templateChoice // the templates the form may start from
}

// componentPicker is the fieldset choosing components in a form: a status
// select each (Check false) or a checkbox each (Check true).
type componentPicker struct {
	ID                  string // the fieldset's, which the error summary links to
	Legend, Hint, Error string
	Check               bool
	Choices             []componentChoice
	Statuses            []view.Option
}

// newIncident is the form to open an incident.
func (h *Handler) newIncident(c echo.Context) error {
	values := map[string]string{"status": models.Investigating, "impact": "auto", "notify": "1"}
	fromTemplate, err := h.templateValues(c, models.KindIncident, true)
	if err != nil {
		return err
	}
	for k, v := range fromTemplate {
		values[k] = v
	}
	return h.renderIncidentForm(c, http.StatusOK, view.FormOf(values))
}

func (h *Handler) renderIncidentForm(c echo.Context, code int, f view.Form) error {
	comps, err := h.DB.ListComponents(c.Request().Context())
	if err != nil {
		return err
	}
	preview, err := previewOf(f, "body")
	if err != nil {
		return err
	}
	v := incidentFormView{AdminView: h.adminView(c, "Open an incident", "incidents"),
		Statuses: statusOptions(models.KindIncident, f.Value("status")), Preview: preview,
		TimeZone: h.Site.Info().TimeZone, BackfillOpen: checked(f, "backfilled") || f.Value("backfill_date") != "",
		MaxMessageLength: models.MaxMessageLength, ComponentStatuses: componentStatusOptions("")}
	for _, impact := range []string{"auto", models.ImpactNone, models.ImpactMinor, models.ImpactMajor, models.ImpactCritical} {
		label := strings.ToUpper(impact[:1]) + impact[1:]
		v.Impacts = append(v.Impacts, view.Option{Value: impact, Label: label, Selected: impact == f.Value("impact")})
	}
	v.Components = componentPicker{ID: "f-components", Legend: "Affected components",
		Hint:  "Set the status of each component the incident affects; leave the others at “No change”.",
		Error: f.Error("components"), Choices: componentChoices(comps, f, nil), Statuses: componentStatusOptions("")}
	if v.Templates, err = h.templatePicker(c, models.KindIncident, "/admin/incidents/new", "", c.QueryParam("template")); err != nil {
		return err
	}
	v.Form = f
	return h.Render.Admin(c, code, "incident_new.html", v)
}

// openIncident opens an incident from the form, or backfills a
// past one; "preview" shows the form again with the message rendered.
func (h *Handler) openIncident(c echo.Context) error {
	form := view.NewForm(c)
	form.Clear("csrf")
	if form.Value("preview") != "" {
		return h.renderIncidentForm(c, http.StatusOK, form)
	}
	n := models.NewIncident{Kind: models.KindIncident, Name: form.Value("name"), Status: form.Value("status"),
		Body: form.Value("body"), Components: componentChanges(form), Notify: checked(form, "notify"), Actor: web.ActorOf(c).Name}
	if impact := form.Value("impact"); impact != "auto" {
		n.Impact = impact
	}
	v := &models.ValidationError{}
	switch {
	case checked(form, "backfilled"):
		n.Backfilled, n.Status = true, models.Resolved
		if at := h.parseLocalTime(v, "backfill_date", form.Value("backfill_date")); at != nil {
			n.StartedAt = *at
		}
	case form.Value("backfill_date") != "":
		v.Add("backfilled", "must be ticked to backfill a past incident, or clear the date")
	}
	var in *models.Incident
	err := v.Err()
	if err == nil {
		err = h.Writes.Do(c, web.Everything, "incident.create", "incident", func(tx *models.DB) (string, any, error) {
			var err error
			if in, err = tx.OpenIncident(c.Request().Context(), n); err != nil {
				return "", nil, err
			}
			return in.ID, map[string]any{"name": in.Name, "status": in.Status, "backfilled": in.Backfilled}, nil
		})
	}
	if form.Invalid(err) {
		form.Clear("preview")
		return h.renderIncidentForm(c, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	if in.Backfilled {
		h.flash(c, "Backfilled the incident “%s”.", in.Name)
	} else {
		h.flash(c, "Opened the incident “%s”.", in.Name)
	}
	return c.Redirect(http.StatusSeeOther, consoleIncidentURL(in.ID))
}

// preview answers a message rendered as its update will show it:
// a fragment of sanitized HTML, for admin.js to show without a reload.
func (h *Handler) preview(c echo.Context) error {
	body := c.FormValue("body")
	if len(body) > models.MaxMessageLength {
		return models.Invalid("body", "must be at most %d characters", models.MaxMessageLength)
	}
	html, err := models.RenderMarkdown(body)
	if err != nil {
		return err
	}
	return c.HTML(http.StatusOK, html) // sanitized by RenderMarkdown
}

// loadIncident loads the incident of the :id parameter; an unknown or
// malformed id is ErrNotFound.
func (h *Handler) loadIncident(c echo.Context) (*models.Incident, error) {
	id := c.Param("id")
	if !models.ValidID(id) {
		return nil, models.ErrNotFound
	}
	return h.DB.GetIncident(c.Request().Context(), id)
}

// showMaintenance sends a maintenance's console address to its
// page, the incident page.
func (h *Handler) showMaintenance(c echo.Context) error {
	if !models.ValidID(c.Param("id")) {
		return models.ErrNotFound
	}
	return c.Redirect(http.StatusSeeOther, consoleIncidentURL(c.Param("id")))
}
