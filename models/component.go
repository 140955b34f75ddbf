package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Component is a part of the service customers see on the page. A group is
// a Component with IsGroup set; its members point to it with GroupID.
type Component struct {
	ID                 string `gorm:"primaryKey"`
	GroupID            *string
	IsGroup            bool
	Name               string
	Description        string
	Status             string
	Position           int
	Showcase           bool
	OnlyShowIfDegraded bool
	StartDate          *time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// StatusChange is one entry of a component's status history.
type StatusChange struct {
	ID          int64 `gorm:"primaryKey"`
	ComponentID string
	OldStatus   string
	NewStatus   string
	IncidentID  *string
	Actor       string
	ChangedAt   time.Time
}

// TableName is the table of status history.
func (StatusChange) TableName() string { return "component_status_changes" }

// Limits on component fields.
const (
	MaxNameLength        = 255
	MaxDescriptionLength = 2000
)

func (c *Component) validate() error {
	v := &ValidationError{}
	c.Name = strings.TrimSpace(c.Name)
	switch {
	case c.Name == "":
		v.Add("name", "must not be empty")
	case len(c.Name) > MaxNameLength:
		v.Add("name", "must be at most %d characters", MaxNameLength)
	}
	if len(c.Description) > MaxDescriptionLength {
		v.Add("description", "must be at most %d characters", MaxDescriptionLength)
	}
	if c.Status == "" {
		c.Status = Operational
	}
	if !ValidComponentStatus(c.Status) {
		v.Add("status", "must be one of operational, degraded_performance, partial_outage, major_outage, under_maintenance")
	}
	if c.IsGroup && c.GroupID != nil {
		v.Add("group_id", "a group cannot belong to another group")
	}
	return v.Err()
}

// CreateComponent validates and inserts a component or group and records its
// first status in the history, at the component's CreatedAt (now if zero).
func (db *DB) CreateComponent(ctx context.Context, c *Component, actor string) error {
	if err := c.validate(); err != nil {
		return err
	}
	if c.ID == "" {
		c.ID = NewID()
	}
	now := time.Now().UTC()
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	c.UpdatedAt = c.CreatedAt
	return db.Transaction(ctx, func(tx *gorm.DB) error {
		if c.GroupID != nil {
			var group Component
			err := tx.Where("id = ? AND is_group", *c.GroupID).Take(&group).Error
			if err != nil {
				if isNotFound(err) {
					return Invalid("group_id", "no component group with id %q", *c.GroupID)
				}
				return notFound(err, "load group %s", *c.GroupID)
			}
		}
		if err := tx.Create(c).Error; err != nil {
			return fmt.Errorf("models: create component: %w", err)
		}
		if c.IsGroup {
			return nil
		}
		change := StatusChange{ComponentID: c.ID, NewStatus: c.Status, Actor: actor, ChangedAt: c.CreatedAt}
		if err := tx.Create(&change).Error; err != nil {
			return fmt.Errorf("models: record status of component %s: %w", c.ID, err)
		}
		return nil
	})
}

// ListComponents returns every component and group, in page order: groups
// and ungrouped components by position, each group's members by position.
// The status of a group is the worst status of its members.
func (db *DB) ListComponents(ctx context.Context) ([]Component, error) {
	var all []Component
	if err := db.Gorm.WithContext(ctx).Order("position, name, id").Find(&all).Error; err != nil {
		return nil, fmt.Errorf("models: list components: %w", err)
	}
	return orderComponents(all), nil
}

// orderComponents puts members right after their group, keeping the
// position order within each level, and computes each group's status.
func orderComponents(all []Component) []Component {
	members := map[string][]Component{}
	for _, c := range all {
		if c.GroupID != nil {
			members[*c.GroupID] = append(members[*c.GroupID], c)
		}
	}
	out := make([]Component, 0, len(all))
	for _, c := range all {
		if c.GroupID != nil {
			continue
		}
		if c.IsGroup {
			statuses := make([]string, 0, len(members[c.ID]))
			for _, m := range members[c.ID] {
				statuses = append(statuses, m.Status)
			}
			c.Status = WorstComponentStatus(statuses...)
		}
		out = append(out, c)
		if c.IsGroup {
			out = append(out, members[c.ID]...)
		}
	}
	return out
}

// GetComponent loads one component or group.
func (db *DB) GetComponent(ctx context.Context, id string) (*Component, error) {
	var c Component
	if err := db.Gorm.WithContext(ctx).Take(&c, "id = ?", id).Error; err != nil {
		return nil, notFound(err, "load component %s", id)
	}
	return &c, nil
}

// setComponentStatus changes a component's status inside tx and records the
// change; it returns the component as it was before. Setting the same
// status is a no-op.
func setComponentStatus(tx *gorm.DB, id, status string, incidentID *string, actor string, at time.Time) (*Component, error) {
	if !ValidComponentStatus(status) {
		return nil, Invalid("status", "unknown component status %q", status)
	}
	var c Component
	if err := tx.Take(&c, "id = ? AND NOT is_group", id).Error; err != nil {
		if isNotFound(err) {
			return nil, Invalid("components", "no component with id %q", id)
		}
		return nil, notFound(err, "load component %s", id)
	}
	if c.Status == status {
		return &c, nil
	}
	if err := tx.Model(&Component{}).Where("id = ?", id).
		Updates(map[string]any{"status": status, "updated_at": at}).Error; err != nil {
		return nil, fmt.Errorf("models: set status of component %s: %w", id, err)
	}
	change := StatusChange{ComponentID: id, OldStatus: c.Status, NewStatus: status, IncidentID: incidentID, Actor: actor, ChangedAt: at}
	if err := tx.Create(&change).Error; err != nil {
		return nil, fmt.Errorf("models: record status of component %s: %w", id, err)
	}
	return &c, nil
}

// SetComponentStatus changes a component's status now and records it in the
// history.
func (db *DB) SetComponentStatus(ctx context.Context, id, status, actor string) error {
	return db.Transaction(ctx, func(tx *gorm.DB) error {
		_, err := setComponentStatus(tx, id, status, nil, actor, time.Now().UTC())
		return err
	})
}

// StatusHistory returns, per component, its status changes since the given
// time, preceded by the last change before it (the status the window starts
// with), oldest first.
func (db *DB) StatusHistory(ctx context.Context, since time.Time) (map[string][]StatusChange, error) {
	var changes []StatusChange
	// The last change before the window, per component, then everything after.
	err := db.Gorm.WithContext(ctx).Raw(`
		SELECT * FROM component_status_changes c
		WHERE c.changed_at >= ?
		   OR c.id = (SELECT p.id FROM component_status_changes p
		              WHERE p.component_id = c.component_id AND p.changed_at < ?
		              ORDER BY p.changed_at DESC, p.id DESC LIMIT 1)
		ORDER BY c.component_id, c.changed_at, c.id`, since, since).Scan(&changes).Error
	if err != nil {
		return nil, fmt.Errorf("models: load status history: %w", err)
	}
	out := map[string][]StatusChange{}
	for _, ch := range changes {
		out[ch.ComponentID] = append(out[ch.ComponentID], ch)
	}
	return out, nil
}
