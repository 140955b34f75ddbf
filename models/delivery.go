package models

import (
	"context"
	"fmt"
	"sort"
	"strings"
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
	LeasedBy       string // the worker holding it; set only while it is sending, '' otherwise
	Channel        string // the subscriber's when it was made (ChannelEmail for messages to one subscriber)
	MessageID      string
	LastError      string
	CreatedAt      time.Time
	SentAt         *time.Time
}

// ClaimedDelivery is a delivery a worker holds, with what sending it needs
// to know of its subscriber now (read in the same statement).
type ClaimedDelivery struct {
	Delivery
	SubscriberStatus string
	TokenVersion     int
	Language         string // the subscriber's language; "" for the page's default
	// For the hook channels (ClaimHookDeliveries): the subscriber's
	// endpoint and secret now, and whether it is quarantined.
	Endpoint, Secret string
	Quarantined      bool
	Failures         int // the endpoint's consecutive failed attempts when claimed
}

// ClaimDeliveries gives worker up to limit pending deliveries whose attempt
// is due at now, earliest due first (in the order of the due index: a
// tie-break on id would sort every due row at each claim), leased to it until now+lease: nobody else
// claims them meanwhile. On PostgreSQL the rows are taken with FOR UPDATE
// SKIP LOCKED, so workers of several replicas claim disjoint sets; SQLite
// runs the one UPDATE ... RETURNING at a time. Deliveries whose lease
// expired are not claimed here: ReleaseExpired puts them back first.
func (db *DB) ClaimDeliveries(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]ClaimedDelivery, error) {
	return db.claim(ctx, false, worker, now, lease, limit)
}

// ClaimHookDeliveries is ClaimDeliveries of the deliveries by webhook,
// Slack, Discord and Teams (ClaimDeliveries claims the emails), with their
// subscriber's endpoint and secret.
func (db *DB) ClaimHookDeliveries(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]ClaimedDelivery, error) {
	return db.claim(ctx, true, worker, now, lease, limit)
}

func (db *DB) claim(ctx context.Context, hooks bool, worker string, now time.Time, lease time.Duration, limit int) ([]ClaimedDelivery, error) {
	now = now.UTC()
	lock := ""
	if db.Dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	channel, extra := "channel = 'email'", ""
	if hooks {
		channel = "channel IN ('webhook', 'slack', 'discord', 'teams')"
		extra = `,
			(SELECT s.endpoint FROM subscribers s WHERE s.id = deliveries.subscriber_id) AS endpoint,
			(SELECT s.secret FROM subscribers s WHERE s.id = deliveries.subscriber_id) AS secret,
			(SELECT s.quarantined_at IS NOT NULL FROM subscribers s WHERE s.id = deliveries.subscriber_id) AS quarantined,
			(SELECT s.failures FROM subscribers s WHERE s.id = deliveries.subscriber_id) AS failures`
	}
	var claimed []ClaimedDelivery
	err := db.Gorm.WithContext(ctx).Raw(`UPDATE deliveries SET status = 'sending', leased_by = ?, lease_until = ?
		WHERE id IN (
			SELECT id FROM deliveries WHERE status = 'pending' AND `+channel+` AND next_attempt_at <= ?
			ORDER BY next_attempt_at LIMIT ?`+lock+`)
		RETURNING id, notification_id, subscriber_id, email, channel, status, attempts, next_attempt_at, lease_until,
			leased_by, last_error, created_at,
			(SELECT s.status FROM subscribers s WHERE s.id = deliveries.subscriber_id) AS subscriber_status,
			(SELECT s.token_version FROM subscribers s WHERE s.id = deliveries.subscriber_id) AS token_version,
			(SELECT s.language FROM subscribers s WHERE s.id = deliveries.subscriber_id) AS language`+extra,
		worker, now.Add(lease), now, limit).Scan(&claimed).Error
	if err != nil {
		return nil, fmt.Errorf("models: claim deliveries: %w", err)
	}
	sort.Slice(claimed, func(i, j int) bool { return claimed[i].ID < claimed[j].ID })
	return claimed, nil
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
	// leased_by implies status = 'sending': see MarkSentBatch.
	err := db.Gorm.WithContext(ctx).Exec(`UPDATE deliveries SET status = 'pending', leased_by = '', lease_until = NULL
		WHERE id IN ? AND leased_by = ?`, ids, worker).Error
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

// SentDelivery is an acknowledged message to record with MarkSentBatch.
type SentDelivery struct {
	ID        int64
	Worker    string
	MessageID string
	At        time.Time
	Hook      bool // by webhook or chat to an endpoint with failures: they are counted afresh
}

// MarkSentBatch records several acknowledged messages in one statement
// (what MarkSent does for one; sent_at is the latest of their times), and
// returns the ids of those whose worker no longer held them.
func (db *DB) MarkSentBatch(ctx context.Context, sent []SentDelivery) (lost []int64, err error) {
	if len(sent) == 0 {
		return nil, nil
	}
	var hooks []int64
	for _, s := range sent {
		if s.Hook {
			hooks = append(hooks, s.ID)
		}
	}
	if len(hooks) > 0 {
		// A success ends a run of failures: both or neither.
		err = db.InTx(ctx, func(tx *DB) error {
			if lost, err = tx.markSent(ctx, sent); err != nil {
				return err
			}
			err := tx.Gorm.WithContext(ctx).Exec(`UPDATE subscribers SET failures = 0 WHERE failures > 0
				AND id IN (SELECT subscriber_id FROM deliveries WHERE id IN ?)`, hooks).Error
			if err != nil {
				return fmt.Errorf("models: reset failures: %w", err)
			}
			return nil
		})
		return lost, err
	}
	return db.markSent(ctx, sent)
}

func (db *DB) markSent(ctx context.Context, sent []SentDelivery) (lost []int64, err error) {
	// CASE by id keeps the lookups on the primary key (an UPDATE ... FROM
	// (VALUES ...) makes SQLite scan the table). The worker's name implies
	// status = 'sending' (see Delivery.LeasedBy); checking the status too
	// would lead PostgreSQL's
	// planner to a bitmap scan of the due index, whose 'sending' range holds
	// an entry for every delivery sent since the last vacuum.
	var ids, workers, messageIDs strings.Builder
	idArgs := make([]any, 0, len(sent))
	workerArgs, messageArgs := make([]any, 0, 2*len(sent)), make([]any, 0, 2*len(sent))
	var at time.Time
	for i, s := range sent {
		if i > 0 {
			ids.WriteString(", ")
		}
		ids.WriteString("?")
		workers.WriteString(" WHEN ? THEN ?")
		messageIDs.WriteString(" WHEN ? THEN ?")
		idArgs = append(idArgs, s.ID)
		workerArgs = append(workerArgs, s.ID, s.Worker)
		messageArgs = append(messageArgs, s.ID, s.MessageID)
		if s.At.After(at) {
			at = s.At
		}
	}
	args := append(append(append(messageArgs, at.UTC()), idArgs...), workerArgs...)
	var done []int64
	err = db.Gorm.WithContext(ctx).Raw(`UPDATE deliveries SET status = 'sent', attempts = attempts + 1,
			message_id = CASE id`+messageIDs.String()+` END, sent_at = ?, last_error = '', leased_by = '', lease_until = NULL
		WHERE id IN (`+ids.String()+`) AND leased_by = CASE id`+workers.String()+` END
		RETURNING id`, args...).Scan(&done).Error
	if err != nil {
		return nil, fmt.Errorf("models: record %d sent deliveries: %w", len(sent), err)
	}
	ok := make(map[int64]bool, len(done))
	for _, id := range done {
		ok[id] = true
	}
	for _, s := range sent {
		if !ok[s.ID] {
			lost = append(lost, s.ID)
		}
	}
	return lost, nil
}

// DeferredDelivery is a claimed delivery given back unsent, due again at
// Next, with DeferDeliveries.
type DeferredDelivery struct {
	ID     int64
	Worker string
	Reason string
	Next   time.Time
}

// DeferDeliveries is DeferDelivery of several deliveries in one statement
// (a worker defers those to a slow host in bulk), and returns the ids of
// those whose worker no longer held them.
func (db *DB) DeferDeliveries(ctx context.Context, ds []DeferredDelivery) (lost []int64, err error) {
	if len(ds) == 0 {
		return nil, nil
	}
	then := "?"
	if db.Dialect == Postgres {
		then = "CAST(? AS timestamptz)"
	}
	var ids, workers, reasons, nexts strings.Builder
	idArgs := make([]any, 0, len(ds))
	workerArgs, reasonArgs, nextArgs := make([]any, 0, 2*len(ds)), make([]any, 0, 2*len(ds)), make([]any, 0, 2*len(ds))
	for i, d := range ds {
		if i > 0 {
			ids.WriteString(", ")
		}
		ids.WriteString("?")
		workers.WriteString(" WHEN ? THEN ?")
		reasons.WriteString(" WHEN ? THEN ?")
		nexts.WriteString(" WHEN ? THEN " + then)
		idArgs = append(idArgs, d.ID)
		workerArgs = append(workerArgs, d.ID, d.Worker)
		reasonArgs = append(reasonArgs, d.ID, d.Reason)
		nextArgs = append(nextArgs, d.ID, d.Next.UTC())
	}
	args := append(append(append(reasonArgs, nextArgs...), idArgs...), workerArgs...)
	var done []int64
	err = db.Gorm.WithContext(ctx).Raw(`UPDATE deliveries SET status = 'pending', last_error = CASE id`+reasons.String()+` END,
			next_attempt_at = CASE id`+nexts.String()+` END, leased_by = '', lease_until = NULL
		WHERE id IN (`+ids.String()+`) AND leased_by = CASE id`+workers.String()+` END
		RETURNING id`, args...).Scan(&done).Error
	if err != nil {
		return nil, fmt.Errorf("models: defer %d deliveries: %w", len(ds), err)
	}
	ok := make(map[int64]bool, len(done))
	for _, id := range done {
		ok[id] = true
	}
	for _, d := range ds {
		if !ok[d.ID] {
			lost = append(lost, d.ID)
		}
	}
	return lost, nil
}
