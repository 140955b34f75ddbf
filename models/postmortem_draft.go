package models

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// StartPostmortem drafts the postmortem of a resolved incident from its
// timeline: public updates, component status changes and maintenance
// transitions become included entries; internal notes and external events
// become entries that are not included until the operator ticks them. The
// milestones are left to their defaults (see Milestones), and the impact
// section starts with the affected components: no figure is written into
// the text, where it would go stale. An incident has one
// postmortem: starting it again returns the existing one unchanged. An
// unresolved incident is an *ErrConflict.
func (db *DB) StartPostmortem(ctx context.Context, incidentID, actor string) (*Postmortem, error) {
	err := db.Transaction(ctx, func(tx *gorm.DB) error {
		var in Incident
		if err := lockRows(tx, false).Take(&in, "id = ?", incidentID).Error; err != nil {
			return notFound(err, "load incident %s", incidentID)
		}
		if in.ResolvedAt == nil {
			what := "incident"
			if in.Kind == KindMaintenance {
				what = "maintenance"
			}
			return &ErrConflict{Message: fmt.Sprintf("the %s is not resolved yet: a postmortem can be written once it is over", what)}
		}
		var n int64
		if err := tx.Model(&Postmortem{}).Where("incident_id = ?", in.ID).Count(&n).Error; err != nil {
			return fmt.Errorf("models: find postmortem of incident %s: %w", in.ID, err)
		}
		if n > 0 {
			return nil
		}
		var events []TimelineEvent
		if err := tx.Where("incident_id = ?", in.ID).Order("occurred_at, created_at, id").Find(&events).Error; err != nil {
			return fmt.Errorf("models: load timeline of incident %s: %w", in.ID, err)
		}
		var names []string
		err := tx.Model(&Component{}).Joins("JOIN incident_components ic ON ic.component_id = components.id").
			Where("ic.incident_id = ?", in.ID).Order("components.position, components.name").
			Pluck("components.name", &names).Error
		if err != nil {
			return fmt.Errorf("models: components of incident %s: %w", in.ID, err)
		}

		now := time.Now().UTC()
		pm := &Postmortem{ID: NewID(), IncidentID: in.ID, Status: PostmortemDraft, CreatedBy: actor, CreatedAt: now, UpdatedAt: now}
		entries, err := draftTimeline(pm.ID, events)
		if err != nil {
			return err
		}
		if err := tx.Omit(clause.Associations).Create(pm).Error; err != nil {
			return fmt.Errorf("models: create postmortem of incident %s: %w", in.ID, err)
		}
		if len(entries) > 0 {
			if err := tx.Create(&entries).Error; err != nil {
				return fmt.Errorf("models: draft postmortem timeline: %w", err)
			}
		}
		impact := draftImpact(names, worstStatuses(events))
		if impact == "" {
			return nil
		}
		html, err := RenderMarkdown(impact)
		if err != nil {
			return err
		}
		section := PostmortemSection{PostmortemID: pm.ID, Key: SectionImpact, Body: impact, BodyHTML: html}
		if err := tx.Create(&section).Error; err != nil {
			return fmt.Errorf("models: draft postmortem impact: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.GetPostmortem(ctx, incidentID)
}

// draftTimeline turns an incident's events into postmortem entries, in
// order. Notifications and earlier "postmortem published" events are left
// out.
func draftTimeline(postmortemID string, events []TimelineEvent) ([]PostmortemEntry, error) {
	var out []PostmortemEntry
	for _, ev := range events {
		e := PostmortemEntry{
			ID: NewID(), PostmortemID: postmortemID, EventID: &ev.ID, Kind: ev.Kind,
			OccurredAt: ev.OccurredAt, Position: len(out), Signal: ev.Signal,
		}
		switch ev.Kind {
		case EventUpdate:
			e.Status, e.Included = ev.Status, true
			e.Body = strings.TrimSpace(ev.Body)
			if e.Body == "" {
				e.Body = "Status set to " + IncidentStatusLabel(ev.Status) + "."
			}
			if changes := describeChanges(ev.AffectedComponents); changes != "" {
				e.Body += "\n\n" + changes
			}
		case EventComponentStatus:
			e.Included, e.Body = true, describeChanges(ev.AffectedComponents)
		case EventMaintenanceTransition:
			var d TransitionData
			if err := json.Unmarshal([]byte(ev.Data), &d); err != nil {
				return nil, fmt.Errorf("models: read transition of event %s: %w", ev.ID, err)
			}
			e.Status, e.Included = ev.Status, true
			e.Body = fmt.Sprintf("Maintenance moved from %s to %s.", IncidentStatusLabel(d.From), IncidentStatusLabel(d.To))
			if d.Automatic {
				e.Body = fmt.Sprintf("Maintenance moved from %s to %s on schedule.", IncidentStatusLabel(d.From), IncidentStatusLabel(d.To))
			}
		case EventNote:
			e.Body = ev.Body
			if ev.Source != "" {
				e.Body = "From " + ev.Source + ": " + ev.Body
			}
		case EventExternal:
			e.Included = ev.Visibility == Public
			e.Body = ev.Body
			if ev.Source != "" {
				e.Body = "From " + ev.Source + ": " + ev.Body
			}
		default:
			continue
		}
		if strings.TrimSpace(e.Body) == "" {
			continue
		}
		html, err := RenderMarkdown(e.Body)
		if err != nil {
			return nil, err
		}
		e.BodyHTML = html
		out = append(out, e)
	}
	return out, nil
}

// describeChanges words component status changes: "API: Major Outage.
// Website: Degraded Performance."
func describeChanges(list AffectedComponents) string {
	parts := make([]string, 0, len(list))
	for _, c := range list {
		parts = append(parts, c.Name+": "+ComponentStatusLabel(c.NewStatus)+".")
	}
	return strings.Join(parts, " ")
}

// worstStatuses returns, for each component name, the worst status the
// events set it to.
func worstStatuses(events []TimelineEvent) map[string]string {
	worst := map[string]string{}
	for _, ev := range events {
		for _, c := range ev.AffectedComponents {
			worst[c.Name] = WorstComponentStatus(worst[c.Name], c.NewStatus)
		}
	}
	return worst
}

// draftImpact is the starting text of the impact section: the affected
// components (with the worst status each reached).
func draftImpact(names []string, worst map[string]string) string {
	var b strings.Builder
	if len(names) > 0 {
		b.WriteString("Affected components:\n\n")
		for _, name := range names {
			b.WriteString("- " + name)
			if s := worst[name]; s != "" && s != Operational {
				b.WriteString(" (" + strings.ToLower(ComponentStatusLabel(s)) + ")")
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	return strings.TrimSpace(b.String())
}
