package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/beaconstatus/beacon/app/egress"
	"github.com/beaconstatus/beacon/models"
)

// HookSettings configure the webhook, Slack, Discord and Teams deliveries.
type HookSettings struct {
	Workers int           // posting at once (WEBHOOK_WORKERS, default DefaultHookWorkers)
	Timeout time.Duration // one request, answer and body included (WEBHOOK_TIMEOUT, default 30s)
	// QuarantineAfter is how many consecutive failed attempts quarantine an
	// endpoint (WEBHOOK_QUARANTINE_AFTER, default models.DefaultQuarantineAfter).
	QuarantineAfter int
	// MaxResponse is the most of an answer's body read (64 KiB): a longer
	// one is a failed attempt.
	MaxResponse int64
	Guard       *egress.Guard // which addresses may be connected to (nil: the default, no private networks)
}

// DefaultHookWorkers is how many hook deliveries are posted at once when
// WEBHOOK_WORKERS is unset.
const DefaultHookWorkers = 64

// DefaultHookTimeout bounds one hook request when WEBHOOK_TIMEOUT is unset:
// Statuspage's 30 seconds.
const DefaultHookTimeout = 30 * time.Second

// WebhookDocumentation is the meta.documentation of webhook payloads.
const WebhookDocumentation = "https://github.com/beaconstatus/beacon/blob/main/docs/subscribers.md#webhooks"

func (h HookSettings) withDefaults() HookSettings {
	if h.Workers <= 0 {
		h.Workers = DefaultHookWorkers
	}
	if h.Timeout <= 0 {
		h.Timeout = DefaultHookTimeout
	}
	if h.QuarantineAfter <= 0 {
		h.QuarantineAfter = models.DefaultQuarantineAfter
	}
	if h.MaxResponse <= 0 {
		h.MaxResponse = 64 << 10
	}
	if h.Guard == nil {
		h.Guard = &egress.Guard{}
	}
	return h
}

// hookClient posts hook messages through the SSRF guard.
type hookClient struct {
	set    HookSettings
	client *http.Client
}

func newHookClient(set HookSettings) *hookClient {
	return &hookClient{set: set, client: set.Guard.Client(set.Workers)}
}

// hookRequest is one message to post.
type hookRequest struct {
	Channel, Endpoint, Secret string
	ID                        string // the idempotency id: the same if it is ever sent again
	Event                     string // the notification's kind
	Body                      []byte
	At                        time.Time
}

// Sign is the X-Beacon-Signature of body at t with secret:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// post sends r; nil when the endpoint answered 2xx with at most
// MaxResponse bytes within ctx's deadline.
func (hc *hookClient) post(ctx context.Context, r hookRequest) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.Endpoint, bytes.NewReader(r.Body))
	if err != nil {
		return errors.New("invalid endpoint URL")
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Beacon-Webhooks/1")
	if r.Channel == models.ChannelWebhook {
		h.Set("X-Beacon-Signature", Sign(r.Secret, r.At, r.Body))
		h.Set("X-Beacon-Delivery", r.ID)
		h.Set("Idempotency-Key", r.ID)
		h.Set("X-Beacon-Event", r.Event)
	}
	resp, err := hc.client.Do(req)
	if err != nil {
		return hookProblem(ctx, err, hc.set.Timeout)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, io.LimitReader(resp.Body, hc.set.MaxResponse+1))
	switch {
	case resp.StatusCode/100 != 2:
		return fmt.Errorf("the endpoint answered HTTP %d", resp.StatusCode)
	case n > hc.set.MaxResponse:
		return fmt.Errorf("the endpoint's answer is longer than %d bytes", hc.set.MaxResponse)
	case err != nil:
		return hookProblem(ctx, err, hc.set.Timeout)
	}
	return nil
}

// hookProblem says why a request failed, without the URL (a chat
// webhook's URL is its secret).
func hookProblem(ctx context.Context, err error, timeout time.Duration) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case errors.Is(err, egress.ErrForbiddenAddress):
		return fmt.Errorf("refused: %w", err)
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("no complete answer within %s", timeout)
	}
	return err
}

// runHooks is the hook lane's worker: it keeps up to
// HookSettings.Workers requests in flight, claiming as many deliveries as
// it has free slots (up to ClaimBatch at a time) and posting each at once
// on its own goroutine, bounded by HookSettings.Timeout, so an endpoint
// that is slow or hangs holds its slot and nobody else's message. A slot
// is freed once its outcome is recorded: a crash leaves at most
// HookSettings.Workers requests sent and unrecorded, to be sent again
// with the same idempotency id. On return (ctx cancelled) every request
// begun is finished and recorded.
//
// A host whose last answer took longer than slowAfter is slow: at most
// a quarter of the slots post to it at once, and a delivery to it beyond
// that share is deferred (given back, due again a moment later, no
// attempt counted) instead of waiting in a slot. So a slow receiver — a
// chat platform having a bad day, a hanging endpoint with many
// subscribers — cannot take the slots of the healthy ones (by Little's
// law, 1 % of requests taking 2 s would otherwise hold most of 64 slots
// at 3,000 requests a second).
func (w *worker) runHooks(ctx context.Context) {
	workers := w.n.set.Hooks.Workers
	slots := make(chan struct{}, workers)
	hosts := newHostShares(max(1, workers/4), w.slowAfter())
	var inflight sync.WaitGroup
	defer inflight.Wait()
	// The next deliveries are claimed ahead, while the slots post (a
	// claimed delivery not yet posted holds no slot: nothing of it is
	// sent); the rest are given back when stopping.
	ready, taken := make(chan claimedHook, w.t.ClaimBatch), make(chan struct{}, 1)
	claiming, stopClaiming := context.WithCancel(ctx)
	claimed := make(chan struct{})
	go func() { defer close(claimed); w.claimHooks(claiming, ready, taken) }()
	defer func() {
		stopClaiming()
		<-claimed
		close(ready)
		var rest []models.ClaimedDelivery
		for c := range ready {
			rest = append(rest, c.d)
		}
		w.release(ctx, rest)
	}()
	// An endpoint gets its messages one at a time, in order: a delivery
	// waits for the one before it to the same subscriber (by id, the
	// order of the notifications) to be posted.
	var mu sync.Mutex
	last := map[string]chan struct{}{} // subscriber → closed when its latest delivery is posted
	for ctx.Err() == nil {
		var c claimedHook
		select {
		case c = <-ready:
		case <-ctx.Done():
			return
		}
		select {
		case taken <- struct{}{}:
		default:
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			w.release(ctx, []models.ClaimedDelivery{c.d})
			return
		}
		d := c.d
		if w.n.now().After(c.stop) {
			w.release(ctx, []models.ClaimedDelivery{d})
			<-slots
			continue
		}
		o, r := w.prepareHook(ctx, d)
		mu.Lock()
		before, posted := last[d.SubscriberID], make(chan struct{})
		last[d.SubscriberID] = posted
		mu.Unlock()
		inflight.Go(func() {
			defer func() { <-slots }()
			if before != nil {
				<-before
			}
			if r != nil {
				host := hostOf(r.Endpoint)
				if hosts.take(host) {
					o = w.deferHook(d)
				} else {
					hosts.post(host, func() { o = w.postHook(ctx, d, r) })
				}
			}
			close(posted)
			mu.Lock()
			if last[d.SubscriberID] == posted {
				delete(last, d.SubscriberID)
			}
			mu.Unlock()
			o.done = make(chan error, 1)
			w.lane.rec.queue <- *o
			if err := <-o.done; err != nil {
				w.n.log.Warn("notifier: outcome not recorded", "worker", w.name, "delivery", d.ID, "error", err)
			}
		})
	}
}

// claimedHook is a claimed hook delivery waiting for a slot, and when to
// give it back unsent rather than begin it (its lease is about to end).
type claimedHook struct {
	d    models.ClaimedDelivery
	stop time.Time
}

// claimHooks keeps ready full: once half of it is taken (or all, when
// few are due), it claims as many deliveries as it has room for, until ctx
// is done. taken tells it some were taken.
func (w *worker) claimHooks(ctx context.Context, ready chan claimedHook, taken <-chan struct{}) {
	for ctx.Err() == nil {
		room := cap(ready) - len(ready)
		if room == 0 || (room < cap(ready)/2 && len(ready) > 0) {
			select {
			case <-taken:
			case <-ctx.Done():
			}
			continue
		}
		c := w.claimUpTo(ctx, room)
		if c.err != nil {
			if ctx.Err() == nil {
				w.n.log.Error("notifier: claim hook deliveries", "worker", w.name, "error", c.err)
			}
			wait(ctx, w.t.PollInterval, nil)
			continue
		}
		if len(c.batch) == 0 {
			wait(ctx, w.t.PollInterval, c.woken)
			continue
		}
		stop := c.at.Add(w.t.Lease - w.lane.margin)
		for _, d := range c.batch {
			ready <- claimedHook{d: d, stop: stop} // room was made for it: only this goroutine adds
		}
	}
}

// slowAfter is how long an answer takes for its host to count as slow:
// one second, or a quarter of the timeout when that is shorter.
func (w *worker) slowAfter() time.Duration { return min(time.Second, w.n.set.Hooks.Timeout/4) }

// hostOf is the host:port of an endpoint URL.
func hostOf(endpoint string) string {
	if u, err := url.Parse(endpoint); err == nil {
		return u.Host
	}
	return endpoint
}

// hostShares bounds the requests in flight to slow hosts.
type hostShares struct {
	mu        sync.Mutex
	share     int            // requests at once to one slow host
	slowAfter time.Duration  // an answer this slow makes its host slow
	inflight  map[string]int // host → requests in flight
	slow      map[string]bool
}

func newHostShares(share int, slowAfter time.Duration) *hostShares {
	return &hostShares{share: share, slowAfter: slowAfter, inflight: map[string]int{}, slow: map[string]bool{}}
}

// take counts a request to host in flight, unless the host is slow and
// has its share in flight (deferred).
func (h *hostShares) take(host string) (deferred bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.slow[host] && h.inflight[host] >= h.share {
		return true
	}
	h.inflight[host]++
	return false
}

// post runs send as a request to host taken with take, noting whether the
// host is slow: it is once a request to it has been waiting slowAfter,
// and no longer once one is answered sooner.
func (h *hostShares) post(host string, send func()) {
	timer := time.AfterFunc(h.slowAfter, func() {
		h.mu.Lock()
		h.slow[host] = true
		h.mu.Unlock()
	})
	began := time.Now()
	send()
	fast := timer.Stop() && time.Since(began) < h.slowAfter
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.inflight[host]--; h.inflight[host] <= 0 {
		delete(h.inflight, host)
	}
	if fast {
		delete(h.slow, host)
	}
}

// deferHook gives d back, due again shortly: its host is slow and has
// its share of the slots.
func (w *worker) deferHook(d models.ClaimedDelivery) *outcome {
	return &outcome{deferred: &models.DeferredDelivery{ID: d.ID, Worker: w.name, Reason: "waiting: the endpoint's host is slow",
		Next: w.n.now().Add(w.slowAfter())}}
}

// prepareHook is what to post for d, or its outcome when there is nothing
// to post.
func (w *worker) prepareHook(ctx context.Context, d models.ClaimedDelivery) (*outcome, *hookRequest) {
	skip := func(reason string) (*outcome, *hookRequest) {
		return &outcome{write: func(ctx context.Context, db Store) error { return db.SkipDelivery(ctx, d.ID, w.name, reason) }}, nil
	}
	n, err := w.notification(ctx, d.NotificationID)
	switch {
	case err != nil:
		w.n.log.Error("notifier: load notification", "notification", d.NotificationID, "error", err)
		next := w.n.now().Add(w.t.RetryBase)
		return &outcome{write: func(ctx context.Context, db Store) error {
			return db.DeferDelivery(ctx, d.ID, w.name, "internal error: notification unreadable", next)
		}}, nil
	case d.SubscriberStatus != models.SubscriberConfirmed:
		return skip("the subscriber is " + orGone(d.SubscriberStatus))
	case d.Quarantined:
		return skip("the endpoint is quarantined")
	}
	now := w.n.now()
	body, err := w.n.hookBody(ctx, n, d, now)
	if err != nil {
		w.n.log.Error("notifier: build hook message", "delivery", d.ID, "error", err)
		reason := "cannot build the message: " + err.Error()
		return &outcome{write: func(ctx context.Context, db Store) error { return db.FailDelivery(ctx, d.ID, w.name, reason) }}, nil
	}
	return nil, &hookRequest{Channel: d.Channel, Endpoint: d.Endpoint, Secret: d.Secret, Event: n.Kind, Body: body, At: now,
		ID: fmt.Sprintf("%s.%d.%d", w.n.set.PageID, n.ID, d.ID)}
}

// postHook posts r and returns the outcome of delivery d.
func (w *worker) postHook(ctx context.Context, d models.ClaimedDelivery, r *hookRequest) *outcome {
	// A request that has begun is finished (bounded by the timeout), even
	// when shutting down: its outcome is then known and recorded.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.n.set.Hooks.Timeout)
	err := w.n.hooks.post(sctx, *r)
	cancel()
	// Failures of this endpoint recorded since d was claimed (its
	// failures were read then) are reset by a success too.
	_, failedSince := w.n.hookFailed.LoadAndDelete(d.SubscriberID)
	if err != nil {
		w.n.hookFailed.Store(d.SubscriberID, struct{}{})
	}
	if err == nil {
		return &outcome{sent: &models.SentDelivery{ID: d.ID, Worker: w.name, MessageID: r.ID, At: w.n.now(),
			Hook: d.Failures > 0 || failedSince}} // a success ends a run of failures (none: nothing to reset, no transaction)
	}
	attempt := d.Attempts + 1
	f := models.HookFailure{ID: d.ID, Worker: w.name, SubscriberID: d.SubscriberID, Reason: headerText(err.Error(), 500),
		QuarantineAfter: w.n.set.Hooks.QuarantineAfter, Now: w.n.now()}
	if attempt < w.t.MaxAttempts {
		f.Next = f.Now.Add(backoff(w.t, attempt))
	}
	w.n.log.Warn("notifier: hook attempt failed", "delivery", d.ID, "channel", d.Channel, "attempt", attempt,
		"final", f.Next.IsZero(), "error", f.Reason)
	return &outcome{write: func(ctx context.Context, db Store) error {
		quarantined, err := db.HookAttemptFailed(ctx, f)
		if quarantined {
			w.n.log.Warn("notifier: endpoint quarantined", "subscriber", d.SubscriberID, "channel", d.Channel)
			w.n.dispatch.Broadcast() // its contact's email is in the outbox
		}
		return err
	}}
}
