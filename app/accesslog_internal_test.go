package app

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The request line's fast path writes exactly what slog's TextHandler
// writes for the same record, and lines with values slog would quote go
// through slog itself.
func TestAccessLineMatchesSlog(t *testing.T) {
	at := time.Date(2026, 11, 25, 1, 2, 3, 456789123, time.UTC)
	for _, l := range []accessLine{
		{level: slog.LevelInfo, msg: "request", id: "0123456789abcdef", method: "GET", path: "/api/v2/summary.json",
			status: 200, bytes: 22419, duration: 1234567 * time.Nanosecond, remote: "127.0.0.1"},
		{level: slog.LevelError, msg: "request", id: "f", method: "POST", path: "/v1/pages/x/incidents",
			status: 503, bytes: 0, duration: 2 * time.Second, remote: "::1"},
		{level: slog.LevelInfo, msg: "request", id: "", method: "GET", path: "/a path with spaces", status: 404, remote: "10.0.0.1"},
		{level: slog.LevelInfo, msg: "request", id: "x", method: "GET", path: `/q"uote=é`, status: 404, remote: "10.0.0.1"},
		{level: slog.LevelDebug, msg: "snapshot build", id: "x", method: "GET", path: "/", status: 200, remote: "192.0.2.1"},
	} {
		var fast, want bytes.Buffer
		opts := &slog.HandlerOptions{Level: slog.LevelDebug}
		logAccess(context.Background(), &textLog{TextHandler: slog.NewTextHandler(&fast, opts), w: &fast}, at, l)
		h := slog.NewTextHandler(&want, opts)
		r := slog.NewRecord(at, l.level, l.msg, 0)
		r.AddAttrs(slog.String("request_id", l.id), slog.String("method", l.method), slog.String("path", l.path),
			slog.Int("status", l.status), slog.Int64("bytes", l.bytes), slog.Duration("duration", l.duration),
			slog.String("remote", l.remote))
		if err := h.Handle(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		if fast.String() != want.String() || !strings.HasSuffix(fast.String(), "\n") {
			t.Errorf("fast path wrote\n%q\nslog writes\n%q", fast.String(), want.String())
		}
	}
}

// A client's X-Request-Id is echoed and logged only when it looks like an
// id: a long one, or one carrying control characters or spaces (a forged
// log line), is replaced by a fresh one.
func TestRequestIDFromClient(t *testing.T) {
	for id, kept := range map[string]bool{
		"abc123":                                  true,
		"0f8fad5b-d9cb-469f-a165-70867728950e":    true,
		"trace:1.2_3":                             true,
		strings.Repeat("a", maxRequestIDLength):   true,
		strings.Repeat("a", maxRequestIDLength+1): false,
		strings.Repeat("x", 10<<10):               false,
		"two words":                               false,
		"line\nbreak level=ERROR msg=forged":      false,
		"quote\"":                                 false,
		"tab\t":                                   false,
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("X-Request-Id", id)
		got := requestIDOf(req)
		if kept && got != id {
			t.Errorf("X-Request-Id %.40q replaced by %q, want kept", id, got)
		}
		if !kept && (got == id || !validRequestID(got) || len(got) != 16) {
			t.Errorf("X-Request-Id %.40q gave %.40q, want a fresh id", id, got)
		}
	}
}
