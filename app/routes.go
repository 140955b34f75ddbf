package app

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/web"
)

// newEcho builds the router with the error handler, the middlewares and
// every route.
func (a *App) newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = a.handleError
	a.snapshotPaths = map[string]bool{}
	a.securityHeaderList = web.SecurityHeaderValues(a.cfg.BaseURL)
	e.IPExtractor = echo.ExtractIPDirect()
	if a.cfg.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader() // trusts loopback and private-network proxies
	}
	e.Use(a.middlewares()...)
	a.routes(e)
	return e
}

// routes is Beacon's whole HTTP surface. Each surface lists its own paths
// in its package's Mount (app/public/handler.go, app/api/handler.go,
// app/console/handler.go); this table mounts them, says how each is
// served, and adds the operations routes. docs/architecture.md lists every
// path.
func (a *App) routes(e *echo.Echo) {
	read := func(path string, h echo.HandlerFunc) {
		e.Match([]string{http.MethodGet, http.MethodHead}, path, h)
	}
	// cached routes are served from the in-memory snapshot (app/snapshot),
	// which keeps its own gzip form. Each says which query parameters change
	// its answer (query): the snapshot keeps one rendition per answer and
	// ignores any other parameter. Their middlewares are composed here,
	// once: echo would compose a route's middlewares on every request.
	cached := func(path string, h echo.HandlerFunc, query web.CachedQuery) {
		a.snapshotPaths[path] = true
		read(path, a.snapshot.Serve(h, query))
	}
	// shared routes are cached routes that any site may read (CORS), with
	// their preflights answered: feeds, badges, the widget, the public API.
	shared := func(path string, h echo.HandlerFunc, query web.CachedQuery) {
		a.snapshotPaths[path] = true
		read(path, web.AllowAnyOrigin(a.snapshot.Serve(h, query)))
		e.OPTIONS(path, web.Preflight)
	}

	// Public pages, feeds, badges, the widget, subscription pages, static
	// files: app/public.
	a.public.Mount(e, cached, shared)
	// Public API v2 (cached, shared) and the management API under /v1
	// (API tokens): app/api.
	a.api.Mount(e, shared)
	// Admin console under /admin (sessions, CSRF, roles): app/console.
	a.console.Mount(e)
	// Integrations' webhooks under /integrations/{token} (verified by each
	// integration's secret): app/integrations.
	a.integrations.Mount(e)

	// Operations.
	read("/healthz", a.healthz)
	read("/readyz", a.readyz)
}
