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
	e.IPExtractor = echo.ExtractIPDirect()
	if a.cfg.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader() // trusts loopback and private-network proxies
	}
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
	read("/incidents/:id", a.ShowIncidentOrFeed) // and the incident's feeds, /incidents/{id}.atom (.rss, .json)
	read("/history", a.ShowHistory)

	// Feeds / public API: any site may read them (CORS), conditionally
	// (ETag, Last-Modified, 304).
	public := func(path string, h echo.HandlerFunc) {
		e.Match([]string{http.MethodGet, http.MethodHead}, path, h, allowAnyOrigin)
		e.OPTIONS(path, preflight)
	}
	e.OPTIONS("/incidents/:id", preflight)
	for _, format := range []string{"atom", "rss", "json"} {
		public("/history."+format, a.HistoryFeed)
		public("/components/:id/history."+format, a.ComponentFeed)
	}
	public("/badge.svg", a.Badge)
	public("/components/:id/badge.svg", a.ComponentBadge)
	public("/widget.js", a.Widget)
	public("/api/v2/summary.json", a.V2Summary)
	public("/api/v2/status.json", a.V2Status)
	public("/api/v2/components.json", a.V2Components)
	public("/api/v2/components/:id/uptime.json", a.V2ComponentUptime)
	public("/api/v2/incidents.json", a.V2Incidents)
	public("/api/v2/incidents/unresolved.json", a.V2UnresolvedIncidents)
	public("/api/v2/scheduled-maintenances.json", a.V2Maintenances)
	public("/api/v2/scheduled-maintenances/upcoming.json", a.V2UpcomingMaintenances)
	public("/api/v2/scheduled-maintenances/active.json", a.V2ActiveMaintenances)

	// Management API: Statuspage's v1 shapes, authenticated by API token.
	e.GET("/v1/pages", a.ListPages, limitBody(MaxAPIBody), a.requireToken)
	v1 := e.Group("/v1/pages/:page_id", limitBody(MaxAPIBody), a.requireToken, a.requirePage)
	apiEditor, apiAdmin := requireAPIRole(models.RoleEditor), requireAPIRole(models.RoleAdmin)
	v1.GET("", a.ShowPage)
	v1.GET("/components", a.ListComponents)
	v1.POST("/components", a.CreateComponent, apiEditor)
	v1.GET("/components/:id", a.ShowComponent)
	v1.Match([]string{http.MethodPatch, http.MethodPut}, "/components/:id", a.UpdateComponent, apiEditor)
	v1.DELETE("/components/:id", a.DeleteComponent, apiEditor)
	v1.GET("/component-groups", a.ListComponentGroups)
	v1.POST("/component-groups", a.CreateComponentGroup, apiEditor)
	v1.GET("/component-groups/:id", a.ShowComponentGroup)
	v1.Match([]string{http.MethodPatch, http.MethodPut}, "/component-groups/:id", a.UpdateComponentGroup, apiEditor)
	v1.DELETE("/component-groups/:id", a.DeleteComponentGroup, apiEditor)
	v1.GET("/incidents", a.ListIncidents)
	v1.POST("/incidents", a.CreateIncident, apiEditor)
	v1.GET("/incidents/unresolved", a.ListUnresolvedIncidents)
	v1.GET("/incidents/scheduled", a.ListScheduledMaintenance)
	v1.GET("/incidents/upcoming", a.ListScheduledMaintenance)
	v1.GET("/incidents/active_maintenance", a.ListActiveMaintenance)
	v1.GET("/incidents/:id", a.ShowIncidentJSON)
	v1.Match([]string{http.MethodPatch, http.MethodPut}, "/incidents/:id", a.UpdateIncident, apiEditor)
	v1.DELETE("/incidents/:id", a.DeleteIncident, apiAdmin)
	v1.PATCH("/incidents/:id/incident_updates/:update_id", a.UpdateIncidentUpdate, apiEditor)
	v1.GET("/incidents/:id/events", a.ListEvents)
	v1.POST("/incidents/:id/events", a.CreateEvent, apiEditor)

	// Admin console, under /admin only: database sessions (withSession),
	// CSRF on every form, never cached. Each page states who may open it:
	// a.requireRole(models.RoleEditor) for what editors do (components,
	// incidents, maintenance, postmortems, subscribers),
	// a.requireRole(models.RoleAdmin) for the rest; anonymous visitors are
	// sent to sign in.
	adm := e.Group("/admin", adminHeaders, a.withSession, a.checkCSRF)
	editor, admin := a.requireRole(models.RoleEditor), a.requireRole(models.RoleAdmin)
	adm.GET("/setup", a.ShowSetup)
	adm.POST("/setup", a.Setup)
	adm.GET("/login", a.ShowLogin)
	adm.POST("/login", a.Login)
	adm.POST("/logout", a.Logout, editor)
	adm.GET("", a.ShowDashboard, editor)
	adm.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/admin") })
	adm.GET("/account", a.ShowAccount, editor)
	adm.POST("/account/password", a.ChangeOwnPassword, editor)
	adm.POST("/account/sessions/revoke", a.RevokeOtherSessions, editor)
	adm.GET("/users", a.ListUsers, admin)
	adm.GET("/users/new", a.NewUser, admin)
	adm.POST("/users", a.CreateUser, admin)
	adm.POST("/users/:id/role", a.SetUserRole, admin)
	adm.POST("/users/:id/revoke", a.RevokeUserSessions, admin)
	adm.POST("/users/:id/disable", a.DisableUser, admin)
	adm.POST("/users/:id/enable", a.EnableUser, admin)
	adm.POST("/users/:id/delete", a.DeleteUser, admin)
	adm.GET("/tokens", a.ListTokens, admin)
	adm.POST("/tokens", a.CreateToken, admin)
	adm.POST("/tokens/:id/revoke", a.RevokeToken, admin)
	adm.GET("/audit", a.ShowAudit, admin)

	// Static files, under content-hashed URLs.
	read("/static/*", a.ServeStatic)

	// Operations.
	read("/healthz", a.Healthz)
	read("/readyz", a.Readyz)
}
