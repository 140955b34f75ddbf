package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

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
	case utf8.RuneCountInString(c.Name) > MaxNameLength:
		v.Add("name", "must be at most %d characters", MaxNameLength)
	}
	if utf8.RuneCountInString(c.Description) > MaxDescriptionLength {
		v.Add("description", "must be at most %d characters", MaxDescriptionLength)
	}
	if !ValidComponentStatus(c.Status) {
		v.Add("status", "must be one of operational, degraded_performance, partial_outage, major_outage, under_maintenance")
	}
	if c.IsGroup && c.GroupID != nil {
		v.Add("group_id", "a group cannot belong to another group")
	}
	if c.Position < 0 {
		v.Add("position", "must not be negative")
	}
	return v.Err()
}

// checkGroup reports, as a problem with group_id, when id is not a group.
func checkGroup(tx *gorm.DB, id string) error {
	var n int64
	if err := tx.Model(&Component{}).Where("id = ? AND is_group", id).Count(&n).Error; err != nil {
		return fmt.Errorf("models: load group %s: %w", id, err)
	}
	if n == 0 {
		return Invalid("group_id", "no component group with id %q", id)
	}
	return nil
}

// CreateComponent validates and inserts a component or group and records its
// first status in the history, at the component's CreatedAt (now if zero).
func (db *DB) CreateComponent(ctx context.Context, c *Component, actor string) error {
	if c.Status == "" {
		c.Status = Operational
	}
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
			if err := checkGroup(tx, *c.GroupID); err != nil {
				return err
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

// ComponentPatch is a change to a component or group: nil fields stay as
// they are. GroupID pointing to "" takes the component out of its group.
type ComponentPatch struct {
	Name, Description, Status *string
	GroupID                   *string
	Position                  *int
	Showcase                  *bool
	OnlyShowIfDegraded        *bool
	// SetStartDate replaces the start date with StartDate (nil clears it).
	SetStartDate bool
	StartDate    *time.Time
}

// ParseStartDate reads a component's start date ("2026-01-31", a day in
// the page's time zone); "" is no start date. A bad value is a validation
// error naming field.
func ParseStartDate(field, s string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil || d.Year() < 1900 {
		return nil, Invalid(field, "must be a date like 2026-01-31")
	}
	return &d, nil
}

// UpdateComponent validates and applies a patch, in one transaction. A status
// change is recorded in the history and on the timeline of the unresolved
// incidents the component is part of. A group's status cannot be set: it
// comes from its members.
func (db *DB) UpdateComponent(ctx context.Context, id string, p ComponentPatch, actor string) (*Component, error) {
	err := db.Transaction(ctx, func(tx *gorm.DB) error {
		var c Component
		if err := tx.Take(&c, "id = ?", id).Error; err != nil {
			return notFound(err, "load component %s", id)
		}
		// The patched component must be as valid as a new one.
		next := c
		if p.Name != nil {
			next.Name = *p.Name
		}
		if p.Description != nil {
			next.Description = *p.Description
		}
		if p.Status != nil && !c.IsGroup {
			next.Status = *p.Status
		}
		if p.GroupID != nil {
			next.GroupID = p.GroupID
			if *p.GroupID == "" {
				next.GroupID = nil
			}
		}
		if p.Position != nil {
			next.Position = *p.Position
		}
		if p.Showcase != nil {
			next.Showcase = *p.Showcase
		}
		if p.OnlyShowIfDegraded != nil {
			next.OnlyShowIfDegraded = *p.OnlyShowIfDegraded
		}
		if p.SetStartDate {
			next.StartDate = p.StartDate
		}
		v := &ValidationError{}
		if err := next.validate(); err != nil {
			v = err.(*ValidationError)
		}
		if c.IsGroup && p.Status != nil {
			v.Add("status", "a group's status comes from its components")
		}
		switch {
		case p.GroupID == nil || next.GroupID == nil || c.IsGroup:
		case *next.GroupID == c.ID:
			v.Add("group_id", "a component cannot be its own group")
		default:
			var bad *ValidationError
			if err := checkGroup(tx, *next.GroupID); errors.As(err, &bad) {
				v.Fields = append(v.Fields, bad.Fields...)
			} else if err != nil {
				return err
			}
		}
		if err := v.Err(); err != nil {
			return err
		}

		// Write what changes, if anything does.
		now := time.Now().UTC()
		if changes := componentChanges(&c, &next); len(changes) > 0 {
			changes["updated_at"] = now
			if err := tx.Model(&Component{}).Where("id = ?", id).Updates(changes).Error; err != nil {
				return fmt.Errorf("models: update component %s: %w", id, err)
			}
		}
		if p.Status != nil {
			current := next // its new name, its old status
			current.Status = c.Status
			return changeStatus(tx, &current, *p.Status, nil, actor, now)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.GetComponent(ctx, id)
}

// componentChanges returns the columns, other than the status, in which
// next differs from c.
func componentChanges(c, next *Component) map[string]any {
	changes := map[string]any{}
	if next.Name != c.Name {
		changes["name"] = next.Name
	}
	if next.Description != c.Description {
		changes["description"] = next.Description
	}
	switch {
	case next.GroupID == nil && c.GroupID != nil:
		changes["group_id"] = nil
	case next.GroupID != nil && (c.GroupID == nil || *c.GroupID != *next.GroupID):
		changes["group_id"] = *next.GroupID
	}
	if next.Position != c.Position {
		changes["position"] = next.Position
	}
	if next.Showcase != c.Showcase {
		changes["showcase"] = next.Showcase
	}
	if next.OnlyShowIfDegraded != c.OnlyShowIfDegraded {
		changes["only_show_if_degraded"] = next.OnlyShowIfDegraded
	}
	switch {
	case next.StartDate == nil && c.StartDate != nil:
		changes["start_date"] = nil
	case next.StartDate != nil && (c.StartDate == nil || !sameDay(*c.StartDate, *next.StartDate)):
		changes["start_date"] = *next.StartDate
	}
	return changes
}

// sameDay reports whether two dates name the same calendar day.
func sameDay(a, b time.Time) bool {
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}

// UptimeStart is the moment a component's uptime begins: midnight of its
// start date in loc; zero when it has no start date (its history starts
// when it was created).
func (c *Component) UptimeStart(loc *time.Location) time.Time {
	if c.StartDate == nil {
		return time.Time{}
	}
	d := c.StartDate.UTC()
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}

// DeleteComponent deletes a component or group with its status history; the
// members of a deleted group become ungrouped.
func (db *DB) DeleteComponent(ctx context.Context, id string) error {
	res := db.Gorm.WithContext(ctx).Delete(&Component{}, "id = ?", id)
	if res.Error != nil {
		return fmt.Errorf("models: delete component %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// ReorderComponents gives the components positions 0, 1, 2... in the order of
// ids. The ids are one level of the page: top-level components and groups,
// or the members of one group.
func (db *DB) ReorderComponents(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return Invalid("component_ids", "must not be empty")
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			return Invalid("component_ids", "lists %q more than once", id)
		}
		seen[id] = true
	}
	return db.Transaction(ctx, func(tx *gorm.DB) error {
		var list []Component
		if err := tx.Select("id", "group_id").Where("id IN ?", ids).Find(&list).Error; err != nil {
			return fmt.Errorf("models: load components: %w", err)
		}
		level := map[string]string{}
		for _, c := range list {
			level[c.ID] = ""
			if c.GroupID != nil {
				level[c.ID] = *c.GroupID
			}
		}
		for _, id := range ids {
			if _, ok := level[id]; !ok {
				return Invalid("component_ids", "no component with id %q", id)
			}
			if level[id] != level[ids[0]] {
				return Invalid("component_ids", "must all be top-level or all members of one group")
			}
		}
		now := time.Now().UTC()
		for i, id := range ids {
			err := tx.Model(&Component{}).Where("id = ?", id).
				Updates(map[string]any{"position": i, "updated_at": now}).Error
			if err != nil {
				return fmt.Errorf("models: reorder component %s: %w", id, err)
			}
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

// ListGroups returns the component groups by position, each with the worst
// status of its members.
func (db *DB) ListGroups(ctx context.Context) ([]Component, error) {
	all, err := db.ListComponents(ctx)
	if err != nil {
		return nil, err
	}
	groups := make([]Component, 0, len(all))
	for _, c := range all {
		if c.IsGroup {
			groups = append(groups, c)
		}
	}
	return groups, nil
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

// GetComponent loads one component or group (with the worst status of its
// members); ErrNotFound when there is none with the id.
func (db *DB) GetComponent(ctx context.Context, id string) (*Component, error) {
	var c Component
	if err := db.Gorm.WithContext(ctx).Take(&c, "id = ?", id).Error; err != nil {
		return nil, notFound(err, "load component %s", id)
	}
	if c.IsGroup {
		var statuses []string
		err := db.Gorm.WithContext(ctx).Model(&Component{}).Where("group_id = ?", c.ID).Pluck("status", &statuses).Error
		if err != nil {
			return nil, fmt.Errorf("models: load members of group %s: %w", c.ID, err)
		}
		c.Status = WorstComponentStatus(statuses...)
	}
	return &c, nil
}

// setComponentStatus changes a component's status inside tx for an
// incident's update and records the change; it returns the component as it
// was before. Setting the same status is a no-op.
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
	before := c
	return &before, changeStatus(tx, &c, status, incidentID, actor, at)
}

// changeStatus is the one way a component's status changes: it sets it,
// records it in the history (the source of uptime) and appends a
// component_status event to the timeline of every other unresolved incident
// the component is part of. c is the component as loaded; incidentID is the
// incident whose update made the change, if any. A change by itself (no
// incident) is told to the component's webhook subscribers
// (NotifyComponentUpdated); an incident's is in its update's webhook.
func changeStatus(tx *gorm.DB, c *Component, status string, incidentID *string, actor string, at time.Time) error {
	if c.Status == status {
		return nil
	}
	if err := tx.Model(&Component{}).Where("id = ?", c.ID).
		Updates(map[string]any{"status": status, "updated_at": at}).Error; err != nil {
		return fmt.Errorf("models: set status of component %s: %w", c.ID, err)
	}
	change := StatusChange{ComponentID: c.ID, OldStatus: c.Status, NewStatus: status, IncidentID: incidentID, Actor: actor, ChangedAt: at}
	if err := tx.Create(&change).Error; err != nil {
		return fmt.Errorf("models: record status of component %s: %w", c.ID, err)
	}
	if incidentID == nil {
		if err := enqueueComponentUpdate(tx, c, &change); err != nil {
			return err
		}
	}
	return recordComponentStatusEvents(tx, c, status, incidentID, actor, at)
}

// SetComponentStatus changes a component's status now and records it in the
// history and on the timeline of its unresolved incidents.
func (db *DB) SetComponentStatus(ctx context.Context, id, status, actor string) error {
	_, err := db.UpdateComponent(ctx, id, ComponentPatch{Status: &status}, actor)
	return err
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

// NotifyComponentUpdated is a component's status change, told to webhook
// subscribers of the component (Statuspage's component_update webhook).
const NotifyComponentUpdated = "component.updated"

// NotifiesComponents reports whether kind is a component's status change.
func NotifiesComponents(kind string) bool { return kind == NotifyComponentUpdated }

// ComponentNotice is the Payload of a NotifyComponentUpdated notification:
// the change and the component as they were when it was made.
type ComponentNotice struct {
	UpdateID    int64     `json:"update_id"` // the status change's id in the history
	ComponentID string    `json:"component_id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	GroupID     *string   `json:"group_id"`
	Position    int       `json:"position"`
	Showcase    bool      `json:"showcase"`
	OldStatus   string    `json:"old_status"`
	NewStatus   string    `json:"new_status"`
	CreatedAt   time.Time `json:"created_at"` // the component's
	At          time.Time `json:"at"`         // the change's
}

// enqueueComponentUpdate writes the notification of change (of c, as it
// was) to the outbox, on the change's transaction, when the page has a
// confirmed webhook subscriber to tell.
func enqueueComponentUpdate(tx *gorm.DB, c *Component, change *StatusChange) error {
	var hooks int64
	err := tx.Model(&Subscriber{}).Where("channel = ? AND status = ?", ChannelWebhook, SubscriberConfirmed).Limit(1).Count(&hooks).Error
	if err != nil {
		return fmt.Errorf("models: webhook subscribers: %w", err)
	}
	if hooks == 0 {
		return nil
	}
	notice := ComponentNotice{UpdateID: change.ID, ComponentID: c.ID, Name: c.Name, Description: c.Description,
		GroupID: c.GroupID, Position: c.Position, Showcase: c.Showcase, OldStatus: change.OldStatus,
		NewStatus: change.NewStatus, CreatedAt: c.CreatedAt, At: change.ChangedAt}
	n := &Notification{Kind: NotifyComponentUpdated, Subject: c.Name, CreatedAt: change.ChangedAt}
	return (&DB{Gorm: tx}).Enqueue(tx.Statement.Context, n, []string{c.ID}, notice)
}
