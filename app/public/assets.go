package public

import "github.com/labstack/echo/v4"

// serveStatic serves CSS, JS and icons under their content-hashed URLs with
// a year-long cache; an unknown path gets the HTML 404 page.
func (h *Handler) serveStatic(c echo.Context) error {
	if _, ok := h.Assets.Get(c.Request().URL.Path); !ok {
		return echo.ErrNotFound
	}
	h.Assets.ServeHTTP(c.Response(), c.Request())
	return nil
}
