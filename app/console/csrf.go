package console

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/models"
)

// CSRF: a signed-in operator's forms carry the token kept in their
// session. Before sign-in there is no session row (a stranger's visit
// writes nothing): the sign-in and setup forms carry a signed
// double-submit token instead, an HMAC with the page's secret over a
// random value kept in the beacon_csrf cookie. Every form post must also
// come from this site (sameSite), which a browser says before the body
// is read.

const (
	csrfCookieName = "beacon_csrf"
	csrfCookieKey  = "beacon.csrf_cookie" // the value set on this response, once
)

// errCSRF answers a state-changing request without the session's token.
var errCSRF = echo.NewHTTPError(http.StatusForbidden,
	"This form has expired or was not sent from this site, so nothing was changed. Go back, reload the page and try again.")

// errCrossSite answers a form posted from another site.
var errCrossSite = echo.NewHTTPError(http.StatusForbidden,
	"This form was not sent from this site, so nothing was changed. Open the console at its own address and try again.")

// csrfToken returns the token the request's forms must send back: the
// session's for a signed-in operator (made if needed), the signed
// double-submit token before sign-in.
func (h *Handler) csrfToken(c echo.Context) string {
	ctx := c.Request().Context()
	if hasSession(c) {
		if token := h.Sessions.GetString(ctx, sessionCSRF); token != "" {
			return token
		}
		if h.Sessions.GetString(ctx, sessionUserID) != "" {
			token := models.RandomHex(32)
			h.Sessions.Put(ctx, sessionCSRF, token)
			return token
		}
	}
	return h.signCSRF(h.csrfNonce(c))
}

// csrfNonce returns the random value of the beacon_csrf cookie, setting
// a new cookie when the request has none (or a malformed one).
func (h *Handler) csrfNonce(c echo.Context) string {
	if v, ok := c.Get(csrfCookieKey).(string); ok {
		return v
	}
	if ck, err := c.Cookie(csrfCookieName); err == nil && validNonce(ck.Value) {
		return ck.Value
	}
	nonce := models.RandomHex(16)
	c.Set(csrfCookieKey, nonce)
	h.setCSRFCookie(c, nonce)
	return nonce
}

// setCSRFCookie sets (or, with "", deletes) the beacon_csrf cookie.
func (h *Handler) setCSRFCookie(c echo.Context, nonce string) {
	h.setCookie(c, csrfCookieName, nonce)
}

// setCookie sets (or, with "", deletes) a console cookie other than the
// session's, with the session cookie's attributes; it lasts as long as
// the browser.
func (h *Handler) setCookie(c echo.Context, name, value string) {
	ck := h.Sessions.Cookie
	cookie := &http.Cookie{Name: name, Value: value, Path: ck.Path, HttpOnly: true,
		SameSite: ck.SameSite, Secure: ck.Secure}
	if value == "" {
		cookie.MaxAge = -1
	}
	c.Response().Header().Add("Set-Cookie", cookie.String())
}

// validNonce reports whether v looks like a nonce csrfNonce made.
func validNonce(v string) bool {
	if len(v) != 32 {
		return false
	}
	_, err := hex.DecodeString(v)
	return err == nil
}

// signCSRF is the double-submit token of nonce.
func (h *Handler) signCSRF(nonce string) string {
	m := hmac.New(sha256.New, h.Secret)
	m.Write([]byte("beacon console csrf\x00"))
	m.Write([]byte(nonce))
	return hex.EncodeToString(m.Sum(nil))
}

// checkCSRF refuses (403) a request other than GET, HEAD or OPTIONS whose
// "csrf" form field or X-CSRF-Token header is not the request's token:
// the session's once signed in, else the one signed over the beacon_csrf
// cookie. Every console form carries it ({{template "csrf" $}}).
func (h *Handler) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		got := c.Request().Header.Get(echo.HeaderXCSRFToken)
		if got == "" {
			got = c.FormValue("csrf")
		}
		ctx := c.Request().Context()
		want := h.Sessions.GetString(ctx, sessionCSRF)
		if want == "" && h.Sessions.GetString(ctx, sessionUserID) == "" {
			ck, err := c.Cookie(csrfCookieName)
			if err != nil || !validNonce(ck.Value) {
				return errCSRF
			}
			want = h.signCSRF(ck.Value)
		}
		if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			return errCSRF
		}
		return next(c)
	}
}

// sameSite refuses (403) a form post a browser says came from another
// site (Sec-Fetch-Site, or an Origin other than this page's), before its
// body is read. Requests without those headers (not from a browser) go
// on to the CSRF check.
func (h *Handler) sameSite(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		switch req.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		site := req.Header.Get("Sec-Fetch-Site")
		switch site {
		case "", "same-origin", "none":
		default:
			return errCrossSite
		}
		origin := req.Header.Get(echo.HeaderOrigin)
		if origin == "null" && site == "same-origin" {
			origin = "" // the browser vouches for it
		}
		if origin != "" {
			u, err := url.Parse(origin)
			base, _ := url.Parse(h.Site.BaseURL)
			if err != nil || u.Host == "" || !(u.Host == base.Host && u.Scheme == base.Scheme || u.Host == req.Host) {
				return errCrossSite
			}
		}
		return next(c)
	}
}
