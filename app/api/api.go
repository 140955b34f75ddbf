package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// MaxAPIBody is the largest request body the management API reads.
const MaxAPIBody = 1 << 20

// requireToken authenticates a management API request by its token
// ("Authorization: OAuth <token>" as Statuspage, or "Bearer <token>") and
// records the token as the request's actor. A token may make
// API_RATE_LIMIT requests a minute; a client sending wrong tokens is
// stopped after apiBadTokenLimit of them (429 with Retry-After).
func (h *Handler) requireToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		secret, ok := tokenFromHeader(c.Request().Header.Get(echo.HeaderAuthorization))
		if !ok {
			// Some Statuspage clients send the token as ?api_key=; the
			// access log writes paths only, so it stays out of the logs.
			secret = strings.TrimSpace(c.QueryParam("api_key"))
			ok = secret != ""
		}
		if !ok {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="beacon"`)
			return echo.NewHTTPError(http.StatusUnauthorized, "missing API token: send the header Authorization: OAuth <token> (or Bearer <token>, or ?api_key=<token>)")
		}
		t, err := h.DB.FindAPIToken(c.Request().Context(), secret)
		if errors.Is(err, models.ErrNotFound) {
			if err := h.Limits.Hit(c, "api:badtoken:ip:"+c.RealIP(), apiBadTokenLimit, apiBadTokenWindow,
				"Too many requests with a wrong API token from this address."); err != nil {
				return err
			}
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="beacon", error="invalid_token"`)
			return echo.NewHTTPError(http.StatusUnauthorized, "the API token is wrong or has been revoked")
		}
		if err != nil {
			return err
		}
		if err := h.Limits.Hit(c, "api:token:"+t.ID, h.RateLimit, apiWindow,
			fmt.Sprintf("This API token made more than %d requests in a minute.", h.RateLimit)); err != nil {
			return err
		}
		web.SetActor(c, models.Actor{Type: models.ActorToken, ID: t.ID, Name: "API token " + t.Name, Role: t.Role, IP: c.RealIP()})
		return next(c)
	}
}

// tokenFromHeader reads the token of an Authorization header.
func tokenFromHeader(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !(strings.EqualFold(scheme, "OAuth") || strings.EqualFold(scheme, "Bearer")) {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// requireAPIRole lets an API request through when its actor holds role; an
// anonymous actor gets 401, one without the role 403.
func requireAPIRole(role string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			actor := web.ActorOf(c)
			if actor.Anonymous() {
				return echo.NewHTTPError(http.StatusUnauthorized, "sign in first")
			}
			if !actor.Can(role) {
				return echo.NewHTTPError(http.StatusForbidden, fmt.Sprintf("this needs the %s role", role))
			}
			return next(c)
		}
	}
}

// requirePage answers 404 for any page id but this page's.
func (h *Handler) requirePage(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Param("page_id") != h.Site.Info().ID {
			return echo.NewHTTPError(http.StatusNotFound, "no page with this id")
		}
		return next(c)
	}
}

// limitBody caps the request body; a larger one is a 413.
func limitBody(max int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.ContentLength > max {
				return echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", max))
			}
			req.Body = http.MaxBytesReader(c.Response(), req.Body, max)
			return next(c)
		}
	}
}

// jsonError turns a decoding error into a 400 that says where it is.
func jsonError(err error, prefix string) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var invalid *models.ValidationError
	switch {
	case errors.As(err, &invalid): // a field's own decoder said what is wrong
		return invalid
	case errors.As(err, &typeErr) && typeErr.Field != "":
		field, kind := prefix+typeErr.Field, jsonKind(typeErr.Type.Kind().String())
		if kind == "number" && strings.HasPrefix(typeErr.Value, "number") {
			// A number, but not one the field holds: too large, or not whole.
			return models.Invalid(field, "must be a whole number between %d and %d", -math.MaxInt32, math.MaxInt32)
		}
		return echo.NewHTTPError(http.StatusBadRequest, web.APIError{
			Error:  fmt.Sprintf("field %s must be a %s", field, kind),
			Fields: []models.FieldError{{Field: field, Message: "must be a " + kind}},
		})
	case errors.As(err, &typeErr):
		return web.BadRequest("the request body must be a JSON object")
	case errors.As(err, &syntaxErr):
		return web.BadRequest("the request body is not valid JSON (at byte %d)", syntaxErr.Offset)
	}
	return web.BadRequest("the request body is not valid JSON")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "int", "int64", "float64":
		return "number"
	case "slice":
		return "list"
	case "map", "struct":
		return "object"
	}
	return goKind
}

// paging reads ?page=N&per_page=M (or Statuspage's limit=M), 1-based.
func paging(c echo.Context, defaultSize, maxSize int) (limit, offset int, err error) {
	page, limit, err := pageParams(c.QueryParams(), defaultSize, maxSize)
	return limit, (page - 1) * limit, err
}

// pageParams is the page number and size of q (see paging).
func pageParams(q url.Values, defaultSize, maxSize int) (page, limit int, err error) {
	limit = defaultSize
	for _, name := range []string{"per_page", "limit"} {
		if v := q.Get(name); v != "" {
			n, perr := strconv.Atoi(v)
			if perr != nil || n < 1 {
				return 0, 0, apiFieldError(name, fmt.Sprintf("must be a number from 1 to %d", maxSize))
			}
			if n > maxSize { // well formed, but more than a page may hold
				return 0, 0, fieldError(http.StatusUnprocessableEntity, name, fmt.Sprintf("must be a number from 1 to %d", maxSize))
			}
			limit = n
		}
	}
	page = 1
	if v := q.Get("page"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 1 || n > 1_000_000 {
			return 0, 0, apiFieldError("page", "must be a number from 1")
		}
		page = n
	}
	return page, limit, nil
}

// pagingQuery is the snapshot's web.CachedQuery of the paged public API
// lists (v2List): the page and its size as they read them, in one form
// (?page=N&per_page=M, each left out at its default), whichever way they
// were asked for (limit=M, per_page=050, other parameters).
func pagingQuery(q url.Values) (string, bool) {
	page, limit, err := pageParams(q, models.DefaultIncidentLimit, models.MaxIncidentLimit)
	if err != nil {
		return "", false
	}
	canon := url.Values{}
	if page != 1 {
		canon.Set("page", strconv.Itoa(page))
	}
	if limit != models.DefaultIncidentLimit {
		canon.Set("per_page", strconv.Itoa(limit))
	}
	return canon.Encode(), true
}

// apiFieldError is a 400 about one query parameter or field.
func apiFieldError(field, msg string) error { return fieldError(http.StatusBadRequest, field, msg) }

// fieldError is an error answer with status code about one query parameter
// or field.
func fieldError(code int, field, msg string) error {
	return echo.NewHTTPError(code, web.APIError{
		Error: field + " " + msg, Fields: []models.FieldError{{Field: field, Message: msg}},
	})
}

// listPages is GET /v1/pages: Beacon serves one page.
func (h *Handler) listPages(c echo.Context) error {
	p, err := h.jsonPageOf(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, []jsonPage{p})
}

// showPage is GET /v1/pages/{page_id}.
func (h *Handler) showPage(c echo.Context) error {
	p, err := h.jsonPageOf(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (h *Handler) jsonPageOf(c echo.Context) (jsonPage, error) {
	updated, err := h.DB.LastChange(c.Request().Context())
	if err != nil {
		return jsonPage{}, err
	}
	yes := true
	p := h.pageNow()
	p.Domain = hostOf(h.Site.BaseURL)
	if !updated.IsZero() { // null for a page never changed, as in v2
		p.UpdatedAt = h.isoTime(updated)
	}
	p.AllowPageSubscribers, p.AllowIncidentSubscribers, p.AllowEmailSubscribers, p.AllowRSSAtomFeeds = &yes, &yes, &yes, &yes
	return p, nil
}

// pageRequest is the body of PATCH /v1/pages/{page_id}: the fields of
// Statuspage's page that Beacon has. Any other field (branding colours,
// domains, SMS settings) is ignored, as Statuspage's clients send them.
type pageRequest struct {
	Name     optional[string] `json:"name,omitzero"`
	TimeZone optional[string] `json:"time_zone,omitzero"`
	URL      optional[string] `json:"url,omitzero"`
}

// updatePage is PATCH (or PUT) /v1/pages/{page_id}: it stores the page's
// name, time zone and website, which override PAGE_NAME and
// PAGE_TIME_ZONE. A page-wide write: once it commits, this replica (and
// every other, when it hears of the change) reloads the page's identity
// and rebuilds every public page, so the pages, feeds, badges, widget,
// emails and webhooks use the new values at once.
func (h *Handler) updatePage(c echo.Context) error {
	var req pageRequest
	if err := bindBody(c, "page", &req); err != nil {
		return err
	}
	for _, o := range []*optional[string]{&req.Name, &req.TimeZone} {
		o.blankIsAbsent()
	}
	if req.URL.Null {
		req.URL = optional[string]{Set: true}
	}
	err := h.Writes.Do(c, web.Everything, "page.update", "page", func(tx *models.DB) (string, any, error) {
		return h.Site.Info().ID, req, tx.SavePageSettings(c.Request().Context(), req.Name.ptr(), req.TimeZone.ptr(), req.URL.ptr())
	})
	if err != nil {
		return err
	}
	p, err := h.jsonPageOf(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func hostOf(baseURL string) string {
	_, rest, _ := strings.Cut(baseURL, "://")
	host, _, _ := strings.Cut(rest, "/")
	return host
}
