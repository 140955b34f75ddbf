package snapshot

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// A hit shares the rendition's header values with every other hit: what
// one response does to its own headers (Set, Add, Del) never reaches the
// next.
func TestWriteRenditionSharesNothingMutable(t *testing.T) {
	rec := newResponseRecorder()
	rec.header.Set(echo.HeaderContentType, "text/html; charset=utf-8")
	rec.header.Set(echo.HeaderAccessControlAllowOrigin, "*")
	rec.body.WriteString(strings.Repeat("<p>All Systems Operational</p>", 100))
	r, err := newRendition(rec, 1, time.Now(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	serveOnce := func(gzip bool) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if gzip {
			req.Header.Set("Accept-Encoding", "gzip, deflate, br")
		}
		w := httptest.NewRecorder()
		WriteRendition(w, req, r)
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
