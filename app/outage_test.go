package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// cutProxy forwards TCP connections to a database until cut: then it
// drops every connection and refuses new ones, as a database outage or a
// network partition does, until restored.
type cutProxy struct {
	target string
	ln     net.Listener
	addr   string
	mu     sync.Mutex
	conns  []net.Conn
	down   bool
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{target: target, ln: ln, addr: ln.Addr().String()}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go p.serve()
	return p
}

// openBehindCutProxy opens a fresh PostgreSQL database through a cutProxy,
// so the test can cut the network to it and restore it.
func openBehindCutProxy(t *testing.T) (*models.DB, *cutProxy) {
	t.Helper()
	u, err := url.Parse(dbtest.NewDSN(t, models.Postgres))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCutProxy(t, u.Host)
	u.Host = proxy.addr
	db, err := models.Open(context.Background(), models.Postgres, u.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, proxy
}

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go func() { io.Copy(s, c); s.Close() }()
		go func() { io.Copy(c, s); c.Close() }()
	}
}

// cut drops every connection and refuses new ones.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// restore lets connections through again.
func (p *cutProxy) restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// The database goes away under a running server and comes back: the
// public pages keep being served from the snapshot, readiness and writes
// say what is wrong, and when the database returns everything resumes by
// itself, with no restart. Here the network to PostgreSQL is cut.
func TestDatabaseOutageAndRecovery(t *testing.T) {
	db, proxy := openBehindCutProxy(t)
	databaseOutage(t, db, proxy.cut, proxy.restore)
}

// The same with PostgreSQL itself stopped (pg_ctl stop -m fast) and
// started again, on a throwaway cluster of this test.
func TestPostgresStoppedAndRestarted(t *testing.T) {
	t.Parallel() // one of the slowest: run beside the other slow, independent tests
	cluster := dbtest.StartCluster(t)
	admin, err := sql.Open("pgx", cluster.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = admin.Exec("CREATE DATABASE beacon")
	admin.Close()
	if err != nil {
		t.Fatal(err)
	}
	db, err := models.Open(context.Background(), models.Postgres, cluster.Database("beacon"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	databaseOutage(t, db, func() { cluster.Stop(t) }, func() { cluster.Start(t) })
}

// databaseOutage runs Beacon on db, takes the database away with stop and
// brings it back with start.
func databaseOutage(t *testing.T, db *models.DB, stop, start func()) {
	a := newTestApp(t, db, nil)
	base := serveOnLoopback(t, a)
	secret, _, err := db.CreateAPIToken(context.Background(), "outage", models.RoleEditor)
	if err != nil {
		t.Fatal(err)
	}
	pageID, _ := db.GetSetting(context.Background(), models.SettingPageID)
	client := &http.Client{Timeout: time.Until(dbtest.WaitDeadline(t))}
	get := func(path string) (int, string) {
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	openIncident := func(name string) (int, string) {
		body, _ := json.Marshal(map[string]any{"incident": map[string]any{"name": name, "body": "Looking into it."}})
		req, _ := http.NewRequest("POST", base+"/v1/pages/"+pageID+"/incidents", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("POST incident: %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	console := signIn(t, a.Handler(), db, models.RoleEditor)
	addComponent := func(name string) *httptest.ResponseRecorder {
		return console.PostForm("/admin/components", url.Values{"name": {name}, "status": {models.Operational}})
	}

	if code, _ := openIncident("Before the outage"); code != 201 {
		t.Fatalf("open incident = %d", code)
	}
	code, page := get("/")
	if code != 200 || !strings.Contains(page, "Before the outage") {
		t.Fatalf("GET / = %d", code)
	}
	_, feed := get("/history.atom")
	_, summary := get("/api/v2/summary.json")

	stop()
	for path, want := range map[string]string{"/": page, "/history.atom": feed, "/api/v2/summary.json": summary} {
		if code, body := get(path); code != 200 || body != want {
			t.Errorf("%s during the outage = %d, want 200 and the last good answer", path, code)
		}
	}
	if code, _ := get("/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the outage = %d, want 503", code)
	}
	if code, body := openIncident("During the outage"); code != http.StatusServiceUnavailable || !strings.Contains(body, "nothing was changed") {
		t.Errorf("write during the outage = %d %s, want 503 saying nothing was changed", code, body)
	}
	if rec := addComponent("Added during the outage"); rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "nothing was changed") {
		t.Errorf("console write during the outage = %d, want 503 saying nothing was changed:\n%s", rec.Code, rec.Body)
	}

	start()
	for deadline := dbtest.WaitDeadline(t); ; {
		if code, _ := get("/readyz"); code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("/readyz did not recover after the database's return")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, body := openIncident("After the outage"); code != 201 {
		t.Fatalf("write after the outage = %d %s", code, body)
	}
	wantRedirect(t, addComponent("Added after the outage"), "/admin/components")
	_, page = get("/")
	if !strings.Contains(page, "After the outage") || strings.Contains(page, "During the outage") {
		t.Errorf("page after recovery lacks the new incident or shows the refused one")
	}
	if !strings.Contains(page, "Added after the outage") || strings.Contains(page, "Added during the outage") {
		t.Errorf("page after recovery lacks the new component or shows the refused one")
	}
	var refused int64
	db.Gorm.Raw(`SELECT (SELECT COUNT(*) FROM incidents WHERE name = 'During the outage') + (SELECT COUNT(*) FROM components WHERE name = 'Added during the outage')`).Scan(&refused)
	if refused != 0 {
		t.Errorf("%d rows of the refused writes were stored", refused)
	}
}
