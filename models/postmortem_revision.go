package models

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// PostmortemRevision is one published version of a postmortem: the first
// publish is number 1, and every later change of the published postmortem
// adds the next.
type PostmortemRevision struct {
	ID           int64 `gorm:"primaryKey"`
	PostmortemID string
	Number       int
	Content      string // JSON of a PostmortemContent
	EditedBy     string
	CreatedAt    time.Time
}

// TableName is the table of postmortem revisions.
func (PostmortemRevision) TableName() string { return "postmortem_revisions" }

// PostmortemContent is what a revision keeps: the public content of a
// postmortem at that time.
type PostmortemContent struct {
	Sections        []ContentSection `json:"sections"`
	ImpactStartedAt *time.Time       `json:"impact_started_at"`
	// Milestones are the other milestone times set, by key.
	Milestones map[string]time.Time `json:"milestones,omitempty"`
	Timeline   []ContentEntry       `json:"timeline"`
}

// ContentSection is a section of a revision: its Markdown and sanitized HTML.
type ContentSection struct {
	Key      string `json:"key"`
	Body     string `json:"body"`
	BodyHTML string `json:"body_html"`
}

// ContentEntry is a public timeline entry of a revision.
type ContentEntry struct {
	OccurredAt time.Time `json:"occurred_at"`
	Kind       string    `json:"kind"`
	Status     string    `json:"status,omitempty"`
	Body       string    `json:"body"`
	BodyHTML   string    `json:"body_html"`
	Included   bool      `json:"included"`
	Milestone  string    `json:"milestone,omitempty"`
}

// Decode reads the revision's content.
func (r *PostmortemRevision) Decode() (PostmortemContent, error) {
	var c PostmortemContent
	if err := json.Unmarshal([]byte(r.Content), &c); err != nil {
		return c, fmt.Errorf("models: read postmortem revision %d: %w", r.Number, err)
	}
	return c, nil
}

// contentOf encodes the public content of a postmortem (sections in order,
// the impact start, the included entries) as JSON; all adds the entries
// that are not included.
func contentOf(pm *Postmortem, all bool) (string, error) {
	c := PostmortemContent{Sections: []ContentSection{}, Timeline: []ContentEntry{}}
	for _, spec := range PostmortemSections {
		if s := pm.Section(spec.Key); s != nil {
			c.Sections = append(c.Sections, ContentSection{Key: s.Key, Body: s.Body, BodyHTML: s.BodyHTML})
		}
	}
	if pm.ImpactStartedAt != nil {
		at := pm.ImpactStartedAt.UTC()
		c.ImpactStartedAt = &at
	}
	for _, spec := range MilestoneSpecs[1:] {
		if at := pm.MilestoneSet(spec.Key); at != nil {
			if c.Milestones == nil {
				c.Milestones = map[string]time.Time{}
			}
			c.Milestones[spec.Key] = at.UTC()
		}
	}
	for _, e := range pm.Timeline {
		if e.Included || all {
			c.Timeline = append(c.Timeline, ContentEntry{OccurredAt: e.OccurredAt.UTC(), Kind: e.Kind, Status: e.Status,
				Body: e.Body, BodyHTML: e.BodyHTML, Included: e.Included, Milestone: e.Milestone})
		}
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("models: encode postmortem %s: %w", pm.ID, err)
	}
	return string(b), nil
}

// latestContent returns the content of the postmortem's latest revision,
// "" when it has none.
func latestContent(tx *gorm.DB, postmortemID string) (string, error) {
	var rev PostmortemRevision
	err := tx.Where("postmortem_id = ?", postmortemID).Order("number DESC").Take(&rev).Error
	if isNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("models: latest revision of postmortem %s: %w", postmortemID, err)
	}
	return rev.Content, nil
}

// addRevision keeps a published version of a postmortem.
func addRevision(tx *gorm.DB, postmortemID string, number int, content, actor string, at time.Time) error {
	rev := PostmortemRevision{PostmortemID: postmortemID, Number: number, Content: content, EditedBy: actor, CreatedAt: at}
	if err := tx.Create(&rev).Error; err != nil {
		return fmt.Errorf("models: keep revision %d of postmortem %s: %w", number, postmortemID, err)
	}
	return nil
}

// ListPostmortemRevisions returns the published versions of an incident's
// postmortem, newest first.
func (db *DB) ListPostmortemRevisions(ctx context.Context, incidentID string) ([]PostmortemRevision, error) {
	tx := db.Gorm.WithContext(ctx)
	var pm Postmortem
	if err := postmortemOf(tx, incidentID).Select("postmortems.id").Take(&pm).Error; err != nil {
		return nil, notFound(err, "load postmortem of incident %s", incidentID)
	}
	var list []PostmortemRevision
	if err := tx.Where("postmortem_id = ?", pm.ID).Order("number DESC").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: list revisions of postmortem %s: %w", pm.ID, err)
	}
	return list, nil
}

// keepRevision adds a revision of pm's public content, unless the latest
// revision already holds it, and sets changes["revision"] to its number.
func keepRevision(tx *gorm.DB, pm *Postmortem, actor string, now time.Time, changes map[string]any) error {
	content, err := contentOf(pm, false)
	if err != nil {
		return err
	}
	latest, err := latestContent(tx, pm.ID)
	if err != nil || content == latest {
		return err
	}
	changes["revision"] = pm.Revision + 1
	return addRevision(tx, pm.ID, pm.Revision+1, content, actor, now)
}

// LatestRevisionTimes returns when each of the postmortems (by id) got its
// latest revision; one never published is left out. The feeds date a
// postmortem's entry by it: each published revision is a change.
func (db *DB) LatestRevisionTimes(ctx context.Context, postmortemIDs []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if len(postmortemIDs) == 0 {
		return out, nil
	}
	var list []PostmortemRevision
	err := db.Gorm.WithContext(ctx).Select("postmortem_id", "created_at").
		Where("postmortem_id IN ?", postmortemIDs).Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("models: revision times: %w", err)
	}
	for _, r := range list {
		if r.CreatedAt.After(out[r.PostmortemID]) {
			out[r.PostmortemID] = r.CreatedAt.UTC()
		}
	}
	return out, nil
}
