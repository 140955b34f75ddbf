package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// contentSecurityPolicy is the policy of every response. Scripts and
// styles come only from Beacon itself (static/, under hashed URLs): no
// page has an inline script, a <style> block or a style attribute, so
// none needs a nonce or a hash. Images may come from any https site,
// because an update written in Markdown may show one. No page may be
// framed: the embeddable widget is a script (/widget.js) that draws its
// banner in the host page, and badges are images, so neither is framed.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// hstsValue is Strict-Transport-Security when BASE_URL is https: a year.
const hstsValue = "max-age=31536000"

// SecurityHeaderNames are the headers securityHeaders sets; the snapshot
// leaves them out of its renditions, since every answer gets them here.
var SecurityHeaderNames = []string{
	"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
	"X-Frame-Options", "Strict-Transport-Security",
}

// HeaderValue is one header and its value, shared by every response
// that sends it: the slice is clipped, so an Add copies it.
type HeaderValue struct {
	Key   string
	Value []string
}

// SetHeaderValues sets each header of list on h, sharing the values.
func SetHeaderValues(h http.Header, list []HeaderValue) {
	for _, kv := range list {
		h[kv.Key] = kv.Value
	}
}

// SecurityHeaderValues are the security headers of every response, made
// once: a request pays a few map stores. A slice: cheaper to walk than a
// map.
func SecurityHeaderValues(baseURL string) []HeaderValue {
	set := http.Header{
		"Content-Security-Policy": {contentSecurityPolicy},
		"X-Content-Type-Options":  {"nosniff"},
		"Referrer-Policy":         {"strict-origin-when-cross-origin"},
		"X-Frame-Options":         {"DENY"},
	}
	if strings.HasPrefix(baseURL, "https://") {
		set["Strict-Transport-Security"] = []string{hstsValue}
	}
	var list []HeaderValue
	for _, k := range SecurityHeaderNames {
		if v, ok := set[k]; ok {
			list = append(list, HeaderValue{k, slices.Clip(v)})
		}
	}
	return list
}

// ErrTooLarge is the answer to a body over its limit.
func ErrTooLarge(limit int64) error {
	return echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", limit))
}

// LimitForm caps the body of a form post at limitOf(c) bytes. It parses
// the form here, so a body over the limit is a 413 rather than a form that
// looks empty (and fails its CSRF check, or misses its fields), whether
// the client sent a Content-Length or not.
func LimitForm(limitOf func(echo.Context) int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			switch req.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
				return next(c)
			}
			limit := limitOf(c)
			if req.ContentLength > limit {
				return ErrTooLarge(limit)
			}
			req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
			var err error
			if strings.HasPrefix(req.Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) {
				err = req.ParseMultipartForm(limit)
			} else {
				err = req.ParseForm()
			}
			var tooLarge *http.MaxBytesError
			switch {
			case errors.As(err, &tooLarge):
				return ErrTooLarge(tooLarge.Limit)
			case err != nil && !errors.Is(err, http.ErrNotMultipart):
				return echo.NewHTTPError(http.StatusBadRequest, "the form could not be read")
			}
			if err := CheckValues(req.PostForm); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// LoggedPath is the path a request is logged under: the route's pattern
// for the subscription pages, whose paths carry a signed link that must
// not end up in a log file; the path itself for the rest.
func LoggedPath(c echo.Context) string {
	p := c.Request().URL.Path
	if strings.HasPrefix(p, "/subscriptions/") {
		if route := c.Path(); strings.HasPrefix(route, "/subscriptions/") {
			return route
		}
		return "/subscriptions/…"
	}
	return p
}
