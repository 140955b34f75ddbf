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
	a.snapshotPaths = map[string]bool{}
	a.securityHeaderList = securityHeaderValues(a.cfg.BaseURL)
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
	read := func(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
		e.Match([]string{http.MethodGet, http.MethodHead}, path, h, m...)
	}
	// public routes are served from the in-memory snapshot (snapshot.go),
	// which keeps its own gzip form. Their middlewares are composed here,
	// once: echo would compose a route's middlewares on every request.
	public := func(path string, h echo.HandlerFunc) {
		a.snapshotPaths[path] = true
		read(path, a.snapshotted(h))
	}

	// Public pages.
	public("/", a.ShowStatusPage)
	public("/incidents/:id", a.ShowIncidentOrFeed) // and the incident's feeds, /incidents/{id}.atom (.rss, .json)
	public("/history", a.ShowHistory)
	public("/incidents/:id/postmortem", a.ShowPostmortem)
	public("/incidents/:id/postmortem/revisions", a.ShowPostmortemRevisions)
	public("/postmortems", a.ShowPostmortems)

	// Email subscriptions (subscribe.go): the subscribe form, and the pages
	// the signed links of the emails open. Confirm and unsubscribe show a
	// button that POSTs, so mail scanners change nothing; the POSTs need
	// only their link (one-click unsubscribe, RFC 8058, has no session).
	getHead := []string{http.MethodGet, http.MethodHead}
	e.Match(getHead, "/subscribe", a.ShowSubscribe, subscriptionHeaders)
	e.POST("/subscribe", a.Subscribe, subscriptionHeaders, subscriptionBody, a.sameOrigin)
	subs := e.Group("/subscriptions", subscriptionHeaders, subscriptionBody)
	subs.Match(getHead, "/confirm/:token", a.ShowConfirm)
	subs.POST("/confirm/:token", a.Confirm)
	subs.Match(getHead, "/manage/:token", a.ShowManage)
	subs.POST("/manage/:token", a.Manage)
	subs.Match(getHead, "/unsubscribe/:token", a.ShowUnsubscribe)
	subs.POST("/unsubscribe/:token", a.Unsubscribe)

	// Feeds / public API: any site may read them (CORS), served from the
	// snapshot like the pages (ETag, Last-Modified, 304).
	shared := func(path string, h echo.HandlerFunc) {
		a.snapshotPaths[path] = true
		read(path, allowAnyOrigin(a.snapshotted(h)))
		e.OPTIONS(path, preflight)
	}
	e.OPTIONS("/incidents/:id", preflight)
	for _, format := range []string{"atom", "rss", "json"} {
		shared("/history."+format, a.HistoryFeed)
		shared("/components/:id/history."+format, a.ComponentFeed)
	}
	shared("/badge.svg", a.Badge)
	shared("/components/:id/badge.svg", a.ComponentBadge)
	shared("/widget.js", a.Widget)
	shared("/api/v2/summary.json", a.V2Summary)
	shared("/api/v2/status.json", a.V2Status)
	shared("/api/v2/components.json", a.V2Components)
	shared("/api/v2/components/:id/uptime.json", a.V2ComponentUptime)
	shared("/api/v2/incidents.json", a.V2Incidents)
	shared("/api/v2/incidents/unresolved.json", a.V2UnresolvedIncidents)
	shared("/api/v2/scheduled-maintenances.json", a.V2Maintenances)
	shared("/api/v2/scheduled-maintenances/upcoming.json", a.V2UpcomingMaintenances)
	shared("/api/v2/scheduled-maintenances/active.json", a.V2ActiveMaintenances)

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
	v1.GET("/subscribers", a.ListSubscribersJSON, apiEditor)
	v1.POST("/subscribers", a.CreateSubscriberJSON, apiEditor)
	v1.GET("/subscribers/:id", a.ShowSubscriberJSON, apiEditor)
	v1.DELETE("/subscribers/:id", a.DeleteSubscriberJSON, apiEditor)
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
	adm := e.Group("/admin", adminHeaders, consoleBody, a.withSession, a.checkCSRF)
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
	adm.POST("/incidents/:id/postmortem", a.ConsoleStartPostmortem, editor)
	adm.GET("/incidents/:id/postmortem", a.ConsolePostmortem, editor)
	adm.POST("/incidents/:id/postmortem/save", a.ConsoleSavePostmortem, editor)
	adm.GET("/incidents/:id/postmortem/preview", a.ConsolePreviewPostmortem, editor)
	adm.POST("/incidents/:id/postmortem/publish", a.ConsolePublishPostmortem, editor)
	adm.POST("/incidents/:id/postmortem/unpublish", a.ConsoleUnpublishPostmortem, editor)
	adm.GET("/incidents/:id/postmortem/delete", a.ConsoleConfirmDeletePostmortem, editor)
	adm.POST("/incidents/:id/postmortem/delete", a.ConsoleDeletePostmortem, editor)
	adm.POST("/incidents/:id/postmortem/action-items", a.ConsoleAddActionItem, editor)
	adm.GET("/incidents/:id/postmortem/action-items/:item_id/edit", a.ConsoleEditActionItem, editor)
	adm.POST("/incidents/:id/postmortem/action-items/:item_id", a.ConsoleSaveActionItem, editor)
	adm.POST("/incidents/:id/postmortem/action-items/:item_id/delete", a.ConsoleDeleteActionItem, editor)
	adm.GET("/action-items", a.ConsoleActionItems, editor)
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
	// Email notifications: how their deliveries stand; retry the failed.
	adm.GET("/notifications", a.ListNotifications, editor)
	adm.GET("/notifications/:id", a.ShowNotification, editor)
	adm.POST("/notifications/:id/retry", a.RetryNotification, editor)

	// Subscribers (subscribers.go).
	adm.GET("/subscribers", a.ListSubscribers, editor)
	adm.GET("/subscribers/new", a.NewSubscriber, editor)
	adm.POST("/subscribers", a.CreateSubscriber, editor)
	adm.GET("/subscribers/import", a.ShowSubscriberImport, editor)
	adm.POST("/subscribers/import", a.ImportSubscribers, editor) // body up to MaxImportBody (consoleBody)
	adm.GET("/subscribers/export.csv", a.ExportSubscribers, editor)
	adm.POST("/subscribers/:id/unsubscribe", a.UnsubscribeSubscriber, editor)
	adm.POST("/subscribers/:id/delete", a.DeleteSubscriber, editor)

	// Static files, under content-hashed URLs.
	read("/static/*", a.ServeStatic)

	// Operations.
	read("/healthz", a.Healthz)
	read("/readyz", a.Readyz)
}
