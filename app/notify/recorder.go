package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/beaconstatus/beacon/models"
)

// recorder writes the outcomes of the workers' sends. The acknowledged
// messages waiting at a time are recorded together in one statement (the
// common case: one round trip and one commit for several messages); the
// rarer outcomes (retry, failed, skipped) one by one. On SQLite it is also
// the one writer of outcomes, instead of workers waiting on each other's
// locks.
type recorder struct {
	n       *Notifier
	queue   chan outcome
	flushAt int           // outcomes that are written at once without lingering
	linger  time.Duration // how long fewer wait for more
}

// outcome is the result of one delivery, to be recorded: sent, or another
// write.
type outcome struct {
	sent     *models.SentDelivery
	deferred *models.DeferredDelivery                  // given back unsent (a slow host's): recorded in bulk too
	write    func(ctx context.Context, db Store) error // RetryDelivery, FailDelivery...
	done     chan error                                // gets the outcome's error (ErrLeaseLost...) once written
}

// maxRecordBatch bounds the outcomes recorded at once.
const maxRecordBatch = 256

// newRecorder makes a recorder whose queue holds size outcomes.
func newRecorder(n *Notifier, size, flushAt int, linger time.Duration) *recorder {
	return &recorder{n: n, queue: make(chan outcome, size), flushAt: flushAt, linger: linger}
}

// close ends run once the queue is empty.
func (r *recorder) close() { close(r.queue) }

// run records outcomes until close.
func (r *recorder) run() {
	batch := make([]outcome, 0, maxRecordBatch)
	for o := range r.queue {
		batch = r.gather(append(batch[:0], o))
		r.record(batch)
	}
}

// gather adds to batch the outcomes queued, waiting up to linger for more
// while it holds fewer than flushAt: a statement then records dozens of
// messages, not a few (on SQLite, where a statement costs CPU rather than
// a wait, fewer statements leave more for sending). flushAt is a worker's
// Unrecorded, so a worker held back by it does not wait for the linger.
func (r *recorder) gather(batch []outcome) []outcome {
	var timeout <-chan time.Time
	for len(batch) < maxRecordBatch {
		select {
		case o, ok := <-r.queue:
			if !ok {
				return batch
			}
			batch = append(batch, o)
			continue
		default:
		}
		if len(batch) >= r.flushAt {
			return batch
		}
		if timeout == nil {
			t := time.NewTimer(r.linger)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case o, ok := <-r.queue:
			if !ok {
				return batch
			}
			batch = append(batch, o)
		case <-timeout:
			return batch
		}
	}
	return batch
}

// record writes a batch of outcomes and answers each.
func (r *recorder) record(batch []outcome) {
	var sent []models.SentDelivery
	var sentDone []chan error
	var deferred []models.DeferredDelivery
	var deferredDone []chan error
	for _, o := range batch {
		if o.deferred != nil {
			deferred = append(deferred, *o.deferred)
			deferredDone = append(deferredDone, o.done)
			continue
		}
		if o.sent != nil {
			sent = append(sent, *o.sent)
			sentDone = append(sentDone, o.done)
			continue
		}
		o.done <- r.retrying(func(ctx context.Context) error {
			return r.n.write(func() error { return o.write(ctx, r.n.store) })
		})
	}
	if len(deferred) > 0 {
		var lost []int64
		err := r.retrying(func(ctx context.Context) error {
			return r.n.write(func() (err error) {
				lost, err = r.n.store.DeferDeliveries(ctx, deferred)
				return err
			})
		})
		r.answer(deferred2ids(deferred), deferredDone, lost, err)
	}
	if len(sent) == 0 {
		return
	}
	var lost []int64
	err := r.retrying(func(ctx context.Context) error {
		return r.n.write(func() (err error) {
			lost, err = r.n.store.MarkSentBatch(ctx, sent)
			return err
		})
	})
	isLost := make(map[int64]bool, len(lost))
	for _, id := range lost {
		isLost[id] = true
	}
	for i, s := range sent {
		switch {
		case err != nil:
			r.n.log.Error("notifier: sent message not recorded: it will be sent again", "delivery", s.ID, "error", err)
			sentDone[i] <- err
		case isLost[s.ID]:
			sentDone[i] <- fmt.Errorf("%w (delivery %d, worker %s)", models.ErrLeaseLost, s.ID, s.Worker)
		default:
			sentDone[i] <- nil
		}
	}
}

func deferred2ids(ds []models.DeferredDelivery) []int64 {
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	return ids
}

// answer answers the outcomes of deliveries ids written together.
func (r *recorder) answer(ids []int64, done []chan error, lost []int64, err error) {
	isLost := make(map[int64]bool, len(lost))
	for _, id := range lost {
		isLost[id] = true
	}
	for i, id := range ids {
		switch {
		case err != nil:
			done[i] <- err
		case isLost[id]:
			done[i] <- fmt.Errorf("%w (delivery %d)", models.ErrLeaseLost, id)
		default:
			done[i] <- nil
		}
	}
}

// retrying runs write until it succeeds, a few times at most when the
// database fails: a sent message left unrecorded would be sent again once
// its lease ends. The context is not the workers': a shutdown does not
// cancel it.
func (r *recorder) retrying(write func(ctx context.Context) error) error {
	var err error
	for try, delay := 0, 100*time.Millisecond; try < 5; try, delay = try+1, 2*delay {
		ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
		err = write(ctx)
		cancel()
		if err == nil || errors.Is(err, models.ErrLeaseLost) {
			return err
		}
		time.Sleep(delay)
	}
	return err
}
