package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app"
	"github.com/beaconstatus/beacon/app/demo"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// benchPage is a demo page (the large one is what the load run measures)
// behind a real App that logs every request as in production (text, info level),
// into io.Discard.
type benchPage struct {
	h          http.Handler
	secret     string
	pageID     string
	incidentID string
}

// benchEnv is the configuration the benchmarks add to testEnv: they post
// more updates a minute than the default API rate limit lets one token
// make. The limit is still counted on each request, as in production,
// only higher.
var benchEnv = map[string]string{"API_RATE_LIMIT": "1000000"}

func newBenchPage(b *testing.B, dialect models.Dialect, load func(context.Context, *models.DB, time.Time) (demo.Summary, error)) *benchPage {
	b.Helper()
	db := dbtest.MustOpenDB(b, dialect)
	ctx := context.Background()
	sum, err := load(ctx, db, time.Now())
	if err != nil {
		b.Fatalf("loading the demo: %v", err)
	}
	cfg, err := app.LoadConfig(func(k string) string {
		if v, ok := benchEnv[k]; ok {
			return v
		}
		return testEnv[k]
	})
	if err != nil {
		b.Fatal(err)
	}
	a, err := app.New(ctx, cfg, db, app.NewLogger(cfg, io.Discard))
	if err != nil {
		b.Fatal(err)
	}
	secret, _, err := db.CreateAPIToken(ctx, "bench", models.RoleEditor)
	if err != nil {
		b.Fatal(err)
	}
	pageID, _ := db.GetSetting(ctx, models.SettingPageID)
	return &benchPage{h: a.Handler(), secret: secret, pageID: pageID, incidentID: sum.ActiveIncidentID}
}

// update posts a public update on an open incident through the API.
func (p *benchPage) update(b *testing.B, i int) {
	body := fmt.Sprintf(`{"incident": {"status": "identified", "body": "Update %d: still rolling back.", "deliver_notifications": false}}`, i)
	req := httptest.NewRequest(http.MethodPatch, "/v1/pages/"+p.pageID+"/incidents/"+p.incidentID, bytes.NewReader([]byte(body)))
	req.Header.Set("Authorization", "Bearer "+p.secret)
	req.Header.Set("Content-Type", "application/json")
	if rec := serve(p.h, req); rec.Code != http.StatusOK {
		b.Fatalf("PATCH = %d: %s", rec.Code, rec.Body)
	}
}

// getPage serves GET path and fails unless it is a 200 containing want;
// it returns the page's size.
func (p *benchPage) getPage(b *testing.B, path, want string) int {
	rec := serve(p.h, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte(want)) {
		b.Fatalf("GET %s = %d without %q", path, rec.Code, want)
	}
	return rec.Body.Len()
}

// discardWriter is a ResponseWriter that only counts: the hit benchmark
// measures Beacon, not a recorder copying the body.
type discardWriter struct {
	header http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header { return w.header }
func (w *discardWriter) WriteHeader(s int)   { w.status = s }
func (w *discardWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(b)
	return len(b), nil
}

// BenchmarkSnapshotHit is what a public request costs when the page is in
// the snapshot (the outage-day spike): the whole middleware chain, the
// request log line, and the snapshot lookup, on the large demo.
func BenchmarkSnapshotHit(b *testing.B) {
	p := newBenchPage(b, models.SQLite, demo.LoadLarge)
	// "/ ko": a reader whose browser asks for Korean, served the Korean
	// rendition (the language worked out on the hit path).
	for _, path := range []string{"/", "/ ko", "/api/v2/summary.json", "/history.atom"} {
		for _, encoding := range []string{"plain", "gzip"} {
			b.Run(fmt.Sprintf("%s/%s", path, encoding), func(b *testing.B) {
				target, language, _ := strings.Cut(path, " ")
				req := httptest.NewRequest(http.MethodGet, target, nil)
				req.RemoteAddr = "127.0.0.1:40000"
				if language != "" {
					req.Header.Set("Accept-Language", "ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7")
				}
				if encoding == "gzip" {
					req.Header.Set("Accept-Encoding", "gzip")
				}
				w := &discardWriter{header: http.Header{}}
				p.h.ServeHTTP(w, req) // built once
				b.ReportAllocs()
				for b.Loop() {
					w := &discardWriter{header: http.Header{}}
					p.h.ServeHTTP(w, req)
					if w.status != http.StatusOK {
						b.Fatalf("GET %s = %d", path, w.status)
					}
				}
			})
		}
	}
}

// BenchmarkUpdateToPage is the time from an API update to the new page
// served, in process, on the large demo: the PATCH (validation, one
// transaction with its audit record, the answer) and the first GET / after
// it, which shows the update.
func BenchmarkUpdateToPage(b *testing.B) {
	for _, dialect := range []models.Dialect{models.SQLite, models.Postgres} {
		b.Run(string(dialect), func(b *testing.B) {
			p := newBenchPage(b, dialect, demo.LoadLarge)
			p.getPage(b, "/", "Acme Cloud")
			i := 0
			for b.Loop() {
				p.update(b, i)
				p.getPage(b, "/", fmt.Sprintf("Update %d:", i))
				i++
			}
		})
	}
}
