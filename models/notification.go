package models

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Kinds of notifications: what subscribers hear of.
const (
	NotifyIncidentOpened       = "incident.opened"
	NotifyIncidentUpdated      = "incident.updated"
	NotifyIncidentResolved     = "incident.resolved"
	NotifyMaintenanceScheduled = "maintenance.scheduled"
	NotifyMaintenanceReminder  = "maintenance.reminder"
	NotifyMaintenanceStarted   = "maintenance.started"
	NotifyMaintenanceCompleted = "maintenance.completed"
	NotifyPostmortemPublished  = "postmortem.published"
	NotifySubscriberConfirm    = "subscriber.confirm" // to one subscriber: the double opt-in mail
)

// Notification is a row of the outbox: written in the same transaction as
// the change it announces, then expanded into one Delivery per matching
// subscriber by the dispatcher. SubscriberID set means a message to one
// subscriber (a confirmation), whatever their status.
type Notification struct {
	ID             int64 `gorm:"primaryKey"`
	Kind           string
	IncidentID     *string
	EventID        *string
	SubscriberID   *string
	ComponentIDs   string // JSON array of the components it concerns ([] = the whole page)
	Subject        string
	Payload        string // JSON, what the message templates need beyond the incident
	Status         string // pending, dispatching, dispatched
	DispatchCursor string
	CreatedAt      time.Time
	DispatchedAt   *time.Time
}

// Enqueue writes a notification to the outbox. Call it on the transaction
// that makes the change (see DB.InTx), so both commit or neither does.
// payload is encoded as JSON; nil is {}.
func (db *DB) Enqueue(ctx context.Context, n *Notification, componentIDs []string, payload any) error {
	if componentIDs == nil {
		componentIDs = []string{}
	}
	ids, err := json.Marshal(componentIDs)
	if err != nil {
		return fmt.Errorf("models: notification components: %w", err)
	}
	data := []byte("{}")
	if payload != nil {
		if data, err = json.Marshal(payload); err != nil {
			return fmt.Errorf("models: notification payload: %w", err)
		}
	}
	n.ComponentIDs, n.Payload, n.Status = string(ids), string(data), "pending"
	if n.CreatedAt.IsZero() {
		n.CreatedAt = time.Now().UTC()
	}
	if err := db.Gorm.WithContext(ctx).Create(n).Error; err != nil {
		return fmt.Errorf("models: enqueue %s notification: %w", n.Kind, err)
	}
	return nil
}
