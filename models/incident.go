package models

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Incident is an incident or a scheduled maintenance (Kind), as Statuspage
// keeps both in one resource.
type Incident struct {
	ID                      string `gorm:"primaryKey"`
	Kind                    string
	Name                    string
	Status                  string
	Impact                  string
	ImpactOverride          bool
	Backfilled              bool
	StartedAt               time.Time
	IdentifiedAt            *time.Time
	MonitoringAt            *time.Time
	ResolvedAt              *time.Time
	ScheduledFor            *time.Time
	ScheduledUntil          *time.Time
	ScheduledRemindPrior    bool
	ScheduledRemindedAt     *time.Time
	ScheduledAutoInProgress bool
	ScheduledAutoCompleted  bool
	CreatedBy               string
	CreatedAt               time.Time
	UpdatedAt               time.Time
	DeletedAt               gorm.DeletedAt

	Components []Component     `gorm:"many2many:incident_components"`
	Events     []TimelineEvent `gorm:"foreignKey:IncidentID"`
}

// HappenedAt is when the incident began, or when the maintenance is
// scheduled to: where it belongs in the history.
func (in *Incident) HappenedAt() time.Time {
	if in.Kind == KindMaintenance && in.ScheduledFor != nil {
		return *in.ScheduledFor
	}
	return in.StartedAt
}

// happenedAt is HappenedAt in SQL.
const happenedAt = "COALESCE(scheduled_for, started_at)"

// Unresolved reports whether the incident or maintenance is still open.
func (in *Incident) Unresolved() bool { return in.ResolvedAt == nil }

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
	OccurredAt           time.Time
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

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

// Limits on incident fields.
const MaxMessageLength = 25000

// NewIncident is what an operator (or the demo) gives to open an incident or
// schedule a maintenance.
type NewIncident struct {
	Kind       string
	Name       string
	Status     string
	Impact     string            // "" → suggested from Components
	Body       string            // first message, Markdown
	Components map[string]string // component id → its new status
	// ComponentIDs are affected components whose status does not change.
	ComponentIDs []string
	StartedAt    time.Time // backfill: when it began; zero → now
	Backfilled   bool
	Notify       bool
	Actor        string

	ScheduledFor, ScheduledUntil *time.Time
	AutoInProgress, AutoComplete bool
	RemindPrior                  bool
}

// NewUpdate is a public update posted on an incident.
type NewUpdate struct {
	Status     string
	Body       string
	Components map[string]string
	At         time.Time // zero → now; must not be before the incident started
	Notify     bool
	Actor      string

	automatic bool // a maintenance transition made by RunDueMaintenance
}

func validateMessage(v *ValidationError, field, body string) {
	if len(body) > MaxMessageLength {
		v.Add(field, "must be at most %d characters", MaxMessageLength)
	}
}

func validateComponentChanges(v *ValidationError, changes map[string]string) {
	for id, st := range changes {
		if !ValidComponentStatus(st) {
			v.Add("components", "unknown status %q for component %q", st, id)
		}
	}
}

// OpenIncident creates an incident or maintenance with its first update and
// component status changes, in one transaction.
func (db *DB) OpenIncident(ctx context.Context, n NewIncident) (*Incident, error) {
	v := &ValidationError{}
	n.Name = strings.TrimSpace(n.Name)
	if n.Kind == "" {
		n.Kind = KindIncident
	}
	if n.Kind != KindIncident && n.Kind != KindMaintenance {
		v.Add("kind", "must be incident or maintenance")
	}
	switch {
	case n.Name == "":
		v.Add("name", "must not be empty")
	case len(n.Name) > MaxNameLength:
		v.Add("name", "must be at most %d characters", MaxNameLength)
	}
	if n.Status == "" {
		n.Status = Investigating
		if n.Kind == KindMaintenance {
			n.Status = Scheduled
		}
	}
	if !validStatusFor(n.Kind, n.Status) {
		if n.Kind == KindMaintenance {
			v.Add("status", "must be one of scheduled, in_progress, verifying, completed")
		} else {
			v.Add("status", "must be one of investigating, identified, monitoring, resolved")
		}
	}
	validateMessage(v, "body", n.Body)
	validateComponentChanges(v, n.Components)
	if n.Kind == KindMaintenance {
		if n.ScheduledFor == nil || n.ScheduledUntil == nil {
			v.Add("scheduled_for", "a maintenance needs scheduled_for and scheduled_until")
		} else if !n.ScheduledUntil.After(*n.ScheduledFor) {
			v.Add("scheduled_until", "must be after scheduled_for")
		}
		n.Impact = ImpactMaintenance
	} else if n.Impact != "" && !ValidImpact(n.Impact) {
		v.Add("impact", "must be one of none, minor, major, critical")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}

	now := time.Now().UTC()
	start := n.StartedAt.UTC()
	if n.StartedAt.IsZero() {
		start = now
	}
	in := &Incident{
		ID: NewID(), Kind: n.Kind, Name: n.Name, Status: n.Status,
		Impact: n.Impact, ImpactOverride: n.Impact != "",
		Backfilled: n.Backfilled, StartedAt: start,
		ScheduledFor: utcPtr(n.ScheduledFor), ScheduledUntil: utcPtr(n.ScheduledUntil),
		ScheduledAutoInProgress: n.AutoInProgress, ScheduledAutoCompleted: n.AutoComplete,
		ScheduledRemindPrior: n.RemindPrior,
		CreatedBy:            n.Actor, CreatedAt: start, UpdatedAt: start,
	}
	if in.Impact == "" {
		statuses := make([]string, 0, len(n.Components))
		for _, s := range n.Components {
			statuses = append(statuses, s)
		}
		in.Impact = SuggestImpact(statuses...)
	}
	err := db.Transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Omit("Components", "Events").Create(in).Error; err != nil {
			return fmt.Errorf("models: create incident: %w", err)
		}
		ids := append([]string{}, n.ComponentIDs...)
		for id := range n.Components {
			ids = append(ids, id)
		}
		if err := linkComponents(tx, in.ID, ids); err != nil {
			return err
		}
		_, err := appendUpdate(tx, in, NewUpdate{
			Status: n.Status, Body: n.Body, Components: n.Components,
			At: start, Notify: n.Notify, Actor: n.Actor,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return db.GetIncident(ctx, in.ID)
}

// PostUpdate appends a public update to an incident, with its component
// status changes, in one transaction.
func (db *DB) PostUpdate(ctx context.Context, incidentID string, u NewUpdate) (*TimelineEvent, error) {
	v := &ValidationError{}
	validateMessage(v, "body", u.Body)
	validateComponentChanges(v, u.Components)
	if err := v.Err(); err != nil {
		return nil, err
	}
	var ev *TimelineEvent
	err := db.Transaction(ctx, func(tx *gorm.DB) error {
		var in Incident
		if err := tx.Take(&in, "id = ?", incidentID).Error; err != nil {
			return notFound(err, "load incident %s", incidentID)
		}
		if u.Status == "" {
			u.Status = in.Status
		}
		if !validStatusFor(in.Kind, u.Status) {
			return Invalid("status", "%q is not a status of an %s", u.Status, in.Kind)
		}
		ids := make([]string, 0, len(u.Components))
		for id := range u.Components {
			ids = append(ids, id)
		}
		if err := linkComponents(tx, in.ID, ids); err != nil {
			return err
		}
		var err error
		ev, err = appendUpdate(tx, &in, u)
		return err
	})
	return ev, err
}

// appendUpdate writes an update event, applies its component changes and
// moves the incident's status and milestone times.
func appendUpdate(tx *gorm.DB, in *Incident, u NewUpdate) (*TimelineEvent, error) {
	at := u.At.UTC()
	if u.At.IsZero() {
		at = time.Now().UTC()
	}
	if at.Before(in.StartedAt) {
		return nil, Invalid("display_at", "must not be before the incident started")
	}
	html, err := RenderMarkdown(u.Body)
	if err != nil {
		return nil, err
	}
	if in.Kind == KindMaintenance {
		if err := maintenanceTransition(tx, in, &u, at); err != nil {
			return nil, err
		}
	}
	var affected AffectedComponents
	for _, id := range sortedKeys(u.Components) {
		before, err := setComponentStatus(tx, id, u.Components[id], &in.ID, u.Actor, at)
		if err != nil {
			return nil, err
		}
		affected = append(affected, AffectedComponent{Code: id, Name: before.Name, OldStatus: before.Status, NewStatus: u.Components[id]})
	}
	ev := &TimelineEvent{
		ID: NewID(), IncidentID: in.ID, Kind: EventUpdate, Visibility: Public,
		Status: u.Status, Body: u.Body, BodyHTML: html, AffectedComponents: affected,
		DeliverNotifications: u.Notify, Actor: u.Actor, Data: "{}",
		OccurredAt: at, CreatedAt: at, UpdatedAt: at,
	}
	if err := tx.Create(ev).Error; err != nil {
		return nil, fmt.Errorf("models: append update to incident %s: %w", in.ID, err)
	}

	changes := map[string]any{"status": u.Status, "updated_at": at}
	switch u.Status {
	case Identified:
		if in.IdentifiedAt == nil {
			changes["identified_at"] = at
		}
	case Monitoring, Verifying:
		if in.MonitoringAt == nil {
			changes["monitoring_at"] = at
		}
	}
	if isClosingStatus(u.Status) {
		if in.ResolvedAt == nil {
			changes["resolved_at"] = at
		}
	} else if in.ResolvedAt != nil {
		changes["resolved_at"] = nil // reopened
	}
	if err := tx.Model(&Incident{}).Where("id = ?", in.ID).Updates(changes).Error; err != nil {
		return nil, fmt.Errorf("models: update incident %s: %w", in.ID, err)
	}
	return ev, nil
}

func linkComponents(tx *gorm.DB, incidentID string, ids []string) error {
	for _, id := range ids {
		var n int64
		if err := tx.Model(&Component{}).Where("id = ? AND NOT is_group", id).Count(&n).Error; err != nil {
			return fmt.Errorf("models: load component %s: %w", id, err)
		}
		if n == 0 {
			return Invalid("component_ids", "no component with id %q", id)
		}
		err := tx.Exec(`INSERT INTO incident_components (incident_id, component_id) VALUES (?, ?)
			ON CONFLICT DO NOTHING`, incidentID, id).Error
		if err != nil {
			return fmt.Errorf("models: link component %s to incident %s: %w", id, incidentID, err)
		}
	}
	return nil
}

// GetIncident loads an incident with its components and its whole timeline.
func (db *DB) GetIncident(ctx context.Context, id string) (*Incident, error) {
	var in Incident
	err := db.Gorm.WithContext(ctx).
		Preload("Components", func(tx *gorm.DB) *gorm.DB { return tx.Order("position, name") }).
		Preload("Events", func(tx *gorm.DB) *gorm.DB { return tx.Order("occurred_at, created_at, id") }).
		Take(&in, "id = ?", id).Error
	if err != nil {
		return nil, notFound(err, "load incident %s", id)
	}
	return &in, nil
}

// ListUnresolved returns open incidents (newest first) and maintenance that
// is scheduled or in progress (soonest first), with components and events.
func (db *DB) ListUnresolved(ctx context.Context) ([]Incident, error) {
	var list []Incident
	err := db.withTimeline(ctx).Where("resolved_at IS NULL").
		Order("started_at DESC, id").Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("models: list unresolved incidents: %w", err)
	}
	return list, nil
}

// ListIncidentsBetween returns incidents and maintenance that happened (see
// HappenedAt) in [from, to), newest first, with components and events.
func (db *DB) ListIncidentsBetween(ctx context.Context, from, to time.Time) ([]Incident, error) {
	var list []Incident
	err := db.withTimeline(ctx).Where(happenedAt+" >= ? AND "+happenedAt+" < ?", from.UTC(), to.UTC()).
		Order(happenedAt + " DESC, id").Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("models: list incidents: %w", err)
	}
	return list, nil
}

// ListIncidentsAffecting returns incidents (not maintenance) that were open
// at some time in [from, to), with their components: the uptime bars'
// tooltips.
func (db *DB) ListIncidentsAffecting(ctx context.Context, from, to time.Time) ([]Incident, error) {
	var list []Incident
	err := db.Gorm.WithContext(ctx).
		Preload("Components", func(tx *gorm.DB) *gorm.DB { return tx.Select("id", "name") }).
		Where("kind = ? AND started_at < ? AND (resolved_at IS NULL OR resolved_at >= ?)", KindIncident, to.UTC(), from.UTC()).
		Order("started_at, id").Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("models: list incidents: %w", err)
	}
	return list, nil
}

// OldestIncidentStart returns when the oldest incident or maintenance
// happened (see HappenedAt), or false when there is none.
func (db *DB) OldestIncidentStart(ctx context.Context) (time.Time, bool, error) {
	var in Incident
	err := db.Gorm.WithContext(ctx).Select("kind", "started_at", "scheduled_for").Order(happenedAt).Take(&in).Error
	if isNotFound(err) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("models: oldest incident: %w", err)
	}
	return in.HappenedAt(), true, nil
}

func (db *DB) withTimeline(ctx context.Context) *gorm.DB {
	return db.Gorm.WithContext(ctx).
		Preload("Components", func(tx *gorm.DB) *gorm.DB { return tx.Order("position, name") }).
		Preload("Events", func(tx *gorm.DB) *gorm.DB { return tx.Order("occurred_at, created_at, id") })
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
