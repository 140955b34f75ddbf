package models

import (
	"context"
	"fmt"
)

// ListIncidentsOfComponents returns the most recent incidents and
// maintenance (see HappenedAt) that affect any of the components, newest
// first, with their components and events: at most limit (at most
// MaxIncidentLimit; 0 → DefaultIncidentLimit).
func (db *DB) ListIncidentsOfComponents(ctx context.Context, componentIDs []string, limit int) ([]Incident, error) {
	if limit <= 0 {
		limit = DefaultIncidentLimit
	}
	limit = min(limit, MaxIncidentLimit)
	list := []Incident{}
	if len(componentIDs) == 0 {
		return list, nil
	}
	err := db.withTimeline(ctx).
		Where("id IN (SELECT incident_id FROM incident_components WHERE component_id IN ?)", componentIDs).
		Order(happenedAt + " DESC, id").Limit(limit).Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("models: list incidents of components: %w", err)
	}
	completeIncidents(list...)
	return list, nil
}
