package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
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
	ClaimBatch    int           // deliveries a worker claims at once (25)
	Lease         time.Duration // how long claimed deliveries stay a worker's (2m, at least 3 times the send timeouts)
	RetryBase     time.Duration // delay before the second attempt, doubled for each next one (30s)
	RetryMax      time.Duration // the longest delay between attempts (1h)
	MaxAttempts   int           // attempts before a delivery is marked failed (8)
}

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
		t.ClaimBatch = 25
	}
	if t.MaxAttempts <= 0 {
		t.MaxAttempts = 8
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
	dispatch    *signal // a notification may be waiting
	deliveries  *signal // deliveries may be waiting
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
	a.log.Info("notifier started", "workers", workers, "mail", a.mailDescription())
	host, _ := os.Hostname()
	prefix := fmt.Sprintf("%s-%d-%s", host, os.Getpid(), models.NewID()[:6])
	var wg sync.WaitGroup
	wg.Go(func() { a.runDispatcher(ctx, t) })
	for i := range workers {
		w := &worker{a: a, t: t, name: fmt.Sprintf("%s/%d", prefix, i), sender: a.notify.mailer.NewSender()}
		wg.Go(func() { w.run(ctx) })
	}
	wg.Wait()
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
		step, err := a.db.DispatchNext(rctx, t.DispatchBatch, a.now())
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
		released, err := a.db.ReleaseExpired(rctx, a.now())
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

// worker claims deliveries and sends them through its own Sender.
type worker struct {
	a      *App
	t      NotifyTuning
	name   string // leased_by
	sender Sender
	cache  map[int64]*outgoing // notifications being sent, by id
	pause  time.Duration       // while the mail server is unreachable
}

// outgoing is a notification as its messages need it.
type outgoing struct {
	models.Notification
	content models.NotificationContent
}

func (w *worker) run(ctx context.Context) {
	defer w.sender.Close()
	for ctx.Err() == nil {
		claimedAt := w.a.now()
		rctx, cancel := context.WithTimeout(ctx, dbTimeout)
		batch, err := w.a.db.ClaimDeliveries(rctx, w.name, claimedAt, w.t.Lease, w.t.ClaimBatch)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				w.a.log.Error("notifier: claim deliveries", "worker", w.name, "error", err)
			}
			wait(ctx, w.t.PollInterval, nil)
			continue
		}
		if len(batch) == 0 {
			wait(ctx, w.t.PollInterval, w.a.notify.deliveries)
			continue
		}
		stop := claimedAt.Add(w.t.Lease - leaseMargin(w.a.notify.sendTimeout))
		if unreachable := w.sendBatch(ctx, batch, stop); unreachable {
			w.pause = min(max(2*w.pause, w.t.RetryBase/8, 100*time.Millisecond), w.t.RetryMax)
			wait(ctx, w.pause, nil)
		} else {
			w.pause = 0
		}
	}
}

// sendBatch sends the claimed deliveries in turn, until ctx is done, the
// lease is about to end (stop) or the mail server cannot be reached; the
// rest is given back. It reports whether the server was unreachable.
func (w *worker) sendBatch(ctx context.Context, batch []models.ClaimedDelivery, stop time.Time) (unreachable bool) {
	for i, d := range batch {
		if ctx.Err() != nil || w.a.now().After(stop) {
			w.release(ctx, batch[i:])
			return false
		}
		if w.a.notify.limiter != nil {
			if err := w.a.notify.limiter.Wait(ctx); err != nil || w.a.now().After(stop) {
				w.release(ctx, batch[i:])
				return false
			}
		}
		if w.deliver(ctx, d) {
			w.release(ctx, batch[i+1:])
			return true
		}
	}
	return false
}

// deliver sends one delivery and records the outcome. It reports whether
// the mail server was unreachable.
func (w *worker) deliver(ctx context.Context, d models.ClaimedDelivery) (unreachable bool) {
	db := w.a.db
	n, err := w.notification(ctx, d.NotificationID)
	if err != nil {
		w.a.log.Error("notifier: load notification", "notification", d.NotificationID, "error", err)
		w.record(ctx, d, func(ctx context.Context) error {
			return db.DeferDelivery(ctx, d.ID, w.name, "internal error: notification unreadable", w.a.now().Add(w.t.RetryBase))
		})
		return false
	}
	if d.SubscriberStatus != "confirmed" && n.Kind != models.NotifySubscriberConfirm {
		w.record(ctx, d, func(ctx context.Context) error {
			return db.SkipDelivery(ctx, d.ID, w.name, "the subscriber is "+orGone(d.SubscriberStatus))
		})
		return false
	}
	msg, err := w.a.notificationMessage(n, d, w.a.now())
	if err != nil {
		w.a.log.Error("notifier: build message", "delivery", d.ID, "error", err)
		w.record(ctx, d, func(ctx context.Context) error {
			return db.FailDelivery(ctx, d.ID, w.name, "cannot build the message: "+err.Error())
		})
		return false
	}
	// A send that has begun is finished (bounded by the SMTP timeout),
	// even when shutting down: its outcome is then known and recorded.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*w.a.notify.sendTimeout+dbTimeout)
	err = w.sender.Send(sctx, msg)
	cancel()
	if err == nil {
		w.record(ctx, d, func(ctx context.Context) error { return db.MarkSent(ctx, d.ID, w.name, msg.MessageID, w.a.now()) })
		return false
	}
	permanent, unreachable := sendProblem(err)
	reason := headerText(err.Error(), 500)
	attempt := d.Attempts + 1
	switch {
	case unreachable:
		w.a.log.Warn("notifier: mail server unreachable", "worker", w.name, "error", err)
		next := w.a.now().Add(max(w.pause, w.t.RetryBase/8))
		w.record(ctx, d, func(ctx context.Context) error { return db.DeferDelivery(ctx, d.ID, w.name, reason, next) })
	case permanent || attempt >= w.t.MaxAttempts:
		w.a.log.Warn("notifier: delivery failed", "delivery", d.ID, "attempts", attempt, "error", reason)
		w.record(ctx, d, func(ctx context.Context) error { return db.FailDelivery(ctx, d.ID, w.name, reason) })
	default:
		next := w.a.now().Add(backoff(w.t, attempt))
		w.record(ctx, d, func(ctx context.Context) error { return db.RetryDelivery(ctx, d.ID, w.name, reason, next) })
	}
	return unreachable
}

func orGone(status string) string {
	if status == "" {
		return "deleted"
	}
	return status
}

// record writes a delivery's outcome, even when ctx is cancelled (a
// shutdown), trying again a few times if the database fails: a sent
// message that stays unrecorded would be sent again once its lease ends.
func (w *worker) record(ctx context.Context, d models.ClaimedDelivery, write func(ctx context.Context) error) {
	rctx, cancel := detached(ctx)
	defer cancel()
	var err error
	for try, delay := 0, 100*time.Millisecond; try < 5; try, delay = try+1, 2*delay {
		if err = write(rctx); err == nil || errors.Is(err, models.ErrLeaseLost) || rctx.Err() != nil {
			break
		}
		time.Sleep(delay)
	}
	if err != nil {
		w.a.log.Error("notifier: record delivery", "delivery", d.ID, "worker", w.name, "error", err)
	}
}

// release gives deliveries back to be claimed again at once.
func (w *worker) release(ctx context.Context, rest []models.ClaimedDelivery) {
	if len(rest) == 0 {
		return
	}
	ids := make([]int64, len(rest))
	for i, d := range rest {
		ids[i] = d.ID
	}
	rctx, cancel := detached(ctx)
	defer cancel()
	if err := w.a.db.ReleaseDeliveries(rctx, w.name, ids); err != nil {
		w.a.log.Error("notifier: release deliveries", "worker", w.name, "error", err)
	}
}

// notification returns a notification with its content, from the worker's
// cache when it sent to it recently.
func (w *worker) notification(ctx context.Context, id int64) (*outgoing, error) {
	if n, ok := w.cache[id]; ok {
		return n, nil
	}
	n, err := w.a.db.GetNotification(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &outgoing{Notification: *n}
	if err := json.Unmarshal([]byte(n.Payload), &out.content); err != nil {
		return nil, fmt.Errorf("notification %d payload: %w", id, err)
	}
	if w.cache == nil || len(w.cache) >= 16 {
		w.cache = map[int64]*outgoing{}
	}
	w.cache[id] = out
	return out, nil
}

// backoff is the delay after a failed attempt (1 for the first): RetryBase
// doubled for each attempt before, at most RetryMax, with jitter so that
// deliveries failed together are not all tried again together.
func backoff(t NotifyTuning, attempt int) time.Duration {
	d := t.RetryBase
	for i := 1; i < attempt && d < t.RetryMax; i++ {
		d *= 2
	}
	d = min(d, t.RetryMax)
	return d/2 + rand.N(d/2+1)
}

// notificationMessage builds the message of a delivery at now: signed
// links for this subscriber, a Message-ID made of the notification's and
// the delivery's ids (the same if it is ever sent twice, so mail clients
// can drop the copy).
func (a *App) notificationMessage(n *outgoing, d models.ClaimedDelivery, now time.Time) (*Message, error) {
	host := "beacon.invalid"
	if u, err := url.Parse(a.cfg.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	e := Email{
		Page: a.page, TimeZone: a.cfg.TimeZone,
		FromName: a.cfg.MailFromName, FromAddress: a.cfg.MailFromAddress, To: d.Email,
		Kind: n.Kind, Content: n.content,
		ManageURL:      a.subscriberURL(LinkManage, d.SubscriberID, d.TokenVersion, now),
		UnsubscribeURL: a.subscriberURL(LinkUnsubscribe, d.SubscriberID, d.TokenVersion, now),
		MessageID:      fmt.Sprintf("<beacon.%d.%d@%s>", n.ID, d.ID, host),
		Date:           now,
	}
	if n.IncidentID != nil {
		e.IncidentURL = a.cfg.BaseURL + "/incidents/" + *n.IncidentID
	}
	if n.Kind == models.NotifySubscriberConfirm {
		e.ConfirmURL = a.subscriberURL(LinkConfirm, d.SubscriberID, d.TokenVersion, now)
	}
	return a.notify.emails.Build(e)
}
