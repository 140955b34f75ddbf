package notify

import (
	"context"
	"time"

	"golang.org/x/time/rate"

	"github.com/beaconstatus/beacon/models"
)

// lane is a set of workers claiming one kind of deliveries: the mail lane
// claims the emails and sends them through the mail driver; the hook lane
// claims the webhook, Slack, Discord and Teams deliveries and posts them.
// Both claim with a lease, record through their recorder and retry with
// backoff in the same way (worker.go); they differ in what a send is, how
// many run at once and how much a worker claims at a time.
type lane struct {
	n        *Notifier
	prefix   string // in the workers' names
	hooks    bool
	workers  int
	t        Tuning
	margin   time.Duration // how long before its lease ends a worker stops starting sends
	outage   *outage       // the mail server unreachable (never, for hooks)
	limiter  *rate.Limiter // nil: unlimited
	prefetch bool          // claim the next batch while sending the end of this one
	wake     *signal       // deliveries of this lane may be waiting
	claimer  func(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]models.ClaimedDelivery, error)
	sender   func() Sender
	rec      *recorder
	recorded chan struct{}
}

// mailLane is the email workers: a batch each, one message at a time on
// their own connection.
func (n *Notifier) mailLane(t Tuning, workers int) *lane {
	return &lane{n: n, workers: workers, t: t, margin: leaseMargin(n.set.SendTimeout),
		outage: newOutage(n.log, t.Probe), limiter: n.limiter, prefetch: true, wake: n.deliveries,
		claimer: n.store.ClaimDeliveries, sender: n.mailer.NewSender}
}

// hookLane is the webhook and chat deliveries: one worker (runHooks) per
// replica keeping up to HookSettings.Workers requests in flight.
func (n *Notifier) hookLane(t Tuning) *lane {
	h := n.set.Hooks
	t.ClaimBatch = min(hookBatch, h.Workers)
	margin := h.Timeout + 5*time.Second
	t.Lease = max(t.Lease, 3*margin)
	return &lane{n: n, prefix: "hook", hooks: true, workers: 1, t: t, margin: margin,
		outage: newOutage(n.log, t.Probe), wake: n.hookWake,
		claimer: n.store.ClaimHookDeliveries, sender: func() Sender { return noSender{} }}
}

func (l *lane) claim(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]models.ClaimedDelivery, error) {
	return l.claimer(ctx, worker, now, lease, limit)
}

// hookBatch is the most hook deliveries claimed at once.
const hookBatch = 64

// newSender is a worker's Sender.
func (l *lane) newSender() Sender { return l.sender() }

// start starts the lane's recorder.
func (l *lane) start() {
	size, flushAt := l.workers*l.t.Unrecorded, l.t.Unrecorded
	if l.hooks {
		size, flushAt = l.n.set.Hooks.Workers, min(64, l.n.set.Hooks.Workers)
	}
	l.rec = newRecorder(l.n, size, flushAt, recordLinger)
	l.recorded = make(chan struct{})
	go func() { defer close(l.recorded); l.rec.run() }()
}

// stop waits for the recorder to record what is queued.
func (l *lane) stop() {
	l.rec.close()
	<-l.recorded
}

// noSender is the hook workers' Sender: they post through the Notifier's
// hook client, with nothing to connect.
type noSender struct{}

func (noSender) Send(context.Context, *Message) error { return nil }
func (noSender) Connect(context.Context) error        { return nil }
func (noSender) Close() error                         { return nil }
