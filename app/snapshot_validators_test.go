package app_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// cdnCacheControl is what a CDN in front needs: shared, fresh for a short
// while, served stale while it revalidates and while Beacon is unreachable.
var cdnCacheControl = regexp.MustCompile(`^public, max-age=(\d+), stale-while-revalidate=\d+, stale-if-error=\d+$`)

// revalidateCacheControl is what pages and the API send browsers: revalidate
// on every view, so nobody reads an old page after an update; shared caches
// keep it s-maxage seconds and serve it while Beacon is unreachable.
var revalidateCacheControl = regexp.MustCompile(`^public, max-age=0, s-maxage=(\d+), stale-if-error=\d+$`)

// Every snapshotted route (pages, feeds, badges, the widget, API v2): a
// strong ETag for each encoding, Last-Modified, Cache-Control for a CDN,
// and If-None-Match answered 304 for the ETag of either encoding, which
// the 304 repeats.
func TestSnapshotValidatorsEveryRoute(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFeedFixture(t, db)
		h := newTestApp(t, db, nil).Handler()
		request := func(path, acceptEncoding, inm string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			if acceptEncoding != "" {
				req.Header.Set("Accept-Encoding", acceptEncoding)
			}
			if inm != "" {
				req.Header.Set("If-None-Match", inm)
			}
			return serve(h, req)
		}
		pages := []string{"/", "/incidents/" + f.open.ID, "/history", "/postmortems"}
		for _, path := range append(pages, publicReads(f)...) {
			plain, zipped := request(path, "", ""), request(path, "gzip", "")
			if plain.Code != 200 || zipped.Code != 200 || zipped.Header().Get("Content-Encoding") != "gzip" {
				t.Fatalf("%s = %d, gzip %d %q", path, plain.Code, zipped.Code, zipped.Header().Get("Content-Encoding"))
			}
			tags := map[string]string{"plain": plain.Header().Get("ETag"), "gzip": zipped.Header().Get("ETag")}
			for enc, tag := range tags {
				if !strings.HasPrefix(tag, `"`) || !strings.HasSuffix(tag, `"`) || len(tag) < 10 {
					t.Errorf("%s: %s ETag %q, want a strong one", path, enc, tag)
				}
			}
			if tags["plain"] == tags["gzip"] {
				t.Errorf("%s: both encodings have ETag %s, want one each", path, tags["plain"])
			}
			for _, rec := range []*httptest.ResponseRecorder{plain, zipped} {
				// The API's JSON is the same in every language; the rest
				// is worded in the reader's.
				vary := "Accept-Encoding, Accept-Language, Cookie"
				if strings.HasPrefix(path, "/api/") {
					vary = "Accept-Encoding"
				}
				if rec.Header().Get("Last-Modified") == "" || rec.Header().Get("Vary") != vary {
					t.Errorf("%s: Last-Modified %q, Vary %q", path, rec.Header().Get("Last-Modified"), rec.Header().Get("Vary"))
				}
				cc, cdn := rec.Header().Get("Cache-Control"), rec.Header().Get("CDN-Cache-Control")
				if slices.Contains(pages, path) || strings.HasPrefix(path, "/api/v2/") {
					m := revalidateCacheControl.FindStringSubmatch(cc)
					if m == nil {
						t.Errorf("%s: Cache-Control %q, want max-age=0 for browsers, s-maxage and stale-if-error", path, cc)
					} else if age, _ := strconv.Atoi(m[1]); age > 60 {
						t.Errorf("%s: s-maxage=%d, want a minute at most", path, age)
					}
					if m := cdnCacheControl.FindStringSubmatch(cdn); m == nil {
						t.Errorf("%s: CDN-Cache-Control %q, want max-age, stale-while-revalidate and stale-if-error", path, cdn)
					}
					continue
				}
				m := cdnCacheControl.FindStringSubmatch(cc)
				if m == nil {
					t.Errorf("%s: Cache-Control %q, want max-age, stale-while-revalidate and stale-if-error", path, cc)
				} else if age, _ := strconv.Atoi(m[1]); age > 60 && path != "/widget.js" {
					t.Errorf("%s: max-age=%d, want a minute at most (the widget script excepted)", path, age)
				}
			}

			// Whichever encoding the request selects, the ETag of either
			// form (weak or strong) gets a 304 with that ETag and no body.
			for _, ae := range []string{"", "gzip"} {
				for enc, tag := range tags {
					for _, inm := range []string{tag, "W/" + tag, `"stale", ` + tag} {
						rec := request(path, ae, inm)
						if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 || rec.Header().Get("ETag") != tag ||
							rec.Header().Get("Content-Encoding") != "" || rec.Header().Get("Cache-Control") == "" {
							t.Errorf("%s, Accept-Encoding %q, If-None-Match %s (the %s form) = %d, %d bytes, ETag %q; want 304 with that ETag",
								path, ae, inm, enc, rec.Code, rec.Body.Len(), rec.Header().Get("ETag"))
						}
					}
				}
				if rec := request(path, ae, `"stale", W/"stale-gzip"`); rec.Code != 200 || rec.Body.Len() == 0 {
					t.Errorf("%s, Accept-Encoding %q: other ETags = %d, want 200 with the body", path, ae, rec.Code)
				}
			}
		}
	})
}
