package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	"github.com/beaconstatus/beacon/app/links"
	"github.com/beaconstatus/beacon/models"
)

// worker claims deliveries and sends them through its own Sender (its own
// connection). The outcomes of its messages are recorded while it sends the
// next ones, but it starts a send only while fewer than
// NotifyTuning.Unrecorded of its outcomes wait to be recorded: a crash can
// leave at most that many acknowledged messages unrecorded (the one being
// sent included), to be sent again with the same Message-ID.
type worker struct {
	n       *Notifier
	lane    *lane
	t       Tuning
	name    string // leased_by
	sender  Sender
	pending []chan error        // outcomes handed to the recorder and not yet recorded, oldest first
	failed  bool                // an outcome could not be recorded: stop sending the batch
	next    chan claim          // the next batch, being claimed ahead; nil when none
	cache   map[int64]*outgoing // notifications being sent, by id
}

// outgoing is a notification as its messages need it: its message
// rendered once for all recipients of a language.
type outgoing struct {
	models.Notification
	content  models.NotificationContent
	prepared *PreparedEmail            // in the page's default language
	langs    map[string]*PreparedEmail // in the others, rendered when a recipient needs one
	// page is the page's status for webhook payloads, loaded with the
	// first of them (pageLoaded).
	page       models.PageStatus
	pageLoaded bool
	// updates are the incident's public updates up to the notification's
	// (newest first, at most WebhookUpdates), loaded with the first
	// webhook payload.
	updates []models.TimelineEvent
	// component is a component's change (NotifyComponentUpdated): told to
	// webhooks only, no email prepared.
	component *models.ComponentNotice
}

func (w *worker) run(ctx context.Context) {
	if w.lane.hooks {
		w.runHooks(ctx)
		return
	}
	defer w.sender.Close()
	defer w.settle()
	defer w.dropNext()
	for ctx.Err() == nil {
		w.lane.outage.await(ctx, w.sender.Connect)
		if ctx.Err() != nil {
			return
		}
		var c claim
		if w.next != nil {
			c = <-w.next
			w.next = nil
		} else {
			c = w.claim(ctx)
		}
		if c.err != nil {
			if ctx.Err() == nil {
				w.n.log.Error("notifier: claim deliveries", "worker", w.name, "error", c.err)
			}
			wait(ctx, w.t.PollInterval, nil)
			continue
		}
		if len(c.batch) == 0 {
			wait(ctx, w.t.PollInterval, c.woken)
			continue
		}
		stop := c.at.Add(w.t.Lease - w.lane.margin)
		w.sendBatch(ctx, c.batch, stop)
	}
}

// claim is a batch of deliveries claimed at a time.
type claim struct {
	batch []models.ClaimedDelivery
	at    time.Time
	err   error
	woken <-chan struct{} // closed when deliveries are made after the claim began
}

// claim claims the worker's next batch.
func (w *worker) claim(ctx context.Context) claim { return w.claimUpTo(ctx, w.t.ClaimBatch) }

// claimUpTo claims up to limit deliveries.
func (w *worker) claimUpTo(ctx context.Context, limit int) claim {
	// Listen before looking: a wake-up for deliveries made after the query
	// read the table is not lost.
	c := claim{at: w.n.now(), woken: w.lane.wake.C()}
	rctx, cancel := context.WithTimeout(ctx, dbTimeout)
	defer cancel()
	c.err = w.n.write(func() (err error) {
		c.batch, err = w.lane.claim(rctx, w.name, c.at, w.t.Lease, limit)
		return err
	})
	return c
}

// prefetch claims the worker's next batch while it sends the end of this
// one, so that it does not wait for the claim.
func (w *worker) prefetch(ctx context.Context) {
	next := make(chan claim, 1)
	w.next = next
	go func() { next <- w.claim(ctx) }()
}

// dropNext gives back the batch prefetched, if any.
func (w *worker) dropNext() {
	if w.next == nil {
		return
	}
	c := <-w.next
	w.next = nil
	if c.err == nil {
		w.release(context.Background(), c.batch)
	}
}

// sendBatch sends the claimed deliveries in turn, until ctx is done, the
// lease is about to end (stop), the mail server cannot be reached (by this
// worker or another) or an outcome could not be recorded (the database is
// failing, or the lease was lost: sending on would only add messages to
// send again); the rest, and the next batch if it was prefetched, are
// given back. Three quarters through a full batch, it prefetches the next
// one.
func (w *worker) sendBatch(ctx context.Context, batch []models.ClaimedDelivery, stop time.Time) {
	w.failed = false
	for i, d := range batch {
		if ctx.Err() != nil || w.n.now().After(stop) || w.failed || !w.lane.outage.reachable() {
			w.giveBack(ctx, batch[i:])
			return
		}
		if w.lane.limiter != nil {
			if err := w.lane.limiter.Wait(ctx); err != nil || w.n.now().After(stop) {
				w.giveBack(ctx, batch[i:])
				return
			}
		}
		if w.lane.prefetch && i == len(batch)*3/4 && len(batch) == w.t.ClaimBatch && w.next == nil {
			w.prefetch(ctx)
		}
		w.deliver(ctx, d)
	}
}

// giveBack releases the rest of a batch and the batch prefetched.
func (w *worker) giveBack(ctx context.Context, rest []models.ClaimedDelivery) {
	w.release(ctx, rest)
	w.dropNext()
}

// deliver sends one delivery and has its outcome recorded; when the mail
// server cannot be reached, the workers pause (see outage).
func (w *worker) deliver(ctx context.Context, d models.ClaimedDelivery) {
	n, err := w.notification(ctx, d.NotificationID)
	if err != nil {
		w.n.log.Error("notifier: load notification", "notification", d.NotificationID, "error", err)
		next := w.n.now().Add(w.t.RetryBase)
		w.record(func(ctx context.Context, db Store) error {
			return db.DeferDelivery(ctx, d.ID, w.name, "internal error: notification unreadable", next)
		})
		return
	}
	if d.SubscriberStatus != "confirmed" && n.Kind != models.NotifySubscriberConfirm {
		w.record(func(ctx context.Context, db Store) error {
			return db.SkipDelivery(ctx, d.ID, w.name, "the subscriber is "+orGone(d.SubscriberStatus))
		})
		return
	}
	msg, err := w.n.deliveryMessage(n, d, w.n.now())
	if err != nil {
		w.n.log.Error("notifier: build message", "delivery", d.ID, "error", err)
		reason := "cannot build the message: " + err.Error()
		w.record(func(ctx context.Context, db Store) error { return db.FailDelivery(ctx, d.ID, w.name, reason) })
		return
	}
	// A send that has begun is finished (bounded by the SMTP timeout),
	// even when shutting down: its outcome is then known and recorded.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*w.n.set.SendTimeout+dbTimeout)
	err = w.sender.Send(sctx, msg)
	cancel()
	if err == nil {
		at := w.n.now()
		w.submit(outcome{sent: &models.SentDelivery{ID: d.ID, Worker: w.name, MessageID: msg.MessageID, At: at}})
		return
	}
	permanent, unreachable := sendProblem(err)
	reason := headerText(err.Error(), 500)
	attempt := d.Attempts + 1
	switch {
	case unreachable:
		// Not an attempt: due again at once, sent when the server answers.
		w.n.log.Info("notifier: delivery deferred: mail server unreachable", "delivery", d.ID, "worker", w.name, "error", err)
		w.lane.outage.lost(err)
		next := w.n.now()
		w.record(func(ctx context.Context, db Store) error {
			return db.DeferDelivery(ctx, d.ID, w.name, reason, next)
		})
	case permanent || attempt >= w.t.MaxAttempts:
		w.n.log.Warn("notifier: delivery failed", "delivery", d.ID, "attempts", attempt, "error", reason)
		w.record(func(ctx context.Context, db Store) error { return db.FailDelivery(ctx, d.ID, w.name, reason) })
	default:
		delay := backoff(w.t, attempt)
		next := w.n.now().Add(delay)
		w.n.log.Warn("notifier: attempt failed: will retry", "delivery", d.ID, "attempt", attempt,
			"retry_in", delay.Round(time.Millisecond), "error", reason)
		w.record(func(ctx context.Context, db Store) error {
			return db.RetryDelivery(ctx, d.ID, w.name, reason, next)
		})
	}
}

func orGone(status string) string {
	if status == "" {
		return "deleted"
	}
	return status
}

// record hands a delivery's outcome (a write other than sent) to the
// recorder; write runs with the recorder's context, which a shutdown does
// not cancel.
func (w *worker) record(write func(ctx context.Context, db Store) error) {
	w.submit(outcome{write: write})
}

// submit queues an outcome for the recorder, then waits until fewer than
// Unrecorded of the worker's outcomes are waiting: the next send may
// begin.
func (w *worker) submit(o outcome) {
	o.done = make(chan error, 1)
	w.lane.rec.queue <- o
	w.pending = append(w.pending, o.done)
	w.collect(w.t.Unrecorded - 1)
}

// settle waits until all the worker's outcomes are recorded.
func (w *worker) settle() { w.collect(0) }

// collect takes the answers of the outcomes recorded so far, and waits
// (oldest first: the recorder answers in order) until at most keep are
// still waiting.
func (w *worker) collect(keep int) {
	done := 0
	for ; done < len(w.pending); done++ {
		var err error
		if len(w.pending)-done > keep {
			err = <-w.pending[done]
		} else {
			select {
			case err = <-w.pending[done]:
			default:
				w.pending = append(w.pending[:0], w.pending[done:]...)
				return
			}
		}
		if err != nil {
			w.n.log.Warn("notifier: outcome not recorded", "worker", w.name, "error", err)
			w.failed = true
		}
	}
	w.pending = w.pending[:0]
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
	if err := w.n.write(func() error { return w.n.store.ReleaseDeliveries(rctx, w.name, ids) }); err != nil {
		w.n.log.Error("notifier: release deliveries", "worker", w.name, "error", err)
	}
}

// notification returns a notification with its message prepared, from the
// worker's cache when it sent to it recently.
func (w *worker) notification(ctx context.Context, id int64) (*outgoing, error) {
	if n, ok := w.cache[id]; ok {
		return n, nil
	}
	rctx, cancel := detached(ctx)
	defer cancel()
	n, err := w.n.store.GetNotification(rctx, id)
	if err != nil {
		return nil, err
	}
	out := &outgoing{Notification: *n}
	if models.NotifiesComponents(n.Kind) {
		out.component = &models.ComponentNotice{}
		if err := json.Unmarshal([]byte(n.Payload), out.component); err != nil {
			return nil, fmt.Errorf("notification %d payload: %w", id, err)
		}
		w.cacheNotification(out)
		return out, nil
	}
	if err := json.Unmarshal([]byte(n.Payload), &out.content); err != nil {
		return nil, fmt.Errorf("notification %d payload: %w", id, err)
	}
	if out.prepared, err = w.n.prepareNotification(out); err != nil {
		return nil, err
	}
	w.cacheNotification(out)
	return out, nil
}

func (w *worker) cacheNotification(out *outgoing) {
	if w.cache == nil || len(w.cache) >= 16 {
		w.cache = map[int64]*outgoing{}
	}
	w.cache[out.ID] = out
}

// backoff is the delay after a failed attempt (1 for the first): RetryBase
// doubled for each attempt before, at most RetryMax, with jitter so that
// deliveries failed together are not all tried again together.
func backoff(t Tuning, attempt int) time.Duration {
	d := t.RetryBase
	for i := 1; i < attempt && d < t.RetryMax; i++ {
		d *= 2
	}
	d = min(d, t.RetryMax)
	return d/2 + rand.N(d/2+1)
}

// page is the page's name, the messages' From name and the page's time
// zone now.
func (nf *Notifier) page() (name, fromName string, tz *time.Location) {
	if nf.set.Current != nil {
		return nf.set.Current()
	}
	return nf.set.PageName, nf.set.FromName, nf.set.TimeZone
}

// prepareNotification renders a notification's message for all its
// recipients.
func (nf *Notifier) prepareNotification(n *outgoing) (*PreparedEmail, error) {
	return nf.prepareNotificationIn(n, "")
}

// prepareNotificationIn renders a notification's message for its
// recipients of one language ("": the page's default).
func (nf *Notifier) prepareNotificationIn(n *outgoing, language string) (*PreparedEmail, error) {
	name, fromName, tz := nf.page()
	e := Email{Language: language,
		Page: Page{Name: name, URL: nf.set.BaseURL}, TimeZone: tz,
		FromName: fromName, FromAddress: nf.set.FromAddress,
		Kind: n.Kind, Content: n.content,
	}
	if nf.set.Branding != nil {
		e.Page.LogoURL, e.Page.Accent = nf.set.Branding()
	}
	host := nf.host()
	e.ListID = fmt.Sprintf("%s status <%s.status.%s>", listPhrase(name), nf.set.PageID, host)
	if n.IncidentID != nil {
		e.IncidentURL = nf.set.BaseURL + "/incidents/" + *n.IncidentID
		e.ThreadID = fmt.Sprintf("<beacon.%s.incident.%s@%s>", nf.set.PageID, *n.IncidentID, host)
	}
	return nf.emails.Prepare(e)
}

// deliveryMessage is the message of a delivery at now: signed links for
// its subscriber, a Message-ID made of the page's, the notification's and
// the delivery's ids (unique to this installation, and the same if it is
// ever sent twice, so mail clients can drop the copy).
func (nf *Notifier) deliveryMessage(n *outgoing, d models.ClaimedDelivery, now time.Time) (*Message, error) {
	r := Recipient{
		To:             d.Email,
		ManageURL:      nf.sign.SubscriberURL(links.Manage, d.SubscriberID, d.TokenVersion, now),
		UnsubscribeURL: nf.sign.SubscriberURL(links.Unsubscribe, d.SubscriberID, d.TokenVersion, now),
		MessageID:      fmt.Sprintf("<beacon.%s.%d.%d@%s>", nf.set.PageID, n.ID, d.ID, nf.host()),
		Date:           now,
	}
	if n.Kind == models.NotifySubscriberConfirm {
		r.ConfirmURL = nf.sign.SubscriberURL(links.Confirm, d.SubscriberID, d.TokenVersion, now)
	}
	p := n.prepared
	if d.Language != "" && d.Language != nf.set.Language {
		if p = n.langs[d.Language]; p == nil {
			var err error
			if p, err = nf.prepareNotificationIn(n, d.Language); err != nil {
				return nil, err
			}
			if n.langs == nil {
				n.langs = map[string]*PreparedEmail{}
			}
			n.langs[d.Language] = p
		}
	}
	return p.For(r)
}

// host is BASE_URL's host, the domain of Message-IDs and of the List-Id.
func (nf *Notifier) host() string {
	if u, err := url.Parse(nf.set.BaseURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "beacon.invalid"
}

// listPhrase is the page's name as the phrase of a List-Id: no quotes,
// angle brackets or control characters.
func listPhrase(name string) string {
	return headerText(strings.Map(func(r rune) rune {
		if strings.ContainsRune("\"<>()[]:;@\\,", r) {
			return -1
		}
		return r
	}, name), 100)
}
