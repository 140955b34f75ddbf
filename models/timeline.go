package models

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Timeline event kinds.
const (
	EventUpdate                = "update"
	EventComponentStatus       = "component_status"
	EventMaintenanceTransition = "maintenance_transition"
	EventNote                  = "note"
	EventNotification          = "notification"
	EventPostmortemPublished   = "postmortem_published"
	EventExternal              = "external"
)

// Visibilities of timeline events.
const (
	Public   = "public"
	Internal = "internal"
)

// TimelineEvent is one entry of an incident's timeline. Public updates
// (Kind "update") are Statuspage's incident_updates.
type TimelineEvent struct {
	ID                   string `gorm:"primaryKey"`
	IncidentID           string
	Kind                 string
	Visibility           string
	Status               string
	Body                 string
	BodyHTML             string `gorm:"column:body_html"`
	AffectedComponents   AffectedComponents
	DeliverNotifications bool
	Source               string
	Actor                string
	Data                 string
	Signal               string // what an integration recorded: SignalAlert, SignalAcknowledged...; "" otherwise
	OccurredAt           time.Time
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

// Signals: what an external event recorded by an integration means to the
// milestones.
const (
	SignalAlert        = "alert"        // an alert fired: counts as detection
	SignalAcknowledged = "acknowledged" // someone acknowledged it: counts as acknowledgement
	SignalRecovery     = "recovery"     // the alert resolved
	SignalChat         = "chat"         // a chat message or a status note
	SignalTracker      = "tracker"      // an issue tracker changed an action item
)

// AffectedComponent is one component status change attached to an update.
type AffectedComponent struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	OldStatus string `json:"old_status"`
	NewStatus string `json:"new_status"`
}

// AffectedComponents is stored as a JSON array.
type AffectedComponents []AffectedComponent

// Value encodes the list as JSON text.
func (a AffectedComponents) Value() (driver.Value, error) {
	if a == nil {
		return "[]", nil
	}
	b, err := json.Marshal(a)
	return string(b), err
}

// Scan decodes the JSON text.
func (a *AffectedComponents) Scan(v any) error {
	var b []byte
	switch t := v.(type) {
	case string:
		b = []byte(t)
	case []byte:
		b = t
	case nil:
		*a = nil
		return nil
	default:
		return fmt.Errorf("models: cannot scan %T into AffectedComponents", v)
	}
	return json.Unmarshal(b, a)
}

// Updates returns the incident's public updates, newest first.
func (in *Incident) Updates() []TimelineEvent {
	var out []TimelineEvent
	for _, e := range in.Events {
		if e.Kind == EventUpdate && e.Visibility == Public {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].OccurredAt.After(out[j].OccurredAt) })
	return out
}

// PublicEvents returns what customers may see of the timeline, oldest
// first: public updates, component status changes and external events, and
// maintenance transitions.
func (in *Incident) PublicEvents() []TimelineEvent {
	var out []TimelineEvent
	for _, e := range in.Events {
		switch e.Kind {
		case EventUpdate, EventComponentStatus, EventExternal:
			if e.Visibility == Public {
				out = append(out, e)
			}
		case EventMaintenanceTransition:
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].OccurredAt.Before(out[j].OccurredAt) })
	return out
}

// Limits on timeline events.
const (
	MaxSourceLength = 200
	// MaxFutureSkew is how far in the future a time given by a client may
	// be: clocks differ.
	MaxFutureSkew = 5 * time.Minute
)

// NewEvent is an internal note or an external event (a chat message, an
// alert) added to an incident's timeline.
type NewEvent struct {
	Kind       string // EventNote or EventExternal
	Body       string // Markdown
	Source     string // where an external event comes from
	OccurredAt time.Time
	Public     bool // external events only; notes are always internal
	Actor      string
	Signal     string // what an integration recorded (SignalAlert...), "" otherwise
}

// validateBody requires a text of at most MaxMessageLength.
func validateBody(v *ValidationError, body string) {
	if strings.TrimSpace(body) == "" {
		v.Add("body", "must not be empty")
	}
	validateMessage(v, "body", body)
}

// AddEvent appends a note or an external event to an incident's timeline.
// OccurredAt zero means now.
func (db *DB) AddEvent(ctx context.Context, incidentID string, n NewEvent) (*TimelineEvent, error) {
	v := &ValidationError{}
	switch n.Kind {
	case EventNote:
		if n.Public {
			v.Add("public", "a note is always internal")
		}
	case EventExternal:
	default:
		v.Add("kind", "must be note or external")
	}
	validateBody(v, n.Body)
	n.Source = strings.TrimSpace(n.Source)
	if utf8.RuneCountInString(n.Source) > MaxSourceLength {
		v.Add("source", "must be at most %d characters", MaxSourceLength)
	}
	now := time.Now().UTC()
	at := n.OccurredAt.UTC()
	if n.OccurredAt.IsZero() {
		at = now
	}
	if at.After(now.Add(MaxFutureSkew)) {
		v.Add("occurred_at", "must not be more than 5 minutes in the future")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	html, err := RenderMarkdown(n.Body)
	if err != nil {
		return nil, err
	}
	visibility := Internal
	if n.Public {
		visibility = Public
	}
	ev := &TimelineEvent{
		ID: NewID(), IncidentID: incidentID, Kind: n.Kind, Visibility: visibility,
		Body: n.Body, BodyHTML: html, Source: n.Source, Actor: n.Actor, Data: "{}", Signal: n.Signal,
		OccurredAt: at, CreatedAt: now, UpdatedAt: now,
	}
	err = db.Transaction(ctx, func(tx *gorm.DB) error {
		if err := incidentExists(tx, incidentID); err != nil {
			return err
		}
		if err := tx.Create(ev).Error; err != nil {
			return fmt.Errorf("models: add %s to incident %s: %w", n.Kind, incidentID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ev, nil
}

// incidentExists returns ErrNotFound unless the incident exists and is not
// deleted.
func incidentExists(tx *gorm.DB, id string) error {
	var n int64
	if err := tx.Model(&Incident{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return fmt.Errorf("models: load incident %s: %w", id, err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// EventRevision is an earlier text of an edited timeline event, and who
// replaced it when.
type EventRevision struct {
	ID        int64 `gorm:"primaryKey"`
	EventID   string
	Body      string
	BodyHTML  string `gorm:"column:body_html"`
	EditedBy  string
	CreatedAt time.Time
}

// TableName is the table of event revisions.
func (EventRevision) TableName() string { return "timeline_event_revisions" }

// EditEvent replaces the text of an update, note or external event of the
// incident, keeping the earlier text as a revision.
func (db *DB) EditEvent(ctx context.Context, incidentID, eventID, body, actor string) (*TimelineEvent, error) {
	v := &ValidationError{}
	validateBody(v, body)
	if err := v.Err(); err != nil {
		return nil, err
	}
	html, err := RenderMarkdown(body)
	if err != nil {
		return nil, err
	}
	var ev TimelineEvent
	err = db.Transaction(ctx, func(tx *gorm.DB) error {
		if err := incidentExists(tx, incidentID); err != nil {
			return err
		}
		if err := tx.Take(&ev, "id = ? AND incident_id = ?", eventID, incidentID).Error; err != nil {
			return notFound(err, "load event %s", eventID)
		}
		switch ev.Kind {
		case EventUpdate, EventNote, EventExternal:
		default:
			return &ErrConflict{Message: "only the text of an update, a note or an external event can be edited"}
		}
		if ev.Body == body {
			return nil
		}
		now := time.Now().UTC()
		rev := EventRevision{EventID: ev.ID, Body: ev.Body, BodyHTML: ev.BodyHTML, EditedBy: actor, CreatedAt: now}
		if err := tx.Create(&rev).Error; err != nil {
			return fmt.Errorf("models: save revision of event %s: %w", ev.ID, err)
		}
		ev.Body, ev.BodyHTML, ev.UpdatedAt = body, html, now
		err := tx.Model(&TimelineEvent{}).Where("id = ?", ev.ID).
			Updates(map[string]any{"body": body, "body_html": html, "updated_at": now}).Error
		if err != nil {
			return fmt.Errorf("models: edit event %s: %w", ev.ID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ev, nil
}

// ListEventRevisions returns the earlier texts of an event, oldest first.
func (db *DB) ListEventRevisions(ctx context.Context, eventID string) ([]EventRevision, error) {
	var n int64
	err := db.Gorm.WithContext(ctx).Model(&TimelineEvent{}).
		Joins("JOIN incidents ON incidents.id = timeline_events.incident_id AND incidents.deleted_at IS NULL").
		Where("timeline_events.id = ?", eventID).Count(&n).Error
	if err != nil {
		return nil, fmt.Errorf("models: load event %s: %w", eventID, err)
	}
	if n == 0 {
		return nil, ErrNotFound
	}
	var list []EventRevision
	if err := db.Gorm.WithContext(ctx).Where("event_id = ?", eventID).Order("created_at, id").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: list revisions of event %s: %w", eventID, err)
	}
	return list, nil
}

// componentStatusData is the Data of a component_status event.
type componentStatusData struct {
	ComponentID string `json:"component_id"`
	Name        string `json:"name"`
	OldStatus   string `json:"old_status"`
	NewStatus   string `json:"new_status"`
}

// recordComponentStatusEvents appends a component_status event for the
// change of c (as it was) to status to every unresolved incident, and
// in-progress maintenance, that the component is part of and that had begun
// by then, except the incident whose update made the change (the update
// carries it).
func recordComponentStatusEvents(tx *gorm.DB, c *Component, status string, incidentID *string, actor string, at time.Time) error {
	q := tx.Model(&Incident{}).
		Joins("JOIN incident_components ic ON ic.incident_id = incidents.id").
		Where("ic.component_id = ? AND incidents.resolved_at IS NULL AND incidents.started_at <= ?", c.ID, at).
		Where("(incidents.kind = ? OR incidents.status IN ?)", KindIncident, []string{InProgress, Verifying})
	if incidentID != nil {
		q = q.Where("incidents.id <> ?", *incidentID)
	}
	var ids []string
	if err := q.Order("incidents.id").Pluck("incidents.id", &ids).Error; err != nil {
		return fmt.Errorf("models: incidents of component %s: %w", c.ID, err)
	}
	data, err := json.Marshal(componentStatusData{ComponentID: c.ID, Name: c.Name, OldStatus: c.Status, NewStatus: status})
	if err != nil {
		return fmt.Errorf("models: component status event: %w", err)
	}
	for _, id := range ids {
		ev := TimelineEvent{
			ID: NewID(), IncidentID: id, Kind: EventComponentStatus, Visibility: Public,
			AffectedComponents: AffectedComponents{{Code: c.ID, Name: c.Name, OldStatus: c.Status, NewStatus: status}},
			Actor:              actor, Data: string(data), OccurredAt: at, CreatedAt: at, UpdatedAt: at,
		}
		if err := tx.Create(&ev).Error; err != nil {
			return fmt.Errorf("models: append component status to incident %s: %w", id, err)
		}
	}
	return nil
}
