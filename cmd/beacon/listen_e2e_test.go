package main_test

import (
	"net"
	"net/url"
	"testing"
	"time"
)

// HOST=127.0.0.1 makes the server listen on that address only: another
// address of the machine (127.0.0.2, also loopback) is refused.
func TestServeListensOnHost(t *testing.T) {
	s := startServer(t, []string{"HOST=127.0.0.1", "DATABASE_URL=sqlite:" + t.TempDir() + "/beacon.db"})
	if code, _, _ := get(t, s.URL+"/healthz"); code != 200 {
		t.Fatalf("GET /healthz on 127.0.0.1 = %d", code)
	}
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.2", u.Port()), 10*time.Second)
	if err == nil {
		conn.Close()
		t.Errorf("the server answers on 127.0.0.2 with HOST=127.0.0.1")
	}
}
