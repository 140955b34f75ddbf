package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// IntegrationEvent is one thing an integration records: an alert firing or
// resolving, an acknowledgement, a chat message. It lands on an incident's
// timeline as an internal external event with its source, author and
// original time.
type IntegrationEvent struct {
	// Kind is EventExternal (the default) or EventNote (a note someone
	// typed through the integration, such as Slack's /beacon note).
	Kind string
	// Key deduplicates re-sends (an alert's fingerprint and status, a
	// webhook's event id); "" for none.
	Key string
	// IncidentID is the incident it is about when the sender says so (a
	// linked Slack channel); otherwise ComponentID's unresolved incident.
	IncidentID  string
	ComponentID string
	Body        string // Markdown
	Source      string // "Alertmanager", "PagerDuty", "Slack #ops"...
	Actor       string // who said it there
	Signal      string // SignalAlert, SignalAcknowledged, SignalRecovery, SignalChat
	OccurredAt  time.Time
	Fingerprint string // an alert's identity at its sender
	// OpenIncident opens an incident for a firing alert whose component
	// has none (an integration's opt-in); IncidentName names it.
	OpenIncident bool
	IncidentName string
}

// RecordOutcome is what became of an IntegrationEvent.
type RecordOutcome struct {
	Duplicate  bool   // a re-send already recorded: nothing written
	IncidentID string // the incident whose timeline it is on
	EventID    string
	Unattached bool // no incident yet: kept until one covering the component opens
	Opened     bool // an incident was opened for it
}

// claimReceipt records key for the integration; false when it was there
// already (a re-send).
func claimReceipt(tx *gorm.DB, integrationID, key string) (bool, error) {
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&integrationReceipt{
		IntegrationID: integrationID, Key: clip(key, 400), ReceivedAt: time.Now().UTC()})
	if res.Error != nil {
		return false, fmt.Errorf("models: record receipt of integration %s: %w", integrationID, res.Error)
	}
	return res.RowsAffected == 1, nil
}

type integrationReceipt struct {
	IntegrationID string `gorm:"primaryKey"`
	Key           string `gorm:"primaryKey"`
	ReceivedAt    time.Time
}

func (integrationReceipt) TableName() string { return "integration_receipts" }

// IntegrationAlert is an alert an integration received while no incident
// covered its component: it waits, unattached, until AttachUntil for one
// to open, then joins its timeline.
type IntegrationAlert struct {
	ID            string `gorm:"primaryKey"`
	IntegrationID string
	Fingerprint   string
	Status        string
	ComponentID   string
	IncidentID    *string
	Source        string
	Actor         string
	Body          string
	Signal        string
	OccurredAt    time.Time
	AttachUntil   time.Time
	ReceivedAt    time.Time

	ComponentName string `gorm:"->;-:migration"` // read with ListUnattachedAlerts
}

// ClaimReceipt records that the integration received key; false when it
// had already (a re-send to ignore).
func (db *DB) ClaimReceipt(ctx context.Context, integrationID, key string) (bool, error) {
	return claimReceipt(db.Gorm.WithContext(ctx), integrationID, key)
}

// RecordIntegrationEvent records what an integration received: on the
// timeline of the incident it names, else of the unresolved incident that
// affects its component; with neither, an alert is kept unattached (or,
// opted in, opens an incident). Call it inside a transaction (DB.InTx).
func (db *DB) RecordIntegrationEvent(ctx context.Context, it *Integration, ev IntegrationEvent) (RecordOutcome, error) {
	var out RecordOutcome
	g := db.Gorm.WithContext(ctx)
	if ev.Key != "" {
		fresh, err := claimReceipt(g, it.ID, ev.Key)
		if err != nil || !fresh {
			out.Duplicate = !fresh
			return out, err
		}
	}
	now := time.Now().UTC()
	if ev.OccurredAt.IsZero() || ev.OccurredAt.After(now) {
		ev.OccurredAt = now
	}
	ev.Source = clip(strings.TrimSpace(ev.Source), MaxSourceLength)
	ev.Body = clip(ev.Body, MaxMessageLength)
	incidentID := ev.IncidentID
	if incidentID == "" && ev.ComponentID != "" {
		id, err := unresolvedIncidentOf(g, ev.ComponentID)
		if err != nil {
			return out, err
		}
		incidentID = id
	}
	if incidentID != "" {
		kind := ev.Kind
		if kind == "" {
			kind = EventExternal
		}
		e, err := db.AddEvent(ctx, incidentID, NewEvent{Kind: kind, Body: ev.Body, Source: ev.Source,
			Actor: ev.Actor, OccurredAt: ev.OccurredAt, Signal: ev.Signal})
		if err != nil {
			return out, err
		}
		out.IncidentID, out.EventID = incidentID, e.ID
		return out, nil
	}
	if ev.ComponentID == "" {
		return out, ErrNotFound
	}
	// No incident: keep it until one covering the component opens.
	start := ev.OccurredAt
	if start.Before(now) {
		start = now
	}
	a := IntegrationAlert{
		ID: NewID(), IntegrationID: it.ID, Fingerprint: clip(ev.Fingerprint, 200), Status: ev.Signal,
		ComponentID: ev.ComponentID, Source: ev.Source, Actor: ev.Actor, Body: ev.Body, Signal: ev.Signal,
		OccurredAt: ev.OccurredAt, AttachUntil: start.Add(it.Settings.Window()), ReceivedAt: now,
	}
	if err := g.Omit("ComponentName").Create(&a).Error; err != nil {
		return out, fmt.Errorf("models: keep alert of integration %s: %w", it.ID, err)
	}
	out.Unattached = true
	if ev.OpenIncident && ev.Signal == SignalAlert {
		name := strings.TrimSpace(clip(ev.IncidentName, 200))
		if name == "" {
			name = "Alert firing"
		}
		in, err := db.OpenIncident(ctx, NewIncident{Kind: KindIncident, Name: name, Status: Investigating,
			ComponentIDs: []string{ev.ComponentID}, StartedAt: ev.OccurredAt,
			Body: "Opened by the " + it.Name + " integration: " + name, Actor: it.Name})
		if err != nil {
			return out, err
		}
		out.Unattached, out.Opened, out.IncidentID = false, true, in.ID
	}
	return out, nil
}

// unresolvedIncidentOf is the latest unresolved incident affecting the
// component, "" when there is none.
func unresolvedIncidentOf(tx *gorm.DB, componentID string) (string, error) {
	var ids []string
	err := tx.Model(&Incident{}).
		Joins("JOIN incident_components ic ON ic.incident_id = incidents.id").
		Where("ic.component_id = ? AND incidents.resolved_at IS NULL AND incidents.kind = ?", componentID, KindIncident).
		Order("incidents.started_at DESC, incidents.id").Limit(1).Pluck("incidents.id", &ids).Error
	if err != nil {
		return "", fmt.Errorf("models: incident of component %s: %w", componentID, err)
	}
	if len(ids) == 0 {
		return "", nil
	}
	return ids[0], nil
}

// attachPendingAlerts moves the unattached alerts of the components, still
// within their window, onto the new incident's timeline.
func attachPendingAlerts(tx *gorm.DB, incidentID string, componentIDs []string, now time.Time) error {
	if len(componentIDs) == 0 {
		return nil
	}
	var list []IntegrationAlert
	err := tx.Omit("ComponentName").Where("incident_id IS NULL AND component_id IN ? AND attach_until >= ?", componentIDs, now).
		Order("occurred_at, id").Find(&list).Error
	if err != nil {
		return fmt.Errorf("models: pending alerts: %w", err)
	}
	for _, a := range list {
		html, err := RenderMarkdown(a.Body)
		if err != nil {
			return err
		}
		ev := TimelineEvent{
			ID: NewID(), IncidentID: incidentID, Kind: EventExternal, Visibility: Internal,
			Body: a.Body, BodyHTML: html, Source: a.Source, Actor: a.Actor, Data: "{}", Signal: a.Signal,
			OccurredAt: a.OccurredAt, CreatedAt: now, UpdatedAt: now,
		}
		if err := tx.Create(&ev).Error; err != nil {
			return fmt.Errorf("models: attach alert %s: %w", a.ID, err)
		}
		if err := tx.Model(&IntegrationAlert{}).Where("id = ?", a.ID).Update("incident_id", incidentID).Error; err != nil {
			return fmt.Errorf("models: attach alert %s: %w", a.ID, err)
		}
	}
	return nil
}

// ListUnattachedAlerts returns the alerts still waiting for an incident,
// newest first, with their component's name.
func (db *DB) ListUnattachedAlerts(ctx context.Context, now time.Time, limit int) ([]IntegrationAlert, error) {
	var list []IntegrationAlert
	err := db.Gorm.WithContext(ctx).Table("integration_alerts").
		Select("integration_alerts.*, components.name AS component_name").
		Joins("JOIN components ON components.id = integration_alerts.component_id").
		Joins("JOIN integrations ON integrations.id = integration_alerts.integration_id AND integrations.deleted_at IS NULL").
		Where("integration_alerts.incident_id IS NULL AND integration_alerts.attach_until >= ?", now).
		Order("integration_alerts.occurred_at DESC, integration_alerts.id").Limit(limit).Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("models: list unattached alerts: %w", err)
	}
	return list, nil
}

// FindComponentByRef finds a component by id or by name (case-insensitive).
func (db *DB) FindComponentByRef(ctx context.Context, ref string) (*Component, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, ErrNotFound
	}
	list, err := db.ListComponents(ctx)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].ID == ref {
			return &list[i], nil
		}
	}
	for i := range list {
		if strings.EqualFold(list[i].Name, ref) {
			return &list[i], nil
		}
	}
	return nil, ErrNotFound
}

// LinkChannel links a chat channel to an incident: its messages go on the
// incident's timeline.
func (db *DB) LinkChannel(ctx context.Context, integrationID, channelID, incidentID string) error {
	g := db.Gorm.WithContext(ctx)
	if err := incidentExists(g, incidentID); err != nil {
		return err
	}
	row := map[string]any{"integration_id": integrationID, "channel_id": channelID, "incident_id": incidentID, "linked_at": time.Now().UTC()}
	err := g.Table("integration_channels").Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "integration_id"}, {Name: "channel_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"incident_id", "linked_at"}),
	}).Create(row).Error
	if err != nil {
		return fmt.Errorf("models: link channel %s: %w", channelID, err)
	}
	return nil
}

// ChannelIncident is the incident a channel is linked to, "" for none (or
// a deleted one).
func (db *DB) ChannelIncident(ctx context.Context, integrationID, channelID string) (string, error) {
	var ids []string
	err := db.Gorm.WithContext(ctx).Table("integration_channels").
		Joins("JOIN incidents ON incidents.id = integration_channels.incident_id AND incidents.deleted_at IS NULL").
		Where("integration_channels.integration_id = ? AND integration_channels.channel_id = ?", integrationID, channelID).
		Pluck("integration_channels.incident_id", &ids).Error
	if err != nil {
		return "", fmt.Errorf("models: incident of channel %s: %w", channelID, err)
	}
	if len(ids) == 0 {
		return "", nil
	}
	return ids[0], nil
}

// TrackedActionItem is an action item found by its tracker URL, with its
// incident.
type TrackedActionItem struct {
	ActionItem
	IncidentID string
}

// ActionItemsByURL finds the action items whose tracker link is url (with
// or without a trailing slash) on incidents that are not deleted.
func (db *DB) ActionItemsByURL(ctx context.Context, url string) ([]TrackedActionItem, error) {
	url = strings.TrimRight(strings.TrimSpace(url), "/")
	if url == "" {
		return nil, nil
	}
	var list []TrackedActionItem
	err := db.Gorm.WithContext(ctx).Table("action_items").
		Select("action_items.*, postmortems.incident_id AS incident_id").
		Joins("JOIN postmortems ON postmortems.id = action_items.postmortem_id").
		Joins("JOIN incidents ON incidents.id = postmortems.incident_id AND incidents.deleted_at IS NULL").
		Where("action_items.url IN ?", []string{url, url + "/"}).Order("action_items.id").Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("models: action items of %s: %w", url, err)
	}
	return list, nil
}

// KeepIntegrationRecords is how long receipts (the deduplication of
// re-sends) and expired unattached alerts are kept.
const KeepIntegrationRecords = 30 * 24 * time.Hour

// PurgeIntegrationRecords deletes the receipts received before before and
// the unattached alerts whose window ended before it.
func (db *DB) PurgeIntegrationRecords(ctx context.Context, before time.Time) (int64, error) {
	g := db.Gorm.WithContext(ctx)
	var purged int64
	for _, q := range []struct {
		model any
		where string
	}{
		{&integrationReceipt{}, "received_at < ?"},
		{&IntegrationAlert{}, "incident_id IS NULL AND attach_until < ?"},
	} {
		// Look before deleting: a database served read-only is not written.
		var n int64
		if err := g.Model(q.model).Where(q.where, before.UTC()).Count(&n).Error; err != nil {
			return purged, fmt.Errorf("models: count integration records to purge: %w", err)
		}
		if n == 0 {
			continue
		}
		r := g.Where(q.where, before.UTC()).Delete(q.model)
		if r.Error != nil {
			return purged, fmt.Errorf("models: purge integration records: %w", r.Error)
		}
		purged += r.RowsAffected
	}
	return purged, nil
}
