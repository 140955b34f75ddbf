package app_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// Security review, issue 20, finding 2: with PostgreSQL partitioned away
// (connections hang, nothing refuses), public requests waited for rebuilds
// and writes hung until the client gave up. Now the public page is served
// from its last good rendition within seconds, /readyz fails fast, and a
// write answers 503 within seconds.
//
// PostgreSQL only, by nature: SQLite has no network to hang on. The
// database is reached through a TCP proxy that, switched, stops forwarding
// without closing anything. The bounds are generous: they tell a hang from
// an answer, not a fast answer from a slow one.
func TestHungDatabase(t *testing.T) {
	dsn, err := url.Parse(dbtest.NewDSN(t, models.Postgres))
	if err != nil {
		t.Fatal(err)
	}
	proxy := startStallProxy(t, dsn.Host)
	dsn.Host = proxy.addr
	db, err := models.Open(context.Background(), models.Postgres, dsn.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.close(); db.Close() }) // before the database is dropped

	a := newTestApp(t, db, nil)
	h := a.Handler()
	addComponent(t, db, models.Component{Name: "API"})
	console := signIn(t, h, db, "editor")
	console.CSRF()
	secret, _, err := db.CreateAPIToken(context.Background(), "test editor", "editor")
	if err != nil {
		t.Fatal(err)
	}
	pageID, err := db.GetSetting(context.Background(), models.SettingPageID)
	if err != nil {
		t.Fatal(err)
	}
	good := get(t, h, "/")
	if good.Code != http.StatusOK {
		t.Fatalf("GET / = %d", good.Code)
	}

	proxy.stall()
	a.InvalidateSnapshot() // a change announced by another replica: / must be rebuilt

	// within serves req, failing the test if no answer comes in 20 s.
	within := func(req *http.Request, serve func(*http.Request) *httptest.ResponseRecorder) *httptest.ResponseRecorder {
		t.Helper()
		done := make(chan *httptest.ResponseRecorder, 1)
		start := time.Now()
		go func() { done <- serve(req) }()
		select {
		case rec := <-done:
			t.Logf("%s %s: %d after %s", req.Method, req.URL, rec.Code, time.Since(start).Round(time.Millisecond))
			return rec
		case <-time.After(20 * time.Second):
			t.Fatalf("%s %s: no answer in 20 s with the database hanging", req.Method, req.URL)
			return nil
		}
	}
	serveH := func(req *http.Request) *httptest.ResponseRecorder { return serve(h, req) }

	for range 2 { // the request that finds it stale, and one while the rebuild still hangs
		page := within(httptest.NewRequest(http.MethodGet, "/", nil), serveH)
		if page.Code != http.StatusOK || page.Body.String() != good.Body.String() {
			t.Errorf("GET / with the database hanging = %d, want 200 and the last good page", page.Code)
		}
	}

	if rec := within(httptest.NewRequest(http.MethodGet, "/readyz", nil), serveH); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz with the database hanging = %d, want 503", rec.Code)
	}

	form := url.Values{"name": {"Hung"}, "status": {"investigating"}, "impact": {"minor"}, "csrf": {console.CSRF()}}
	req := httptest.NewRequest(http.MethodPost, "/admin/incidents", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if rec := within(req, console.Do); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("console POST /admin/incidents with the database hanging = %d, want 503", rec.Code)
	}

	req = httptest.NewRequest(http.MethodPost, "/v1/pages/"+pageID+"/incidents",
		strings.NewReader(`{"incident": {"name": "Hung", "status": "investigating"}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "OAuth "+secret)
	if rec := within(req, serveH); rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "unavailable") {
		t.Errorf("API POST incidents with the database hanging = %d %s, want 503", rec.Code, rec.Body)
	}
}

// stallProxy forwards TCP connections to a server until stall is called;
// from then on it forwards nothing and closes nothing, as a network
// partition does, and new connections are accepted but go nowhere.
type stallProxy struct {
	addr    string
	ln      net.Listener
	stalled atomic.Bool
	mu      sync.Mutex
	conns   []net.Conn
}

func startStallProxy(t *testing.T, target string) *stallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{addr: ln.Addr().String(), ln: ln}
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			p.track(client)
			if p.stalled.Load() {
				continue // accepted, never answered
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			p.track(server)
			go p.pipe(server, client)
			go p.pipe(client, server)
		}
	}()
	return p
}

func (p *stallProxy) track(c net.Conn) {
	p.mu.Lock()
	p.conns = append(p.conns, c)
	p.mu.Unlock()
}

// pipe copies from src to dst until the proxy stalls; then it holds what
// it read and waits for the close.
func (p *stallProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if p.stalled.Load() {
			io.Copy(io.Discard, src) // keep the connection open, forward nothing
			return
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			dst.Close()
			return
		}
	}
}

// stall stops forwarding, leaving every connection open.
func (p *stallProxy) stall() { p.stalled.Store(true) }

// close ends the proxy and every connection through it.
func (p *stallProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}
