package console

import (
	"html/template"
	"net/http"
	"sort"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/models"
)

// The console's home: what is open right now, with the common actions on
// it one form away: post an update, set a component's status, open an
// incident, schedule maintenance.

// dashboardView is the dashboard.
type dashboardView struct {
	AdminView
	Incidents         []dashboardIncident // open incidents, newest first
	Maintenance       []adminIncident     // maintenance in progress or scheduled, soonest first
	Components        []adminComponent
	ComponentStatuses []view.Option
	// UnattachedAlerts came in from integrations while no incident covered
	// their component; they join one that opens within its window.
	UnattachedAlerts []unattachedAlert
	Mirror           *mirrorView // nil without MIRROR_URL
}

// mirrorView is the mirror's state as the dashboard shows it.
type mirrorView struct {
	MirrorState
	Synced view.DisplayTime // LastSync in the page's time zone
}

// unattachedAlert is an alert waiting for an incident.
type unattachedAlert struct {
	Component, Source, Body string
	At, Until               view.DisplayTime
}

// dashboardIncident is an open incident with its latest update and the
// choices of its quick update form.
type dashboardIncident struct {
	adminIncident
	Latest       *timelineItem   // the newest public update
	StatusRadios view.RadioGroup // the quick form's status view.Radios, the current one checked
}

// adminIncident is an incident or maintenance in a console list.
type adminIncident struct {
	ID, Name, Kind      string
	Impact              string
	Status, StatusLabel string
	URL                 string           // its console page
	PublicURL           string           // its page on the status page
	Since               view.DisplayTime // when it started
	Resolved            view.DisplayTime // when it was resolved or completed
	Window              string           // maintenance: its window
	Components          []string
	Excerpt             string // the latest public update, in short
}

// adminComponent is a component (or group) with its status.
type adminComponent struct {
	ID, Name            string
	IsGroup, InGroup    bool
	Status, StatusLabel string
}

// showDashboard lists the open incidents (each with a quick update form),
// the maintenance in progress or scheduled, and every component with a
// quick status form.
func (h *Handler) showDashboard(c echo.Context) error {
	ctx := c.Request().Context()
	open, err := h.DB.ListUnresolved(ctx)
	if err != nil {
		return err
	}
	comps, err := h.DB.ListComponents(ctx)
	if err != nil {
		return err
	}
	v := dashboardView{AdminView: h.adminView(c, "Dashboard", "dashboard"), ComponentStatuses: componentStatusOptions("")}
	var maint []models.Incident
	for i := range open {
		in := &open[i]
		if in.Kind == models.KindMaintenance {
			maint = append(maint, *in)
			continue
		}
		di := dashboardIncident{adminIncident: h.adminIncident(in),
			StatusRadios: view.Radios("q-"+in.ID+"-status", "status", "Status", "", statusOptions(in.Kind, in.Status))}
		if ups := in.Updates(); len(ups) > 0 {
			item := h.timelineItem(in, &ups[0])
			di.Latest = &item
		}
		v.Incidents = append(v.Incidents, di) // newest first
	}
	sort.SliceStable(maint, func(i, j int) bool { return maint[i].HappenedAt().Before(maint[j].HappenedAt()) })
	for i := range maint {
		v.Maintenance = append(v.Maintenance, h.adminIncident(&maint[i]))
	}
	for _, comp := range comps {
		v.Components = append(v.Components, adminComponentOf(&comp))
	}
	alerts, err := h.DB.ListUnattachedAlerts(ctx, h.Now(), 20)
	if err != nil {
		return err
	}
	for _, a := range alerts {
		v.UnattachedAlerts = append(v.UnattachedAlerts, unattachedAlert{Component: a.ComponentName, Source: a.Source,
			Body: a.Body, At: h.Site.Time(a.OccurredAt), Until: h.Site.Time(a.AttachUntil)})
	}
	if h.Mirror != nil {
		if st := h.Mirror(); st != nil {
			v.Mirror = &mirrorView{MirrorState: *st}
			if !st.LastSync.IsZero() {
				v.Mirror.Synced = h.Site.Time(st.LastSync)
			}
		}
	}
	return h.Render.Admin(c, http.StatusOK, "dashboard.html", v)
}

// adminComponentOf is a component as console lists show it.
func adminComponentOf(comp *models.Component) adminComponent {
	return adminComponent{ID: comp.ID, Name: comp.Name, IsGroup: comp.IsGroup, InGroup: comp.GroupID != nil,
		Status: comp.Status, StatusLabel: models.ComponentStatusLabel(comp.Status)}
}

// adminIncident is an incident or maintenance as console lists show it.
func (h *Handler) adminIncident(in *models.Incident) adminIncident {
	ai := adminIncident{ID: in.ID, Name: in.Name, Kind: in.Kind, Impact: in.Impact, Status: in.Status,
		StatusLabel: models.IncidentStatusLabel(in.Status), URL: consoleIncidentURL(in.ID),
		PublicURL: h.Site.BaseURL + view.IncidentURL(in.ID),
		Since:     h.Site.Time(in.StartedAt), Resolved: h.Site.TimePtr(in.ResolvedAt)}
	for _, comp := range in.Components {
		ai.Components = append(ai.Components, comp.Name)
	}
	if in.Kind == models.KindMaintenance {
		ai.Impact = models.ImpactMaintenance
		ai.Window = h.Site.Window(in.ScheduledFor, in.ScheduledUntil)
	}
	if ups := in.Updates(); len(ups) > 0 {
		ai.Excerpt = view.Excerpt(template.HTML(ups[0].BodyHTML), 140)
	}
	return ai
}

// consoleIncidentURL is the console page of an incident or maintenance.
func consoleIncidentURL(id string) string { return "/admin/incidents/" + id }

// RenderError is the console's error page, inside the admin layout
// (with the navigation when someone is signed in).
func (h *Handler) RenderError(c echo.Context, code int, title, msg string) error {
	if currentUser(c) == nil && hasSession(c) && code != http.StatusInternalServerError {
		// A page no route signs in for (a 404): show who is signed in all the same.
		if u, err := h.sessionUser(c); err == nil && u != nil {
			h.signedInAs(c, u)
		}
	}
	v := h.adminView(c, title, "")
	v.Error = &view.ErrorView{Code: code, Title: title, Message: msg}
	return h.Render.Admin(c, code, "error.html", v)
}
