package mirror

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/beaconstatus/beacon/app/snapshot"
	"github.com/beaconstatus/beacon/static"
)

// Mirror keeps a target in step with the snapshot's core set. Offer hands
// it each round's set and returns at once; Run uploads, in its own
// goroutine, the latest set offered (older ones not yet uploaded are
// skipped: the queue holds one), and retries with a growing pause while
// the target fails.
type Mirror struct {
	target     Target
	assets     []*static.Asset
	log        *slog.Logger
	now        func() time.Time
	kick       chan struct{}
	putTimeout time.Duration

	mu      sync.Mutex
	pending *snapshot.Set // the latest set offered and not yet uploaded
	status  Status
}

// Status is how far behind the mirror is, for /readyz and the console.
type Status struct {
	Target     string        `json:"target"`
	LastSync   time.Time     `json:"last_sync,omitzero"` // when the target last caught up
	LastLag    time.Duration `json:"-"`                  // from the change to the target holding it, at the last sync
	Uploaded   int64         `json:"uploaded"`           // objects uploaded since start
	LastError  string        `json:"last_error,omitempty"`
	ErrorAt    time.Time     `json:"last_error_at,omitzero"`
	behindFrom time.Time     // when the oldest change not on the target was made
}

// Behind is how long the oldest change not yet on the target has waited
// (0: the target is current).
func (s Status) Behind(now time.Time) time.Duration {
	if s.behindFrom.IsZero() {
		return 0
	}
	return now.Sub(s.behindFrom)
}

// New is a mirror to target of the core set and assets.
func New(target Target, assets []*static.Asset, log *slog.Logger, now func() time.Time) *Mirror {
	return &Mirror{target: target, assets: assets, log: log, now: now, kick: make(chan struct{}, 1),
		putTimeout: time.Minute, status: Status{Target: target.String()}}
}

// Offer hands the mirror a new set; it never blocks.
func (m *Mirror) Offer(set snapshot.Set) {
	m.mu.Lock()
	m.pending = &set
	if m.status.behindFrom.IsZero() || set.Changed.Before(m.status.behindFrom) {
		m.status.behindFrom = set.Changed
	}
	m.mu.Unlock()
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// Status is the mirror's state now.
func (m *Mirror) Status() Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.status
}

// Run uploads what is offered until ctx ends.
func (m *Mirror) Run(ctx context.Context) {
	var have map[string]ObjectInfo
	backoff := time.Second
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.kick:
		}
		for {
			m.mu.Lock()
			set := m.pending
			m.pending = nil
			m.mu.Unlock()
			if set == nil {
				break
			}
			if have == nil {
				rctx, cancel := context.WithTimeout(ctx, m.putTimeout)
				have = ReadManifest(rctx, m.target)
				cancel()
			}
			start := time.Now()
			sctx, cancel := context.WithTimeout(ctx, m.putTimeout)
			next, n, err := Sync(sctx, m.target, Objects(*set, m.assets), have, set.Generation, set.Built)
			cancel()
			have = next
			m.mu.Lock()
			m.status.Uploaded += int64(n)
			if err != nil {
				m.status.LastError, m.status.ErrorAt = err.Error(), m.now()
				if m.pending == nil {
					m.pending = set // try again, unless a newer set came
				}
				m.mu.Unlock()
				if ctx.Err() != nil {
					return
				}
				m.log.Warn("mirror: upload failed; trying again", "target", m.target.String(), "error", err, "in", backoff.String())
				select {
				case <-ctx.Done():
					return
				case <-time.After(backoff):
				}
				backoff = min(2*backoff, 30*time.Second)
				continue
			}
			backoff = time.Second
			now := m.now()
			m.status.LastSync, m.status.LastLag, m.status.LastError, m.status.ErrorAt = now, now.Sub(set.Changed), "", time.Time{}
			if m.pending == nil {
				m.status.behindFrom = time.Time{}
			} else {
				m.status.behindFrom = m.pending.Changed
			}
			m.mu.Unlock()
			if n > 0 {
				m.log.Debug("mirror: uploaded", "target", m.target.String(), "objects", n, "generation", set.Generation, "took", time.Since(start).String())
			}
		}
	}
}
