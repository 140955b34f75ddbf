// Package public answers the public side of the page: the status page,
// incidents, history and postmortems, the feeds, badges and the widget,
// and the subscription pages the signed links of the emails open. Pages,
// feeds, badges and the widget are served from the snapshot (app/snapshot);
// nothing here writes but the subscription pages.
package public

import (
	"github.com/beaconstatus/beacon/app/egress"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/brand"
	"github.com/beaconstatus/beacon/app/lang"
	"github.com/beaconstatus/beacon/app/links"
	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/static"
)

// Handler answers the public pages.
type Handler struct {
	Egress *egress.Guard // checks subscribers' endpoints (SSRF)
	DB     *models.DB
	Site   *view.Site
	Langs  *lang.Catalog // the enabled languages; nil for English only
	// BrandAsset finds a file of the branding (logo, favicon, theme) by
	// its name under /brand/, which holds its content hash.
	BrandAsset func(name string) (brand.Asset, bool)
	Render     *view.Renderer
	Assets     *static.Assets
	Links      *links.Signer // the subscription pages' signed links
	Writes     *web.Writes   // a subscription queues its confirmation
	Limits     *web.Limits
	Log        *slog.Logger
	Now        func() time.Time
}

// Rate limits of the signed subscriber links (confirm, manage,
// unsubscribe): forged, altered or expired links per client address, and
// uses of one subscriber's valid links. The valid ones are not limited per
// address: a mail provider's one-click unsubscribe (RFC 8058) posts for
// many subscribers from a few addresses.
const (
	badLinkLimit         = 20
	badLinkWindow        = 10 * time.Minute
	subscriberLinkLimit  = 30
	subscriberLinkWindow = 10 * time.Minute
)

// Mount adds the public routes to e. cached serves a page, a feed or a
// badge from the snapshot; shared does the same for what other sites read
// too (CORS, preflights answered). Each names the query parameters its
// answer depends on (pageQuery: ?page=N), or none (web.NoQuery).
func (h *Handler) Mount(e *echo.Echo, cached, shared func(path string, handler echo.HandlerFunc, query web.CachedQuery)) {
	// Pages.
	cached("/", h.showStatusPage, web.NoQuery)
	cached("/incidents/:id", h.showIncidentOrFeed, web.NoQuery) // and the incident's feeds, /incidents/{id}.atom (.rss, .json)
	cached("/history", h.showHistory, pageQuery)
	cached("/incidents/:id/postmortem", h.showPostmortem, web.NoQuery)
	cached("/incidents/:id/postmortem/revisions", h.showPostmortemRevisions, web.NoQuery)
	cached("/postmortems", h.showPostmortems, pageQuery)
	cached("/api", h.showAPIPage, web.NoQuery) // the public API and feeds, described
	e.OPTIONS("/incidents/:id", web.Preflight)
	e.GET("/language", h.setLanguage) // the language switch: a cookie, then back to the page

	// Email subscriptions: the subscribe form, and the pages the signed
	// links of the emails open. Confirm and unsubscribe show a button that
	// POSTs, so mail scanners change nothing; the POSTs need only their
	// link (one-click unsubscribe, RFC 8058, has no session).
	getHead := []string{http.MethodGet, http.MethodHead}
	e.Match(getHead, "/subscribe", h.showSubscribe, subscriptionHeaders)
	e.POST("/subscribe", h.subscribe, subscriptionHeaders, subscriptionBody, h.sameOrigin)
	subs := e.Group("/subscriptions", subscriptionHeaders, subscriptionBody)
	subs.Match(getHead, "/confirm/:token", h.showConfirm)
	subs.POST("/confirm/:token", h.confirm)
	subs.Match(getHead, "/manage/:token", h.showManage)
	subs.POST("/manage/:token", h.manage)
	subs.Match(getHead, "/unsubscribe/:token", h.showUnsubscribe)
	subs.POST("/unsubscribe/:token", h.postUnsubscribe)

	// Feeds, badges and the widget: any site may read them.
	for _, format := range []string{"atom", "rss", "json"} {
		shared("/history."+format, h.historyFeed, web.NoQuery)
		shared("/components/:id/history."+format, h.componentFeed, web.NoQuery)
	}
	shared("/maintenance.ics", h.maintenanceCalendar, web.NoQuery)
	shared("/components/:id/maintenance.ics", h.componentCalendar, web.NoQuery)
	shared("/badge.svg", h.badge, web.NoQuery)
	shared("/components/:id/badge.svg", h.componentBadge, web.NoQuery)
	shared("/widget.js", h.widget, web.NoQuery)

	// Static files, under content-hashed URLs.
	e.Match(getHead, "/static/*", h.serveStatic)
	e.Match(getHead, "/brand/:file", h.serveBrandAsset)
}

// subscriptionBody caps the public subscription forms at MaxSubscribeBody.
var subscriptionBody = web.LimitForm(func(echo.Context) int64 { return MaxSubscribeBody })

// site is the page's Site worded in the request's language.
func (h *Handler) site(c echo.Context) *view.Site {
	if h.Langs == nil {
		return h.Site
	}
	return h.Site.In(h.Langs.Of(c.Request()))
}
