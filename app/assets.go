package app

import "github.com/labstack/echo/v4"

// ServeStatic serves CSS, JS and icons under their content-hashed URLs with
// a year-long cache; an unknown path gets the HTML 404 page.
func (a *App) ServeStatic(c echo.Context) error {
	if _, ok := a.assets.Get(c.Request().URL.Path); !ok {
		return echo.ErrNotFound
	}
	a.assets.ServeHTTP(c.Response(), c.Request())
	return nil
}
