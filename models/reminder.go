package models

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// RemindBefore is how long before a maintenance starts its subscribers are
// reminded of it (when the maintenance has ScheduledRemindPrior).
const RemindBefore = time.Hour

// Reminder says what becomes of the maintenance's reminder at now:
// "will" (it is to be sent an hour before the start), "sent", or "" (none:
// not asked for, announced less than RemindBefore ahead, or too late).
// RunDueReminders follows the same rule.
func (in *Incident) Reminder(now time.Time) string {
	switch {
	case in.Kind != KindMaintenance || !in.ScheduledRemindPrior || in.ScheduledFor == nil:
		return ""
	case in.ScheduledRemindedAt != nil:
		return "sent"
	case in.Status == Scheduled && in.ScheduledFor.After(now) && in.CreatedAt.Before(in.ScheduledFor.Add(-RemindBefore)):
		return "will"
	}
	return ""
}

// RunDueReminders enqueues the reminder of every scheduled maintenance with
// ScheduledRemindPrior that starts within RemindBefore of now, once: the
// maintenance's scheduled_reminded_at is set by a conditional UPDATE in
// the reminder's transaction, so replicas running this at the same time
// remind once. A maintenance announced less than RemindBefore ahead of its
// start gets no reminder (its announcement is recent), nor one whose start
// has passed. It returns how many reminders it enqueued, and the errors of
// those it could not (the others are still enqueued).
func (db *DB) RunDueReminders(ctx context.Context, now time.Time) (int, error) {
	now = now.UTC()
	var due []Incident
	err := db.Gorm.WithContext(ctx).Select("id", "created_at", "scheduled_for").
		Where("kind = ? AND status = ? AND scheduled_remind_prior AND scheduled_reminded_at IS NULL", KindMaintenance, Scheduled).
		Where("scheduled_for > ? AND scheduled_for <= ?", now, now.Add(RemindBefore)).
		Order("scheduled_for, id").Find(&due).Error
	if err != nil {
		return 0, fmt.Errorf("models: list due maintenance reminders: %w", err)
	}
	var errs []error
	sent := 0
	for _, m := range due {
		if !m.CreatedAt.Before(m.ScheduledFor.Add(-RemindBefore)) {
			continue
		}
		var done bool
		err := db.InTx(ctx, func(tx *DB) error {
			var err error
			done, err = tx.remind(ctx, m.ID, now)
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("models: remind of maintenance %s: %w", m.ID, err))
			continue
		}
		if done {
			sent++
		}
	}
	return sent, errors.Join(errs...)
}

// remind marks the maintenance reminded and enqueues its reminder, unless
// another transaction did so first.
func (db *DB) remind(ctx context.Context, id string, now time.Time) (bool, error) {
	tx := db.Gorm.WithContext(ctx)
	res := tx.Model(&Incident{}).
		Where("id = ? AND status = ? AND scheduled_reminded_at IS NULL", id, Scheduled).
		Update("scheduled_reminded_at", now)
	if res.Error != nil {
		return false, res.Error
	}
	if res.RowsAffected == 0 {
		return false, nil
	}
	var in Incident
	if err := tx.Take(&in, "id = ?", id).Error; err != nil {
		return false, err
	}
	return true, enqueueAbout(tx, &in, NotifyMaintenanceReminder, nil, NotificationContent{Status: in.Status, At: now})
}
