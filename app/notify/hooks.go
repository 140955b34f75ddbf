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
func (w *worker) runHooks(ctx context.Context) {
	slots := make(chan struct{}, w.n.set.Hooks.Workers)
	var inflight sync.WaitGroup
	defer inflight.Wait()
	// An endpoint gets its messages one at a time, in order: a delivery
	// waits for the one before it to the same subscriber (by id, the
	// order of the notifications) to be posted.
	var mu sync.Mutex
	last := map[string]chan struct{}{} // subscriber → closed when its latest delivery is posted
	for ctx.Err() == nil {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		free := 1
	more:
		for free < w.t.ClaimBatch {
			select {
			case slots <- struct{}{}:
				free++
			default:
				break more
			}
		}
		c := w.claimUpTo(ctx, free)
		n := len(c.batch)
		for range free - n {
			<-slots
		}
		if c.err != nil {
			if ctx.Err() == nil {
				w.n.log.Error("notifier: claim hook deliveries", "worker", w.name, "error", c.err)
			}
			wait(ctx, w.t.PollInterval, nil)
			continue
		}
		if n == 0 {
			wait(ctx, w.t.PollInterval, c.woken)
			continue
		}
		stop := c.at.Add(w.t.Lease - w.lane.margin)
		for i, d := range c.batch {
			if ctx.Err() != nil || w.n.now().After(stop) {
				w.release(ctx, c.batch[i:])
				for range n - i {
					<-slots
				}
				break
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
					o = w.postHook(ctx, d, r)
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
	if err == nil {
		return &outcome{sent: &models.SentDelivery{ID: d.ID, Worker: w.name, MessageID: r.ID, At: w.n.now(), Hook: true}}
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
