package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/app"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// A snapshot hit is answered before the router (App.ServeHTTP): it must
// answer exactly as the router does (status, body, every header but the
// per-response ones) and log the same line. The first request of a path
// goes through the router (nothing is built yet); the next ones are hits.
// (That a change sends the next request through the router again, which
// waits for the rebuild, is TestSnapshotShowsWritesAtOnce.)
func TestSnapshotHitAnswersAsTheRouter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFeedFixture(t, db)
		logs := &app.SyncBuffer{}
		cfg, err := app.LoadConfig(func(k string) string { return testEnv[k] })
		if err != nil {
			t.Fatal(err)
		}
		a, err := app.New(context.Background(), cfg, db, app.NewLogger(cfg, logs))
		if err != nil {
			t.Fatal(err)
		}
		h := a.Handler()
		request := func(method, path string, headers ...string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(method, path, nil)
			req.RemoteAddr = "192.0.2.7:41000"
			for i := 0; i+1 < len(headers); i += 2 {
				req.Header.Set(headers[i], headers[i+1])
			}
			return serve(h, req)
		}
		// lastLine is the log line of the request with the given id.
		lastLine := func(id string) string {
			for line := range strings.Lines(logs.String()) {
				if strings.Contains(line, "request_id="+id+" ") {
					return line
				}
			}
			t.Fatalf("no log line for request %s in:\n%s", id, logs.String())
			return ""
		}
		// comparable is a response's headers without those that differ
		// from one response to the next.
		comparable := func(rec *httptest.ResponseRecorder) http.Header {
			c := rec.Header().Clone()
			delete(c, "X-Request-Id")
			return c
		}
		// withoutTiming drops the fields of a log line that differ from
		// one request to the next.
		withoutTiming := func(line string) string {
			var kept []string
			for _, field := range strings.Fields(line) {
				if !strings.HasPrefix(field, "time=") && !strings.HasPrefix(field, "duration=") && !strings.HasPrefix(field, "request_id=") {
					kept = append(kept, field)
				}
			}
			return strings.Join(kept, " ")
		}

		paths := append([]string{"/", "/incidents/" + f.open.ID, "/history", "/postmortems"}, publicReads(f)...)
		for _, path := range paths {
			for _, variant := range [][]string{
				{http.MethodGet, ""}, {http.MethodGet, "gzip"}, {http.MethodHead, ""}, {http.MethodHead, "gzip"},
			} {
				method, encoding := variant[0], variant[1]
				byRouter := request(method, path, "Accept-Encoding", encoding, "X-Request-Id", "router"+method+encoding)
				if byRouter.Code != http.StatusOK {
					t.Fatalf("%s %s = %d", method, path, byRouter.Code)
				}
				hit := request(method, path, "Accept-Encoding", encoding, "X-Request-Id", "hit"+method+encoding)
				if hit.Code != byRouter.Code || hit.Body.String() != byRouter.Body.String() {
					t.Errorf("%s %s (%q): the hit answered %d with %d bytes, the router %d with %d bytes",
						method, path, encoding, hit.Code, hit.Body.Len(), byRouter.Code, byRouter.Body.Len())
				}
				if want, got := comparable(byRouter), comparable(hit); !headersEqual(want, got) {
					t.Errorf("%s %s (%q): the hit's headers differ from the router's:\nhit:    %v\nrouter: %v", method, path, encoding, got, want)
				}
				if got := hit.Header().Get("X-Request-Id"); got != "hit"+method+encoding {
					t.Errorf("%s %s: X-Request-Id %q, want the request's own", method, path, got)
				}
				if want, got := withoutTiming(lastLine("router"+method+encoding)), withoutTiming(lastLine("hit"+method+encoding)); got != want {
					t.Errorf("%s %s (%q): log line\n%s\nwant (as through the router)\n%s", method, path, encoding, got, want)
				}

				// A 304 is the same either way too.
				etag := hit.Header().Get("ETag")
				notModified := request(method, path, "Accept-Encoding", encoding, "If-None-Match", etag)
				if notModified.Code != http.StatusNotModified || notModified.Body.Len() != 0 || notModified.Header().Get("ETag") != etag {
					t.Errorf("%s %s: If-None-Match %s = %d, %d bytes", method, path, etag, notModified.Code, notModified.Body.Len())
				}
			}
		}

		// Without an X-Request-Id, each answer gets a new one.
		first, second := request(http.MethodGet, "/"), request(http.MethodGet, "/")
		if id1, id2 := first.Header().Get("X-Request-Id"), second.Header().Get("X-Request-Id"); len(id1) != 16 || id1 == id2 {
			t.Errorf("request ids %q and %q, want a new 16-digit one each", id1, id2)
		}
	})
}

// headersEqual reports whether two headers have the same keys and values.
func headersEqual(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}
