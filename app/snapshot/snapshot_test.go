package snapshot

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/web"
)

// A stale page whose rebuild fails (the database is gone: the handler
// answers 503) is served as it was; once the handler answers again, the
// next request gets a fresh one.
func TestServesLastGoodWhenRebuildFails(t *testing.T) {
	var down atomic.Bool
	var version atomic.Int64
	clock := time.Now()
	s := New(func() time.Time { return clock }, slog.New(slog.DiscardHandler))
	e := echo.New()
	e.GET("/", s.Serve(func(c echo.Context) error {
		if down.Load() {
			return c.String(http.StatusServiceUnavailable, "database down")
		}
		return c.HTML(http.StatusOK, fmt.Sprintf("<p>page %d</p>", version.Load()))
	}, web.NoQuery))
	s.SetHandler(e)
	get := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		return rec
	}
	first := get()
	if first.Code != 200 || first.Body.String() != "<p>page 0</p>" {
		t.Fatalf("GET / = %d %q", first.Code, first.Body)
	}

	clock = clock.Add(2 * MaxAge) // too old: must be rebuilt
	s.gen.Add(1)                  // and stale: a change happened
	version.Store(1)
	down.Store(true)
	second := get()
	if second.Code != 200 || second.Body.String() != first.Body.String() ||
		second.Header().Get("Last-Modified") != first.Header().Get("Last-Modified") {
		t.Errorf("stale page with the database gone = %d %q, want 200 and the last good page", second.Code, second.Body)
	}
	if r := s.entries["/"].current.Load(); r.gen == s.gen.Load() {
		t.Error("a failed rebuild installed a rendition of the current generation")
	}

	down.Store(false)
	if third := get(); third.Code != 200 || third.Body.String() != "<p>page 1</p>" {
		t.Errorf("GET / with the database back = %d %q, want the fresh page", third.Code, third.Body)
	}
}

func TestSnapshotKey(t *testing.T) {
	for raw, want := range map[string]string{
		"/":                            "/",
		"/history?page=2":              "/history?page=2",
		"/x?b=2&a=1":                   "/x?a=1&b=2",
		"/x?a=2&a=1":                   "/x?a=2&a=1",
		"/x?q=a+b&z=%26":               "/x?q=a+b&z=%26",
		"/api/v2/incidents.json?page=": "/api/v2/incidents.json?page=",
	} {
		u, _ := url.Parse(raw)
		if got := Key(u); got != want {
			t.Errorf("Key(%s) = %s, want %s", raw, got, want)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"": false, "gzip": true, "br, gzip": true, "gzip;q=0": false, "gzip; q=0.5": true,
		"GZIP": true, "deflate": false, "gzip;q=0.0": false, "x-gzip": false,
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Accept-Encoding", header)
		if got := acceptsGzip(req); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}

// The periodic refresh rebuilds what was asked for lately, not everything
// ever asked for (security review, issue 20): a page nobody asked for in
// inUse is left as it is, and rebuilt when it is next asked for.
func TestRefreshRebuildsOnlyWhatIsInUse(t *testing.T) {
	clock := time.Now()
	s := New(func() time.Time { return clock }, slog.New(slog.DiscardHandler))
	e := echo.New()
	for _, path := range []string{"/busy", "/quiet"} {
		e.GET(path, s.Serve(func(c echo.Context) error { return c.HTML(http.StatusOK, "<p>page</p>") }, web.NoQuery))
	}
	s.SetHandler(e)
	get := func(path string) {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d", path, rec.Code)
		}
	}
	get("/busy")
	get("/quiet")
	clock = clock.Add(inUse + time.Second) // both old; only /busy asked for since
	if s.Hit("/busy") != nil {
		t.Fatal("an old rendition is a hit")
	}
	get("/busy")
	clock = clock.Add(MaxAge + time.Second)
	s.refresh(t.Context())
	if n, _ := s.Builds("/busy"); n != 3 {
		t.Errorf("/busy, asked for lately, built %d times, want 3 (the refresh rebuilds it)", n)
	}
	if n, _ := s.Builds("/quiet"); n != 1 {
		t.Errorf("/quiet, not asked for in %s, built %d times, want 1 (the refresh leaves it)", inUse, n)
	}
	get("/quiet")
	if n, _ := s.Builds("/quiet"); n != 2 {
		t.Errorf("/quiet asked for again: built %d times, want 2", n)
	}
}
