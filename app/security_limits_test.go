package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app/api"
	"github.com/beaconstatus/beacon/app/console"
	"github.com/beaconstatus/beacon/app/links"
	"github.com/beaconstatus/beacon/app/public"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// chunked hides a body's length, as a client streaming it would.
type chunked struct{ io.Reader }

// Oversized input is refused with 413 (bodies) or 422/400 (fields, lists,
// page sizes) naming what is too big, never a 5xx, and changes nothing:
// the management API, the console forms and the subscriber import, and
// the public subscribe form, with and without a Content-Length.
func TestInputLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		c := newAPIClient(t, db, models.RoleAdmin)
		var comp jsonComponent
		c.want(c.do("POST", "/components", map[string]any{"component": map[string]any{"name": "API"}}, &comp), 201)
		h := c.h

		// send serves a request; hide drops its Content-Length.
		send := func(req *http.Request, hide bool) *httptest.ResponseRecorder {
			if hide {
				req.Body = io.NopCloser(chunked{req.Body})
				req.ContentLength = -1
			}
			return serve(h, req)
		}
		expect := func(what string, rec *httptest.ResponseRecorder, code int, field string) {
			t.Helper()
			if rec.Code != code {
				t.Errorf("%s: %d, want %d; body: %.300s", what, rec.Code, code, rec.Body)
			}
			if field != "" && !strings.Contains(rec.Body.String(), field) {
				t.Errorf("%s: the answer does not name %s: %.300s", what, field, rec.Body)
			}
		}

		// Bodies over their limits.
		bigJSON := `{"component": {"name": "x", "description": "` + strings.Repeat("a", api.MaxAPIBody) + `"}}`
		for _, hide := range []bool{false, true} {
			req := httptest.NewRequest(http.MethodPost, "/v1/pages/"+c.pageID+"/components", strings.NewReader(bigJSON))
			req.Header.Set("Authorization", c.auth)
			req.Header.Set("Content-Type", "application/json")
			expect(fmt.Sprintf("API body over %d bytes (length hidden %v)", api.MaxAPIBody, hide), send(req, hide), 413, "larger than")
		}
		admin := signIn(t, h, db, models.RoleAdmin)
		before := tableCounts(t, db)
		bigForm := url.Values{"csrf": {admin.CSRF()}, "name": {strings.Repeat("a", console.MaxConsoleBody)}}.Encode()
		for _, hide := range []bool{false, true} {
			req := httptest.NewRequest(http.MethodPost, "/admin/components", strings.NewReader(bigForm))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.RemoteAddr = admin.RemoteAddr
			for _, ck := range []string{"beacon_session"} {
				req.AddCookie(&http.Cookie{Name: ck, Value: admin.Cookie(ck).Value})
			}
			expect(fmt.Sprintf("console form over %d bytes (length hidden %v)", console.MaxConsoleBody, hide), send(req, hide), 413, "larger than")
		}
		// The import takes more, up to its own limit.
		var csv bytes.Buffer
		csv.WriteString("email\n")
		for i := 0; csv.Len() <= console.MaxImportBody; i++ {
			fmt.Fprintf(&csv, "someone-with-a-long-address-%08d@example.test\n", i)
		}
		var mp bytes.Buffer
		w := multipart.NewWriter(&mp)
		w.WriteField("csrf", admin.CSRF())
		f, _ := w.CreateFormFile("file", "big.csv")
		f.Write(csv.Bytes())
		w.Close()
		for _, hide := range []bool{false, true} {
			req := httptest.NewRequest(http.MethodPost, "/admin/subscribers/import", bytes.NewReader(mp.Bytes()))
			req.Header.Set("Content-Type", w.FormDataContentType())
			req.AddCookie(&http.Cookie{Name: "beacon_session", Value: admin.Cookie("beacon_session").Value})
			expect(fmt.Sprintf("import over %d bytes (length hidden %v)", console.MaxImportBody, hide), send(req, hide), 413, "larger than")
		}
		// A console form under the limit with a field too long: 422 naming it.
		long := admin.PostForm("/admin/components", url.Values{"name": {strings.Repeat("n", models.MaxNameLength+1)}})
		expect("console component name too long", long, 422, "at most 255")
		bigSub := url.Values{"email": {"a@example.test"}, "pad": {strings.Repeat("x", public.MaxSubscribeBody)}}.Encode()
		for _, hide := range []bool{false, true} {
			req := httptest.NewRequest(http.MethodPost, "/subscribe", strings.NewReader(bigSub))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.RemoteAddr = "192.0.2.99:1"
			expect(fmt.Sprintf("subscribe form over %d bytes (length hidden %v)", public.MaxSubscribeBody, hide), send(req, hide), 413, "larger than")
		}

		// Fields, lists and page sizes.
		many := map[string]string{}
		var ids []string
		for i := range models.MaxIncidentComponents + 1 {
			id := fmt.Sprintf("c%011d", i)
			many[id], ids = "major_outage", append(ids, id)
		}
		manyJSON, _ := json.Marshal(map[string]any{"incident": map[string]any{"name": "Too wide", "components": many}})
		idsJSON, _ := json.Marshal(map[string]any{"incident": map[string]any{"name": "Too wide", "component_ids": ids}})
		subIDs := url.Values{"email": {"wide@example.test"}, "component_ids": ids}
		for _, tt := range []struct {
			name, method, path, body string
			code                     int
			field                    string
		}{
			{"incident name", "POST", "/incidents", `{"incident": {"name": "` + strings.Repeat("n", models.MaxNameLength+1) + `"}}`, 422, "name"},
			{"update body", "POST", "/incidents", `{"incident": {"name": "x", "body": "` + strings.Repeat("b", models.MaxMessageLength+1) + `"}}`, 422, "body"},
			{"component name", "POST", "/components", `{"component": {"name": "` + strings.Repeat("n", models.MaxNameLength+1) + `"}}`, 422, "name"},
			{"component description", "POST", "/components", `{"component": {"name": "x", "description": "` + strings.Repeat("d", models.MaxDescriptionLength+1) + `"}}`, 422, "description"},
			{"components per request", "POST", "/incidents", string(manyJSON), 422, "at most 500"},
			{"component ids per request", "POST", "/incidents", string(idsJSON), 422, "at most 500"},
			{"page size", "GET", "/incidents?per_page=1000000", "", 422, "per_page"},
			{"page number", "GET", "/incidents?page=99999999999", "", 400, "page"},
			{"subscriber page size", "GET", "/subscribers?per_page=1000000", "", 422, "per_page"},
		} {
			var body any
			if tt.body != "" {
				body = tt.body
			}
			expect("API "+tt.name, c.do(tt.method, tt.path, body, nil), tt.code, tt.field)
		}
		expect("GET per_page=1000000", get(t, h, "/api/v2/incidents.json?per_page=1000000"), 422, "per_page")
		expect("GET page=-1", get(t, h, "/api/v2/incidents.json?page=-1"), 400, "page")
		sub := httptest.NewRequest(http.MethodPost, "/subscribe", strings.NewReader(subIDs.Encode()))
		sub.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		sub.RemoteAddr = "192.0.2.98:1"
		expect("subscribe to 501 components", serve(h, sub), 422, "at most 500")

		if after := tableCounts(t, db); after != before {
			t.Errorf("refused requests changed rows: %s → %s", before, after)
		}
		var subs int64
		db.Gorm.Model(&models.Subscriber{}).Count(&subs)
		if subs != 0 {
			t.Errorf("%d subscribers after refused requests", subs)
		}
		_ = ctx
	})
}

// The API answers a token over API_RATE_LIMIT requests a minute with 429
// and Retry-After, counted in the database so two replicas share the
// count; another token is not affected. A client sending wrong tokens is
// stopped after 20 of them, another client is not.
func TestAPIRateLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		env := map[string]string{"API_RATE_LIMIT": "6"}
		replicaA, replicaB := newTestApp(t, db, env).Handler(), newTestApp(t, db, env).Handler()
		secret, _, err := db.CreateAPIToken(ctx, "busy", models.RoleEditor)
		if err != nil {
			t.Fatal(err)
		}
		other, _, err := db.CreateAPIToken(ctx, "quiet", models.RoleEditor)
		if err != nil {
			t.Fatal(err)
		}
		call := func(h http.Handler, token, addr string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodGet, "/v1/pages", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			req.RemoteAddr = addr
			return serve(h, req)
		}
		for i := range 6 {
			h := replicaA
			if i%2 == 1 {
				h = replicaB
			}
			if rec := call(h, secret, "192.0.2.1:1"); rec.Code != http.StatusOK {
				t.Fatalf("request %d: %d %s", i+1, rec.Code, rec.Body)
			}
		}
		rec := call(replicaA, secret, "192.0.2.1:1")
		retry, _ := strconv.Atoi(rec.Header().Get("Retry-After"))
		if rec.Code != http.StatusTooManyRequests || retry < 1 || retry > 60 {
			t.Fatalf("7th request in a minute across two replicas: %d, Retry-After %q; want 429 within a minute", rec.Code, rec.Header().Get("Retry-After"))
		}
		if !strings.Contains(rec.Body.String(), "more than 6 requests") {
			t.Errorf("429 body: %s", rec.Body)
		}
		wantSecurityHeaders(t, "429", rec.Header(), true)
		if rec := call(replicaB, other, "192.0.2.1:1"); rec.Code != http.StatusOK {
			t.Errorf("another token from the same client: %d", rec.Code)
		}

		// Wrong tokens: 401 twenty times, then 429, for that client only.
		for i := range 20 {
			if rec := call(replicaA, fmt.Sprintf("wrong-%d", i), "192.0.2.66:1"); rec.Code != http.StatusUnauthorized {
				t.Fatalf("wrong token %d: %d", i+1, rec.Code)
			}
		}
		rec = call(replicaB, "wrong-21", "192.0.2.66:1")
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
			t.Fatalf("21st wrong token: %d (Retry-After %q), want 429", rec.Code, rec.Header().Get("Retry-After"))
		}
		if rec := call(replicaA, "wrong", "192.0.2.67:1"); rec.Code != http.StatusUnauthorized {
			t.Errorf("a wrong token from another client: %d, want 401", rec.Code)
		}
		if rec := call(replicaA, other, "192.0.2.66:1"); rec.Code != http.StatusOK {
			t.Errorf("a valid token from the throttled client: %d, want 200", rec.Code)
		}
	})
}

// Signed links: a client opening forged or expired links is stopped after
// 20 (429 with Retry-After); one subscriber's valid links work 30 times in
// ten minutes, then 429. Valid links are not limited per client, so a
// mail provider's one-click unsubscribes from one address all work.
func TestSubscriptionLinkRateLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		a := newTestApp(t, db, nil)
		h := a.Handler()
		from := func(method, path, addr string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(method, path, strings.NewReader("List-Unsubscribe=One-Click"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.RemoteAddr = addr
			return serve(h, req)
		}
		now := time.Now()
		// Forged, and expired (signed long ago).
		ann := addSubscriber(t, db, subscriber{Email: "ann@example.test"})
		expired := a.SubscriberLinkPath(links.Confirm, ann, 1, now.Add(-30*24*time.Hour))
		for i := range 20 {
			path := "/subscriptions/unsubscribe/forged" + strconv.Itoa(i)
			if i%2 == 1 {
				path = expired
			}
			if rec := from(http.MethodGet, path, "192.0.2.50:1"); rec.Code != http.StatusNotFound {
				t.Fatalf("bad link %d: %d", i+1, rec.Code)
			}
		}
		rec := from(http.MethodPost, "/subscriptions/confirm/forged", "192.0.2.50:1")
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
			t.Fatalf("21st bad link: %d (Retry-After %q), want 429", rec.Code, rec.Header().Get("Retry-After"))
		}
		if rec := from(http.MethodGet, "/subscriptions/manage/forged", "192.0.2.51:1"); rec.Code != http.StatusNotFound {
			t.Errorf("a bad link from another client: %d, want 404", rec.Code)
		}

		// One address (a mail provider) posting one-click unsubscribes for
		// 40 subscribers, including from the throttled address: all work.
		for i := range 40 {
			id := addSubscriber(t, db, subscriber{Email: fmt.Sprintf("user%02d@example.test", i)})
			rec := from(http.MethodPost, a.SubscriberLinkPath(links.Unsubscribe, id, 1, now), "192.0.2.50:1")
			if rec.Code != http.StatusOK {
				t.Fatalf("one-click unsubscribe %d from one address: %d", i+1, rec.Code)
			}
		}

		// One subscriber's link opened over and over.
		manage := a.SubscriberLinkPath(links.Manage, ann, 1, now)
		for i := range 30 {
			if rec := from(http.MethodGet, manage, fmt.Sprintf("198.51.100.%d:1", i+1)); rec.Code != http.StatusOK {
				t.Fatalf("manage link use %d: %d", i+1, rec.Code)
			}
		}
		rec = from(http.MethodGet, manage, "198.51.100.200:1")
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
			t.Fatalf("31st use of one subscriber's links: %d, want 429", rec.Code)
		}
		wantSecurityHeaders(t, "429", rec.Header(), true)
	})
}
