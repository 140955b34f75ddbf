// Package notify is the notify path: a dispatcher expands each outbox
// notification into one delivery per matching subscriber, and workers send
// them through a Sender (the SMTP, log and memory drivers are here), with
// retries and leases, recording what was sent. It needs only the Store
// methods below, never the HTTP side.
package notify

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/beaconstatus/beacon/app/links"
	"github.com/beaconstatus/beacon/models"
)

// Tuning tunes the dispatcher and the workers; zero fields take the
// defaults shown.
type Tuning struct {
	PollInterval  time.Duration // how often idle workers and the dispatcher look for work (1s)
	DispatchBatch int           // subscribers per dispatcher step (2000)
	ClaimBatch    int           // deliveries a worker claims at once (100; fewer under MAIL_RATE)
	Lease         time.Duration // how long claimed deliveries stay a worker's (2m, at least 3 times the send timeouts)
	RetryBase     time.Duration // delay before the second attempt, doubled for each next one (30s)
	RetryMax      time.Duration // the longest delay between attempts (1h)
	MaxAttempts   int           // attempts before a delivery is marked failed (8)
	Probe         time.Duration // while the mail server cannot be reached, how often one worker tries to connect (2s; the first try after half)
	// Unrecorded bounds the messages per worker sent and not yet recorded
	// (the one being sent included): the most a crash of Beacon can leave
	// to be sent again (16). 1 records each before the next send.
	Unrecorded int
}

// DefaultUnrecorded is Tuning.Unrecorded's default: a process killed
// at the worst moment sends again at most MailWorkers × DefaultUnrecorded
// messages (with the same Message-ID) once their lease ends.
const DefaultUnrecorded = 16

// DefaultMailWorkers is how many workers send mail when MAIL_WORKERS is
// unset.
const DefaultMailWorkers = 4

// withDefaults fills in the zero fields; sendTimeout is the longest one
// send may take.
func (t Tuning) withDefaults(sendTimeout time.Duration) Tuning {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&t.PollInterval, time.Second)
	def(&t.Lease, 2*time.Minute)
	def(&t.RetryBase, 30*time.Second)
	def(&t.RetryMax, time.Hour)
	def(&t.Probe, 2*time.Second)
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
// sends: a send may take sendTimeout on a connection gone stale, then as
// much to connect again and as much to send, and recording the outcome a
// little more. So a delivery is never sent after another worker could have
// claimed it.
func leaseMargin(sendTimeout time.Duration) time.Duration { return 3*sendTimeout + 5*time.Second }

// Store is what the notify path needs of the database.
type Store interface {
	DispatchNext(ctx context.Context, batch int, now time.Time) (models.DispatchStep, error)
	ReleaseExpired(ctx context.Context, now time.Time) (int, error)
	ClaimDeliveries(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]models.ClaimedDelivery, error)
	ClaimHookDeliveries(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]models.ClaimedDelivery, error)
	HookAttemptFailed(ctx context.Context, f models.HookFailure) (quarantined bool, err error)
	CurrentPageStatus(ctx context.Context) (models.PageStatus, error)
	IncidentUpdatesUpTo(ctx context.Context, incidentID, eventID string, limit int) ([]models.TimelineEvent, error)
	ReleaseDeliveries(ctx context.Context, worker string, ids []int64) error
	GetNotification(ctx context.Context, id int64) (*models.Notification, error)
	MarkSentBatch(ctx context.Context, sent []models.SentDelivery) (lost []int64, err error)
	RetryDelivery(ctx context.Context, id int64, worker, reason string, next time.Time) error
	DeferDelivery(ctx context.Context, id int64, worker, reason string, next time.Time) error
	DeferDeliveries(ctx context.Context, ds []models.DeferredDelivery) (lost []int64, err error)
	FailDelivery(ctx context.Context, id int64, worker, reason string) error
	SkipDelivery(ctx context.Context, id int64, worker, reason string) error
}

// Settings are the notifier's configuration.
type Settings struct {
	Tuning      Tuning
	Workers     int     // workers sending at once (MAIL_WORKERS)
	MailRate    float64 // messages per second, all workers together; 0: unlimited
	SendTimeout time.Duration
	Mail        string // the mail driver, as the log names it
	// OneWriter is set on SQLite, which has one writer at a time: the
	// notify path's writes then take turns (see write).
	OneWriter bool
	// Hooks are the webhook, Slack, Discord and Teams deliveries' settings.
	Hooks HookSettings
	// What the messages say of the page.
	PageID, PageName, BaseURL string // PageID: unique to the installation, in Message-IDs
	TimeZone                  *time.Location
	FromName, FromAddress     string
	Language                  string // the page's default language (PAGE_LANGUAGE)
	// Current, when set, is the page's name, the messages' From name and
	// the page's time zone now, in place of PageName, FromName and
	// TimeZone: PATCH /v1/pages/{id} changes them while the server runs.
	Current func() (pageName, fromName string, tz *time.Location)
	// Branding is the page's logo URL (absolute) and accent colour now;
	// nil for none.
	Branding func() (logoURL, accent string)
}

// Notifier is the notify path: the mail driver, the message templates,
// the shared send rate and the wake-up signals.
type Notifier struct {
	store      Store
	mailer     Mailer
	emails     *EmailTemplates
	sign       *links.Signer // the links in each message
	log        *slog.Logger
	now        func() time.Time
	set        Settings
	limiter    *rate.Limiter // nil: unlimited
	dispatch   *signal       // a notification may be waiting
	deliveries *signal       // email deliveries may be waiting
	hookWake   *signal       // hook deliveries may be waiting
	hooks      *hookClient   // posts the hook channels' messages
	hookFailed sync.Map      // subscriber id → a hook attempt failed since (see postHook)
	writes     sync.Mutex    // with OneWriter, the notify path's writes one at a time (see write)
}

// New is a Notifier sending through mailer; Run runs it.
func New(store Store, mailer Mailer, emails *EmailTemplates, sign *links.Signer, log *slog.Logger, now func() time.Time, set Settings) *Notifier {
	n := &Notifier{store: store, mailer: mailer, emails: emails, sign: sign, log: log, now: now, set: set,
		dispatch: newSignal(), deliveries: newSignal(), hookWake: newSignal()}
	n.set.Hooks = set.Hooks.withDefaults()
	n.hooks = newHookClient(n.set.Hooks)
	if set.MailRate > 0 {
		n.limiter = rate.NewLimiter(rate.Limit(set.MailRate), 1)
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
func (n *Notifier) write(fn func() error) error {
	if n.set.OneWriter {
		n.writes.Lock()
		defer n.writes.Unlock()
	}
	return fn()
}

// Wake tells this replica's dispatcher and workers that a change may have
// written to the outbox or put failed deliveries back (the other replicas
// poll).
func (n *Notifier) Wake() {
	n.dispatch.Broadcast()
	n.deliveries.Broadcast()
	n.hookWake.Broadcast()
}

// Run runs the notify path until ctx is cancelled: a dispatcher that
// expands notifications into deliveries, and Settings.Workers workers that
// send them. Every replica may run it. On return (after
// cancel) each worker has finished the message it was sending, given back
// the deliveries it had claimed and closed its connection.
func (n *Notifier) Run(ctx context.Context) {
	t := n.set.Tuning.withDefaults(n.set.SendTimeout)
	workers := max(n.set.Workers, 1)
	if n.set.MailRate > 0 {
		// Under a rate limit a worker claims what it can send in half its
		// lease, so it does not hold back what others could send.
		usable := (t.Lease - leaseMargin(n.set.SendTimeout)).Seconds() / 2
		t.ClaimBatch = max(1, min(t.ClaimBatch, int(n.set.MailRate*usable/float64(workers))))
	}
	n.log.Info("notifier started", "workers", workers, "mail", n.set.Mail, "hook_workers", n.set.Hooks.Workers)
	host, _ := os.Hostname()
	prefix := fmt.Sprintf("%s-%d-%s", host, os.Getpid(), models.NewID()[:6])
	lanes := []*lane{n.mailLane(t, workers), n.hookLane(t)}
	var wg sync.WaitGroup
	wg.Go(func() { n.runDispatcher(ctx, t) })
	for _, l := range lanes {
		l.start()
		for i := range l.workers {
			w := &worker{n: n, lane: l, t: l.t, name: fmt.Sprintf("%s/%s%d", prefix, l.prefix, i), sender: l.newSender()}
			wg.Go(func() { w.run(ctx) })
		}
	}
	wg.Wait()
	for _, l := range lanes {
		l.stop() // the workers waited for their last outcome: nothing is queued
	}
	n.log.Info("notifier finished")
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

// wait returns after d, when woken is closed (nil: never), or when ctx is
// done. The caller takes woken from its signal before it looks for work, so
// a broadcast made while it looked is not lost.
func wait(ctx context.Context, d time.Duration, woken <-chan struct{}) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	case <-woken:
	}
}

// runDispatcher expands waiting notifications batch by batch, and puts back
// the deliveries of workers whose lease expired.
func (n *Notifier) runDispatcher(ctx context.Context, t Tuning) {
	for ctx.Err() == nil {
		woken := n.dispatch.C() // before looking: a Wake during the round is not lost
		rctx, cancel := detached(ctx)
		var step models.DispatchStep
		err := n.write(func() (err error) {
			step, err = n.store.DispatchNext(rctx, t.DispatchBatch, n.now())
			return err
		})
		cancel()
		if err != nil {
			n.log.Error("notifier: dispatch failed", "error", err)
			wait(ctx, t.PollInterval, nil)
			continue
		}
		if step.Created > 0 {
			n.deliveries.Broadcast()
			n.hookWake.Broadcast()
		}
		if step.Done {
			n.log.Info("notifier: notification dispatched", "notification", step.NotificationID)
		}
		if step.NotificationID != 0 {
			continue
		}
		rctx, cancel = detached(ctx)
		var released int
		err = n.write(func() (err error) {
			released, err = n.store.ReleaseExpired(rctx, n.now())
			return err
		})
		cancel()
		if err != nil {
			n.log.Error("notifier: release expired leases", "error", err)
		} else if released > 0 {
			n.log.Warn("notifier: deliveries of a stopped worker put back", "deliveries", released)
			n.deliveries.Broadcast()
			n.hookWake.Broadcast()
		}
		wait(ctx, t.PollInterval, woken)
	}
}
