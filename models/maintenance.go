package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SchedulerActor is who the timeline names for the updates Beacon posts
// itself when a maintenance starts or ends on schedule.
const SchedulerActor = "Beacon"

// The messages of the updates posted by automatic maintenance transitions.
const (
	AutoStartMessage    = "Scheduled maintenance is in progress. We will provide updates as necessary."
	AutoCompleteMessage = "The scheduled maintenance has been completed."
)

// TransitionData is the Data (JSON) of an EventMaintenanceTransition event.
type TransitionData struct {
	From      string `json:"from"`
	To        string `json:"to"`
	Automatic bool   `json:"automatic"`
}

// maintenanceTransition is appendUpdate's hook for a maintenance, run before
// the update's component changes are applied. An update of a maintenance
// still scheduled changes no component. When the update moves the
// maintenance to in_progress or completed and names no component changes
// itself, it fills them in (u.Components):
//
//   - in_progress (also when a maintenance is opened in progress): affected
//     components that are operational go under_maintenance. A component in
//     a worse state (an outage during the maintenance) keeps it: an outage
//     must keep showing, as WorstComponentStatus ranks it above maintenance.
//   - completed: affected components under_maintenance go back to
//     operational, unless another maintenance in progress (or verifying) or
//     an unresolved incident also affects them. That one still holds the
//     component: it stays under maintenance until the other maintenance
//     completes (which restores it by this same rule) or an operator of the
//     incident sets its status. Components in any other state are left
//     alone: an operator set that state on purpose. Opening a maintenance
//     already completed (a backfill) changes no component.
//
// Every transition between two statuses is also written to the timeline as
// an EventMaintenanceTransition event.
func maintenanceTransition(tx *gorm.DB, in *Incident, u *NewUpdate, at time.Time) error {
	from, to := in.Status, u.Status
	if to == Scheduled {
		// Scheduling never changes what a component shows now (an outage
		// of another incident, say): the maintenance's components are
		// linked, and go under maintenance when it starts.
		u.Components = nil
	}
	if from == to {
		if to != InProgress {
			return nil
		}
		// Opened in progress: OpenIncident creates the row with the status
		// of its first update, so "no update yet" is what tells it apart.
		var updates int64
		if err := tx.Model(&TimelineEvent{}).Where("incident_id = ? AND kind = ?", in.ID, EventUpdate).
			Count(&updates).Error; err != nil {
			return fmt.Errorf("models: count updates of maintenance %s: %w", in.ID, err)
		}
		if updates > 0 {
			return nil
		}
		from = ""
	}
	if len(u.Components) == 0 {
		changes, err := defaultMaintenanceChanges(tx, in.ID, from, to)
		if err != nil {
			return err
		}
		u.Components = changes
	}
	if from == "" {
		return nil
	}
	data, err := json.Marshal(TransitionData{From: from, To: to, Automatic: u.automatic})
	if err != nil {
		return err
	}
	ev := &TimelineEvent{
		ID: NewID(), IncidentID: in.ID, Kind: EventMaintenanceTransition, Visibility: Public,
		Status: to, Actor: u.Actor, Data: string(data),
		OccurredAt: at, CreatedAt: at, UpdatedAt: at,
	}
	if err := tx.Create(ev).Error; err != nil {
		return fmt.Errorf("models: record transition of maintenance %s: %w", in.ID, err)
	}
	return nil
}

// defaultMaintenanceChanges returns the component changes a transition of
// the maintenance from one status to another makes when its update names
// none (see maintenanceTransition). The components are locked on
// PostgreSQL, so two transitions touching one component see each other's
// result instead of both recording the same change.
func defaultMaintenanceChanges(tx *gorm.DB, maintenanceID, from, to string) (map[string]string, error) {
	var want, set string
	switch {
	case to == InProgress:
		want, set = Operational, UnderMaintenance
	case to == Completed && from != "":
		want, set = UnderMaintenance, Operational
	default:
		return nil, nil
	}
	var comps []Component
	err := lockRows(tx.Model(&Component{}), false).Select("id", "status").
		Where("id IN (SELECT component_id FROM incident_components WHERE incident_id = ?)", maintenanceID).
		Order("id").Find(&comps).Error
	if err != nil {
		return nil, fmt.Errorf("models: load components of maintenance %s: %w", maintenanceID, err)
	}
	var ids []string
	for _, c := range comps {
		if c.Status == want {
			ids = append(ids, c.ID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	held := map[string]bool{}
	if set == Operational {
		var holders []string
		err := tx.Raw(`SELECT DISTINCT ic.component_id FROM incident_components ic
			JOIN incidents i ON i.id = ic.incident_id
			WHERE ic.component_id IN ? AND i.id <> ? AND i.deleted_at IS NULL AND i.resolved_at IS NULL
			  AND (i.kind = ? OR i.status IN ?)`,
			ids, maintenanceID, KindIncident, []string{InProgress, Verifying}).Scan(&holders).Error
		if err != nil {
			return nil, fmt.Errorf("models: find what else holds the components of maintenance %s: %w", maintenanceID, err)
		}
		for _, id := range holders {
			held[id] = true
		}
	}
	changes := map[string]string{}
	for _, id := range ids {
		if !held[id] {
			changes[id] = set
		}
	}
	return changes, nil
}

// lockRows makes q's SELECT lock the rows it reads until the transaction
// ends (FOR UPDATE), skipping rows another transaction holds when
// skipLocked. Only on PostgreSQL: SQLite's write transactions
// (_txlock=immediate) already run one at a time.
func lockRows(q *gorm.DB, skipLocked bool) *gorm.DB {
	if q.Dialector.Name() != string(Postgres) {
		return q
	}
	lock := clause.Locking{Strength: clause.LockingStrengthUpdate}
	if skipLocked {
		lock.Options = clause.LockingOptionsSkipLocked
	}
	return q.Clauses(lock)
}

// dueMaintenance selects the maintenance (not deleted) that an automatic
// transition is due for at now: scheduled with auto-in-progress and its
// window begun, or in progress (or verifying) with auto-complete and its
// window ended.
func dueMaintenance(q *gorm.DB, now time.Time) *gorm.DB {
	return q.Model(&Incident{}).Where("kind = ?", KindMaintenance).
		Where("((scheduled_auto_in_progress AND status = ? AND scheduled_for <= ?) OR "+
			"(scheduled_auto_completed AND status IN ? AND scheduled_until <= ?))",
			Scheduled, now, []string{InProgress, Verifying}, now)
}

// RunDueMaintenance makes the automatic transitions due at now: it starts
// every maintenance with auto-in-progress whose window has begun and
// completes every one with auto-complete whose window has ended, posting an
// update as SchedulerActor for each. A maintenance whose whole window passed
// unseen (Beacon was down) is started and completed at once, the updates
// dated at the window's start and end; its start is then not marked for
// notifying subscribers, being over already. Each maintenance changes in its own
// transaction; several replicas may call this at the same time and each
// transition still happens once: on PostgreSQL a maintenance is locked
// (FOR UPDATE SKIP LOCKED) and checked again inside its transaction; on
// SQLite write transactions run one at a time. It returns how many
// maintenance it started and completed, and the errors of those it could
// not change (the others are still changed).
func (db *DB) RunDueMaintenance(ctx context.Context, now time.Time) (started, completed int, err error) {
	now = now.UTC()
	var ids []string
	if err := dueMaintenance(db.Gorm.WithContext(ctx), now).Order("scheduled_for, id").Pluck("id", &ids).Error; err != nil {
		return 0, 0, fmt.Errorf("models: list due maintenance: %w", err)
	}
	var errs []error
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		var s, c bool
		err := db.InTx(ctx, func(tx *DB) error {
			var err error
			s, c, err = tx.runDueTransitions(ctx, id, now)
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("models: maintenance %s: %w", id, err))
			continue
		}
		if s {
			started++
		}
		if c {
			completed++
		}
	}
	return started, completed, errors.Join(errs...)
}

// runDueTransitions makes the transitions due at now for one maintenance,
// inside the caller's transaction. Nothing happens when another transaction
// holds the maintenance or already made them.
func (db *DB) runDueTransitions(ctx context.Context, id string, now time.Time) (started, completed bool, err error) {
	tx := db.Gorm.WithContext(ctx)
	var in Incident
	err = lockRows(dueMaintenance(tx, now), true).Where("id = ?", id).Take(&in).Error
	if isNotFound(err) {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("load: %w", err)
	}
	// Updates are dated at the window's edges, but after every update
	// already posted (the opening one at least): the newest update must be
	// the one that set the status. A millisecond is the finest time SQLite
	// keeps.
	last := in.StartedAt
	var latest TimelineEvent
	err = tx.Select("occurred_at").Where("incident_id = ? AND kind = ?", in.ID, EventUpdate).
		Order("occurred_at DESC").Take(&latest).Error
	if err != nil && !isNotFound(err) {
		return false, false, fmt.Errorf("load latest update: %w", err)
	}
	if latest.OccurredAt.After(last) {
		last = latest.OccurredAt
	}
	system := Actor{Type: ActorSystem, Name: SchedulerActor}

	if in.Status == Scheduled && in.ScheduledAutoInProgress && in.ScheduledFor != nil && !in.ScheduledFor.After(now) {
		at := afterLast(*in.ScheduledFor, last)
		// Subscribers hear of a start only while the window is still open.
		notify := in.ScheduledUntil == nil || in.ScheduledUntil.After(now)
		if _, err := appendUpdate(tx, &in, NewUpdate{Status: InProgress, Body: AutoStartMessage, At: at,
			Notify: notify, Actor: SchedulerActor, automatic: true}); err != nil {
			return false, false, fmt.Errorf("start: %w", err)
		}
		if err := db.RecordAudit(ctx, system, "maintenance.auto_start", "incident", in.ID, map[string]any{"at": at}); err != nil {
			return false, false, err
		}
		in.Status, last, started = InProgress, at, true
	}
	if (in.Status == InProgress || in.Status == Verifying) && in.ScheduledAutoCompleted &&
		in.ScheduledUntil != nil && !in.ScheduledUntil.After(now) {
		at := afterLast(*in.ScheduledUntil, last)
		if _, err := appendUpdate(tx, &in, NewUpdate{Status: Completed, Body: AutoCompleteMessage, At: at,
			Notify: true, Actor: SchedulerActor, automatic: true}); err != nil {
			return started, false, fmt.Errorf("complete: %w", err)
		}
		if err := db.RecordAudit(ctx, system, "maintenance.auto_complete", "incident", in.ID, map[string]any{"at": at}); err != nil {
			return started, false, err
		}
		completed = true
	}
	return started, completed, nil
}

// afterLast returns the window's edge, or a millisecond after last when
// the edge is not after it.
func afterLast(edge, last time.Time) time.Time {
	if edge.After(last) {
		return edge
	}
	return last.Add(time.Millisecond)
}

// MaxCalendarEntries bounds the maintenance a calendar lists.
const MaxCalendarEntries = 500

// ListMaintenanceCalendar returns the scheduled maintenance whose window
// ends at or after since, soonest first, with its components, for the
// calendars (/maintenance.ics): deleted ones too (DeletedAt set: cancelled,
// so calendars that had them drop them). componentIDs, when given, keeps
// the maintenance touching one of them.
func (db *DB) ListMaintenanceCalendar(ctx context.Context, componentIDs []string, since time.Time) ([]Incident, error) {
	q := db.Gorm.WithContext(ctx).Unscoped().
		Preload("Components", func(tx *gorm.DB) *gorm.DB { return tx.Select("id", "name") }).
		Where("kind = ? AND scheduled_for IS NOT NULL AND scheduled_until IS NOT NULL AND scheduled_until >= ?", KindMaintenance, since.UTC())
	if len(componentIDs) > 0 {
		q = q.Where("id IN (SELECT incident_id FROM incident_components WHERE component_id IN ?)", componentIDs)
	}
	var list []Incident
	if err := q.Order("scheduled_for, id").Limit(MaxCalendarEntries).Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: list maintenance calendar: %w", err)
	}
	return list, nil
}
