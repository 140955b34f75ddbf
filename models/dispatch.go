package models

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Statuses of a notification in the outbox.
const (
	NotificationPending     = "pending"
	NotificationDispatching = "dispatching" // some batches of subscribers expanded
	NotificationDispatched  = "dispatched"  // every delivery made
)

// DispatchStep says what one call of DispatchNext did.
type DispatchStep struct {
	NotificationID int64 // 0: nothing was waiting
	Created        int   // deliveries made
	Done           bool  // the notification is fully dispatched
}

// DispatchNext expands the oldest notification not yet dispatched by one
// batch of at most batch subscribers (ordered by id, from the
// notification's dispatch_cursor), into one pending Delivery per confirmed
// subscriber the notification concerns:
//
//   - the subscriber wants its kind (notify_incidents, notify_maintenance,
//     notify_postmortems);
//   - and follows the whole page, or chose one of the notification's
//     components, or the group of one of them (a notification about no
//     component concerns every subscriber).
//
// A notification to one subscriber (a confirmation) makes one delivery to
// them, whatever their status. The batch's deliveries and the cursor
// commit together, and a delivery is unique per notification and
// subscriber, so a crash between batches resumes where it stopped and
// repeats nothing. Several replicas may call it at once: on PostgreSQL the
// notification is locked (FOR UPDATE SKIP LOCKED), so another replica
// takes the next notification meanwhile; SQLite runs write transactions
// one at a time.
func (db *DB) DispatchNext(ctx context.Context, batch int, now time.Time) (DispatchStep, error) {
	if batch < 1 {
		batch = 1
	}
	now = now.UTC()
	var step DispatchStep
	err := db.Transaction(ctx, func(tx *gorm.DB) error {
		var n Notification
		err := lockRows(tx.Model(&Notification{}), true).
			Where("status IN ?", []string{NotificationPending, NotificationDispatching}).
			Order("id").Take(&n).Error
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("load: %w", err)
		}
		step.NotificationID = n.ID
		if n.SubscriberID != nil {
			// A message to one subscriber is an email to its address (a
			// webhook's contact), whatever its channel.
			res := tx.Exec(`INSERT INTO deliveries (notification_id, subscriber_id, email, status, next_attempt_at, created_at)
				SELECT ?, id, email, 'pending', ?, ? FROM subscribers WHERE id = ? AND email <> ''
				ON CONFLICT (notification_id, subscriber_id) DO NOTHING`, n.ID, now, now, *n.SubscriberID)
			if res.Error != nil {
				return fmt.Errorf("deliver to subscriber %s: %w", *n.SubscriberID, res.Error)
			}
			step.Created, step.Done = int(res.RowsAffected), true
			return finishDispatch(tx, &n, "", true, now)
		}
		created, upper, err := dispatchBatch(tx, &n, batch, now)
		if err != nil {
			return err
		}
		step.Created, step.Done = created, upper == ""
		return finishDispatch(tx, &n, upper, upper == "", now)
	})
	if err != nil {
		return step, fmt.Errorf("models: dispatch notification %d: %w", step.NotificationID, err)
	}
	return step, nil
}

// dispatchBatch makes the deliveries of n for the next batch of confirmed
// subscribers after its cursor, in one INSERT ... SELECT. It returns the
// id of the batch's last subscriber, "" when the batch reached the end.
func dispatchBatch(tx *gorm.DB, n *Notification, batch int, now time.Time) (created int, upper string, err error) {
	// The batch ends at the batch-th confirmed subscriber after the cursor.
	var bound []string
	err = tx.Raw(`SELECT id FROM subscribers WHERE status = 'confirmed' AND id > ? ORDER BY id LIMIT 1 OFFSET ?`,
		n.DispatchCursor, batch-1).Scan(&bound).Error
	if err != nil {
		return 0, "", fmt.Errorf("find the end of the batch: %w", err)
	}
	if len(bound) > 0 {
		upper = bound[0]
	}

	q := strings.Builder{}
	// A delivery goes by its subscriber's channel, to its address or
	// endpoint; quarantined endpoints get none.
	q.WriteString(`INSERT INTO deliveries (notification_id, subscriber_id, email, channel, status, next_attempt_at, created_at)
		SELECT ?, s.id, CASE WHEN s.channel = 'email' THEN s.email ELSE s.endpoint END, s.channel, 'pending', ?, ? FROM subscribers s
		WHERE s.status = 'confirmed' AND s.quarantined_at IS NULL AND s.id > ?`)
	args := []any{n.ID, now, now, n.DispatchCursor}
	if upper != "" {
		q.WriteString(` AND s.id <= ?`)
		args = append(args, upper)
	}
	switch {
	case NotifiesIncidents(n.Kind):
		q.WriteString(` AND s.notify_incidents`)
	case NotifiesMaintenance(n.Kind):
		q.WriteString(` AND s.notify_maintenance`)
	case NotifiesPostmortems(n.Kind):
		q.WriteString(` AND s.notify_postmortems`)
	}
	chosen, err := componentChoices(tx, n)
	if err != nil {
		return 0, "", err
	}
	if len(chosen) > 0 {
		q.WriteString(` AND (s.all_components OR EXISTS (SELECT 1 FROM subscriber_components sc
			WHERE sc.subscriber_id = s.id AND sc.component_id IN ?))`)
		args = append(args, chosen)
	}
	q.WriteString(` ON CONFLICT (notification_id, subscriber_id) DO NOTHING`)
	res := tx.Exec(q.String(), args...)
	if res.Error != nil {
		return 0, "", fmt.Errorf("make deliveries: %w", res.Error)
	}
	return int(res.RowsAffected), upper, nil
}

// componentChoices returns what a subscriber may have chosen to hear of n:
// its components and their groups; none when n concerns the whole page.
func componentChoices(tx *gorm.DB, n *Notification) ([]string, error) {
	var ids []string
	if err := json.Unmarshal([]byte(n.ComponentIDs), &ids); err != nil {
		return nil, fmt.Errorf("component ids %q: %w", n.ComponentIDs, err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var groups []string
	err := tx.Model(&Component{}).Distinct("group_id").
		Where("id IN ? AND group_id IS NOT NULL", ids).Pluck("group_id", &groups).Error
	if err != nil {
		return nil, fmt.Errorf("groups of the components: %w", err)
	}
	return append(ids, groups...), nil
}

// finishDispatch moves n's cursor, or marks it dispatched.
func finishDispatch(tx *gorm.DB, n *Notification, cursor string, done bool, now time.Time) error {
	fields := map[string]any{"status": NotificationDispatched, "dispatched_at": now}
	if !done {
		fields = map[string]any{"status": NotificationDispatching, "dispatch_cursor": cursor}
	}
	if err := tx.Model(&Notification{}).Where("id = ?", n.ID).Updates(fields).Error; err != nil {
		return fmt.Errorf("record progress: %w", err)
	}
	return nil
}
