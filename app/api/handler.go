// Package api is Beacon's two APIs: the management API under /v1 in
// Atlassian Statuspage's v1 shapes (components, incidents and their
// updates, subscribers, postmortems, action items, timeline events),
// authenticated by API token; and the public API v2 (/api/v2/...), the
// same documents as Statuspage's, served from the snapshot.
package api

import (
	"github.com/beaconstatus/beacon/app/egress"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// Handler answers the management API and the public API v2.
type Handler struct {
	DB        *models.DB
	Site      *view.Site
	Writes    *web.Writes
	Limits    *web.Limits
	RateLimit int               // management API requests one token may make per minute (API_RATE_LIMIT)
	Secrets   *models.SecretBox // seals the integrations' signing secrets
	Egress    *egress.Guard     // checks subscribers' endpoints (SSRF)
	Log       *slog.Logger
	Now       func() time.Time
}

// Rate limits of the management API, counted in the database so they hold
// across replicas: requests per token per minute (Handler.RateLimit), and
// requests with a wrong or revoked token per client address.
const (
	apiWindow         = time.Minute
	apiBadTokenLimit  = 20
	apiBadTokenWindow = 10 * time.Minute
)

// Mount adds the APIs' routes to e; shared serves a public API document
// from the snapshot, readable by any site (CORS).
func (h *Handler) Mount(e *echo.Echo, shared func(path string, handler echo.HandlerFunc, query web.CachedQuery)) {
	// Public API v2: Statuspage's documents.
	shared("/api/v2/summary.json", h.v2Summary, web.NoQuery)
	shared("/api/v2/status.json", h.v2Status, web.NoQuery)
	shared("/api/v2/components.json", h.v2Components, web.NoQuery)
	shared("/api/v2/components/:id/uptime.json", h.v2ComponentUptime, web.NoQuery)
	shared("/api/v2/incidents.json", h.v2Incidents, pagingQuery)
	shared("/api/v2/incidents/unresolved.json", h.v2UnresolvedIncidents, web.NoQuery)
	shared("/api/v2/scheduled-maintenances.json", h.v2Maintenances, pagingQuery)
	shared("/api/v2/scheduled-maintenances/upcoming.json", h.v2UpcomingMaintenances, web.NoQuery)
	shared("/api/v2/scheduled-maintenances/active.json", h.v2ActiveMaintenances, web.NoQuery)

	// Management API: Statuspage's v1 shapes, authenticated by API token.
	// Older clients' paths (".json", a trailing slash) are read as these.
	e.Pre(legacyPaths)
	e.GET("/v1/pages", h.listPages, limitBody(MaxAPIBody), h.requireToken)
	v1 := e.Group("/v1/pages/:page_id", limitBody(MaxAPIBody), h.requireToken, h.requirePage)
	apiEditor, apiAdmin := requireAPIRole(models.RoleEditor), requireAPIRole(models.RoleAdmin)
	v1.GET("", h.showPage)
	v1.Match([]string{http.MethodPatch, http.MethodPut}, "", h.updatePage, apiAdmin)
	v1.GET("/components", h.listComponents)
	v1.POST("/components", h.createComponent, apiEditor)
	v1.GET("/components/:id", h.showComponent)
	v1.GET("/components/:id/uptime", h.componentUptime)
	v1.Match([]string{http.MethodPatch, http.MethodPut}, "/components/:id", h.updateComponent, apiEditor)
	v1.DELETE("/components/:id", h.deleteComponent, apiEditor)
	v1.GET("/component-groups", h.listComponentGroups)
	v1.POST("/component-groups", h.createComponentGroup, apiEditor)
	v1.GET("/component-groups/:id", h.showComponentGroup)
	v1.GET("/component-groups/:id/uptime", h.componentGroupUptime)
	v1.Match([]string{http.MethodPatch, http.MethodPut}, "/component-groups/:id", h.updateComponentGroup, apiEditor)
	v1.DELETE("/component-groups/:id", h.deleteComponentGroup, apiEditor)
	v1.GET("/incidents", h.listIncidents)
	v1.POST("/incidents", h.createIncident, apiEditor)
	v1.GET("/incidents/unresolved", h.listUnresolvedIncidents)
	v1.GET("/incidents/scheduled", h.listScheduledMaintenance)
	v1.GET("/incidents/upcoming", h.listScheduledMaintenance)
	v1.GET("/incidents/active_maintenance", h.listActiveMaintenance)
	v1.GET("/incidents/:id", h.showIncident)
	v1.Match([]string{http.MethodPatch, http.MethodPut}, "/incidents/:id", h.updateIncident, apiEditor)
	v1.DELETE("/incidents/:id", h.deleteIncident, apiAdmin)
	v1.PATCH("/incidents/:id/incident_updates/:update_id", h.updateIncidentUpdate, apiEditor)
	v1.GET("/incidents/:id/events", h.listEvents)
	v1.POST("/incidents/:id/events", h.createEvent, apiEditor)
	v1.GET("/incident_templates", h.listTemplates)
	v1.POST("/incident_templates", h.createTemplate, apiEditor)
	v1.GET("/incident_templates/:id", h.showTemplate)
	v1.Match([]string{http.MethodPatch, http.MethodPut}, "/incident_templates/:id", h.updateTemplate, apiEditor)
	v1.DELETE("/incident_templates/:id", h.deleteTemplate, apiEditor)
	v1.GET("/subscribers", h.listSubscribers, apiEditor)
	v1.POST("/subscribers", h.createSubscriber, apiEditor)
	v1.GET("/subscribers/count", h.countSubscribers, apiEditor)
	v1.GET("/subscribers/histogram_by_state", h.subscriberHistogram, apiEditor)
	v1.POST("/subscribers/resend_confirmation", h.resendConfirmations, apiEditor)
	v1.POST("/subscribers/reactivate", h.reactivateSubscribers, apiEditor)
	v1.POST("/subscribers/unsubscribe", h.unsubscribeSubscribers, apiEditor)
	v1.GET("/subscribers/:id", h.showSubscriber, apiEditor)
	v1.POST("/subscribers/:id/resend_confirmation", h.resendConfirmation, apiEditor)
	v1.GET("/incidents/:id/subscribers", h.listIncidentSubscribers, apiEditor)
	v1.GET("/incidents/:id/subscribers/:subscriber_id", h.showIncidentSubscriber, apiEditor)
	v1.DELETE("/subscribers/:id", h.deleteSubscriber, apiEditor)
	v1.POST("/subscribers/:id/reactivate", h.reactivateSubscriber, apiEditor)
	v1.GET("/incidents/:id/postmortem", h.showPostmortem)
	v1.PUT("/incidents/:id/postmortem", h.putPostmortem, apiEditor)
	v1.PUT("/incidents/:id/postmortem/publish", h.publishPostmortem, apiEditor)
	v1.PUT("/incidents/:id/postmortem/revert", h.revertPostmortem, apiEditor)
	v1.DELETE("/incidents/:id/postmortem", h.deletePostmortem, apiEditor)
	v1.GET("/incidents/:id/postmortem/action-items", h.listActionItems)
	v1.POST("/incidents/:id/postmortem/action-items", h.createActionItem, apiEditor)
	v1.PATCH("/incidents/:id/postmortem/action-items/:item_id", h.updateActionItem, apiEditor)
	v1.DELETE("/incidents/:id/postmortem/action-items/:item_id", h.deleteActionItem, apiEditor)
	v1.GET("/integrations", h.listIntegrations, apiAdmin)
	v1.POST("/integrations", h.createIntegration, apiAdmin)
	v1.GET("/integrations/:id", h.showIntegration, apiAdmin)
	v1.PATCH("/integrations/:id", h.updateIntegration, apiAdmin)
	v1.DELETE("/integrations/:id", h.deleteIntegration, apiAdmin)

	// Anything else under /v1: 405 with Allow for a known path, else 404,
	// in JSON (after the token and the page are checked).
	notAllowed := methodNotAllowed(e)
	v1.RouteNotFound("", notAllowed)
	v1.RouteNotFound("/*", notAllowed)
	e.RouteNotFound("/v1/*", notAllowed)
}
