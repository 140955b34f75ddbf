package models

import (
	"context"
	"fmt"
)

// DeliveryCounts are a notification's deliveries by status; Pending
// includes those being sent, Retrying those pending after a failed attempt.
type DeliveryCounts struct {
	Pending, Retrying, Sent, Failed, Skipped int
}

// Total is the number of deliveries.
func (c DeliveryCounts) Total() int { return c.Pending + c.Sent + c.Failed + c.Skipped }

// NotificationReport is a notification with how its deliveries stand.
type NotificationReport struct {
	Notification
	Counts DeliveryCounts
}

// FailureReason is one reason deliveries failed (the mail server's answer)
// and how many it stopped.
type FailureReason struct {
	Reason string
	Count  int
}

// ListNotificationReports returns the newest notifications (at most limit),
// each with its delivery counts.
func (db *DB) ListNotificationReports(ctx context.Context, limit int) ([]NotificationReport, error) {
	var list []Notification
	if err := db.Gorm.WithContext(ctx).Order("id DESC").Limit(limit).Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: list notifications: %w", err)
	}
	if len(list) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(list))
	for i, n := range list {
		ids[i] = n.ID
	}
	counts, err := db.deliveryCounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]NotificationReport, len(list))
	for i, n := range list {
		out[i] = NotificationReport{Notification: n, Counts: counts[n.ID]}
	}
	return out, nil
}

// GetNotificationReport returns a notification with its delivery counts;
// ErrNotFound when there is none with id.
func (db *DB) GetNotificationReport(ctx context.Context, id int64) (*NotificationReport, error) {
	var n Notification
	if err := db.Gorm.WithContext(ctx).Take(&n, "id = ?", id).Error; err != nil {
		return nil, notFound(err, "load notification %d", id)
	}
	counts, err := db.deliveryCounts(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	return &NotificationReport{Notification: n, Counts: counts[id]}, nil
}

// deliveryCounts counts the deliveries of the notifications by status, in
// one query.
func (db *DB) deliveryCounts(ctx context.Context, ids []int64) (map[int64]DeliveryCounts, error) {
	var rows []struct {
		NotificationID int64
		Status         string
		Retrying       bool
		N              int
	}
	err := db.Gorm.WithContext(ctx).Raw(`SELECT notification_id, status, (last_error <> '') AS retrying, COUNT(*) AS n
		FROM deliveries WHERE notification_id IN ? GROUP BY notification_id, status, (last_error <> '')`, ids).
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("models: count deliveries: %w", err)
	}
	out := make(map[int64]DeliveryCounts, len(ids))
	for _, r := range rows {
		c := out[r.NotificationID]
		switch r.Status {
		case DeliveryPending, DeliverySending:
			c.Pending += r.N
			if r.Retrying {
				c.Retrying += r.N
			}
		case DeliverySent:
			c.Sent += r.N
		case DeliveryFailed:
			c.Failed += r.N
		case DeliverySkipped:
			c.Skipped += r.N
		}
		out[r.NotificationID] = c
	}
	return out, nil
}

// DeliveryProblems returns why a notification's deliveries failed, or are
// being retried (retrying true), most frequent first, at most limit
// reasons.
func (db *DB) DeliveryProblems(ctx context.Context, notificationID int64, retrying bool, limit int) ([]FailureReason, error) {
	statuses := []string{DeliveryFailed}
	if retrying {
		statuses = []string{DeliveryPending, DeliverySending}
	}
	var out []FailureReason
	err := db.Gorm.WithContext(ctx).Raw(`SELECT last_error AS reason, COUNT(*) AS count FROM deliveries
		WHERE notification_id = ? AND status IN ? AND last_error <> ''
		GROUP BY last_error ORDER BY COUNT(*) DESC, last_error LIMIT ?`, notificationID, statuses, limit).
		Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("models: failure reasons of notification %d: %w", notificationID, err)
	}
	return out, nil
}

// FailedDeliveries returns up to limit failed deliveries of a
// notification, by address.
func (db *DB) FailedDeliveries(ctx context.Context, notificationID int64, limit int) ([]Delivery, error) {
	var out []Delivery
	err := db.Gorm.WithContext(ctx).Where("notification_id = ? AND status = ?", notificationID, DeliveryFailed).
		Order("email, id").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("models: failed deliveries of notification %d: %w", notificationID, err)
	}
	return out, nil
}

// ChannelCounts are a notification's deliveries by one channel.
type ChannelCounts struct {
	Channel string
	DeliveryCounts
}

// DeliveryCountsByChannel counts a notification's deliveries by channel
// and status, channels in a fixed order (email first).
func (db *DB) DeliveryCountsByChannel(ctx context.Context, notificationID int64) ([]ChannelCounts, error) {
	var rows []struct {
		Channel, Status string
		N               int
	}
	err := db.Gorm.WithContext(ctx).Raw(`SELECT channel, status, COUNT(*) AS n FROM deliveries
		WHERE notification_id = ? GROUP BY channel, status`, notificationID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("models: count deliveries by channel: %w", err)
	}
	by := map[string]*DeliveryCounts{}
	for _, r := range rows {
		c := by[r.Channel]
		if c == nil {
			c = &DeliveryCounts{}
			by[r.Channel] = c
		}
		switch r.Status {
		case DeliveryPending, DeliverySending:
			c.Pending += r.N
		case DeliverySent:
			c.Sent += r.N
		case DeliveryFailed:
			c.Failed += r.N
		case DeliverySkipped:
			c.Skipped += r.N
		}
	}
	var out []ChannelCounts
	for _, ch := range append([]string{ChannelEmail}, HookChannels...) {
		if c := by[ch]; c != nil {
			out = append(out, ChannelCounts{Channel: ch, DeliveryCounts: *c})
		}
	}
	return out, nil
}
