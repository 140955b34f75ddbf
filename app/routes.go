package app

import (
	"net/http"

	"github.com/labstack/echo/v4"
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

	// Static files, under content-hashed URLs.
	read("/static/*", a.ServeStatic)

	// Operations.
	read("/healthz", a.Healthz)
	read("/readyz", a.Readyz)
}
