package models

import (
	"context"
	"fmt"
	"time"
)

// LastChange is when anything shown on the page last changed: a component
// or an incident (the page's updated_at). Zero when the page is empty.
func (db *DB) LastChange(ctx context.Context) (time.Time, error) {
	var latest time.Time
	for _, table := range []string{"components", "incidents"} {
		var t struct{ UpdatedAt *time.Time }
		q := db.Gorm.WithContext(ctx).Table(table)
		if table == "incidents" && !db.drafts {
			q = q.Where("draft = ?", false) // a draft has not changed the public page
		}
		err := q.Select("updated_at").Order("updated_at DESC").Limit(1).Scan(&t).Error
		if err != nil {
			return time.Time{}, fmt.Errorf("models: last change of %s: %w", table, err)
		}
		if t.UpdatedAt != nil && t.UpdatedAt.After(latest) {
			latest = t.UpdatedAt.UTC()
		}
	}
	return latest, nil
}
