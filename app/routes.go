package app

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/models"
)

// newEcho builds the router with the error handler, the middlewares and
// every route.
func (a *App) newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = a.handleError
	e.Use(a.middlewares()...)
	a.routes(e)
	return e
}

// routes is Beacon's whole HTTP surface, in one table.
func (a *App) routes(e *echo.Echo) {
	read := func(path string, h echo.HandlerFunc) {
		e.Match([]string{http.MethodGet, http.MethodHead}, path, h)
	}

	// Public pages.
	read("/", a.ShowStatusPage)
	read("/incidents/:id", a.ShowIncident)
	read("/history", a.ShowHistory)

	// Management API: Statuspage's v1 shapes, authenticated by API token.
	e.GET("/v1/pages", a.ListPages, limitBody(MaxAPIBody), a.requireToken)
	v1 := e.Group("/v1/pages/:page_id", limitBody(MaxAPIBody), a.requireToken, a.requirePage)
	editor, admin := requireRole(models.RoleEditor), requireRole(models.RoleAdmin)
	v1.GET("", a.ShowPage)
	v1.GET("/components", a.ListComponents)
	v1.POST("/components", a.CreateComponent, editor)
	v1.GET("/components/:id", a.ShowComponent)
	v1.Match([]string{http.MethodPatch, http.MethodPut}, "/components/:id", a.UpdateComponent, editor)
	v1.DELETE("/components/:id", a.DeleteComponent, editor)
	v1.GET("/component-groups", a.ListComponentGroups)
	v1.POST("/component-groups", a.CreateComponentGroup, editor)
	v1.GET("/component-groups/:id", a.ShowComponentGroup)
	v1.Match([]string{http.MethodPatch, http.MethodPut}, "/component-groups/:id", a.UpdateComponentGroup, editor)
	v1.DELETE("/component-groups/:id", a.DeleteComponentGroup, editor)
	v1.GET("/incidents", a.ListIncidents)
	v1.POST("/incidents", a.CreateIncident, editor)
	v1.GET("/incidents/unresolved", a.ListUnresolvedIncidents)
	v1.GET("/incidents/scheduled", a.ListScheduledMaintenance)
	v1.GET("/incidents/upcoming", a.ListScheduledMaintenance)
	v1.GET("/incidents/active_maintenance", a.ListActiveMaintenance)
	v1.GET("/incidents/:id", a.ShowIncidentJSON)
	v1.Match([]string{http.MethodPatch, http.MethodPut}, "/incidents/:id", a.UpdateIncident, editor)
	v1.DELETE("/incidents/:id", a.DeleteIncident, admin)
	v1.PATCH("/incidents/:id/incident_updates/:update_id", a.UpdateIncidentUpdate, editor)
	v1.GET("/incidents/:id/events", a.ListEvents)
	v1.POST("/incidents/:id/events", a.CreateEvent, editor)

	// Static files, under content-hashed URLs.
	read("/static/*", a.ServeStatic)

	// Operations.
	read("/healthz", a.Healthz)
	read("/readyz", a.Readyz)
}
