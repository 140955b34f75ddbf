package app_test

// The test harness of package app: a test App on a fresh database (SQLite
// and PostgreSQL, through dbtest.Each), requests through the real router,
// assertions on the pages, and the fixtures the tests share. The console's
// signed-in client is in harness_console_test.go, the mail side (an SMTP
// server, subscribers, parsed messages) in harness_notify_test.go.

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// testEnv is the environment every test App is configured from; newTestApp
// overrides it variable by variable.
var testEnv = map[string]string{
	"PAGE_NAME":      "Acme Cloud",
	"PAGE_TIME_ZONE": "Europe/Berlin",
	"BASE_URL":       "https://status.acme.test",
	"SNAPSHOT_DIR":   "off", // a test that saves the snapshot gives its own directory
}

// newTestApp builds the real App on db, configured from testEnv and env.
func newTestApp(tb testing.TB, db *models.DB, env map[string]string) *app.App {
	tb.Helper()
	cfg, err := app.LoadConfig(func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return testEnv[k]
	})
	if err != nil {
		tb.Fatalf("LoadConfig: %v", err)
	}
	a, err := app.New(context.Background(), cfg, db, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatalf("app.New: %v", err)
	}
	return a
}

// serveOnLoopback serves a on a loopback port until the test ends and
// returns its base URL.
func serveOnLoopback(t testing.TB, a *app.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.ServeListener(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + ln.Addr().String()
}

// get serves a GET request for path through h.
func get(tb testing.TB, h http.Handler, path string) *httptest.ResponseRecorder {
	tb.Helper()
	return serve(h, httptest.NewRequest(http.MethodGet, path, nil))
}

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// wantPage checks a response's status and that it is an HTML page.
func wantPage(t *testing.T, rec *httptest.ResponseRecorder, code int) string {
	t.Helper()
	if rec.Code != code {
		t.Fatalf("status = %d, want %d; body:\n%s", rec.Code, code, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q, want text/html", ct)
	}
	return rec.Body.String()
}

// inOrder checks that every part occurs in body, each after the previous one.
func inOrder(t *testing.T, body string, parts ...string) {
	t.Helper()
	at := 0
	for i, p := range parts {
		j := strings.Index(body[at:], p)
		if j < 0 {
			if strings.Contains(body, p) {
				t.Errorf("%q occurs, but not after %q", p, parts[i-1])
			} else {
				t.Errorf("%q does not occur", p)
			}
			return
		}
		at += j + len(p)
	}
}

func contains(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("body lacks %q", w)
		}
	}
}

func lacks(t *testing.T, body string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(body, u) {
			t.Errorf("body contains %q", u)
		}
	}
}

var bannerRE = regexp.MustCompile(`(?s)<div class="banner banner-([a-z]+)"[^>]*>.*?<h1>(.*?)</h1>`)

// banner returns the indicator and the text of the page's status banner.
func banner(t *testing.T, body string) (indicator, text string) {
	t.Helper()
	m := bannerRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no status banner in:\n%s", body)
	}
	return m[1], m[2]
}

// componentItem returns the HTML of the named component's list item.
func componentItem(t *testing.T, body, name string) string {
	t.Helper()
	i := strings.Index(body, `<span class="component-name">`+name+`</span>`)
	if i < 0 {
		t.Fatalf("component %q not on the page", name)
	}
	start := strings.LastIndex(body[:i], `<li class="component">`)
	end := len(body)
	for _, stop := range []string{`<li class="component">`, `</section>`} {
		if j := strings.Index(body[i:], stop); j >= 0 && i+j < end {
			end = i + j
		}
	}
	return body[start:end]
}

var errorMessageRE = regexp.MustCompile(`<p class="error-message">([^<]*)</p>`)

// leaks are fragments of internal error text that must never reach a client.
var leaks = []string{"sql:", "dial", "database is closed", "gorm", "models:", "pgx", "sqlite3"}

func berlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// timeElement is how a page prints t in Europe/Berlin (html/template
// writes the offset's "+" as "&#43;").
func timeElement(t *testing.T, at time.Time) string {
	l := at.In(berlin(t))
	iso := strings.ReplaceAll(l.Format("2006-01-02T15:04:05.000Z07:00"), "+", "&#43;")
	return `<time datetime="` + iso + `" data-local>` + l.Format("Jan 2, 2006 15:04 MST") + `</time>`
}

func addComponent(t *testing.T, db *models.DB, c models.Component) models.Component {
	t.Helper()
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now().Add(-30 * 24 * time.Hour)
	}
	if err := db.CreateComponent(context.Background(), &c, "test"); err != nil {
		t.Fatalf("create component %q: %v", c.Name, err)
	}
	return c
}

func openIncident(t *testing.T, db *models.DB, n models.NewIncident) *models.Incident {
	t.Helper()
	n.Actor = "test"
	in, err := db.OpenIncident(context.Background(), n)
	if err != nil {
		t.Fatalf("open incident %q: %v", n.Name, err)
	}
	return in
}

func postUpdate(t *testing.T, db *models.DB, id string, u models.NewUpdate) {
	t.Helper()
	u.Actor = "test"
	if _, err := db.PostUpdate(context.Background(), id, u); err != nil {
		t.Fatalf("post update on %s: %v", id, err)
	}
}

// httpPostForm posts a form from a fresh client.
func httpPostForm(h http.Handler, path string, form url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return serve(h, req)
}

// startReplicas starts n Apps on one fresh PostgreSQL database, each served
// on loopback, and returns them with their base URLs and an API client
// with role, whose requests go to replica 0.
func startReplicas(t *testing.T, n int, role string) ([]*app.App, []string, *apiClient) {
	t.Helper()
	dsn := dbtest.NewDSN(t, models.Postgres)
	open := func() *models.DB {
		db, err := models.Open(context.Background(), models.Postgres, dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	var apps []*app.App
	var urls []string
	for range n {
		a := newTestApp(t, open(), nil)
		apps, urls = append(apps, a), append(urls, serveOnLoopback(t, a))
	}
	c := newAPIClient(t, open(), role)
	c.h = apps[0].Handler()
	return apps, urls, c
}
