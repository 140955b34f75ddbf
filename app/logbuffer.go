package app

import (
	"io"
	"sync"
	"time"
)

// Log batching: under a traffic spike, one write per request line (a
// system call each, serialized by the logger) costs the snapshot a good
// share of its speed, so `beacon serve` writes its log in batches.
const (
	// logFlushDelay is how late a log line may be written.
	logFlushDelay = 50 * time.Millisecond
	// logBatchSize writes a batch at once when it grows this large.
	logBatchSize = 32 << 10
)

// LogBuffer batches the lines written to w: each is written at most
// logFlushDelay after it came, or sooner once logBatchSize bytes wait.
// Flush writes what waits (on shutdown).
type LogBuffer struct {
	mu        sync.Mutex
	w         io.Writer
	buf       []byte
	scheduled bool // a flush is due within logFlushDelay
}

func NewLogBuffer(w io.Writer) *LogBuffer {
	return &LogBuffer{w: w, buf: make([]byte, 0, logBatchSize)}
}

// Write keeps p for the next batch. Errors of the underlying writer are
// not reported: there is nowhere left to log them.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	switch {
	case len(b.buf) >= logBatchSize:
		b.flushLocked()
	case !b.scheduled:
		b.scheduled = true
		time.AfterFunc(logFlushDelay, b.Flush)
	}
	return len(p), nil
}

// Flush writes every waiting line now.
func (b *LogBuffer) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.scheduled = false
	b.flushLocked()
}

func (b *LogBuffer) flushLocked() {
	if len(b.buf) > 0 {
		b.w.Write(b.buf)
		b.buf = b.buf[:0]
	}
}
