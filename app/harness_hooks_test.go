package app_test

// Helpers for tests of the webhook and chat channels: receivers on
// loopback that record what they are sent.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// receiver is an HTTP server on loopback recording the requests it gets;
// answer (nil: 204) decides each answer.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []receivedHook
	answer func(w http.ResponseWriter, r *http.Request) bool // false: the request is not recorded as received
}

// receivedHook is one request a receiver got.
type receivedHook struct {
	Path   string
	Header http.Header
	Body   []byte
}

func newReceiver(t testing.TB, answer func(w http.ResponseWriter, r *http.Request) bool) *receiver {
	rv := &receiver{answer: answer}
	rv.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return
		}
		ok := true
		if rv.answer != nil {
			ok = rv.answer(w, r)
		} else {
			w.WriteHeader(http.StatusNoContent)
		}
		if ok {
			rv.mu.Lock()
			rv.got = append(rv.got, receivedHook{Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
			rv.mu.Unlock()
		}
	}))
	t.Cleanup(rv.Close)
	return rv
}

// Received returns what the receiver got so far.
func (rv *receiver) Received() []receivedHook {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return append([]receivedHook(nil), rv.got...)
}

// verifySignature checks a webhook's X-Beacon-Signature as a receiver
// would: t=<unix>,v1=<hex HMAC-SHA256(secret, t "." body)>, with t within
// tolerance of now.
func verifySignature(header string, body []byte, secret string, now time.Time, tolerance time.Duration) bool {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > tolerance {
		return false
	}
	want, err := hex.DecodeString(sig)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return hmac.Equal(mac.Sum(nil), want)
}
