package app

import (
	"net/http"
	"sort"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/models"
)

// The console's home: what is open right now and how every component is.

// dashboardView is the dashboard.
type dashboardView struct {
	AdminView
	Incidents   []adminIncident // open incidents, newest first
	Maintenance []adminIncident // maintenance in progress or scheduled, soonest first
	Components  []adminComponent
}

// adminIncident is an incident or maintenance in a console list.
type adminIncident struct {
	ID, Name, Kind      string
	Impact              string
	Status, StatusLabel string
	URL                 string      // its console page
	Since               DisplayTime // when it started
	Window              string      // maintenance: its window
	Components          []string
}

// adminComponent is a component (or group) with its status.
type adminComponent struct {
	ID, Name            string
	IsGroup, InGroup    bool
	Status, StatusLabel string
}

// ShowDashboard lists the open incidents, the maintenance in progress or
// scheduled, and every component's status, with links to act on them.
func (a *App) ShowDashboard(c echo.Context) error {
	ctx := c.Request().Context()
	open, err := a.db.ListUnresolved(ctx)
	if err != nil {
		return err
	}
	comps, err := a.db.ListComponents(ctx)
	if err != nil {
		return err
	}
	v := dashboardView{AdminView: a.adminView(c, "Dashboard", "dashboard")}
	var maint []models.Incident
	for i := range open {
		if open[i].Kind == models.KindMaintenance {
			maint = append(maint, open[i])
		} else {
			v.Incidents = append(v.Incidents, a.adminIncident(&open[i])) // newest first
		}
	}
	sort.SliceStable(maint, func(i, j int) bool { return maint[i].HappenedAt().Before(maint[j].HappenedAt()) })
	for i := range maint {
		v.Maintenance = append(v.Maintenance, a.adminIncident(&maint[i]))
	}
	for _, comp := range comps {
		v.Components = append(v.Components, adminComponent{ID: comp.ID, Name: comp.Name, IsGroup: comp.IsGroup,
			InGroup: comp.GroupID != nil, Status: comp.Status, StatusLabel: models.ComponentStatusLabel(comp.Status)})
	}
	return a.renderAdmin(c, http.StatusOK, "dashboard.html", v)
}

// adminIncident is an incident or maintenance as console lists show it.
func (a *App) adminIncident(in *models.Incident) adminIncident {
	ai := adminIncident{ID: in.ID, Name: in.Name, Kind: in.Kind, Impact: in.Impact, Status: in.Status,
		StatusLabel: models.IncidentStatusLabel(in.Status), URL: "/admin/incidents/" + in.ID,
		Since: a.displayTime(in.StartedAt)}
	for _, comp := range in.Components {
		ai.Components = append(ai.Components, comp.Name)
	}
	if in.Kind == models.KindMaintenance {
		ai.Impact = "maintenance"
		ai.URL = "/admin/maintenance/" + in.ID
		ai.Window = a.window(in.ScheduledFor, in.ScheduledUntil)
	}
	return ai
}

// renderAdminError is the console's error page, inside the admin layout
// (with the navigation when someone is signed in).
func (a *App) renderAdminError(c echo.Context, code int, title, msg string) error {
	v := a.adminView(c, title, "")
	v.Error = &ErrorView{Code: code, Title: title, Message: msg}
	return a.renderAdmin(c, code, "error.html", v)
}
