package app

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// A stale page whose rebuild fails (the database is gone) is served as it
// was; once the database answers, the next request gets a fresh one.
func TestSnapshotServesLastGoodWhenRebuildFails(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		cfg, err := LoadConfig(func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		a, err := New(context.Background(), cfg, db, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		clock := time.Now()
		a.snapshot.now = func() time.Time { return clock }
		get := func() *httptest.ResponseRecorder {
			rec := httptest.NewRecorder()
			a.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			return rec
		}
		first := get()
		if first.Code != 200 {
			t.Fatalf("GET / = %d", first.Code)
		}

		clock = clock.Add(2 * snapshotMaxAge) // too old: must be rebuilt
		a.snapshot.gen.Add(1)                 // and stale: a change happened
		db.Close()
		second := get()
		if second.Code != 200 || second.Body.String() != first.Body.String() ||
			second.Header().Get("Last-Modified") != first.Header().Get("Last-Modified") {
			t.Errorf("stale page with the database gone = %d, want 200 and the last good page", second.Code)
		}
		if r := a.snapshot.entries["/"].current.Load(); r.gen == a.snapshot.gen.Load() {
			t.Error("a failed rebuild installed a rendition of the current generation")
		}
	})
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
		if got := snapshotKey(u); got != want {
			t.Errorf("snapshotKey(%s) = %s, want %s", raw, got, want)
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
