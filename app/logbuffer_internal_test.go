package app

import (
	"bytes"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models/dbtest"
)

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
	b := NewLogBuffer(&out)
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
