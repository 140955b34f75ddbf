package models

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// IncidentTemplate is what an incident, a maintenance or an update starts
// from (Statuspage's incident template): the incident's title, the
// update's message and status, the components and the status each is
// set to, whether to notify subscribers. GroupID is a free label that
// groups templates in the pickers.
type IncidentTemplate struct {
	ID                      string `gorm:"primaryKey"`
	Name                    string
	Title                   string
	Body                    string
	GroupID                 string
	UpdateStatus            string // an incident or maintenance status, or "" (no change)
	ShouldTweet             bool   // kept for Statuspage's clients; Beacon does not tweet
	ShouldSendNotifications bool
	CreatedAt               time.Time
	UpdatedAt               time.Time

	// Components maps each component's id to the status the template sets
	// ("" names the component without changing its status).
	Components map[string]string `gorm:"-"`
}

// TableName is the table of incident templates.
func (IncidentTemplate) TableName() string { return "incident_templates" }

// templateComponent is a row of incident_template_components.
type templateComponent struct {
	TemplateID  string
	ComponentID string
	Status      string
}

func (templateComponent) TableName() string { return "incident_template_components" }

// ComponentIDs are the template's components, sorted.
func (t *IncidentTemplate) ComponentIDs() []string {
	ids := make([]string, 0, len(t.Components))
	for id := range t.Components {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Limits of a template's fields.
const (
	MaxTemplateNameLength  = 255
	MaxTemplateGroupLength = 100
)

// validate checks a template's fields and its components.
func (db *DB) validateTemplate(ctx context.Context, t *IncidentTemplate) error {
	v := &ValidationError{}
	t.Name, t.Title, t.GroupID = strings.TrimSpace(t.Name), strings.TrimSpace(t.Title), strings.TrimSpace(t.GroupID)
	switch {
	case t.Name == "":
		v.Add("name", "must not be empty")
	case utf8.RuneCountInString(t.Name) > MaxTemplateNameLength:
		v.Add("name", "must be at most %d characters", MaxTemplateNameLength)
	}
	if utf8.RuneCountInString(t.Title) > MaxNameLength {
		v.Add("title", "must be at most %d characters", MaxNameLength)
	}
	if len(t.Body) > MaxMessageLength {
		v.Add("body", "must be at most %d characters", MaxMessageLength)
	}
	if utf8.RuneCountInString(t.GroupID) > MaxTemplateGroupLength {
		v.Add("group_id", "must be at most %d characters", MaxTemplateGroupLength)
	}
	if t.UpdateStatus != "" && !validStatusFor(KindIncident, t.UpdateStatus) && !validStatusFor(KindMaintenance, t.UpdateStatus) {
		v.Add("update_status", "must be one of %s, or empty", strings.Join(append(slices.Clone(IncidentStatuses), MaintenanceStatuses...), ", "))
	}
	if len(t.Components) > 0 {
		var comps []Component
		if err := db.Gorm.WithContext(ctx).Select("id", "is_group").Where("id IN ?", t.ComponentIDs()).Find(&comps).Error; err != nil {
			return fmt.Errorf("models: load components: %w", err)
		}
		known := map[string]bool{}
		for _, c := range comps {
			known[c.ID] = !c.IsGroup
		}
		for _, id := range t.ComponentIDs() {
			st := t.Components[id]
			switch {
			case !known[id]:
				v.Add("components", "no component with id %q", id)
			case st != "" && !ValidComponentStatus(st):
				v.Add("components", "%q is not a component status: use operational, degraded_performance, partial_outage, major_outage or under_maintenance", st)
			}
		}
	}
	return v.Err()
}

// ListIncidentTemplates returns every template by group and name, with its
// components.
func (db *DB) ListIncidentTemplates(ctx context.Context) ([]IncidentTemplate, error) {
	list := []IncidentTemplate{}
	if err := db.Gorm.WithContext(ctx).Order("group_id, name, id").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: list incident templates: %w", err)
	}
	var rows []templateComponent
	if err := db.Gorm.WithContext(ctx).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: list incident template components: %w", err)
	}
	byID := map[string]*IncidentTemplate{}
	for i := range list {
		list[i].Components = map[string]string{}
		byID[list[i].ID] = &list[i]
	}
	for _, r := range rows {
		if t := byID[r.TemplateID]; t != nil {
			t.Components[r.ComponentID] = r.Status
		}
	}
	return list, nil
}

// GetIncidentTemplate returns one template, or ErrNotFound.
func (db *DB) GetIncidentTemplate(ctx context.Context, id string) (*IncidentTemplate, error) {
	if !ValidID(id) {
		return nil, ErrNotFound
	}
	var t IncidentTemplate
	if err := db.Gorm.WithContext(ctx).Take(&t, "id = ?", id).Error; err != nil {
		return nil, notFound(err, "load incident template %s", id)
	}
	var rows []templateComponent
	if err := db.Gorm.WithContext(ctx).Where("template_id = ?", id).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: load incident template components: %w", err)
	}
	t.Components = map[string]string{}
	for _, r := range rows {
		t.Components[r.ComponentID] = r.Status
	}
	return &t, nil
}

// CreateIncidentTemplate validates and stores a new template.
func (db *DB) CreateIncidentTemplate(ctx context.Context, t *IncidentTemplate) error {
	if err := db.validateTemplate(ctx, t); err != nil {
		return err
	}
	now := time.Now().UTC()
	t.ID, t.CreatedAt, t.UpdatedAt = NewID(), now, now
	if err := db.Gorm.WithContext(ctx).Create(t).Error; err != nil {
		return fmt.Errorf("models: create incident template: %w", err)
	}
	return db.writeTemplateComponents(ctx, t)
}

// IncidentTemplatePatch changes the fields of a template that are not nil.
type IncidentTemplatePatch struct {
	Name, Title, Body, GroupID, UpdateStatus *string
	ShouldTweet, ShouldSendNotifications     *bool
	Components                               map[string]string // with SetComponents: the new components
	SetComponents                            bool
}

// UpdateIncidentTemplate applies p to the template id.
func (db *DB) UpdateIncidentTemplate(ctx context.Context, id string, p IncidentTemplatePatch) (*IncidentTemplate, error) {
	t, err := db.GetIncidentTemplate(ctx, id)
	if err != nil {
		return nil, err
	}
	for dst, src := range map[*string]*string{&t.Name: p.Name, &t.Title: p.Title, &t.Body: p.Body, &t.GroupID: p.GroupID, &t.UpdateStatus: p.UpdateStatus} {
		if src != nil {
			*dst = *src
		}
	}
	if p.ShouldTweet != nil {
		t.ShouldTweet = *p.ShouldTweet
	}
	if p.ShouldSendNotifications != nil {
		t.ShouldSendNotifications = *p.ShouldSendNotifications
	}
	if p.SetComponents {
		t.Components = p.Components
		if t.Components == nil {
			t.Components = map[string]string{}
		}
	}
	if err := db.validateTemplate(ctx, t); err != nil {
		return nil, err
	}
	t.UpdatedAt = time.Now().UTC()
	err = db.Gorm.WithContext(ctx).Model(&IncidentTemplate{}).Where("id = ?", id).Updates(map[string]any{
		"name": t.Name, "title": t.Title, "body": t.Body, "group_id": t.GroupID, "update_status": t.UpdateStatus,
		"should_tweet": t.ShouldTweet, "should_send_notifications": t.ShouldSendNotifications, "updated_at": t.UpdatedAt,
	}).Error
	if err != nil {
		return nil, fmt.Errorf("models: update incident template %s: %w", id, err)
	}
	if p.SetComponents {
		if err := db.writeTemplateComponents(ctx, t); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// writeTemplateComponents replaces a template's component rows.
func (db *DB) writeTemplateComponents(ctx context.Context, t *IncidentTemplate) error {
	g := db.Gorm.WithContext(ctx)
	if err := g.Where("template_id = ?", t.ID).Delete(&templateComponent{}).Error; err != nil {
		return fmt.Errorf("models: clear incident template components: %w", err)
	}
	for _, id := range t.ComponentIDs() {
		if err := g.Create(&templateComponent{TemplateID: t.ID, ComponentID: id, Status: t.Components[id]}).Error; err != nil {
			return fmt.Errorf("models: store incident template component: %w", err)
		}
	}
	return nil
}

// DeleteIncidentTemplate deletes a template, or answers ErrNotFound.
func (db *DB) DeleteIncidentTemplate(ctx context.Context, id string) (*IncidentTemplate, error) {
	t, err := db.GetIncidentTemplate(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := db.Gorm.WithContext(ctx).Delete(&IncidentTemplate{}, "id = ?", id).Error; err != nil {
		return nil, fmt.Errorf("models: delete incident template %s: %w", id, err)
	}
	return t, nil
}
