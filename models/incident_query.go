package models

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// GetIncident loads an incident with its components and its whole timeline.
func (db *DB) GetIncident(ctx context.Context, id string) (*Incident, error) {
	var in Incident
	err := db.Gorm.WithContext(ctx).
		Preload("Components", func(tx *gorm.DB) *gorm.DB { return tx.Order("position, name") }).
		Preload("Events", func(tx *gorm.DB) *gorm.DB { return tx.Order("occurred_at, created_at, id") }).
		Preload("Postmortem.Sections").Preload("Postmortem.Timeline").
		Take(&in, "id = ?", id).Error
	if err != nil {
		return nil, notFound(err, "load incident %s", id)
	}
	if in.Postmortem != nil {
		completePostmortem(in.Postmortem, &in)
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
	completeIncidents(list...)
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
	completeIncidents(list...)
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
	completeIncidents(list...)
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

// IncidentFilter selects incidents for ListIncidents; zero fields select
// everything.
type IncidentFilter struct {
	Kind       string // KindIncident, KindMaintenance or "" for both
	Unresolved bool
	Upcoming   bool   // maintenance scheduled in the future, not started
	Query      string // the name contains it, case-insensitively
	Limit      int    // 0 → DefaultIncidentLimit; at most MaxIncidentLimit
	Offset     int
}

// Page sizes of ListIncidents.
const (
	DefaultIncidentLimit = 50
	MaxIncidentLimit     = 100
)

// ListIncidents returns a page of the incidents and maintenance the filter
// selects, newest first (see HappenedAt), with components and events, and
// how many there are in all.
func (db *DB) ListIncidents(ctx context.Context, f IncidentFilter) ([]Incident, int64, error) {
	v := &ValidationError{}
	if f.Kind != "" && f.Kind != KindIncident && f.Kind != KindMaintenance {
		v.Add("kind", "must be incident or maintenance")
	}
	if f.Limit < 0 {
		v.Add("limit", "must not be negative")
	}
	if f.Offset < 0 {
		v.Add("offset", "must not be negative")
	}
	if utf8.RuneCountInString(f.Query) > MaxNameLength {
		v.Add("query", "must be at most %d characters", MaxNameLength)
	}
	if err := v.Err(); err != nil {
		return nil, 0, err
	}
	limit := min(f.Limit, MaxIncidentLimit)
	if limit == 0 {
		limit = DefaultIncidentLimit
	}
	now := time.Now().UTC()
	filter := func(q *gorm.DB) *gorm.DB {
		if f.Kind != "" {
			q = q.Where("kind = ?", f.Kind)
		}
		if f.Unresolved {
			q = q.Where("resolved_at IS NULL")
		}
		if f.Upcoming {
			q = q.Where("kind = ? AND status = ? AND scheduled_for > ?", KindMaintenance, Scheduled, now)
		}
		if query := strings.TrimSpace(f.Query); query != "" {
			q = q.Where(`LOWER(name) LIKE ? ESCAPE '\'`, "%"+likeEscaper.Replace(strings.ToLower(query))+"%")
		}
		return q
	}
	var total int64
	if err := db.Gorm.WithContext(ctx).Model(&Incident{}).Scopes(filter).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("models: count incidents: %w", err)
	}
	var list []Incident
	err := db.withTimeline(ctx).Scopes(filter).Order(happenedAt + " DESC, id").
		Limit(limit).Offset(f.Offset).Find(&list).Error
	if err != nil {
		return nil, 0, fmt.Errorf("models: list incidents: %w", err)
	}
	completeIncidents(list...)
	return list, total, nil
}

// likeEscaper escapes LIKE's wildcards, with backslash as the escape.
var likeEscaper = strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`)

func (db *DB) withTimeline(ctx context.Context) *gorm.DB {
	return db.Gorm.WithContext(ctx).
		Preload("Components", func(tx *gorm.DB) *gorm.DB { return tx.Order("position, name") }).
		Preload("Events", func(tx *gorm.DB) *gorm.DB { return tx.Order("occurred_at, created_at, id") }).
		Preload("Postmortem.Sections").Preload("Postmortem.Timeline")
}

// completeIncidents readies the postmortems of incidents loaded with
// withTimeline (see completePostmortem).
func completeIncidents(list ...Incident) {
	for i := range list {
		if pm := list[i].Postmortem; pm != nil {
			completePostmortem(pm, &list[i])
		}
	}
}

// UnresolvedIncidentIDs returns the ids of open incidents and of
// maintenance not yet completed (ListUnresolved without the rows).
func (db *DB) UnresolvedIncidentIDs(ctx context.Context) ([]string, error) {
	var ids []string
	if err := db.Gorm.WithContext(ctx).Model(&Incident{}).Where("resolved_at IS NULL").Order("id").Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("models: list unresolved incidents: %w", err)
	}
	return ids, nil
}
