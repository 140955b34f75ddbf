package app

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// textLog is the text log handler of `beacon serve` with a fast path for
// the request log line, which every snapshot hit writes: the line slog's
// TextHandler would write, appended by hand into a pooled buffer instead
// of through slog's generic attribute machinery (a quarter of a hit's
// CPU). A line whose values would need quoting goes through slog.
type textLog struct {
	*slog.TextHandler
	w io.Writer
}

// accessLine is one request's log line.
type accessLine struct {
	level                    slog.Level
	msg                      string
	id, method, path, remote string
	status                   int
	bytes                    int64
	duration                 time.Duration
}

// logAccess writes l through h: by hand when h is a textLog and every
// value is plain, else as a slog record.
func logAccess(ctx context.Context, h slog.Handler, at time.Time, l accessLine) {
	if t, ok := h.(*textLog); ok && plainValue(l.id) && plainValue(l.method) && plainValue(l.path) && plainValue(l.remote) && plainValue(l.msg) {
		bp := lineBuffers.Get().(*[]byte)
		b := append((*bp)[:0], "time="...)
		b = at.Truncate(time.Millisecond).AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
		b = append(b, " level="...)
		b = append(b, l.level.String()...)
		b = append(append(b, " msg="...), l.msg...)
		b = append(append(b, " request_id="...), l.id...)
		b = append(append(b, " method="...), l.method...)
		b = append(append(b, " path="...), l.path...)
		b = strconv.AppendInt(append(b, " status="...), int64(l.status), 10)
		b = strconv.AppendInt(append(b, " bytes="...), l.bytes, 10)
		b = append(append(b, " duration="...), l.duration.String()...)
		b = append(append(b, " remote="...), l.remote...)
		b = append(b, '\n')
		t.w.Write(b) //nolint:errcheck // nowhere to report a failed log write
		*bp = b
		lineBuffers.Put(bp)
		return
	}
	r := slog.NewRecord(at, l.level, l.msg, 0)
	r.AddAttrs(
		slog.String("request_id", l.id),
		slog.String("method", l.method),
		slog.String("path", l.path),
		slog.Int("status", l.status),
		slog.Int64("bytes", l.bytes),
		slog.Duration("duration", l.duration),
		slog.String("remote", l.remote),
	)
	h.Handle(ctx, r) //nolint:errcheck // nowhere to report a failed log write
}

// lineBuffers are the fast path's line buffers.
var lineBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// plainValue reports whether slog's text format writes s as is: not
// empty, printable ASCII without spaces, quotes or equals signs.
func plainValue(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '=' {
			return false
		}
	}
	return true
}
