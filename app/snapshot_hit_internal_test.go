package app

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/models/dbtest"
)

// A hit shares the rendition's header values with every other hit: what
// one response does to its own headers (Set, Add, Del) never reaches the
// next.
func TestWriteRenditionSharesNothingMutable(t *testing.T) {
	rec := newResponseRecorder()
	rec.header.Set(echo.HeaderContentType, "text/html; charset=utf-8")
	rec.header.Set(echo.HeaderAccessControlAllowOrigin, "*")
	rec.body.WriteString(strings.Repeat("<p>All Systems Operational</p>", 100))
	r, err := newRendition(rec, 1, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	serveOnce := func(gzip bool) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if gzip {
			req.Header.Set("Accept-Encoding", "gzip, deflate, br")
		}
		w := httptest.NewRecorder()
		writeRendition(w, req, r)
		return w
	}
	first := serveOnce(true)
	first.Header().Add(echo.HeaderVary, "Cookie")
	first.Header().Set(echo.HeaderAccessControlAllowOrigin, "https://other.test")
	first.Header().Add(echo.HeaderContentLength, "1")
	delete(first.Header(), echo.HeaderContentEncoding)

	for _, gz := range []bool{true, false, true} {
		h := serveOnce(gz).Header()
		if got := h.Values(echo.HeaderVary); len(got) != 1 || got[0] != "Accept-Encoding" {
			t.Errorf("Vary = %q, want only Accept-Encoding", got)
		}
		if got := h.Get(echo.HeaderAccessControlAllowOrigin); got != "*" {
			t.Errorf("Access-Control-Allow-Origin = %q, want *", got)
		}
		wantLen, wantEnc := len(r.body), ""
		if gz {
			wantLen, wantEnc = len(r.gzip), "gzip"
		}
		if h.Get(echo.HeaderContentEncoding) != wantEnc || h.Get(echo.HeaderContentLength) != strconv.Itoa(wantLen) {
			t.Errorf("gzip %v: Content-Encoding %q, Content-Length %q; want %q, %d", gz,
				h.Get(echo.HeaderContentEncoding), h.Get(echo.HeaderContentLength), wantEnc, wantLen)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes (the log's flush
// timer, the server's goroutines).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The log is written in batches, in order, and nothing is lost: a full
// batch at once, the rest by the timer or on Flush.
func TestLogBuffer(t *testing.T) {
	var out syncBuffer
	b := newLogBuffer(&out)
	var want strings.Builder
	line := strings.Repeat("x", 99) + "\n"
	n := 2*logBatchSize/len(line) + 7
	for i := range n {
		l := strconv.Itoa(i) + line
		want.WriteString(l)
		b.Write([]byte(l))
	}
	if got := out.String(); len(got) < logBatchSize || !strings.HasPrefix(want.String(), got) {
		t.Fatalf("after %d bytes, %d written; want the full batches, in order", want.Len(), len(got))
	}
	b.Flush()
	if out.String() != want.String() {
		t.Fatal("after Flush, the log is not every line in order")
	}

	// A lone line is written by the timer, without a Flush.
	b.Write([]byte("lone line\n"))
	deadline := dbtest.WaitDeadline(t)
	for !strings.HasSuffix(out.String(), "lone line\n") {
		if time.Now().After(deadline) {
			t.Fatal("a lone line was never written")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
