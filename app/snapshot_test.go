package app_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app"
	"github.com/beaconstatus/beacon/app/smtptest"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// A write's response means the page shows it: the next GET never gets
// the page from before.
func TestSnapshotShowsWritesAtOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleEditor)
		var comp jsonComponent
		c.want(c.do("POST", "/components", map[string]any{"component": map[string]any{"name": "API"}}, &comp), 201)
		before := wantPage(t, get(t, c.h, "/"), 200)
		contains(t, before, "All Systems Operational")
		for i := range 5 {
			var in jsonIncident
			c.want(c.do("POST", "/incidents", map[string]any{"incident": map[string]any{
				"name": "Outage " + string(rune('A'+i)), "components": map[string]string{comp.ID: "major_outage"}}}, &in), 201)
			contains(t, wantPage(t, get(t, c.h, "/"), 200), "Outage "+string(rune('A'+i)))
			contains(t, wantPage(t, get(t, c.h, "/incidents/"+in.ID), 200), "Outage "+string(rune('A'+i)))
			c.want(c.do("PATCH", "/incidents/"+in.ID, map[string]any{"incident": map[string]any{
				"status": "resolved", "body": "Fixed " + in.ID, "restore_components": true}}, nil), 200)
			contains(t, wantPage(t, get(t, c.h, "/incidents/"+in.ID), 200), "Fixed "+in.ID)
		}
		contains(t, wantPage(t, get(t, c.h, "/"), 200), "All Systems Operational")
	})
}

// Served from the snapshot: strong ETags, 304s, gzip computed once, HEAD,
// and headers a CDN can work with.
func TestSnapshotConditionalGet(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		addComponent(t, db, models.Component{Name: "API"})
		h := newTestApp(t, db, nil).Handler()
		rec := get(t, h, "/")
		body := wantPage(t, rec, 200)
		etag, modified := rec.Header().Get("ETag"), rec.Header().Get("Last-Modified")
		if !strings.HasPrefix(etag, `"`) || modified == "" || !strings.Contains(rec.Header().Get("Cache-Control"), "stale-if-error") {
			t.Fatalf("headers = %v", rec.Header())
		}
		if rec.Header().Get("Content-Length") != "" && rec.Header().Get("Content-Length") != itoa(len(body)) {
			t.Errorf("Content-Length %s for %d bytes", rec.Header().Get("Content-Length"), len(body))
		}

		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("If-None-Match", etag)
		if rec := serve(h, req); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
			t.Errorf("If-None-Match = %d with %d bytes, want 304 and none", rec.Code, rec.Body.Len())
		}
		req = httptest.NewRequest("GET", "/", nil)
		req.Header.Set("If-Modified-Since", modified)
		if rec := serve(h, req); rec.Code != http.StatusNotModified {
			t.Errorf("If-Modified-Since = %d, want 304", rec.Code)
		}
		req = httptest.NewRequest("GET", "/", nil)
		req.Header.Set("If-None-Match", `"something-else"`)
		if rec := serve(h, req); rec.Code != 200 {
			t.Errorf("other ETag = %d, want 200", rec.Code)
		}

		req = httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Accept-Encoding", "br, gzip;q=0.8")
		rec = serve(h, req)
		if rec.Header().Get("Content-Encoding") != "gzip" || rec.Header().Get("ETag") == etag {
			t.Fatalf("gzip: encoding %q, etag %q (plain %q)", rec.Header().Get("Content-Encoding"), rec.Header().Get("ETag"), etag)
		}
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := io.ReadAll(zr)
		if string(plain) != body {
			t.Error("the gzip form is not the page")
		}
		req = httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Accept-Encoding", "gzip;q=0")
		if rec := serve(h, req); rec.Header().Get("Content-Encoding") != "" {
			t.Error("gzip;q=0 got gzip")
		}

		rec = serve(h, httptest.NewRequest("HEAD", "/", nil))
		if rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("ETag") != etag {
			t.Errorf("HEAD = %d, %d bytes, ETag %q", rec.Code, rec.Body.Len(), rec.Header().Get("ETag"))
		}
		// Unknown incidents are not cached, just answered.
		wantPage(t, get(t, h, "/incidents/nosuchincident"), 404)
	})
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// With the database gone, the last good pages keep being served (200)
// while readiness reports the problem and writes answer 503.
func TestSnapshotSurvivesDatabaseOutage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleEditor)
		var in jsonIncident
		c.want(c.do("POST", "/incidents", map[string]any{"incident": map[string]any{"name": "Database trouble", "body": "Looking."}}, &in), 201)
		page := wantPage(t, get(t, c.h, "/"), 200)
		incident := wantPage(t, get(t, c.h, "/incidents/"+in.ID), 200)
		history := wantPage(t, get(t, c.h, "/history"), 200)

		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		for path, want := range map[string]string{"/": page, "/incidents/" + in.ID: incident, "/history": history} {
			rec := get(t, c.h, path)
			if rec.Code != 200 || rec.Body.String() != want {
				t.Errorf("%s with the database gone = %d, want 200 and the last good page", path, rec.Code)
			}
		}
		if rec := get(t, c.h, "/readyz"); rec.Code != http.StatusServiceUnavailable {
			t.Errorf("/readyz = %d, want 503", rec.Code)
		}
		var e apiErr
		rec := c.do("POST", "/components", map[string]any{"component": map[string]any{"name": "X"}}, &e)
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(e.Error, "nothing was changed") || rec.Header().Get("Retry-After") == "" {
			t.Errorf("write with the database gone = %d %q, want 503 saying nothing was changed", rec.Code, e.Error)
		}
	})
}

// Three replicas on one PostgreSQL, each a server on a loopback port with
// its notifier running: an update posted through one is on every other's
// page within a third of app.SnapshotMaxAge (LISTEN/NOTIFY: it takes well
// under a second, logged; the bound, polled, is a deadline loose enough
// for a loaded machine and tight enough that a replica rebuilding its page
// for age, never having heard of the change, fails it), and the emails of
// the updates are a fan-out that every replica works on, each delivery
// sent once.
func TestSnapshotAcrossReplicas(t *testing.T) {
	const replicas, subscribers = 3, 200
	dsn := dbtest.NewDSN(t, models.Postgres)
	srv := smtptest.Start(t, smtptest.Options{})
	everySenderSends(srv, replicas)
	var urls []string
	var first *models.DB
	for i := range replicas {
		db, err := models.Open(context.Background(), models.Postgres, dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		a, _ := mailApp(t, db, srv, nil, fastRetries, map[string]string{
			"MAIL_FROM": fmt.Sprintf("Acme Status <replica%d@acme.test>", i),
			"SMTP_URL":  srv.URL() + "&timeout=60s", // longer than everySenderSends holds a message
		})
		if first == nil {
			first = db
			addSubscribers(t, db, subscribers)
		}
		urls = append(urls, serveOnLoopback(t, a))
	}
	secret, _, err := first.CreateAPIToken(context.Background(), "replicas", models.RoleEditor)
	if err != nil {
		t.Fatal(err)
	}
	pageID, _ := first.GetSetting(context.Background(), models.SettingPageID)

	fetch := func(url string) string {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	// Every replica has its page in the snapshot before the change.
	for _, u := range urls {
		if !strings.Contains(fetch(u+"/"), "All Systems Operational") {
			t.Fatalf("%s: not the empty page", u)
		}
	}
	for i, via := range urls {
		name := "Replica outage " + string(rune('A'+i))
		body, _ := json.Marshal(map[string]any{"incident": map[string]any{"name": name, "body": "Seen everywhere?"}})
		req, _ := http.NewRequest("POST", via+"/v1/pages/"+pageID+"/incidents", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 201 {
			t.Fatalf("open incident via %s: %v %v", via, err, resp.Status)
		}
		resp.Body.Close()
		posted := time.Now()
		for _, u := range urls {
			for !strings.Contains(fetch(u+"/"), name) {
				if time.Since(posted) > app.SnapshotMaxAge/3 {
					t.Fatalf("%s still lacks %q %v after it was posted via %s", u, name, app.SnapshotMaxAge/3, via)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		t.Logf("%s: on all %d replicas after %v", name, len(urls), time.Since(posted).Round(time.Millisecond))
	}

	// Each incident was emailed to every subscriber: once, whichever
	// replica sent it, and every replica sent some.
	eventually(t, "all sent", func() bool { return settled(t, first) })
	want := replicas * subscribers
	if st := dbtest.DeliveryStatuses(t, first); st[models.DeliverySent] != want || len(st) != 1 {
		t.Errorf("deliveries = %v, want %d sent", st, want)
	}
	for e, n := range srv.Counts() {
		if n != replicas {
			t.Errorf("%s received %d messages, want %d (one per incident)", e, n, replicas)
		}
	}
	wantEveryReplicaSent(t, srv, replicas)
	if srv.Total() != want || len(srv.Counts()) != subscribers {
		t.Errorf("the SMTP server got %d messages for %d addresses, want %d for %d", srv.Total(), len(srv.Counts()), want, subscribers)
	}
}

// wantEveryReplicaSent fails the test unless each of n replicas, sending
// as replica{i}@acme.test, sent at least one of srv's messages.
func wantEveryReplicaSent(t *testing.T, srv *smtptest.Server, n int) {
	t.Helper()
	bySender := map[string]int{}
	for _, m := range srv.Messages() {
		bySender[m.From]++
	}
	for i := range n {
		if bySender[fmt.Sprintf("replica%d@acme.test", i)] == 0 {
			t.Errorf("replica %d sent nothing: %v", i, bySender)
		}
	}
	t.Logf("messages sent per replica: %v", bySender)
}

// everySenderSends holds each message at srv until messages from n
// envelope senders (one per replica) have arrived, or for 30 seconds at
// most: a replica whose workers start first cannot send the whole fan-out
// alone, so every replica's share is certain rather than likely.
func everySenderSends(srv *smtptest.Server, n int) {
	var mu sync.Mutex
	seen := map[string]bool{}
	all := make(chan struct{})
	srv.OnData(func(from string, _ []string) error {
		mu.Lock()
		if !seen[from] {
			seen[from] = true
			if len(seen) == n {
				close(all)
			}
		}
		mu.Unlock()
		select { // a replica that never sends fails the test's count by sender
		case <-all:
		case <-time.After(30 * time.Second):
		}
		return nil
	})
}
