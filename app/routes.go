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
	read("/incidents/:id/postmortem", a.ShowPostmortem)
	read("/incidents/:id/postmortem/revisions", a.ShowPostmortemRevisions)
	read("/postmortems", a.ShowPostmortems)

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
	v1.GET("/incidents/:id/postmortem", a.ShowPostmortemJSON)
	v1.PUT("/incidents/:id/postmortem", a.PutPostmortem, apiEditor)
	v1.PUT("/incidents/:id/postmortem/publish", a.PublishPostmortem, apiEditor)
	v1.PUT("/incidents/:id/postmortem/revert", a.RevertPostmortem, apiEditor)
	v1.DELETE("/incidents/:id/postmortem", a.DeletePostmortem, apiEditor)
	v1.GET("/incidents/:id/postmortem/action-items", a.ListActionItems)
	v1.POST("/incidents/:id/postmortem/action-items", a.CreateActionItem, apiEditor)
	v1.PATCH("/incidents/:id/postmortem/action-items/:item_id", a.UpdateActionItem, apiEditor)
	v1.DELETE("/incidents/:id/postmortem/action-items/:item_id", a.DeleteActionItem, apiEditor)

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
	adm.POST("/preview", a.ConsolePreview, editor)
	adm.GET("/incidents", a.ConsoleIncidents, editor)
	adm.GET("/incidents/new", a.ConsoleNewIncident, editor)
	adm.POST("/incidents", a.ConsoleOpenIncident, editor)
	adm.GET("/incidents/:id", a.ConsoleIncident, editor)
	adm.POST("/incidents/:id/updates", a.ConsolePostUpdate, editor)
	adm.POST("/incidents/:id/notes", a.ConsoleAddNote, editor)
	adm.POST("/incidents/:id/details", a.ConsoleUpdateIncident, editor)
	adm.GET("/incidents/:id/events/:eid/edit", a.ConsoleEditEvent, editor)
	adm.POST("/incidents/:id/events/:eid", a.ConsoleSaveEvent, editor)
	adm.GET("/incidents/:id/delete", a.ConsoleConfirmDeleteIncident, admin)
	adm.POST("/incidents/:id/delete", a.ConsoleDeleteIncident, admin)
	adm.GET("/maintenance", a.ConsoleMaintenance, editor)
	adm.GET("/maintenance/new", a.ConsoleNewMaintenance, editor)
	adm.POST("/maintenance", a.ConsoleScheduleMaintenance, editor)
	adm.GET("/maintenance/:id", a.ShowMaintenanceConsole, editor)
	adm.GET("/components", a.ConsoleComponents, editor)
	adm.POST("/components", a.ConsoleCreateComponent, editor)
	adm.POST("/components/groups", a.ConsoleCreateGroup, editor)
	adm.GET("/components/:id/edit", a.ConsoleEditComponent, editor)
	adm.POST("/components/:id", a.ConsoleSaveComponent, editor)
	adm.POST("/components/:id/status", a.ConsoleSetComponentStatus, editor)
	adm.POST("/components/:id/move", a.ConsoleMoveComponent, editor)
	adm.GET("/components/:id/delete", a.ConsoleConfirmDeleteComponent, editor)
	adm.POST("/components/:id/delete", a.ConsoleDeleteComponent, editor)
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
