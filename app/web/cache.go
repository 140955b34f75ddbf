// Package web is the HTTP kit the surfaces share: cache policies and
// conditional answers, security headers and body limits, errors with
// messages safe for clients, rate limits, the request's actor and logger,
// and Writes, the one way a handler changes the database and states what
// the change touched.
package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// CachePolicy is how long a response may be kept: Browser is the
// Cache-Control every cache reads, CDN the CDN-Cache-Control (RFC 9213) that
// only a CDN reads, when it needs to say more.
//
// Pages and the public API are what customers and widgets read while they
// wait for news, so browsers revalidate them on every view (max-age=0; the
// answer is a 304 from the snapshot unless something changed): nobody reads
// an old page after an update. A CDN in front keeps them a few seconds
// (s-maxage), serves them stale while it revalidates, and for a day while
// Beacon is unreachable (a status page must stay up when everything else is
// down). stale-while-revalidate stays out of the browsers' Cache-Control:
// they would show the old page once more after an update.
//
// Feed readers, badges and the widget script poll or are embedded
// elsewhere: one Cache-Control for all, with a longer freshness.
type CachePolicy struct {
	Browser string
	CDN     string
}

var (
	CachePages = CachePolicy{
		Browser: "public, max-age=0, s-maxage=5, stale-if-error=86400",
		CDN:     "public, max-age=5, stale-while-revalidate=30, stale-if-error=86400",
	}
	CacheAPI = CachePolicy{
		Browser: "public, max-age=0, s-maxage=10, stale-if-error=86400",
		CDN:     "public, max-age=10, stale-while-revalidate=30, stale-if-error=86400",
	}
	CacheFeeds  = CachePolicy{Browser: "public, max-age=60, stale-while-revalidate=60, stale-if-error=86400"}
	CacheBadge  = CachePolicy{Browser: "public, max-age=60, stale-while-revalidate=60, stale-if-error=86400"}
	CacheWidget = CachePolicy{Browser: "public, max-age=3600, stale-while-revalidate=86400, stale-if-error=86400"}
)

// Set writes the policy's headers.
func (p CachePolicy) Set(h http.Header) {
	h.Set("Cache-Control", p.Browser)
	if p.CDN != "" {
		h.Set(HeaderCDNCacheControl, p.CDN)
	}
}

const HeaderCDNCacheControl = "CDN-Cache-Control"

// Cacheable is a response built in full before it is sent: its bytes, the
// time the data behind it last changed, and how long it may be kept.
type Cacheable struct {
	ContentType string
	Body        []byte
	Modified    time.Time // zero: no Last-Modified
	Cache       CachePolicy
}

// ETagOf is the strong ETag of a body sent as is. Its gzip form is another
// representation with its own strong ETag, GzipETag (RFC 9110 8.8.3: a
// strong validator changes with the Content-Encoding).
func ETagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

// GzipETag is the ETag of the gzip form of the body whose ETag is etag.
func GzipETag(etag string) string {
	return strings.TrimSuffix(etag, `"`) + `-gzip"`
}

// WriteCacheable sends r with ETag, Last-Modified and Cache-Control, or 304
// Not Modified when the request's If-None-Match (or, without one,
// If-Modified-Since) says the client has it already. HEAD gets the headers
// only.
func WriteCacheable(c echo.Context, r Cacheable) error {
	h := c.Response().Header()
	etag := ETagOf(r.Body)
	h.Set("ETag", etag)
	r.Cache.Set(h)
	modified := r.Modified.UTC().Truncate(time.Second)
	if !r.Modified.IsZero() {
		h.Set("Last-Modified", modified.Format(http.TimeFormat))
	}
	if _, ok := NotModified(c.Request(), modified, etag, GzipETag(etag)); ok {
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

// NotModified applies RFC 9110's rules: If-None-Match wins, compared
// weakly (W/"x" matches "x"); without it, If-Modified-Since at or after
// the last change means not modified. etags are the ETag of the
// representation the request selects, then those of the same content's
// other encodings: a browser or CDN holding the plain form may revalidate
// it with a request that would select the gzip form, and the other way
// round. match is the index of the tag that matched (0 for "*" and
// If-Modified-Since): the 304 carries that ETag, so the cache refreshes the
// copy it holds.
func NotModified(req *http.Request, modified time.Time, etags ...string) (match int, ok bool) {
	if inm := req.Header.Get("If-None-Match"); inm != "" {
		for rest := inm; rest != ""; {
			var tag string
			tag, rest, _ = strings.Cut(rest, ",")
			tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
			if tag == "*" {
				return 0, true
			}
			for i, etag := range etags {
				if tag == etag {
					return i, true
				}
			}
		}
		return 0, false
	}
	if ims := req.Header.Get("If-Modified-Since"); ims != "" && !modified.IsZero() {
		if t, err := http.ParseTime(ims); err == nil && !modified.After(t) {
			return 0, true
		}
	}
	return 0, false
}

// AllowAnyOrigin lets any site read a response (the public API, feeds,
// badges): a widget on a customer's site fetches them.
func AllowAnyOrigin(next echo.HandlerFunc) echo.HandlerFunc {
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

// Preflight answers a CORS Preflight (OPTIONS) for a public read: any
// origin may GET it, sending the conditional headers.
func Preflight(c echo.Context) error {
	h := c.Response().Header()
	h.Set(echo.HeaderAccessControlAllowOrigin, "*")
	h.Set(echo.HeaderAccessControlAllowMethods, "GET, HEAD, OPTIONS")
	h.Set(echo.HeaderAccessControlAllowHeaders, "If-None-Match, If-Modified-Since, Cache-Control")
	h.Set(echo.HeaderAccessControlMaxAge, "86400")
	h.Set(echo.HeaderAllow, "GET, HEAD, OPTIONS")
	return c.NoContent(http.StatusNoContent)
}

// A CachedQuery says which query parameters of a cached route change its
// answer: given a request's query, it returns the query that selects the
// same answer with only those parameters, in one canonical form ("" for
// the route's plain answer), so the snapshot keeps one rendition per
// answer, however many ways there are to ask for it. Parameters the route
// does not read are dropped. ok is false when a parameter it reads is bad:
// the handler answers that request itself (a 4xx), and nothing is kept.
type CachedQuery func(q url.Values) (query string, ok bool)

// NoQuery is the CachedQuery of a route that reads no query parameter:
// any query answers the plain page.
func NoQuery(url.Values) (string, bool) { return "", true }
