package static_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/beaconstatus/beacon/static"
)

func TestURLAndLookup(t *testing.T) {
	a := static.New()
	for _, tt := range []struct{ name, pattern, contentType string }{
		{"css/app.css", `^/static/css/app\.[0-9a-f]{10}\.css$`, "text/css; charset=utf-8"},
		{"js/localtime.js", `^/static/js/localtime\.[0-9a-f]{10}\.js$`, "text/javascript; charset=utf-8"},
		{"img/favicon.svg", `^/static/img/favicon\.[0-9a-f]{10}\.svg$`, "image/svg+xml"},
	} {
		url := a.URL(tt.name)
		if !regexp.MustCompile(tt.pattern).MatchString(url) {
			t.Errorf("URL(%q) = %q, want match for %s", tt.name, url, tt.pattern)
		}
		for _, p := range []string{url, url[len("/static/"):]} {
			body, ct, ok := a.Lookup(p)
			if !ok || len(body) == 0 || ct != tt.contentType {
				t.Errorf("Lookup(%q) = %d bytes, %q, %v", p, len(body), ct, ok)
			}
		}
	}
	if _, _, ok := a.Lookup("/static/css/app.css"); ok {
		t.Error("unhashed path resolved; it must not be served with an immutable cache")
	}
	if a.URL("css/app.css") != static.New().URL("css/app.css") {
		t.Error("hash differs between two tables of the same content")
	}
}

func TestServeHTTP(t *testing.T) {
	a := static.New()
	url := a.URL("css/app.css")
	want, _, _ := a.Lookup(url)

	req := httptest.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept-Encoding", "br, gzip")
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, req)
	res := rec.Result()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if got := res.Header.Get("Cache-Control"); got != static.CacheControl {
		t.Errorf("Cache-Control = %q", got)
	}
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatal("stylesheet not gzipped for a gzip-accepting client")
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(zr)
	if !bytes.Equal(got, want) {
		t.Error("gzip body does not match the file")
	}

	// Revalidation and unknown paths.
	req = httptest.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("If-None-Match", res.Header.Get("ETag"))
	rec = httptest.NewRecorder()
	a.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", rec.Code)
	}
	rec = httptest.NewRecorder()
	a.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/static/css/app.0000000000.css", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("stale hash: status %d, want 404", rec.Code)
	}
}
