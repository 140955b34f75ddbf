package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// PublishDraft makes a draft incident public: it appears on every public
// surface, the component status changes its updates held are applied now,
// and — when notify is set — subscribers hear of it as of a new incident
// (its latest update is the message), as they would of its first update.
func (db *DB) PublishDraft(ctx context.Context, id string, notify bool, actor string) (*Incident, error) {
	err := db.Transaction(ctx, func(tx *gorm.DB) error {
		var in Incident
		if err := lockRows(tx, false).Take(&in, "id = ?", id).Error; err != nil {
			return notFound(err, "load incident %s", id)
		}
		if !in.Draft {
			return Invalid("draft", "the incident is not a draft: it is public already")
		}
		now := time.Now().UTC()
		if err := tx.Model(&Incident{}).Where("id = ?", id).
			Updates(map[string]any{"draft": false, "updated_at": now}).Error; err != nil {
			return fmt.Errorf("models: publish incident %s: %w", id, err)
		}
		in.Draft = false

		// The held component changes: each component's latest.
		var updates []TimelineEvent
		if err := tx.Where("incident_id = ? AND kind = ?", id, EventUpdate).
			Order("occurred_at, created_at, id").Find(&updates).Error; err != nil {
			return fmt.Errorf("models: load updates of incident %s: %w", id, err)
		}
		held := map[string]string{}
		for _, ev := range updates {
			for _, a := range ev.AffectedComponents {
				held[a.Code] = a.NewStatus
			}
		}
		var applied AffectedComponents
		for _, cid := range sortedKeys(held) {
			var n int64
			if err := tx.Model(&Component{}).Where("id = ? AND NOT is_group", cid).Count(&n).Error; err != nil {
				return fmt.Errorf("models: load component %s: %w", cid, err)
			}
			if n == 0 {
				continue // deleted since
			}
			before, err := setComponentStatus(tx, cid, held[cid], &in.ID, actor, now)
			if err != nil {
				return err
			}
			if before.Status != held[cid] {
				applied = append(applied, AffectedComponent{Code: cid, Name: before.Name, OldStatus: before.Status, NewStatus: held[cid]})
			}
		}
		if len(updates) == 0 || !notify {
			return nil
		}
		// Subscribers hear of it as of a new incident, with its latest update.
		last := updates[len(updates)-1]
		if err := tx.Model(&TimelineEvent{}).Where("id = ?", last.ID).
			Update("deliver_notifications", true).Error; err != nil {
			return fmt.Errorf("models: mark update %s notified: %w", last.ID, err)
		}
		last.AffectedComponents = applied
		return enqueueUpdate(tx, &in, NewUpdate{Status: in.Status, Notify: true, Actor: actor, opening: true}, &last)
	})
	if err != nil {
		return nil, err
	}
	return db.WithDrafts().GetIncident(ctx, id)
}

// DiscardDraft deletes a draft incident (softly, as DeleteIncident); a
// public incident is not a draft to discard.
func (db *DB) DiscardDraft(ctx context.Context, id string) error {
	return db.Transaction(ctx, func(tx *gorm.DB) error {
		var in Incident
		if err := lockRows(tx, false).Select("id", "draft").Take(&in, "id = ?", id).Error; err != nil {
			return notFound(err, "load incident %s", id)
		}
		if !in.Draft {
			return Invalid("draft", "the incident is public: only a draft can be discarded")
		}
		if err := tx.Delete(&Incident{}, "id = ?", id).Error; err != nil {
			return fmt.Errorf("models: discard incident %s: %w", id, err)
		}
		return nil
	})
}
