package app

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/beaconstatus/beacon/models"
)

// NotifyTuning tunes the dispatcher and the workers; zero fields take the
// defaults shown.
type NotifyTuning struct {
	PollInterval  time.Duration // how often idle workers and the dispatcher look for work (1s)
	DispatchBatch int           // subscribers per dispatcher step (2000)
	ClaimBatch    int           // deliveries a worker claims at once (100; fewer under MAIL_RATE)
	Lease         time.Duration // how long claimed deliveries stay a worker's (2m, at least 3 times the send timeouts)
	RetryBase     time.Duration // delay before the second attempt, doubled for each next one (30s)
	RetryMax      time.Duration // the longest delay between attempts (1h)
	MaxAttempts   int           // attempts before a delivery is marked failed (8)
	// Unrecorded bounds the messages per worker sent and not yet recorded
	// (the one being sent included): the most a crash of Beacon can leave
	// to be sent again (16). 1 records each before the next send.
	Unrecorded int
}

// DefaultUnrecorded is NotifyTuning.Unrecorded's default: a process killed
// at the worst moment sends again at most MailWorkers × DefaultUnrecorded
// messages (with the same Message-ID) once their lease ends.
const DefaultUnrecorded = 16

// DefaultMailWorkers is how many workers send mail when MAIL_WORKERS is
// unset.
const DefaultMailWorkers = 4

// withDefaults fills in the zero fields; sendTimeout is the longest one
// send may take.
func (t NotifyTuning) withDefaults(sendTimeout time.Duration) NotifyTuning {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&t.PollInterval, time.Second)
	def(&t.Lease, 2*time.Minute)
	def(&t.RetryBase, 30*time.Second)
	def(&t.RetryMax, time.Hour)
	if t.Lease < 3*leaseMargin(sendTimeout) {
		t.Lease = 3 * leaseMargin(sendTimeout)
	}
	if t.DispatchBatch <= 0 {
		t.DispatchBatch = 2000
	}
	if t.ClaimBatch <= 0 {
		t.ClaimBatch = 100
	}
	if t.MaxAttempts <= 0 {
		t.MaxAttempts = 8
	}
	if t.Unrecorded <= 0 {
		t.Unrecorded = DefaultUnrecorded
	}
	return t
}

// leaseMargin is how long before its lease ends a worker stops starting
// sends: connecting and sending may each take sendTimeout, and recording
// the outcome a little more. So a delivery is never sent after another
// worker could have claimed it.
func leaseMargin(sendTimeout time.Duration) time.Duration { return 2*sendTimeout + 5*time.Second }

// notifier is the App's notify path: the mail driver, the message
// templates, the shared send rate and the wake-up signals.
type notifier struct {
	mailer      Mailer
	emails      *EmailTemplates
	limiter     *rate.Limiter // nil: unlimited
	sendTimeout time.Duration
	dispatch    *signal    // a notification may be waiting
	deliveries  *signal    // deliveries may be waiting
	writes      sync.Mutex // on SQLite, the notify path's writes one at a time (see write)
}

func newNotifier(cfg Config, emails *EmailTemplates, mailer Mailer) *notifier {
	n := &notifier{mailer: mailer, emails: emails, dispatch: newSignal(), deliveries: newSignal()}
	if cfg.MailRate > 0 {
		n.limiter = rate.NewLimiter(rate.Limit(cfg.MailRate), 1)
	}
	if cfg.SMTP != nil && cfg.Mailer == nil {
		n.sendTimeout = cfg.SMTP.Timeout
	}
	return n
}

// signal wakes every goroutine waiting on it.
type signal struct {
	mu sync.Mutex
	ch chan struct{}
}

func newSignal() *signal { return &signal{ch: make(chan struct{})} }

// C is closed at the next Broadcast.
func (s *signal) C() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ch
}

func (s *signal) Broadcast() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.ch)
	s.ch = make(chan struct{})
}

// write runs a write of the notify path. On SQLite, which has one writer
// at a time, the dispatcher's, the workers' and the recorder's writes take
// turns here instead of contending for the database's lock, where a loser
// sleeps for milliseconds.
func (a *App) write(fn func() error) error {
	if a.db.Dialect == models.SQLite {
		a.notify.writes.Lock()
		defer a.notify.writes.Unlock()
	}
	return fn()
}

// notificationsEnqueued tells this replica's dispatcher that a change may
// have written to the outbox (the other replicas poll).
func (a *App) notificationsEnqueued() { a.notify.dispatch.Broadcast() }

// RunNotifier runs the notify path until ctx is cancelled: a dispatcher
// that expands notifications into deliveries, and Config.MailWorkers
// workers that send them. Every replica may run it. On return (after
// cancel) each worker has finished the message it was sending, given back
// the deliveries it had claimed and closed its connection.
func (a *App) RunNotifier(ctx context.Context) {
	t := a.cfg.Notify.withDefaults(a.notify.sendTimeout)
	workers := max(a.cfg.MailWorkers, 1)
	if a.cfg.MailRate > 0 {
		// Under a rate limit a worker claims what it can send in half its
		// lease, so it does not hold back what others could send.
		usable := (t.Lease - leaseMargin(a.notify.sendTimeout)).Seconds() / 2
		t.ClaimBatch = max(1, min(t.ClaimBatch, int(a.cfg.MailRate*usable/float64(workers))))
	}
	a.log.Info("notifier started", "workers", workers, "mail", a.mailDescription())
	host, _ := os.Hostname()
	prefix := fmt.Sprintf("%s-%d-%s", host, os.Getpid(), models.NewID()[:6])
	// One recorder: concurrent ones were slower on PostgreSQL (measured),
	// and SQLite has one writer anyway.
	rec := newRecorder(a, workers*t.Unrecorded, t.Unrecorded, recordLinger)
	recorded := make(chan struct{})
	go func() { defer close(recorded); rec.run() }()
	var wg sync.WaitGroup
	wg.Go(func() { a.runDispatcher(ctx, t) })
	for i := range workers {
		w := &worker{a: a, t: t, name: fmt.Sprintf("%s/%d", prefix, i), sender: a.notify.mailer.NewSender(), rec: rec}
		wg.Go(func() { w.run(ctx) })
	}
	wg.Wait()
	rec.close() // the workers waited for their last outcome: nothing is queued
	<-recorded
	a.log.Info("notifier finished")
}

func (a *App) mailDescription() string {
	switch {
	case a.cfg.Mailer != nil:
		return fmt.Sprintf("%T", a.cfg.Mailer)
	case a.cfg.SMTP != nil:
		return "smtp " + a.cfg.SMTP.String()
	}
	return "log (SMTP_URL unset)"
}

// recordLinger is how long the recorder waits for more outcomes to record
// together while it holds fewer than a worker's Unrecorded.
const recordLinger = 3 * time.Millisecond

// dbTimeout bounds one database call of the notify path.
const dbTimeout = 30 * time.Second

// detached is a context for a database write that must finish even when
// ctx is cancelled (a shutdown): recording what was sent.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), dbTimeout)
}

// wait returns after d, at a broadcast of s, or when ctx is done.
func wait(ctx context.Context, d time.Duration, s *signal) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	var woken <-chan struct{}
	if s != nil {
		woken = s.C()
	}
	select {
	case <-ctx.Done():
	case <-timer.C:
	case <-woken:
	}
}

// runDispatcher expands waiting notifications batch by batch, and puts back
// the deliveries of workers whose lease expired.
func (a *App) runDispatcher(ctx context.Context, t NotifyTuning) {
	for ctx.Err() == nil {
		rctx, cancel := detached(ctx)
		var step models.DispatchStep
		err := a.write(func() (err error) {
			step, err = a.db.DispatchNext(rctx, t.DispatchBatch, a.now())
			return err
		})
		cancel()
		if err != nil {
			a.log.Error("notifier: dispatch failed", "error", err)
			wait(ctx, t.PollInterval, nil)
			continue
		}
		if step.Created > 0 {
			a.notify.deliveries.Broadcast()
		}
		if step.Done {
			a.log.Info("notifier: notification dispatched", "notification", step.NotificationID)
		}
		if step.NotificationID != 0 {
			continue
		}
		rctx, cancel = detached(ctx)
		var released int
		err = a.write(func() (err error) {
			released, err = a.db.ReleaseExpired(rctx, a.now())
			return err
		})
		cancel()
		if err != nil {
			a.log.Error("notifier: release expired leases", "error", err)
		} else if released > 0 {
			a.log.Warn("notifier: deliveries of a stopped worker put back", "deliveries", released)
			a.notify.deliveries.Broadcast()
		}
		wait(ctx, t.PollInterval, a.notify.dispatch)
	}
}
