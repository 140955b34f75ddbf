package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

// legacyPaths lets the management API answer the paths older Statuspage
// clients send: a ".json" suffix (/v1/pages/{id}/components/{id}.json)
// and a trailing slash. It runs before routing (echo's Pre).
func legacyPaths(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if p := req.URL.Path; strings.HasPrefix(p, "/v1/") {
			trimmed := strings.TrimSuffix(strings.TrimRight(p, "/"), ".json")
			if trimmed != p && trimmed != "/v1" && trimmed != "" {
				req.URL.Path, req.URL.RawPath = trimmed, ""
			}
		}
		return next(c)
	}
}

// methodNotAllowed answers a /v1 request that no route takes: 405 with
// Allow when the path exists under other methods, else 404; both in JSON.
func methodNotAllowed(e *echo.Echo) echo.HandlerFunc {
	var once sync.Once
	var table map[string][]string // route path → its methods
	return func(c echo.Context) error {
		once.Do(func() {
			table = map[string][]string{}
			for _, r := range e.Routes() {
				if strings.HasPrefix(r.Path, "/v1/") && !strings.HasSuffix(r.Path, "*") && !strings.HasPrefix(r.Method, "echo_") {
					table[r.Path] = append(table[r.Path], r.Method)
				}
			}
		})
		var allow []string
		for route, methods := range table {
			if routeMatches(route, c.Request().URL.Path) {
				allow = append(allow, methods...)
			}
		}
		if len(allow) == 0 {
			return echo.NewHTTPError(http.StatusNotFound, "no such endpoint of the management API: docs/api.md lists them")
		}
		slices.Sort(allow)
		allow = slices.Compact(allow)
		c.Response().Header().Set(echo.HeaderAllow, strings.Join(allow, ", "))
		return echo.NewHTTPError(http.StatusMethodNotAllowed,
			fmt.Sprintf("%s is not allowed on this endpoint: it takes %s", c.Request().Method, strings.Join(allow, ", ")))
	}
}

// routeMatches reports whether path is one of route's (":name" segments
// match any one segment).
func routeMatches(route, path string) bool {
	rs, ps := strings.Split(route, "/"), strings.Split(path, "/")
	if len(rs) != len(ps) {
		return false
	}
	for i := range rs {
		if !strings.HasPrefix(rs[i], ":") && rs[i] != ps[i] || strings.HasPrefix(rs[i], ":") && ps[i] == "" {
			return false
		}
	}
	return true
}
