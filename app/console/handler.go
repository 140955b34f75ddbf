// Package console is the operators' admin console under /admin: sign-in
// and sessions, the dashboard, incidents and their timeline, maintenance,
// components, postmortems and action items, subscribers, notifications,
// users, API tokens and the audit log. Every page is server-rendered; every
// form is CSRF-protected; every write goes through web.Writes and states
// what it touched.
package console

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// Handler answers the console.
type Handler struct {
	DB       *models.DB
	Site     *view.Site
	Render   *view.Renderer
	Writes   *web.Writes
	Sessions *scs.SessionManager // stored in the database (sessions.go)
	Log      *slog.Logger
	Now      func() time.Time
}

// Mount adds the console's routes to e.
func (h *Handler) Mount(e *echo.Echo) {
	// Admin console, under /admin only: database sessions (withSession),
	// CSRF on every form, never cached. Each page states who may open it:
	// h.requireRole(models.RoleEditor) for what editors do (components,
	// incidents, maintenance, postmortems, subscribers),
	// h.requireRole(models.RoleAdmin) for the rest; anonymous visitors are
	// sent to sign in.
	adm := e.Group("/admin", adminHeaders, consoleBody, h.withSession, h.checkCSRF)
	editor, admin := h.requireRole(models.RoleEditor), h.requireRole(models.RoleAdmin)
	adm.GET("/setup", h.showSetup)
	adm.POST("/setup", h.setup)
	adm.GET("/login", h.showLogin)
	adm.POST("/login", h.login)
	adm.POST("/logout", h.logout, editor)
	adm.GET("", h.showDashboard, editor)
	adm.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/admin") })
	adm.POST("/preview", h.preview, editor)
	adm.GET("/incidents", h.listIncidents, editor)
	adm.GET("/incidents/new", h.newIncident, editor)
	adm.POST("/incidents", h.openIncident, editor)
	adm.GET("/incidents/:id", h.showIncident, editor)
	adm.POST("/incidents/:id/updates", h.postUpdate, editor)
	adm.POST("/incidents/:id/notes", h.addNote, editor)
	adm.POST("/incidents/:id/details", h.updateIncident, editor)
	adm.GET("/incidents/:id/events/:eid/edit", h.editEvent, editor)
	adm.POST("/incidents/:id/events/:eid", h.saveEvent, editor)
	adm.GET("/incidents/:id/delete", h.confirmDeleteIncident, admin)
	adm.POST("/incidents/:id/delete", h.deleteIncident, admin)
	adm.POST("/incidents/:id/postmortem", h.startPostmortem, editor)
	adm.GET("/incidents/:id/postmortem", h.editPostmortem, editor)
	adm.POST("/incidents/:id/postmortem/save", h.savePostmortem, editor)
	adm.POST("/incidents/:id/postmortem/check", h.checkPostmortem, editor)
	adm.GET("/incidents/:id/postmortem/preview", h.previewPostmortem, editor)
	adm.POST("/incidents/:id/postmortem/publish", h.publishPostmortem, editor)
	adm.POST("/incidents/:id/postmortem/unpublish", h.unpublishPostmortem, editor)
	adm.GET("/incidents/:id/postmortem/delete", h.confirmDeletePostmortem, editor)
	adm.POST("/incidents/:id/postmortem/delete", h.deletePostmortem, editor)
	adm.POST("/incidents/:id/postmortem/action-items", h.addActionItem, editor)
	adm.GET("/incidents/:id/postmortem/action-items/:item_id/edit", h.editActionItem, editor)
	adm.POST("/incidents/:id/postmortem/action-items/:item_id", h.saveActionItem, editor)
	adm.POST("/incidents/:id/postmortem/action-items/:item_id/delete", h.deleteActionItem, editor)
	adm.GET("/action-items", h.listActionItems, editor)
	adm.GET("/maintenance", h.listMaintenance, editor)
	adm.GET("/maintenance/new", h.newMaintenance, editor)
	adm.POST("/maintenance", h.scheduleMaintenance, editor)
	adm.GET("/maintenance/:id", h.showMaintenance, editor)
	adm.GET("/components", h.listComponents, editor)
	adm.POST("/components", h.createComponent, editor)
	adm.POST("/components/groups", h.createGroup, editor)
	adm.GET("/components/:id/edit", h.editComponent, editor)
	adm.POST("/components/:id", h.saveComponent, editor)
	adm.POST("/components/:id/status", h.setComponentStatus, editor)
	adm.POST("/components/:id/move", h.moveComponent, editor)
	adm.GET("/components/:id/delete", h.confirmDeleteComponent, editor)
	adm.POST("/components/:id/delete", h.deleteComponent, editor)
	adm.GET("/account", h.showAccount, editor)
	adm.POST("/account/password", h.changeOwnPassword, editor)
	adm.POST("/account/sessions/revoke", h.revokeOtherSessions, editor)
	adm.GET("/users", h.listUsers, admin)
	adm.GET("/users/new", h.newUser, admin)
	adm.POST("/users", h.createUser, admin)
	adm.POST("/users/:id/role", h.setUserRole, admin)
	adm.POST("/users/:id/revoke", h.revokeUserSessions, admin)
	adm.POST("/users/:id/disable", h.disableUser, admin)
	adm.POST("/users/:id/enable", h.enableUser, admin)
	adm.POST("/users/:id/delete", h.deleteUser, admin)
	adm.GET("/tokens", h.listTokens, admin)
	adm.POST("/tokens", h.createToken, admin)
	adm.POST("/tokens/:id/revoke", h.revokeToken, admin)
	adm.GET("/audit", h.showAudit, admin)
	// Email notifications: how their deliveries stand; retry the failed.
	adm.GET("/notifications", h.listNotifications, editor)
	adm.GET("/notifications/:id", h.showNotification, editor)
	adm.POST("/notifications/:id/retry", h.retryNotification, editor)

	// Subscribers.
	adm.GET("/subscribers", h.listSubscribers, editor)
	adm.GET("/subscribers/new", h.newSubscriber, editor)
	adm.POST("/subscribers", h.createSubscriber, editor)
	adm.GET("/subscribers/import", h.showSubscriberImport, editor)
	adm.POST("/subscribers/import", h.importSubscribers, editor) // body up to MaxImportBody (consoleBody)
	adm.GET("/subscribers/export.csv", h.exportSubscribers, editor)
	adm.POST("/subscribers/:id/unsubscribe", h.unsubscribeSubscriber, editor)
	adm.POST("/subscribers/:id/delete", h.deleteSubscriber, editor)
}

// MaxConsoleBody is the largest body a console form may send (the
// subscriber import has its own, larger limit: MaxImportBody).
const MaxConsoleBody = 1 << 20

// consoleBody caps the body of every console request: MaxImportBody for
// the subscriber import, MaxConsoleBody for the rest.
var consoleBody = web.LimitForm(func(c echo.Context) int64 {
	if c.Path() == "/admin/subscribers/import" {
		return MaxImportBody
	}
	return MaxConsoleBody
})
