package models

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// NotifyMaintenanceUpdated is an update on a maintenance that neither
// starts nor completes it (verifying, or a new message).
const NotifyMaintenanceUpdated = "maintenance.updated"

// NotificationContent is the Payload of an incident or maintenance
// notification: what its messages say, as it was when the change was made.
type NotificationContent struct {
	IncidentKind string   `json:"incident_kind"` // incident or maintenance
	Name         string   `json:"name"`
	Status       string   `json:"status"`
	Impact       string   `json:"impact"`
	Body         string   `json:"body,omitempty"`      // the update's message, Markdown
	BodyHTML     string   `json:"body_html,omitempty"` // the same, rendered and sanitized
	Components   []string `json:"components"`          // names of the affected components
	// Changes are the update's component status changes, as the feeds
	// show them: "API: Operational → Partial outage".
	Changes        []ComponentChange `json:"changes,omitempty"`
	At             time.Time         `json:"at"` // when the update was posted
	ScheduledFor   *time.Time        `json:"scheduled_for,omitempty"`
	ScheduledUntil *time.Time        `json:"scheduled_until,omitempty"`
}

// ComponentChange is one component's status change in a notification.
type ComponentChange struct {
	Name string `json:"name"`
	From string `json:"from"`
	To   string `json:"to"`
}

// NotifiesIncidents, NotifiesMaintenance and NotifiesPostmortems tell which
// event-kind choice of a subscriber a notification kind answers to.
func NotifiesIncidents(kind string) bool {
	return kind == NotifyIncidentOpened || kind == NotifyIncidentUpdated || kind == NotifyIncidentResolved
}

// NotifiesMaintenance reports whether kind is about scheduled maintenance.
func NotifiesMaintenance(kind string) bool {
	switch kind {
	case NotifyMaintenanceScheduled, NotifyMaintenanceReminder, NotifyMaintenanceStarted,
		NotifyMaintenanceUpdated, NotifyMaintenanceCompleted:
		return true
	}
	return false
}

// NotifiesPostmortems reports whether kind is about a postmortem.
func NotifiesPostmortems(kind string) bool { return kind == NotifyPostmortemPublished }

// updateNotificationKind is what subscribers hear of an update u on in
// (whose Status is still the one before u): "" when nothing, as when the
// operator turned notifying off or the incident is backfilled.
func updateNotificationKind(in *Incident, u NewUpdate) string {
	if !u.Notify || in.Backfilled {
		return ""
	}
	prev, next := in.Status, u.Status
	if in.Kind == KindMaintenance {
		switch {
		case u.opening && next == Scheduled:
			return NotifyMaintenanceScheduled
		case u.opening && next == Completed:
			return NotifyMaintenanceCompleted
		case u.opening || (next == InProgress && prev == Scheduled):
			return NotifyMaintenanceStarted
		case next == Completed && prev != Completed:
			return NotifyMaintenanceCompleted
		}
		return NotifyMaintenanceUpdated
	}
	switch {
	case u.opening:
		return NotifyIncidentOpened
	case isClosingStatus(next) && !isClosingStatus(prev):
		return NotifyIncidentResolved
	}
	return NotifyIncidentUpdated
}

// enqueueUpdate writes the notification of an update event to the outbox,
// on the update's transaction, when subscribers must hear of it.
func enqueueUpdate(tx *gorm.DB, in *Incident, u NewUpdate, ev *TimelineEvent) error {
	kind := updateNotificationKind(in, u)
	if kind == "" {
		return nil
	}
	content := NotificationContent{Status: u.Status, Body: ev.Body, BodyHTML: ev.BodyHTML, At: ev.OccurredAt}
	for _, a := range ev.AffectedComponents {
		content.Changes = append(content.Changes, ComponentChange{Name: a.Name, From: a.OldStatus, To: a.NewStatus})
	}
	return enqueueAbout(tx, in, kind, &ev.ID, content)
}

// enqueueAbout enqueues a notification of kind about the incident or
// maintenance in, concerning its affected components; content is completed
// with the incident's own fields.
func enqueueAbout(tx *gorm.DB, in *Incident, kind string, eventID *string, content NotificationContent) error {
	ids, err := completeContent(tx, in, &content)
	if err != nil {
		return err
	}
	n := &Notification{Kind: kind, IncidentID: &in.ID, EventID: eventID, Subject: in.Name}
	return (&DB{Gorm: tx}).Enqueue(tx.Statement.Context, n, ids, content)
}

// completeContent fills content with the incident's own fields and the
// names of its affected components, and returns those components' ids
// (whose subscribers the notification is for).
func completeContent(tx *gorm.DB, in *Incident, content *NotificationContent) ([]string, error) {
	var comps []Component
	err := tx.Model(&Component{}).Select("id", "name").
		Where("id IN (SELECT component_id FROM incident_components WHERE incident_id = ?)", in.ID).
		Order("position, name, id").Find(&comps).Error
	if err != nil {
		return nil, fmt.Errorf("models: components of incident %s: %w", in.ID, err)
	}
	ids, names := make([]string, len(comps)), make([]string, len(comps))
	for i, c := range comps {
		ids[i], names[i] = c.ID, c.Name
	}
	content.IncidentKind, content.Name, content.Impact = in.Kind, in.Name, in.Impact
	content.Components = names
	content.ScheduledFor, content.ScheduledUntil = in.ScheduledFor, in.ScheduledUntil
	return ids, nil
}
