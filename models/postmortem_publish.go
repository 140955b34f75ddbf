package models

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"strings"
	"time"

	"gorm.io/gorm"
)

// PostmortemPayload is the payload of a NotifyPostmortemPublished
// notification.
type PostmortemPayload struct {
	PostmortemID string `json:"postmortem_id"`
	Revision     int    `json:"revision"`
}

// PublishPostmortem makes the postmortem of an incident public. Publishing
// a draft stamps the time (and the first publication's, once), keeps the
// content as a revision, sets the incident's status to "postmortem" (a
// maintenance keeps "completed"; both stay resolved) and appends a
// "postmortem published" event to its timeline. With notify, subscribers
// are notified, once ever: the outbox notification is written in the same
// transaction. Publishing a published postmortem again only notifies (when
// asked and not done yet). A postmortem whose sections are all empty is a
// validation error.
func (db *DB) PublishPostmortem(ctx context.Context, incidentID string, notify bool, actor string) (*Postmortem, error) {
	err := db.InTx(ctx, func(tx *DB) error {
		g := tx.Gorm.WithContext(ctx)
		pm, err := loadPostmortem(g, incidentID, true)
		if err != nil {
			return err
		}
		if !pm.HasText() {
			return Invalid("sections", "the postmortem is empty: write at least one section before publishing")
		}
		var in Incident
		if err := g.Take(&in, "id = ?", incidentID).Error; err != nil {
			return notFound(err, "load incident %s", incidentID)
		}
		if in.Draft {
			return Invalid("draft", "the incident is a draft: publish the incident before its postmortem")
		}
		now := time.Now().UTC()
		changes := map[string]any{}
		if !pm.Published() {
			changes["status"], changes["published_at"], changes["updated_at"] = PostmortemPublished, now, now
			if pm.FirstPublishedAt == nil {
				changes["first_published_at"] = now
			}
			if err := keepRevision(g, pm, actor, now, changes); err != nil {
				return err
			}
			if in.Kind == KindIncident {
				err := g.Model(&Incident{}).Where("id = ?", in.ID).
					Updates(map[string]any{"status": StatusPostmortem, "updated_at": now}).Error
				if err != nil {
					return fmt.Errorf("models: set incident %s to postmortem: %w", in.ID, err)
				}
			}
			revision := pm.Revision
			if n, ok := changes["revision"].(int); ok {
				revision = n
			}
			if err := appendPublishedEvent(g, &in, pm.ID, revision, notify && !pm.NotifiedSubscribers, actor, now); err != nil {
				return err
			}
		}
		if notify && !pm.NotifiedSubscribers {
			if err := enqueuePostmortem(ctx, tx, &in, pm, changes); err != nil {
				return err
			}
			changes["notified_subscribers"] = true
		}
		if len(changes) == 0 {
			return nil
		}
		if err := g.Model(&Postmortem{}).Where("id = ?", pm.ID).Updates(changes).Error; err != nil {
			return fmt.Errorf("models: publish postmortem %s: %w", pm.ID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.GetPostmortem(ctx, incidentID)
}

// appendPublishedEvent adds a "postmortem published" event to the
// incident's timeline.
func appendPublishedEvent(tx *gorm.DB, in *Incident, postmortemID string, revision int, notify bool, actor string, at time.Time) error {
	data, err := json.Marshal(PostmortemPayload{PostmortemID: postmortemID, Revision: revision})
	if err != nil {
		return fmt.Errorf("models: postmortem event: %w", err)
	}
	ev := TimelineEvent{
		ID: NewID(), IncidentID: in.ID, Kind: EventPostmortemPublished, Visibility: Public,
		Body: "Postmortem published.", BodyHTML: "<p>Postmortem published.</p>\n",
		DeliverNotifications: notify, Actor: actor, Data: string(data),
		OccurredAt: at, CreatedAt: at, UpdatedAt: at,
	}
	if err := tx.Create(&ev).Error; err != nil {
		return fmt.Errorf("models: append postmortem event to incident %s: %w", in.ID, err)
	}
	return nil
}

// postmortemNotice is the payload of a NotifyPostmortemPublished
// notification: what its email says (the incident's name and components,
// the summary as its message) and which revision was published.
type postmortemNotice struct {
	NotificationContent
	PostmortemPayload
}

// enqueuePostmortem writes the NotifyPostmortemPublished notification of
// the incident's latest "postmortem published" event, for the subscribers
// of its components.
func enqueuePostmortem(ctx context.Context, tx *DB, in *Incident, pm *Postmortem, changes map[string]any) error {
	g := tx.Gorm.WithContext(ctx)
	var ev TimelineEvent
	err := g.Where("incident_id = ? AND kind = ?", in.ID, EventPostmortemPublished).
		Order("occurred_at DESC, created_at DESC").Take(&ev).Error
	if err != nil {
		return fmt.Errorf("models: find postmortem event of incident %s: %w", in.ID, err)
	}
	content := NotificationContent{Status: in.Status, At: ev.OccurredAt}
	if s := pm.Section(SectionSummary); s != nil {
		content.Body, content.BodyHTML = s.Body, s.BodyHTML
	}
	if facts := figureLine(pm.Milestones()); facts != "" {
		// The figures, counted from the milestones as the pages count them.
		content.Body = strings.TrimSpace(content.Body + "\n\n" + facts)
		content.BodyHTML += "<p>" + html.EscapeString(facts) + "</p>\n"
	}
	components, err := completeContent(g, in, &content)
	if err != nil {
		return err
	}
	revision := pm.Revision
	if n, ok := changes["revision"].(int); ok {
		revision = n
	}
	n := &Notification{Kind: NotifyPostmortemPublished, IncidentID: &in.ID, EventID: &ev.ID, Subject: "Postmortem: " + in.Name}
	return tx.Enqueue(ctx, n, components, postmortemNotice{content, PostmortemPayload{PostmortemID: pm.ID, Revision: revision}})
}

// UnpublishPostmortem takes a published postmortem back to draft: it
// leaves the public pages, and the incident's status goes back to
// "resolved". Its revisions and first publication time stay. A draft is
// an *ErrConflict.
func (db *DB) UnpublishPostmortem(ctx context.Context, incidentID, actor string) (*Postmortem, error) {
	err := db.Transaction(ctx, func(tx *gorm.DB) error {
		pm, err := loadPostmortem(tx, incidentID, true)
		if err != nil {
			return err
		}
		if !pm.Published() {
			return &ErrConflict{Message: "the postmortem is not published"}
		}
		now := time.Now().UTC()
		err = tx.Model(&Postmortem{}).Where("id = ?", pm.ID).
			Updates(map[string]any{"status": PostmortemDraft, "published_at": nil, "updated_at": now}).Error
		if err != nil {
			return fmt.Errorf("models: unpublish postmortem %s: %w", pm.ID, err)
		}
		return restoreResolved(tx, incidentID, now)
	})
	if err != nil {
		return nil, err
	}
	return db.GetPostmortem(ctx, incidentID)
}

// DeletePostmortem deletes the postmortem of an incident with its
// sections, timeline, revisions and action items; a published one's
// incident goes back to "resolved".
func (db *DB) DeletePostmortem(ctx context.Context, incidentID string) error {
	return db.Transaction(ctx, func(tx *gorm.DB) error {
		pm, err := loadPostmortem(tx, incidentID, true)
		if err != nil {
			return err
		}
		if err := tx.Delete(&Postmortem{}, "id = ?", pm.ID).Error; err != nil {
			return fmt.Errorf("models: delete postmortem %s: %w", pm.ID, err)
		}
		return restoreResolved(tx, incidentID, time.Now().UTC())
	})
}

// restoreResolved sets an incident in status "postmortem" back to
// "resolved".
func restoreResolved(tx *gorm.DB, incidentID string, now time.Time) error {
	err := tx.Model(&Incident{}).Where("id = ? AND status = ?", incidentID, StatusPostmortem).
		Updates(map[string]any{"status": Resolved, "updated_at": now}).Error
	if err != nil {
		return fmt.Errorf("models: set incident %s back to resolved: %w", incidentID, err)
	}
	return nil
}
