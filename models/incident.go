package models

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

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
	Postmortem *Postmortem     `gorm:"foreignKey:IncidentID"` // with its sections, when it has one
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
	// StartedAt is when it began; zero → now. It may not be in the future.
	StartedAt time.Time
	// Backfilled records an incident that is over (Statuspage's backfill):
	// it is resolved at StartedAt (the backfill date) with one update, its
	// components are linked but keep their status, and nobody is notified.
	Backfilled bool
	Notify     bool
	Actor      string

	ScheduledFor, ScheduledUntil *time.Time
	AutoInProgress, AutoComplete bool
	RemindPrior                  bool
}

// NewUpdate is a public update posted on an incident.
type NewUpdate struct {
	Status     string
	Body       string
	Components map[string]string
	// ComponentIDs are components the incident now affects too, whose
	// status does not change.
	ComponentIDs []string
	// RestoreComponents sets every affected component that is not
	// operational back to operational (Components entries win): what
	// resolving usually means.
	RestoreComponents bool
	At                time.Time // zero → now; must not be before the incident started
	Notify            bool
	Actor             string

	automatic bool // a maintenance transition made by RunDueMaintenance
	opening   bool // the first update, made by OpenIncident
}

func validateMessage(v *ValidationError, field, body string) {
	if utf8.RuneCountInString(body) > MaxMessageLength {
		v.Add(field, "must be at most %d characters", MaxMessageLength)
	}
}

// MaxIncidentComponents is how many components one request may name, in
// its status changes or in its list of affected components (each).
const MaxIncidentComponents = 500

func validateComponentChanges(v *ValidationError, changes map[string]string) {
	if len(changes) > MaxIncidentComponents {
		v.Add("components", "must list at most %d components", MaxIncidentComponents)
		return
	}
	for _, id := range sortedKeys(changes) {
		if !ValidComponentStatus(changes[id]) {
			v.Add("components", "unknown status %q for component %q", changes[id], id)
		}
	}
}

func validateComponentIDs(v *ValidationError, ids []string) {
	if len(ids) > MaxIncidentComponents {
		v.Add("component_ids", "must list at most %d components", MaxIncidentComponents)
	}
}

func validateIncidentName(v *ValidationError, name string) {
	switch {
	case name == "":
		v.Add("name", "must not be empty")
	case utf8.RuneCountInString(name) > MaxNameLength:
		v.Add("name", "must be at most %d characters", MaxNameLength)
	}
}

// validate checks n and fills in its defaults; now is the time it is
// opened at.
func (n *NewIncident) validate(now time.Time) error {
	v := &ValidationError{}
	n.Name = strings.TrimSpace(n.Name)
	if n.Kind == "" {
		n.Kind = KindIncident
	}
	if n.Kind != KindIncident && n.Kind != KindMaintenance {
		v.Add("kind", "must be incident or maintenance")
	}
	validateIncidentName(v, n.Name)

	// When it began: a backfill's date is required and past.
	n.StartedAt = n.StartedAt.UTC()
	field := "started_at"
	if n.Backfilled {
		field = "backfill_date"
		if n.Kind == KindMaintenance {
			v.Add("backfilled", "only an incident can be backfilled")
		}
		if n.StartedAt.IsZero() {
			v.Add("backfill_date", "a backfilled incident needs the date it happened")
		}
		if n.Status != "" && n.Status != Resolved {
			v.Add("status", "a backfilled incident is resolved")
		}
		n.Status, n.Notify = Resolved, false
	}
	switch {
	case n.StartedAt.IsZero():
		n.StartedAt = now
	case n.StartedAt.After(now.Add(MaxFutureSkew)):
		v.Add(field, "must not be in the future")
	case n.StartedAt.After(now):
		n.StartedAt = now // a client's clock a little ahead
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
	validateComponentIDs(v, n.ComponentIDs)
	switch {
	case n.Kind == KindMaintenance:
		if n.ScheduledFor == nil || n.ScheduledUntil == nil {
			v.Add("scheduled_for", "a maintenance needs scheduled_for and scheduled_until")
		} else if !n.ScheduledUntil.After(*n.ScheduledFor) {
			v.Add("scheduled_until", "must be after scheduled_for")
		}
		n.Impact = ImpactMaintenance
	case n.ScheduledFor != nil || n.ScheduledUntil != nil:
		v.Add("scheduled_for", "only a maintenance is scheduled")
	case n.Impact != "" && !ValidImpact(n.Impact):
		v.Add("impact", "must be one of none, minor, major, critical")
	}
	return v.Err()
}

// OpenIncident creates an incident or maintenance with its first update and
// component status changes, in one transaction. A backfilled incident is
// created resolved (see NewIncident.Backfilled).
func (db *DB) OpenIncident(ctx context.Context, n NewIncident) (*Incident, error) {
	if err := n.validate(time.Now().UTC()); err != nil {
		return nil, err
	}
	start := n.StartedAt
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
	first := NewUpdate{Status: n.Status, Body: n.Body, Components: n.Components, At: start, Notify: n.Notify, Actor: n.Actor, opening: true}
	if n.Backfilled {
		first.Components = nil // linked only: it is over
	}
	err := db.Transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Omit("Components", "Events").Create(in).Error; err != nil {
			return fmt.Errorf("models: create incident: %w", err)
		}
		if err := linkComponents(tx, in.ID, "component_ids", n.ComponentIDs); err != nil {
			return err
		}
		if err := linkComponents(tx, in.ID, "components", sortedKeys(n.Components)); err != nil {
			return err
		}
		if _, err := appendUpdate(tx, in, first); err != nil {
			return err
		}
		if in.Kind != KindIncident || n.Backfilled {
			return nil
		}
		// Alerts that came in before it, for its components, join its timeline.
		return attachPendingAlerts(tx, in.ID, append(sortedKeys(n.Components), n.ComponentIDs...), time.Now().UTC())
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
	validateComponentIDs(v, u.ComponentIDs)
	if err := v.Err(); err != nil {
		return nil, err
	}
	var ev *TimelineEvent
	err := db.Transaction(ctx, func(tx *gorm.DB) error {
		var in Incident
		// Lock the incident so two updates (an operator's and the
		// scheduler's) apply one after the other, each seeing the other's.
		if err := lockRows(tx, false).Take(&in, "id = ?", incidentID).Error; err != nil {
			return notFound(err, "load incident %s", incidentID)
		}
		if u.Status == "" {
			u.Status = in.Status
			if u.Status == StatusPostmortem {
				u.Status = Resolved // a text update on an incident with a published postmortem
			}
		}
		if !validStatusFor(in.Kind, u.Status) {
			return Invalid("status", "%q is not a status of an %s", u.Status, in.Kind)
		}
		if err := linkComponents(tx, in.ID, "components", sortedKeys(u.Components)); err != nil {
			return err
		}
		if err := linkComponents(tx, in.ID, "component_ids", u.ComponentIDs); err != nil {
			return err
		}
		var err error
		ev, err = appendUpdate(tx, &in, u)
		return err
	})
	return ev, err
}

// appendUpdate writes an update event, applies its component changes,
// moves the incident's status and milestone times and enqueues what
// subscribers hear of it.
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
	changes := u.Components
	if u.RestoreComponents {
		if changes, err = withRestored(tx, in.ID, u.Components); err != nil {
			return nil, err
		}
	}
	var affected AffectedComponents
	for _, id := range sortedKeys(changes) {
		before, err := setComponentStatus(tx, id, changes[id], &in.ID, u.Actor, at)
		if err != nil {
			return nil, err
		}
		affected = append(affected, AffectedComponent{Code: id, Name: before.Name, OldStatus: before.Status, NewStatus: changes[id]})
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

	fields := map[string]any{"status": u.Status, "updated_at": at}
	switch u.Status {
	case Identified:
		if in.IdentifiedAt == nil {
			fields["identified_at"] = at
		}
	case Monitoring, Verifying:
		if in.MonitoringAt == nil {
			fields["monitoring_at"] = at
		}
	}
	if isClosingStatus(u.Status) {
		if in.ResolvedAt == nil {
			fields["resolved_at"] = at
		}
	} else if in.ResolvedAt != nil {
		fields["resolved_at"] = nil // reopened
	}
	if err := tx.Model(&Incident{}).Where("id = ?", in.ID).Updates(fields).Error; err != nil {
		return nil, fmt.Errorf("models: update incident %s: %w", in.ID, err)
	}
	// Subscribers hear of it through the outbox, on this transaction.
	if err := enqueueUpdate(tx, in, u, ev); err != nil {
		return nil, err
	}
	return ev, nil
}

// withRestored returns changes plus operational for every component of the
// incident that is not operational and not in changes.
func withRestored(tx *gorm.DB, incidentID string, changes map[string]string) (map[string]string, error) {
	var ids []string
	err := tx.Model(&Component{}).
		Joins("JOIN incident_components ic ON ic.component_id = components.id").
		Where("ic.incident_id = ? AND components.status <> ?", incidentID, Operational).
		Pluck("components.id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("models: components of incident %s: %w", incidentID, err)
	}
	out := make(map[string]string, len(changes)+len(ids))
	for id, st := range changes {
		out[id] = st
	}
	for _, id := range ids {
		if _, set := out[id]; !set {
			out[id] = Operational
		}
	}
	return out, nil
}

// linkComponents records that the incident affects the components; an
// unknown id is a problem with field.
func linkComponents(tx *gorm.DB, incidentID, field string, ids []string) error {
	for _, id := range ids {
		var n int64
		if err := tx.Model(&Component{}).Where("id = ? AND NOT is_group", id).Count(&n).Error; err != nil {
			return fmt.Errorf("models: load component %s: %w", id, err)
		}
		if n == 0 {
			return Invalid(field, "no component with id %q", id)
		}
		err := tx.Exec(`INSERT INTO incident_components (incident_id, component_id) VALUES (?, ?)
			ON CONFLICT DO NOTHING`, incidentID, id).Error
		if err != nil {
			return fmt.Errorf("models: link component %s to incident %s: %w", id, incidentID, err)
		}
	}
	return nil
}

// IncidentPatch is a change to an incident's details: nil fields stay as
// they are. The schedule fields are for maintenance only.
type IncidentPatch struct {
	Name                         *string
	Impact                       *string // sets ImpactOverride
	ScheduledFor, ScheduledUntil *time.Time
	AutoInProgress, AutoComplete *bool
	RemindPrior                  *bool
}

// UpdateIncident validates and applies a patch to an incident or
// maintenance. Moving a maintenance's start makes its reminder due again.
// actor is who makes the change.
func (db *DB) UpdateIncident(ctx context.Context, id string, p IncidentPatch, actor string) (*Incident, error) {
	err := db.Transaction(ctx, func(tx *gorm.DB) error {
		var in Incident
		if err := tx.Take(&in, "id = ?", id).Error; err != nil {
			return notFound(err, "load incident %s", id)
		}
		v := &ValidationError{}
		changes := map[string]any{}
		if p.Name != nil {
			name := strings.TrimSpace(*p.Name)
			validateIncidentName(v, name)
			changes["name"] = name
		}
		if p.Impact != nil {
			switch {
			case in.Kind == KindMaintenance:
				v.Add("impact", "a maintenance's impact is always maintenance")
			case !ValidImpact(*p.Impact):
				v.Add("impact", "must be one of none, minor, major, critical")
			default:
				changes["impact"], changes["impact_override"] = *p.Impact, true
			}
		}
		if in.Kind == KindMaintenance {
			patchSchedule(v, &in, p, changes)
		} else {
			for field, set := range map[string]bool{
				"scheduled_for": p.ScheduledFor != nil, "scheduled_until": p.ScheduledUntil != nil,
				"scheduled_auto_in_progress": p.AutoInProgress != nil, "scheduled_auto_completed": p.AutoComplete != nil,
				"scheduled_remind_prior": p.RemindPrior != nil,
			} {
				if set {
					v.Add(field, "only a maintenance is scheduled")
				}
			}
			sort.Slice(v.Fields, func(i, j int) bool { return v.Fields[i].Field < v.Fields[j].Field })
		}
		if err := v.Err(); err != nil {
			return err
		}
		changes["updated_at"] = time.Now().UTC()
		if err := tx.Model(&Incident{}).Where("id = ?", id).Updates(changes).Error; err != nil {
			return fmt.Errorf("models: update incident %s: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.GetIncident(ctx, id)
}

// patchSchedule checks and collects the schedule fields of a maintenance's
// patch.
func patchSchedule(v *ValidationError, in *Incident, p IncidentPatch, changes map[string]any) {
	from, until := in.ScheduledFor, in.ScheduledUntil
	if p.ScheduledFor != nil {
		from = utcPtr(p.ScheduledFor)
		changes["scheduled_for"] = *from
		if in.ScheduledFor == nil || !from.Equal(*in.ScheduledFor) {
			changes["scheduled_reminded_at"] = nil
		}
	}
	if p.ScheduledUntil != nil {
		until = utcPtr(p.ScheduledUntil)
		changes["scheduled_until"] = *until
	}
	if from != nil && until != nil && !until.After(*from) {
		v.Add("scheduled_until", "must be after scheduled_for")
	}
	if p.AutoInProgress != nil {
		changes["scheduled_auto_in_progress"] = *p.AutoInProgress
	}
	if p.AutoComplete != nil {
		changes["scheduled_auto_completed"] = *p.AutoComplete
	}
	if p.RemindPrior != nil {
		changes["scheduled_remind_prior"] = *p.RemindPrior
	}
}

// DeleteIncident deletes an incident or maintenance softly: it disappears
// from the page, the console and the API, and its component history stays.
func (db *DB) DeleteIncident(ctx context.Context, id string) error {
	res := db.Gorm.WithContext(ctx).Delete(&Incident{}, "id = ?", id)
	if res.Error != nil {
		return fmt.Errorf("models: delete incident %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
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
