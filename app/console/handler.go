// Package console is the operators' admin console under /admin: sign-in
// and sessions, the dashboard, incidents and their timeline, maintenance,
// components, postmortems and action items, subscribers, notifications,
// users, API tokens and the audit log. Every page is server-rendered; every
// form is CSRF-protected; every write goes through web.Writes and states
// what it touched.
package console

import (
	"github.com/beaconstatus/beacon/app/egress"
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
	Egress   *egress.Guard // checks subscribers' endpoints (SSRF)
	DB       *models.DB
	Site     *view.Site
	Render   *view.Renderer
	Writes   *web.Writes
	Sessions *scs.SessionManager // stored in the database (sessions.go)
	Secret   []byte              // the page's secret key: signs the CSRF token of the sign-in and setup forms
	Secrets  *models.SecretBox   // seals the integrations' signing secrets
	Log      *slog.Logger
	Now      func() time.Time
	// Mirror is the state of the public site's mirror (MIRROR_URL) the
	// dashboard shows; nil without a mirror.
	Mirror func() *MirrorState
}

// MirrorState is how the mirror of the public site is doing.
type MirrorState struct {
	Target    string    // s3://bucket/prefix or file:///dir
	LastSync  time.Time // when it last caught up; zero: not yet
	Behind    string    // how long the oldest change not yet mirrored has waited, "" when current
	LastError string    // of the last failed upload, "" after a success
}

// Mount adds the console's routes to e. It panics without a Secret: the
// sign-in form's CSRF token would be signed with no key.
func (h *Handler) Mount(e *echo.Echo) {
	if len(h.Secret) == 0 {
		panic("console: Handler.Secret is empty")
	}
	// Admin console, under /admin only: database sessions (withSession),
	// form posts from this site only (sameSite), a body limit by who is
	// signed in (consoleBody), CSRF on every form, never cached. Each page states who may open it:
	// h.requireRole(models.RoleEditor) for what editors do (components,
	// incidents, maintenance, postmortems, subscribers),
	// h.requireRole(models.RoleAdmin) for the rest; anonymous visitors are
	// sent to sign in.
	adm := e.Group("/admin", adminHeaders, h.withSession, h.sameSite, h.consoleBody, h.checkCSRF)
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
	adm.POST("/incidents/:id/publish", h.publishDraft, editor)
	adm.POST("/incidents/:id/discard", h.discardDraft, editor)
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
	adm.GET("/incident-templates", h.listTemplates, editor)
	adm.GET("/incident-templates/new", h.newTemplate, editor)
	adm.POST("/incident-templates", h.createTemplate, editor)
	adm.GET("/incident-templates/:id/edit", h.editTemplate, editor)
	adm.POST("/incident-templates/:id", h.saveTemplate, editor)
	adm.POST("/incident-templates/:id/delete", h.deleteTemplate, editor)
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
	// Integrations: inbound webhooks and their last deliveries.
	adm.GET("/integrations", h.listIntegrations, admin)
	adm.POST("/integrations", h.createIntegration, admin)
	adm.GET("/integrations/:id", h.showIntegration, admin)
	adm.POST("/integrations/:id", h.saveIntegration, admin)
	adm.POST("/integrations/:id/delete", h.deleteIntegration, admin)
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
	adm.GET("/branding", h.showBranding, admin)
	adm.POST("/branding", h.saveBranding, admin) // multipart: logo, favicon, stylesheet
	adm.GET("/subscribers/export.csv", h.exportSubscribers, editor)
	adm.POST("/subscribers/:id/unsubscribe", h.unsubscribeSubscriber, editor)
	adm.POST("/subscribers/:id/delete", h.deleteSubscriber, editor)
	adm.POST("/subscribers/:id/reactivate", h.reactivateSubscriber, editor)
}

// MaxConsoleBody is the largest body a signed-in operator's console form
// may send (the subscriber import has its own, larger limit:
// MaxImportBody).
const MaxConsoleBody = 1 << 20

// MaxAnonymousBody is the largest body accepted before sign-in: the
// sign-in and setup forms are a few short fields.
const MaxAnonymousBody = 16 << 10

// consoleBody caps the body of every console post by who sends it, before
// anything reads it: MaxAnonymousBody before sign-in, MaxImportBody for an
// editor's subscriber import, MaxConsoleBody for the rest. It signs the
// operator in for the request (requireSignedIn then has nothing to do).
func (h *Handler) consoleBody(next echo.HandlerFunc) echo.HandlerFunc {
	limited := web.LimitForm(h.bodyLimit)(next)
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if currentUser(c) == nil {
			u, err := h.sessionUser(c)
			if err != nil {
				return err
			}
			if u != nil {
				h.signedInAs(c, u)
			}
		}
		return limited(c)
	}
}

// bodyLimit is the body limit of a console post (see consoleBody).
func (h *Handler) bodyLimit(c echo.Context) int64 {
	switch {
	case currentUser(c) == nil:
		return MaxAnonymousBody
	case c.Path() == "/admin/subscribers/import" && web.ActorOf(c).Can(models.RoleEditor):
		return MaxImportBody
	}
	return MaxConsoleBody
}
