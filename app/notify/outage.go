package notify

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// refusedProbe is how often the server is probed when it answers but
// refuses the connection (a wrong password, no STARTTLS): a problem of the
// configuration, which probing every few seconds would not mend and some
// servers hold against the account.
const refusedProbe = time.Minute

// outage holds the workers back while the mail server cannot be reached.
// The first send that cannot reach it stops all the workers of this
// Notifier; one of them probes the server (connects, at first after half
// of Probe, then every Probe) while the others wait, and all resume as soon
// as a probe connects. The deliveries held back meanwhile wait, due at
// once, without using up attempts.
type outage struct {
	log   *slog.Logger
	probe time.Duration // Tuning.Probe

	mu      sync.Mutex
	down    bool
	since   time.Time
	probing bool          // a worker is probing
	probes  int           // probes made in this outage
	back    chan struct{} // closed when the server can be reached again
}

func newOutage(log *slog.Logger, probe time.Duration) *outage {
	return &outage{log: log, probe: probe, back: make(chan struct{})}
}

// reachable reports whether the server was reachable when last tried.
func (o *outage) reachable() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return !o.down
}

// lost records that a send could not reach the server: the workers stop
// sending until it can be reached again.
func (o *outage) lost(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.down {
		return
	}
	o.down, o.since, o.probes = true, time.Now(), 0
	o.log.Warn("notifier: mail server unreachable: sending paused until it answers", "error", err)
}

// await returns at once while the server is reachable; otherwise when it
// is reachable again or ctx is done. The first worker to wait probes the
// server with connect (its Sender's: the connection that answers is the
// one it sends on next); the others wait for that probe.
func (o *outage) await(ctx context.Context, connect func(context.Context) error) {
	o.mu.Lock()
	if !o.down {
		o.mu.Unlock()
		return
	}
	if o.probing {
		back := o.back
		o.mu.Unlock()
		select {
		case <-back:
		case <-ctx.Done():
		}
		return
	}
	o.probing = true
	o.mu.Unlock()

	delay := o.probe / 2
	for {
		wait(ctx, delay, nil)
		if ctx.Err() != nil {
			o.mu.Lock()
			o.probing = false
			o.mu.Unlock()
			return
		}
		err := connect(ctx)
		o.mu.Lock()
		o.probes++
		o.mu.Unlock()
		if err == nil {
			o.resume()
			return
		}
		delay = min(2*delay, o.probe)
		if refused, _ := sendProblem(err); refused {
			delay = max(delay, refusedProbe)
		}
	}
}

// resume ends the outage: the waiting workers go on.
func (o *outage) resume() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.log.Info("notifier: mail server reachable again: sending resumed",
		"down_for", time.Since(o.since).Round(time.Millisecond), "probes", o.probes)
	o.down, o.probing = false, false
	close(o.back)
	o.back = make(chan struct{})
}
