package notify

import (
	"testing"
	"time"
)

// TestHostShares: a host is slow once a request to it has waited
// slowAfter; then at most share requests post to it at once (take defers
// the others) while other hosts are not limited; an answer sooner than
// slowAfter makes it fast again.
func TestHostShares(t *testing.T) {
	h := newHostShares(1, 300*time.Millisecond)
	isSlow := func(host string) bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.slow[host]
	}
	if h.take("a") {
		t.Fatal("a host never seen is deferred")
	}
	deferredWhileSlow, otherHost := false, true
	h.post("a", func() {
		deadline := time.Now().Add(time.Minute)
		for !isSlow("a") {
			if time.Now().After(deadline) {
				t.Error("the host never became slow")
				return
			}
			time.Sleep(time.Millisecond)
		}
		deferredWhileSlow = h.take("a") // its one share is taken
		otherHost = !h.take("b")
		h.post("b", func() {})
	})
	if !deferredWhileSlow {
		t.Error("a slow host with its share taken was not deferred")
	}
	if !otherHost {
		t.Error("another host was deferred")
	}
	if !isSlow("a") {
		t.Error("a slow answer did not keep the host slow")
	}
	// Its share is free again: one request may post, and a quick answer
	// ends the slowness.
	if h.take("a") {
		t.Fatal("a slow host with its share free was deferred")
	}
	h.post("a", func() {})
	if isSlow("a") {
		t.Error("a quick answer did not end the slowness")
	}
	if len(h.inflight) != 0 {
		t.Errorf("requests still counted in flight: %v", h.inflight)
	}
}
