package models

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// Statuses of a delivery.
const (
	DeliveryPending = "pending" // waiting for a worker, or for its next attempt
	DeliverySending = "sending" // claimed by a worker until lease_until
	DeliverySent    = "sent"    // acknowledged by the mail server
	DeliveryFailed  = "failed"  // refused for good, or out of attempts
	DeliverySkipped = "skipped" // the subscriber left before it was sent
)

// Delivery is one message of a notification to one subscriber.
type Delivery struct {
	ID             int64 `gorm:"primaryKey"`
	NotificationID int64
	SubscriberID   string
	Email          string
	Status         string
	Attempts       int
	NextAttemptAt  time.Time
	LeaseUntil     *time.Time
	LeasedBy       string
	MessageID      string
	LastError      string
	CreatedAt      time.Time
	SentAt         *time.Time
}

// ClaimedDelivery is a delivery a worker holds, with what sending it needs
// to know of its subscriber now.
type ClaimedDelivery struct {
	Delivery
	SubscriberStatus string
	TokenVersion     int
}

// ClaimDeliveries gives worker up to limit pending deliveries whose attempt
// is due at now, oldest first, leased to it until now+lease: nobody else
// claims them meanwhile. On PostgreSQL the rows are taken with FOR UPDATE
// SKIP LOCKED, so workers of several replicas claim disjoint sets; SQLite
// runs the one UPDATE ... RETURNING at a time. Deliveries whose lease
// expired are not claimed here: ReleaseExpired puts them back first.
func (db *DB) ClaimDeliveries(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]ClaimedDelivery, error) {
	now = now.UTC()
	lock := ""
	if db.Dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var claimed []Delivery
	err := db.Gorm.WithContext(ctx).Raw(`UPDATE deliveries SET status = 'sending', leased_by = ?, lease_until = ?
		WHERE id IN (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?
			ORDER BY next_attempt_at, id LIMIT ?`+lock+`)
		RETURNING id, notification_id, subscriber_id, email, status, attempts, next_attempt_at, lease_until, leased_by, last_error, created_at`,
		worker, now.Add(lease), now, limit).Scan(&claimed).Error
	if err != nil {
		return nil, fmt.Errorf("models: claim deliveries: %w", err)
	}
	if len(claimed) == 0 {
		return nil, nil
	}
	sort.Slice(claimed, func(i, j int) bool { return claimed[i].ID < claimed[j].ID })
	ids := make([]string, 0, len(claimed))
	for _, d := range claimed {
		ids = append(ids, d.SubscriberID)
	}
	var subs []struct {
		ID           string
		Status       string
		TokenVersion int
	}
	err = db.Gorm.WithContext(ctx).Table("subscribers").Select("id", "status", "token_version").
		Where("id IN ?", ids).Scan(&subs).Error
	if err != nil {
		return nil, fmt.Errorf("models: load subscribers of claimed deliveries: %w", err)
	}
	type sub struct {
		status  string
		version int
	}
	byID := make(map[string]sub, len(subs))
	for _, s := range subs {
		byID[s.ID] = sub{s.Status, s.TokenVersion}
	}
	out := make([]ClaimedDelivery, len(claimed))
	for i, d := range claimed {
		s := byID[d.SubscriberID]
		out[i] = ClaimedDelivery{Delivery: d, SubscriberStatus: s.status, TokenVersion: s.version}
	}
	return out, nil
}

// ReleaseExpired puts the deliveries whose lease ended before now back to
// pending (their worker died or lost touch), and returns how many. A
// delivery the mail server acknowledged is sent, never leased: it is not
// touched.
func (db *DB) ReleaseExpired(ctx context.Context, now time.Time) (int, error) {
	res := db.Gorm.WithContext(ctx).Exec(`UPDATE deliveries SET status = 'pending', leased_by = '', lease_until = NULL
		WHERE status = 'sending' AND lease_until < ?`, now.UTC())
	if res.Error != nil {
		return 0, fmt.Errorf("models: release expired deliveries: %w", res.Error)
	}
	return int(res.RowsAffected), nil
}

// ReleaseDeliveries gives back deliveries worker claimed but did not try
// (it is stopping), for another worker to claim at once.
func (db *DB) ReleaseDeliveries(ctx context.Context, worker string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	err := db.Gorm.WithContext(ctx).Exec(`UPDATE deliveries SET status = 'pending', leased_by = '', lease_until = NULL
		WHERE id IN ? AND status = 'sending' AND leased_by = ?`, ids, worker).Error
	if err != nil {
		return fmt.Errorf("models: release deliveries: %w", err)
	}
	return nil
}

// ErrLeaseLost is returned when a worker records the outcome of a delivery
// it no longer holds.
var ErrLeaseLost = fmt.Errorf("models: the delivery's lease was lost")

// finishDelivery applies fields (and one more attempt when counted) to a
// delivery worker holds.
func (db *DB) finishDelivery(ctx context.Context, id int64, worker string, counted bool, fields string, args ...any) error {
	attempts := ""
	if counted {
		attempts = ", attempts = attempts + 1"
	}
	res := db.Gorm.WithContext(ctx).Exec(`UPDATE deliveries SET `+fields+attempts+`, leased_by = '', lease_until = NULL
		WHERE id = ? AND status = 'sending' AND leased_by = ?`, append(args, id, worker)...)
	if res.Error != nil {
		return fmt.Errorf("models: record delivery %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("%w (delivery %d, worker %s)", ErrLeaseLost, id, worker)
	}
	return nil
}

// MarkSent records that the mail server acknowledged the delivery's
// message, with the message's Message-ID.
func (db *DB) MarkSent(ctx context.Context, id int64, worker, messageID string, at time.Time) error {
	return db.finishDelivery(ctx, id, worker, true, "status = 'sent', message_id = ?, sent_at = ?, last_error = ''",
		messageID, at.UTC())
}

// RetryDelivery records a failed attempt and when to try again.
func (db *DB) RetryDelivery(ctx context.Context, id int64, worker, reason string, next time.Time) error {
	return db.finishDelivery(ctx, id, worker, true, "status = 'pending', last_error = ?, next_attempt_at = ?",
		reason, next.UTC())
}

// FailDelivery records a delivery that will not be tried again, with why
// (the mail server's answer).
func (db *DB) FailDelivery(ctx context.Context, id int64, worker, reason string) error {
	return db.finishDelivery(ctx, id, worker, true, "status = 'failed', last_error = ?", reason)
}

// SkipDelivery records a delivery not sent because its subscriber is no
// longer subscribed.
func (db *DB) SkipDelivery(ctx context.Context, id int64, worker, reason string) error {
	return db.finishDelivery(ctx, id, worker, false, "status = 'skipped', last_error = ?", reason)
}

// RetryFailedDeliveries puts a notification's failed deliveries back to
// pending, due at now with their attempts counted afresh, and returns how
// many.
func (db *DB) RetryFailedDeliveries(ctx context.Context, notificationID int64, now time.Time) (int, error) {
	res := db.Gorm.WithContext(ctx).Exec(`UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?
		WHERE notification_id = ? AND status = 'failed'`, now.UTC(), notificationID)
	if res.Error != nil {
		return 0, fmt.Errorf("models: retry failed deliveries of notification %d: %w", notificationID, res.Error)
	}
	return int(res.RowsAffected), nil
}

// DeferDelivery gives a delivery back for a later attempt without counting
// one: the mail server could not be reached, which says nothing about the
// message. reason shows in the console meanwhile.
func (db *DB) DeferDelivery(ctx context.Context, id int64, worker, reason string, next time.Time) error {
	return db.finishDelivery(ctx, id, worker, false, "status = 'pending', last_error = ?, next_attempt_at = ?",
		reason, next.UTC())
}

// GetNotification returns a notification of the outbox; ErrNotFound when
// there is none with id.
func (db *DB) GetNotification(ctx context.Context, id int64) (*Notification, error) {
	var n Notification
	if err := db.Gorm.WithContext(ctx).Take(&n, "id = ?", id).Error; err != nil {
		return nil, notFound(err, "load notification %d", id)
	}
	return &n, nil
}
