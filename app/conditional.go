package app

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// Cache-Control of what feed readers, widgets and CDNs poll: short
// freshness, and a stale copy may be served for a day while Beacon is down
// (a status page must stay up when everything else is down).
const (
	cacheFeeds  = "public, max-age=60, stale-if-error=86400"
	cacheAPI    = "public, max-age=10, stale-if-error=86400"
	cacheBadge  = "public, max-age=60, stale-if-error=86400"
	cacheWidget = "public, max-age=3600"
)

// cacheable is a response built in full before it is sent: its bytes, the
// time the data behind it last changed, and how long it may be kept.
type cacheable struct {
	ContentType  string
	Body         []byte
	Modified     time.Time // zero: no Last-Modified
	CacheControl string
}

// etagOf is the ETag of a body: weak, since the same content may be sent
// gzipped or not.
func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `W/"` + hex.EncodeToString(sum[:12]) + `"`
}

// writeCacheable sends r with ETag, Last-Modified and Cache-Control, or 304
// Not Modified when the request's If-None-Match (or, without one,
// If-Modified-Since) says the client has it already. HEAD gets the headers
// only.
func writeCacheable(c echo.Context, r cacheable) error {
	h := c.Response().Header()
	etag := etagOf(r.Body)
	h.Set("ETag", etag)
	h.Set("Cache-Control", r.CacheControl)
	modified := r.Modified.UTC().Truncate(time.Second)
	if !r.Modified.IsZero() {
		h.Set("Last-Modified", modified.Format(http.TimeFormat))
	}
	if notModified(c.Request(), etag, modified) {
		return c.NoContent(http.StatusNotModified)
	}
	h.Set(echo.HeaderContentType, r.ContentType)
	if c.Request().Method == http.MethodHead {
		h.Set(echo.HeaderContentLength, strconv.Itoa(len(r.Body)))
		c.Response().WriteHeader(http.StatusOK)
		return nil
	}
	return c.Blob(http.StatusOK, r.ContentType, r.Body)
}

// notModified applies RFC 9110's rules: If-None-Match wins; without it,
// If-Modified-Since at or after the last change means not modified.
func notModified(req *http.Request, etag string, modified time.Time) bool {
	if inm := req.Header.Get("If-None-Match"); inm != "" {
		for _, tag := range strings.Split(inm, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" || strings.TrimPrefix(tag, "W/") == strings.TrimPrefix(etag, "W/") {
				return true
			}
		}
		return false
	}
	if ims := req.Header.Get("If-Modified-Since"); ims != "" && !modified.IsZero() {
		if t, err := http.ParseTime(ims); err == nil && !modified.After(t) {
			return true
		}
	}
	return false
}

// allowAnyOrigin lets any site read a response (the public API, feeds,
// badges): a widget on a customer's site fetches them.
func allowAnyOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		// Shared, never-modified values: snapshot hits allocate nothing.
		h := c.Response().Header()
		h[echo.HeaderAccessControlAllowOrigin] = anyOrigin
		h[echo.HeaderAccessControlExposeHeaders] = exposedHeaders
		return next(c)
	}
}

var (
	anyOrigin      = []string{"*"}
	exposedHeaders = []string{"ETag, Last-Modified, Link, X-Total-Count"}
)

// preflight answers a CORS preflight (OPTIONS) for a public read: any
// origin may GET it, sending the conditional headers.
func preflight(c echo.Context) error {
	h := c.Response().Header()
	h.Set(echo.HeaderAccessControlAllowOrigin, "*")
	h.Set(echo.HeaderAccessControlAllowMethods, "GET, HEAD, OPTIONS")
	h.Set(echo.HeaderAccessControlAllowHeaders, "If-None-Match, If-Modified-Since, Cache-Control")
	h.Set(echo.HeaderAccessControlMaxAge, "86400")
	h.Set(echo.HeaderAllow, "GET, HEAD, OPTIONS")
	return c.NoContent(http.StatusNoContent)
}
