package models

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// PostmortemInput is a change to a postmortem. Absent parts stay as they
// are, so the console can autosave whatever changed.
type PostmortemInput struct {
	// Sections maps section keys to their new Markdown; "" empties one.
	Sections        map[string]string
	ImpactStartedAt *time.Time // nil keeps it
	// Milestones sets milestones by key (MilestoneDetected...): a time
	// sets one (and unmarks the entry marked as it), nil goes back to the
	// entry marked or the default read from the timeline.
	Milestones map[string]*time.Time
	Timeline   []EntryInput
}

// EntryInput changes, adds (ID "") or removes one timeline entry. Nil
// fields stay as they are; a new entry needs OccurredAt and Body and is
// included unless Included says otherwise.
type EntryInput struct {
	ID         string
	OccurredAt *time.Time
	Body       *string
	Included   *bool
	Milestone  *string // the milestone the entry is (and no other entry, nor a time set), "" for none
	Remove     bool
}

// validate checks the input's own values; now is the time of the save.
func (in *PostmortemInput) validate(now time.Time) error {
	v := &ValidationError{}
	keys := make([]string, 0, len(in.Sections))
	for k := range in.Sections {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch {
		case !ValidSectionKey(k):
			v.Add(k, "is not a postmortem section (the sections are %s)", sectionKeyList())
		case utf8.RuneCountInString(in.Sections[k]) > MaxSectionLength:
			v.Add(k, "must be at most %d characters", MaxSectionLength)
		}
	}
	if in.ImpactStartedAt != nil {
		if in.Milestones == nil {
			in.Milestones = map[string]*time.Time{}
		}
		in.Milestones[MilestoneImpactStarted] = in.ImpactStartedAt
	}
	marked := map[string]int{} // milestone → the entry marked as it
	for i, e := range in.Timeline {
		if e.Milestone == nil || *e.Milestone == "" || e.Remove {
			continue
		}
		switch m := *e.Milestone; {
		case !ValidMilestone(m):
			v.Add("timeline", "entry %d: milestone %q is not one of %s", i+1, m, milestoneKeyList())
		case marked[m] > 0:
			v.Add("timeline", "entry %d: entry %d is already marked as %s: a milestone is one entry", i+1, marked[m], MilestoneLabel(m))
		default:
			marked[m] = i + 1
		}
	}
	for _, spec := range MilestoneSpecs {
		at, set := in.Milestones[spec.Key]
		switch {
		case !set:
		case at != nil && at.After(now.Add(MaxFutureSkew)):
			v.Add(spec.Field, "must not be in the future")
		case at != nil && marked[spec.Key] > 0:
			v.Add(spec.Field, "is set and entry %d is marked as %s: give the time or mark the entry, not both", marked[spec.Key], MilestoneLabel(spec.Key))
		}
	}
	for k := range in.Milestones {
		if !ValidMilestone(k) {
			v.Add("milestones", "%q is not a milestone (the milestones are %s)", k, milestoneKeyList())
		}
	}
	if len(in.Timeline) > MaxTimelineEntries {
		v.Add("timeline", "must have at most %d entries", MaxTimelineEntries)
	}
	for i, e := range in.Timeline {
		n := i + 1
		if e.Remove {
			if e.ID == "" {
				v.Add("timeline", "entry %d: only an existing entry (with its id) can be removed", n)
			}
			continue
		}
		if e.ID == "" && (e.OccurredAt == nil || e.OccurredAt.IsZero()) {
			v.Add("timeline", "entry %d: a new entry needs its time", n)
		}
		if e.ID == "" && e.Body == nil || e.Body != nil && strings.TrimSpace(*e.Body) == "" {
			v.Add("timeline", "entry %d: the text must not be empty (remove the entry instead)", n)
		}
		if e.Body != nil && utf8.RuneCountInString(*e.Body) > MaxMessageLength {
			v.Add("timeline", "entry %d: the text must be at most %d characters", n, MaxMessageLength)
		}
		if e.OccurredAt != nil && e.OccurredAt.After(now.Add(MaxFutureSkew)) {
			v.Add("timeline", "entry %d: the time must not be in the future", n)
		}
	}
	return v.Err()
}

func milestoneKeyList() string {
	keys := make([]string, len(MilestoneSpecs))
	for i, s := range MilestoneSpecs {
		keys[i] = s.Key
	}
	return strings.Join(keys, ", ")
}

func sectionKeyList() string {
	keys := make([]string, len(PostmortemSections))
	for i, s := range PostmortemSections {
		keys[i] = s.Key
	}
	return strings.Join(keys, ", ")
}

// SavePostmortem applies a change to the postmortem of an incident, draft
// or published: Markdown is rendered and sanitized on save. A save that
// changes nothing writes nothing; a save that changes a published
// postmortem keeps the new content as a revision (see
// ListPostmortemRevisions). Nobody is notified.
func (db *DB) SavePostmortem(ctx context.Context, incidentID string, in PostmortemInput, actor string) (*Postmortem, error) {
	now := time.Now().UTC()
	if err := in.validate(now); err != nil {
		return nil, err
	}
	err := db.Transaction(ctx, func(tx *gorm.DB) error {
		pm, err := loadPostmortem(tx, incidentID, true)
		if err != nil {
			return err
		}
		before, err := contentOf(pm, true)
		if err != nil {
			return err
		}
		if err := saveSections(tx, pm, in.Sections); err != nil {
			return err
		}
		if err := saveTimeline(tx, pm, in.Timeline); err != nil {
			return err
		}
		if err := saveMilestones(tx, pm, in.Milestones); err != nil {
			return err
		}
		after, err := loadPostmortem(tx, incidentID, false)
		if err != nil {
			return err
		}
		if err := checkMilestones(pm, after, in); err != nil {
			return err
		}
		whole, err := contentOf(after, true)
		if err != nil {
			return err
		}
		if whole == before {
			return nil
		}
		changes := map[string]any{"updated_at": now}
		if pm.Published() {
			if err := keepRevision(tx, after, actor, now, changes); err != nil {
				return err
			}
		}
		if err := tx.Model(&Postmortem{}).Where("id = ?", pm.ID).Updates(changes).Error; err != nil {
			return fmt.Errorf("models: save postmortem %s: %w", pm.ID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.GetPostmortem(ctx, incidentID)
}

// saveSections writes the sections that change; a section emptied loses
// its row.
func saveSections(tx *gorm.DB, pm *Postmortem, sections map[string]string) error {
	for _, spec := range PostmortemSections {
		body, set := sections[spec.Key]
		if !set || body == pm.SectionBody(spec.Key) {
			continue
		}
		if strings.TrimSpace(body) == "" {
			err := tx.Where("postmortem_id = ? AND key = ?", pm.ID, spec.Key).Delete(&PostmortemSection{}).Error
			if err != nil {
				return fmt.Errorf("models: empty postmortem section %s: %w", spec.Key, err)
			}
			continue
		}
		html, err := RenderMarkdown(body)
		if err != nil {
			return err
		}
		row := PostmortemSection{PostmortemID: pm.ID, Key: spec.Key, Body: body, BodyHTML: html}
		err = tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "postmortem_id"}, {Name: "key"}},
			DoUpdates: clause.AssignmentColumns([]string{"body", "body_html"}),
		}).Create(&row).Error
		if err != nil {
			return fmt.Errorf("models: save postmortem section %s: %w", spec.Key, err)
		}
	}
	return nil
}

// saveTimeline applies entry changes; an id that is not one of this
// postmortem's entries is a validation error.
func saveTimeline(tx *gorm.DB, pm *Postmortem, entries []EntryInput) error {
	existing := map[string]*PostmortemEntry{}
	last := -1
	for i := range pm.Timeline {
		existing[pm.Timeline[i].ID] = &pm.Timeline[i]
		last = max(last, pm.Timeline[i].Position)
	}
	added := 0
	for i, in := range entries {
		if in.ID != "" && existing[in.ID] == nil {
			return Invalid("timeline", "entry %d: there is no entry %q in this postmortem", i+1, in.ID)
		}
		if len(pm.Timeline)+added >= MaxTimelineEntries && in.ID == "" {
			return Invalid("timeline", "must have at most %d entries", MaxTimelineEntries)
		}
		switch {
		case in.Remove:
			if err := tx.Delete(&PostmortemEntry{}, "id = ?", in.ID).Error; err != nil {
				return fmt.Errorf("models: remove postmortem entry %s: %w", in.ID, err)
			}
			delete(existing, in.ID)
		case in.ID == "":
			html, err := RenderMarkdown(*in.Body)
			if err != nil {
				return err
			}
			last++
			added++
			e := PostmortemEntry{ID: NewID(), PostmortemID: pm.ID, Kind: EntryManual, Included: true,
				OccurredAt: in.OccurredAt.UTC(), Body: *in.Body, BodyHTML: html, Position: last}
			if in.Included != nil {
				e.Included = *in.Included
			}
			if in.Milestone != nil {
				if err := unmark(tx, pm.ID, *in.Milestone); err != nil {
					return err
				}
				e.Milestone = *in.Milestone
			}
			if err := tx.Create(&e).Error; err != nil {
				return fmt.Errorf("models: add postmortem entry: %w", err)
			}
		default:
			if err := updateEntry(tx, existing[in.ID], in); err != nil {
				return err
			}
		}
	}
	return nil
}

// updateEntry writes the fields of an entry that change.
func updateEntry(tx *gorm.DB, e *PostmortemEntry, in EntryInput) error {
	changes := map[string]any{}
	if in.Body != nil && *in.Body != e.Body {
		html, err := RenderMarkdown(*in.Body)
		if err != nil {
			return err
		}
		changes["body"], changes["body_html"] = *in.Body, html
	}
	if in.OccurredAt != nil && !in.OccurredAt.Equal(e.OccurredAt) {
		changes["occurred_at"] = in.OccurredAt.UTC()
	}
	if in.Included != nil && *in.Included != e.Included {
		changes["included"] = *in.Included
	}
	if in.Milestone != nil && *in.Milestone != e.Milestone {
		if err := unmark(tx, e.PostmortemID, *in.Milestone); err != nil {
			return err
		}
		changes["milestone"] = *in.Milestone
	}
	if len(changes) == 0 {
		return nil
	}
	if err := tx.Model(&PostmortemEntry{}).Where("id = ?", e.ID).Updates(changes).Error; err != nil {
		return fmt.Errorf("models: save postmortem entry %s: %w", e.ID, err)
	}
	return nil
}

// unmark takes a milestone from the entry marked as it and the time set
// for it: an entry is about to be marked as it.
func unmark(tx *gorm.DB, postmortemID, milestone string) error {
	if milestone == "" {
		return nil
	}
	err := tx.Model(&PostmortemEntry{}).Where("postmortem_id = ? AND milestone = ?", postmortemID, milestone).
		Update("milestone", "").Error
	if err == nil {
		err = tx.Model(&Postmortem{}).Where("id = ?", postmortemID).Update(MilestoneField(milestone), nil).Error
	}
	if err != nil {
		return fmt.Errorf("models: unmark %s of postmortem %s: %w", milestone, postmortemID, err)
	}
	return nil
}

// saveMilestones writes the milestone times set; a time set unmarks the
// entry marked as its milestone.
func saveMilestones(tx *gorm.DB, pm *Postmortem, set map[string]*time.Time) error {
	for _, spec := range MilestoneSpecs {
		at, ok := set[spec.Key]
		if !ok {
			continue
		}
		var value any
		if at != nil {
			value = at.UTC()
			err := tx.Model(&PostmortemEntry{}).Where("postmortem_id = ? AND milestone = ?", pm.ID, spec.Key).
				Update("milestone", "").Error
			if err != nil {
				return fmt.Errorf("models: unmark %s of postmortem %s: %w", spec.Key, pm.ID, err)
			}
		}
		if err := tx.Model(&Postmortem{}).Where("id = ?", pm.ID).Update(spec.Field, value).Error; err != nil {
			return fmt.Errorf("models: save %s of postmortem %s: %w", spec.Field, pm.ID, err)
		}
	}
	return nil
}

// checkMilestones refuses a change after which the incident is resolved
// before its impact began, naming what the change set: the resolution,
// the impact start, or the timeline.
func checkMilestones(before, after *Postmortem, in PostmortemInput) error {
	b, a := before.Milestones(), after.Milestones()
	if a.Resolved == nil || !a.Resolved.Before(a.ImpactStarted) {
		return nil
	}
	if b.Resolved != nil && b.Resolved.Equal(*a.Resolved) && b.ImpactStarted.Equal(a.ImpactStarted) {
		return nil // it was so before: this change is not the cause
	}
	field := "timeline"
	if _, set := in.Milestones[MilestoneResolved]; set {
		field = MilestoneField(MilestoneResolved)
	} else if _, set := in.Milestones[MilestoneImpactStarted]; set {
		field = MilestoneField(MilestoneImpactStarted)
	}
	return Invalid(field, "the incident would be resolved (%s) before its impact began (%s)",
		a.Resolved.UTC().Format(time.RFC3339), a.ImpactStarted.UTC().Format(time.RFC3339))
}
