package public

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/lang"
	"github.com/beaconstatus/beacon/app/web"
)

// setLanguage is the language switch: GET /language?lang=de&next=/history
// keeps the reader's choice in a cookie for a year and sends them back to
// the page they were on. It works without JavaScript, and the pages stay
// cached: the snapshot keeps one rendition per language.
func (h *Handler) setLanguage(c echo.Context) error {
	code := c.QueryParam("lang")
	if h.Langs == nil || h.Langs.Get(code) == nil {
		codes := []string{lang.Default}
		if h.Langs != nil {
			codes = h.Langs.Codes()
		}
		return web.Word("error_unknown_language", web.BadRequest("lang must be one of %s, got %q", strings.Join(codes, ", "), code),
			"Codes", strings.Join(codes, ", "), "Got", code)
	}
	next := c.QueryParam("next")
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		next = "/"
	}
	c.SetCookie(&http.Cookie{Name: lang.CookieName, Value: code, Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(h.Site.BaseURL, "https://")})
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Redirect(http.StatusSeeOther, next)
}
