package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// What operators do with subscribers: look them up, add, remove, and the
// expiry of unconfirmed ones.

// GetSubscriber loads a subscriber with its components; ErrNotFound when
// there is none with the id.
func (db *DB) GetSubscriber(ctx context.Context, id string) (*Subscriber, error) {
	return db.findSubscriber(ctx, "id = ?", id)
}

// FindSubscriber loads the subscriber of an address, whatever its case;
// ErrNotFound when there is none.
func (db *DB) FindSubscriber(ctx context.Context, email string) (*Subscriber, error) {
	return db.findSubscriber(ctx, "email_normalized = ?", strings.ToLower(strings.TrimSpace(email)))
}

func (db *DB) findSubscriber(ctx context.Context, where string, args ...any) (*Subscriber, error) {
	var s Subscriber
	if err := db.Gorm.WithContext(ctx).Where(where, args...).Take(&s).Error; err != nil {
		return nil, notFound(err, "load subscriber")
	}
	list := []Subscriber{s}
	if err := db.loadSubscriberComponents(ctx, list); err != nil {
		return nil, err
	}
	return &list[0], nil
}

// loadSubscriberComponents fills in the ComponentIDs of each subscriber.
func (db *DB) loadSubscriberComponents(ctx context.Context, list []Subscriber) error {
	if len(list) == 0 {
		return nil
	}
	index := make(map[string]int, len(list))
	ids := make([]string, len(list))
	for i := range list {
		index[list[i].ID], ids[i] = i, list[i].ID
		list[i].ComponentIDs = nil
	}
	var rows []subscriberComponent
	err := db.Gorm.WithContext(ctx).Where("subscriber_id IN ?", ids).
		Order("subscriber_id, component_id").Find(&rows).Error
	if err != nil {
		return fmt.Errorf("models: load subscribers' components: %w", err)
	}
	for _, r := range rows {
		s := &list[index[r.SubscriberID]]
		s.ComponentIDs = append(s.ComponentIDs, r.ComponentID)
	}
	return nil
}

// SubscriberFilter selects subscribers for a list or an export.
type SubscriberFilter struct {
	Query  string // part of the address, any case
	Status string // one of the Subscriber statuses; "" for all
	// Channel keeps one channel's subscribers ("" for all); Quarantined
	// only the quarantined ones.
	Channel     string
	Quarantined bool
	Limit       int // at most this many (0: no limit)
	Offset      int
}

// scope returns the filter's conditions as a gorm scope.
func (f SubscriberFilter) scope() (func(*gorm.DB) *gorm.DB, error) {
	switch f.Status {
	case "", SubscriberPending, SubscriberConfirmed, SubscriberUnsubscribed:
	default:
		return nil, Invalid("status", "must be pending, confirmed or unsubscribed")
	}
	return func(q *gorm.DB) *gorm.DB {
		if f.Status != "" {
			q = q.Where("status = ?", f.Status)
		}
		if f.Channel != "" {
			q = q.Where("channel = ?", f.Channel)
		}
		if f.Quarantined {
			q = q.Where("quarantined_at IS NOT NULL")
		}
		if s := strings.ToLower(strings.TrimSpace(f.Query)); s != "" {
			escaped := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
			q = q.Where(`email_normalized LIKE ? ESCAPE '\'`, "%"+escaped+"%")
		}
		return q
	}, nil
}

// ListSubscribers returns the subscribers matching f, newest first, with
// their components, and how many match in all.
func (db *DB) ListSubscribers(ctx context.Context, f SubscriberFilter) ([]Subscriber, int64, error) {
	scope, err := f.scope()
	if err != nil {
		return nil, 0, err
	}
	var total int64
	if err := db.Gorm.WithContext(ctx).Model(&Subscriber{}).Scopes(scope).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("models: count subscribers: %w", err)
	}
	list := []Subscriber{}
	page := db.Gorm.WithContext(ctx).Scopes(scope).Order("created_at DESC, id DESC").Offset(f.Offset)
	if f.Limit > 0 {
		page = page.Limit(f.Limit)
	}
	if err := page.Find(&list).Error; err != nil {
		return nil, 0, fmt.Errorf("models: list subscribers: %w", err)
	}
	if err := db.loadSubscriberComponents(ctx, list); err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

// CountSubscribers returns how many subscribers there are in each status.
func (db *DB) CountSubscribers(ctx context.Context) (map[string]int64, error) {
	var rows []struct {
		Status string
		N      int64
	}
	err := db.Gorm.WithContext(ctx).Model(&Subscriber{}).Select("status, count(*) AS n").Group("status").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("models: count subscribers: %w", err)
	}
	counts := map[string]int64{SubscriberPending: 0, SubscriberConfirmed: 0, SubscriberUnsubscribed: 0}
	for _, r := range rows {
		counts[r.Status] = r.N
	}
	return counts, nil
}

// NewSubscriber is a subscriber an operator adds.
type NewSubscriber struct {
	Email string
	// Channel and Endpoint: see Target (Channel "" is email).
	Channel, Endpoint string
	Choices           SubscriberChoices
	// SkipConfirmation makes the subscriber confirmed at once, without a
	// confirmation email: the operator vouches for their consent.
	SkipConfirmation bool
	Source           string // SourceConsole, SourceAPI
}

// AddSubscriber adds a subscriber for an operator: confirmed at once with
// SkipConfirmation, else pending with a confirmation email queued. An
// address already pending or confirmed is an ErrConflict. One that has
// unsubscribed is too when skipping confirmation (their opt-out outranks
// the operator's word); without skipping it is subscribed again, pending,
// as the public form would.
func (db *DB) AddSubscriber(ctx context.Context, n NewSubscriber, now time.Time) (*Subscriber, error) {
	now = now.UTC()
	var s *Subscriber
	err := db.InTx(ctx, func(tx *DB) error {
		to := Target{Channel: n.Channel, Endpoint: n.Endpoint, Email: n.Email}
		if to.chat() {
			n.SkipConfirmation = true // added by an operator, who vouches; it has no address to confirm
		}
		addr, norm, err := tx.checkSubscription(ctx, to, &n.Choices)
		if err != nil {
			return err
		}
		s = to.with(addr, norm).subscriber(n.Source, now)
		if n.SkipConfirmation {
			s.Status, s.ConfirmedAt = SubscriberConfirmed, &now
		} else {
			s.ConfirmationSentAt = &now
		}
		inserted, err := tx.insertSubscriber(ctx, s, n.Choices)
		switch {
		case err != nil:
			return err
		case inserted && n.SkipConfirmation:
			return nil
		case inserted:
			return tx.enqueueConfirmation(ctx, s, now)
		}
		if s, err = tx.lockSubscriber(ctx, "email_normalized = ?", norm); err != nil {
			return err
		}
		return tx.existingSubscriber(ctx, s, n, now)
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// existingSubscriber is AddSubscriber of an address already known as s.
func (db *DB) existingSubscriber(ctx context.Context, s *Subscriber, n NewSubscriber, now time.Time) error {
	switch {
	case s.Status == SubscriberConfirmed:
		return &ErrConflict{Message: fmt.Sprintf("%s is already subscribed", s.Address())}
	case s.Status == SubscriberPending:
		return &ErrConflict{Message: fmt.Sprintf("%s is already subscribed, waiting for their confirmation", s.Address())}
	case n.SkipConfirmation:
		return &ErrConflict{Message: fmt.Sprintf("%s unsubscribed on %s: only they can subscribe again, or add them without skipping the confirmation email",
			s.Address(), s.UnsubscribedAt.Format("2006-01-02"))}
	}
	return db.resubscribe(ctx, s, n.Choices, n.Source, now)
}

// DeleteSubscriber removes a subscriber and everything queued for them,
// and returns what was removed.
func (db *DB) DeleteSubscriber(ctx context.Context, id string) (*Subscriber, error) {
	var s *Subscriber
	err := db.InTx(ctx, func(tx *DB) error {
		var err error
		if s, err = tx.lockSubscriber(ctx, "id = ?", id); err != nil {
			return err
		}
		if err := tx.Gorm.WithContext(ctx).Delete(&Subscriber{}, "id = ?", id).Error; err != nil {
			return fmt.Errorf("models: delete subscriber %s: %w", id, err)
		}
		return nil
	})
	return s, err
}

// ExpireUnconfirmedSubscribers deletes the subscribers still pending
// UnconfirmedLifetime after their last confirmation email, and says how
// many. Call it now and then (the App's sweeper does); running it on
// several replicas at once is harmless.
func (db *DB) ExpireUnconfirmedSubscribers(ctx context.Context, now time.Time) (int64, error) {
	before := now.UTC().Add(-UnconfirmedLifetime)
	res := db.Gorm.WithContext(ctx).Where("status = ? AND COALESCE(confirmation_sent_at, created_at) < ?", SubscriberPending, before).
		Delete(&Subscriber{})
	if res.Error != nil {
		return 0, fmt.Errorf("models: expire unconfirmed subscribers: %w", res.Error)
	}
	return res.RowsAffected, nil
}
