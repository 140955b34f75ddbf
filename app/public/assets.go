package public

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// serveStatic serves CSS, JS and icons under their content-hashed URLs with
// a year-long cache; an unknown path gets the HTML 404 page.
func (h *Handler) serveStatic(c echo.Context) error {
	if _, ok := h.Assets.Get(c.Request().URL.Path); !ok {
		return echo.ErrNotFound
	}
	h.Assets.ServeHTTP(c.Response(), c.Request())
	return nil
}

// serveBrandAsset serves the branding's logo, favicon and theme under
// their content-hashed names with a year-long cache. An SVG is served
// with a policy that lets it run nothing, even opened on its own.
func (h *Handler) serveBrandAsset(c echo.Context) error {
	if a, ok := h.BrandAsset(c.Param("file")); ok {
		hd := c.Response().Header()
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
		if a.ContentType == "image/svg+xml" {
			hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
		}
		return c.Blob(http.StatusOK, a.ContentType, a.Body)
	}
	return echo.ErrNotFound
}
