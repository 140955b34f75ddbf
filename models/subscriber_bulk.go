package models

import (
	"context"
	"fmt"
	"time"
)

// Subscriber operations on many at once, for the management API's
// Statuspage endpoints (count, resend confirmation, bulk unsubscribe, an
// incident's subscribers).

// MaxBulkSubscribers bounds one bulk unsubscribe, as Statuspage's.
const MaxBulkSubscribers = 100

// SubscriberIDs selects subscribers by id, or All of them.
type SubscriberIDs struct {
	All bool
	IDs []string
}

// CountSubscribersWithStatus counts the subscribers in status ("" for all).
func (db *DB) CountSubscribersWithStatus(ctx context.Context, status string) (int64, error) {
	scope, err := SubscriberFilter{Status: status}.scope()
	if err != nil {
		return 0, err
	}
	var n int64
	if err := db.Gorm.WithContext(ctx).Model(&Subscriber{}).Scopes(scope).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("models: count subscribers: %w", err)
	}
	return n, nil
}

// selectSubscribers loads the subscribers sel names in status ("" any);
// an id that names none is a validation error of field.
func (db *DB) selectSubscribers(ctx context.Context, field string, sel SubscriberIDs, status string) ([]Subscriber, error) {
	q := db.Gorm.WithContext(ctx).Order("id")
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var list []Subscriber
	if !sel.All {
		if len(sel.IDs) == 0 {
			return nil, Invalid(field, `must be "all" or a list of subscriber ids`)
		}
		var all []Subscriber
		if err := db.Gorm.WithContext(ctx).Where("id IN ?", sel.IDs).Find(&all).Error; err != nil {
			return nil, fmt.Errorf("models: load subscribers: %w", err)
		}
		found := map[string]bool{}
		for _, s := range all {
			found[s.ID] = true
		}
		for _, id := range sel.IDs {
			if !found[id] {
				return nil, Invalid(field, "no subscriber with id %q", id)
			}
		}
		q = q.Where("id IN ?", sel.IDs)
	}
	if err := q.Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: load subscribers: %w", err)
	}
	return list, nil
}

// ResendConfirmations queues the confirmation email again to the pending
// subscribers sel names, except those sent one within
// ConfirmationResendInterval; it returns how many were queued.
func (db *DB) ResendConfirmations(ctx context.Context, sel SubscriberIDs, now time.Time) (int, error) {
	now = now.UTC()
	list, err := db.selectSubscribers(ctx, "subscribers", sel, SubscriberPending)
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range list {
		s := &list[i]
		if s.ConfirmationSentAt != nil && now.Sub(*s.ConfirmationSentAt) < ConfirmationResendInterval {
			continue
		}
		if err := db.sendConfirmation(ctx, s, now); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// UnsubscribeMany unsubscribes the subscribers sel names in status ("" for
// any), at most MaxBulkSubscribers at once; it returns how many were
// unsubscribed (those already were are left as they are).
func (db *DB) UnsubscribeMany(ctx context.Context, sel SubscriberIDs, status string, now time.Time) (int, error) {
	if len(sel.IDs) > MaxBulkSubscribers {
		return 0, Invalid("subscribers", "may name at most %d subscribers at once", MaxBulkSubscribers)
	}
	list, err := db.selectSubscribers(ctx, "subscribers", sel, status)
	if err != nil {
		return 0, err
	}
	if len(list) > MaxBulkSubscribers {
		return 0, Invalid("subscribers", `"all" selects %d subscribers: at most %d may be unsubscribed at once`, len(list), MaxBulkSubscribers)
	}
	n := 0
	for _, s := range list {
		if s.Status == SubscriberUnsubscribed {
			continue
		}
		if _, err := db.Unsubscribe(ctx, s.ID, 0, now); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// IncidentSubscribers returns the confirmed subscribers who hear of the
// incident: those who chose its kind (incidents or maintenance) and the
// whole page, or one of its components or their groups; oldest first.
func (db *DB) IncidentSubscribers(ctx context.Context, incidentID string, limit, offset int) ([]Subscriber, error) {
	in, err := db.getIncidentRow(ctx, incidentID)
	if err != nil {
		return nil, err
	}
	kind := "s.notify_incidents"
	if in.Kind == KindMaintenance {
		kind = "s.notify_maintenance"
	}
	list := []Subscriber{}
	err = db.Gorm.WithContext(ctx).Raw(`SELECT s.* FROM subscribers s
		WHERE s.status = 'confirmed' AND `+kind+`
		AND (s.all_components
			OR NOT EXISTS (SELECT 1 FROM incident_components ic WHERE ic.incident_id = ?)
			OR EXISTS (SELECT 1 FROM subscriber_components sc WHERE sc.subscriber_id = s.id AND (
				sc.component_id IN (SELECT ic.component_id FROM incident_components ic WHERE ic.incident_id = ?)
				OR sc.component_id IN (SELECT c.group_id FROM components c JOIN incident_components ic ON ic.component_id = c.id
					WHERE ic.incident_id = ? AND c.group_id IS NOT NULL))))
		ORDER BY s.created_at, s.id LIMIT ? OFFSET ?`, incidentID, incidentID, incidentID, limit, offset).Scan(&list).Error
	if err != nil {
		return nil, fmt.Errorf("models: subscribers of incident %s: %w", incidentID, err)
	}
	if err := db.loadSubscriberComponents(ctx, list); err != nil {
		return nil, err
	}
	return list, nil
}

// getIncidentRow loads an incident's own row, or ErrNotFound.
func (db *DB) getIncidentRow(ctx context.Context, id string) (*Incident, error) {
	if !ValidID(id) {
		return nil, ErrNotFound
	}
	var in Incident
	if err := db.Gorm.WithContext(ctx).Take(&in, "id = ?", id).Error; err != nil {
		return nil, notFound(err, "load incident %s", id)
	}
	return &in, nil
}
