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
	read("/incidents/:id", a.ShowIncident)
	read("/history", a.ShowHistory)

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
	// Email notifications: how their deliveries stand; retry the failed.
	adm.GET("/notifications", a.ListNotifications, editor)
	adm.GET("/notifications/:id", a.ShowNotification, editor)
	adm.POST("/notifications/:id/retry", a.RetryNotification, editor)

	// Static files, under content-hashed URLs.
	read("/static/*", a.ServeStatic)

	// Operations.
	read("/healthz", a.Healthz)
	read("/readyz", a.Readyz)
}
