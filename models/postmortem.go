package models

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Postmortem statuses: a draft is seen only in the console.
const (
	PostmortemDraft     = "draft"
	PostmortemPublished = "published"
)

// Section keys of a postmortem.
const (
	SectionSummary    = "summary"
	SectionImpact     = "impact"
	SectionRootCause  = "root_cause"
	SectionTrigger    = "trigger"
	SectionDetection  = "detection"
	SectionResolution = "resolution"
	SectionWentWell   = "went_well"
	SectionWentWrong  = "went_wrong"
	SectionLucky      = "lucky"
	SectionNotes      = "notes" // supporting notes; Statuspage's one-body postmortem (body_draft)
)

// SectionSpec is one section of the postmortem template: its key, its
// heading and the hint the console shows under it.
type SectionSpec struct {
	Key   string
	Label string
	Hint  string
}

// PostmortemSections are the sections of a postmortem in the order they are
// shown. Every one is public once published; empty ones are not shown.
var PostmortemSections = []SectionSpec{
	{SectionSummary, "Summary", "What happened, in two or three sentences a customer understands."},
	{SectionImpact, "Customer impact", "Who was affected, how, and for how long."},
	{SectionRootCause, "Root cause", "The condition in the system that made this possible. Describe systems and processes, not people."},
	{SectionTrigger, "Trigger", "What set it off: a deploy, a configuration change, a traffic spike, an expired certificate."},
	{SectionDetection, "Detection", "How and when we found out, and how we could have found out sooner."},
	{SectionResolution, "Resolution and remediation", "What restored service, and what we are changing so it does not happen again."},
	{SectionWentWell, "What went well", "What helped: alerts that fired, runbooks that worked, quick decisions."},
	{SectionWentWrong, "What went wrong", "What slowed us down or made it worse."},
	{SectionLucky, "Where we got lucky", "What could have made it worse but did not."},
	{SectionNotes, "Supporting notes", "Anything else worth sharing: background, graphs, links."},
}

// ValidSectionKey reports whether key names a postmortem section.
func ValidSectionKey(key string) bool { return SectionLabel(key) != "" }

// SectionLabel is the heading of a section; "" for an unknown key.
func SectionLabel(key string) string {
	for _, s := range PostmortemSections {
		if s.Key == key {
			return s.Label
		}
	}
	return ""
}

// Limits on postmortems.
const (
	MaxSectionLength   = 50000
	MaxTimelineEntries = 500
)

// Postmortem is the write-up of a resolved incident: Markdown sections, a
// timeline drafted from the incident's events, and action items.
type Postmortem struct {
	ID                   string `gorm:"primaryKey"`
	IncidentID           string
	Status               string     // PostmortemDraft or PostmortemPublished
	ImpactStartedAt      *time.Time // the milestones an operator set; nil ones are read from the timeline
	DetectedAt           *time.Time
	AcknowledgedAt       *time.Time
	FirstCommunicationAt *time.Time
	MitigatedAt          *time.Time
	ResolvedAt           *time.Time
	PublishedAt          *time.Time // when it was last published; nil for a draft
	FirstPublishedAt     *time.Time
	NotifiedSubscribers  bool
	Revision             int // the number of the latest published revision; 0 before the first publish
	CreatedBy            string
	CreatedAt            time.Time
	UpdatedAt            time.Time

	Incident    *Incident           `gorm:"foreignKey:IncidentID"`
	Sections    []PostmortemSection `gorm:"foreignKey:PostmortemID"`
	Timeline    []PostmortemEntry   `gorm:"foreignKey:PostmortemID"`
	ActionItems []ActionItem        `gorm:"foreignKey:PostmortemID"`
}

// PostmortemSection is one section's Markdown and its sanitized HTML. A
// section without text has no row.
type PostmortemSection struct {
	PostmortemID string `gorm:"primaryKey"`
	Key          string `gorm:"primaryKey"`
	Body         string
	BodyHTML     string `gorm:"column:body_html"`
}

// TableName is the table of postmortem sections.
func (PostmortemSection) TableName() string { return "postmortem_sections" }

// EntryManual is the Kind of a timeline entry an operator added.
const EntryManual = "manual"

// PostmortemEntry is one line of a postmortem's timeline, drafted from an
// incident event (EventID, Kind) or added by hand.
type PostmortemEntry struct {
	ID           string `gorm:"primaryKey"`
	PostmortemID string
	EventID      *string
	Kind         string // the event's kind (EventUpdate, EventNote...) or EntryManual
	Status       string // the status an update or maintenance transition announced
	Included     bool   // shown publicly; internal notes and events are drafted unticked
	OccurredAt   time.Time
	Body         string
	BodyHTML     string `gorm:"column:body_html"`
	Position     int
	Milestone    string // the milestone this entry is (MilestoneDetected...), "" for none
	Signal       string // the signal of the event it was drafted from (SignalAlert...)
}

// TableName is the table of postmortem timeline entries.
func (PostmortemEntry) TableName() string { return "postmortem_timeline_entries" }

// Published reports whether the public sees the postmortem.
func (p *Postmortem) Published() bool { return p.Status == PostmortemPublished }

// Section returns the section with key, nil when it has no text.
func (p *Postmortem) Section(key string) *PostmortemSection {
	for i := range p.Sections {
		if p.Sections[i].Key == key {
			return &p.Sections[i]
		}
	}
	return nil
}

// SectionBody returns the Markdown of a section, "" when it has none.
func (p *Postmortem) SectionBody(key string) string {
	if s := p.Section(key); s != nil {
		return s.Body
	}
	return ""
}

// SectionMap returns the Markdown of every section that has text, by key.
func (p *Postmortem) SectionMap() map[string]string {
	out := make(map[string]string, len(p.Sections))
	for _, s := range p.Sections {
		out[s.Key] = s.Body
	}
	return out
}

// HasText reports whether any section has text: an empty postmortem cannot
// be published.
func (p *Postmortem) HasText() bool {
	for _, s := range p.Sections {
		if strings.TrimSpace(s.Body) != "" {
			return true
		}
	}
	return false
}

// PublicTimeline returns the timeline entries shown publicly, in order.
func (p *Postmortem) PublicTimeline() []PostmortemEntry {
	var out []PostmortemEntry
	for _, e := range p.Timeline {
		if e.Included {
			out = append(out, e)
		}
	}
	return out
}

// ImpactStart is when customers began to be affected: the milestone.
func (p *Postmortem) ImpactStart() time.Time { return p.Milestones().ImpactStarted }

// Document is the postmortem as one Markdown text: the supporting notes
// alone when only they have text (Statuspage's one-body postmortem), else
// every section with text under its heading.
func (p *Postmortem) Document() string {
	if len(p.Sections) == 1 && p.Sections[0].Key == SectionNotes {
		return p.Sections[0].Body
	}
	var parts []string
	for _, spec := range PostmortemSections {
		if body := strings.TrimSpace(p.SectionBody(spec.Key)); body != "" {
			parts = append(parts, "## "+spec.Label+"\n\n"+body)
		}
	}
	return strings.Join(parts, "\n\n")
}

// PublishedPostmortem returns the incident's postmortem when it is
// published (GetIncident and the incident lists load it), else nil.
func (in *Incident) PublishedPostmortem() *Postmortem {
	if in.Postmortem != nil && in.Postmortem.Published() {
		return in.Postmortem
	}
	return nil
}

// postmortemOf selects the postmortem of an incident that is not deleted.
func postmortemOf(tx *gorm.DB, incidentID string) *gorm.DB {
	return tx.Model(&Postmortem{}).
		Joins("JOIN incidents ON incidents.id = postmortems.incident_id AND incidents.deleted_at IS NULL").
		Where("postmortems.incident_id = ?", incidentID)
}

// loadPostmortem reads the postmortem of an incident with its sections and
// timeline, locking its row when lock is set.
func loadPostmortem(tx *gorm.DB, incidentID string, lock bool) (*Postmortem, error) {
	q := postmortemOf(tx, incidentID).Select("postmortems.*")
	if lock {
		q = lockRows(q, false)
	}
	var pm Postmortem
	if err := q.Take(&pm).Error; err != nil {
		return nil, notFound(err, "load postmortem of incident %s", incidentID)
	}
	if err := tx.Where("postmortem_id = ?", pm.ID).Find(&pm.Sections).Error; err != nil {
		return nil, fmt.Errorf("models: load postmortem sections: %w", err)
	}
	sortSections(pm.Sections)
	if err := tx.Where("postmortem_id = ?", pm.ID).Order("occurred_at, position, id").Find(&pm.Timeline).Error; err != nil {
		return nil, fmt.Errorf("models: load postmortem timeline: %w", err)
	}
	var in Incident
	err := tx.Preload("Components", func(tx *gorm.DB) *gorm.DB { return tx.Order("position, name") }).
		Take(&in, "id = ?", incidentID).Error
	if err != nil {
		return nil, notFound(err, "load incident %s", incidentID)
	}
	pm.Incident = &in
	pm.liveImpactSentence()
	return &pm, nil
}

// completePostmortem readies a postmortem loaded with its incident: its
// sections in template order, its timeline in time order, the impact
// sentence from its milestones.
func completePostmortem(pm *Postmortem, in *Incident) {
	if in != nil {
		pm.Incident = in
	}
	sortSections(pm.Sections)
	sort.SliceStable(pm.Timeline, func(i, j int) bool {
		a, b := pm.Timeline[i], pm.Timeline[j]
		if !a.OccurredAt.Equal(b.OccurredAt) {
			return a.OccurredAt.Before(b.OccurredAt)
		}
		if a.Position != b.Position {
			return a.Position < b.Position
		}
		return a.ID < b.ID
	})
	pm.liveImpactSentence()
}

// sortSections puts sections in template order.
func sortSections(list []PostmortemSection) {
	rank := func(key string) int {
		for i, s := range PostmortemSections {
			if s.Key == key {
				return i
			}
		}
		return len(PostmortemSections)
	}
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && rank(list[j].Key) < rank(list[j-1].Key); j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
}

// GetPostmortem loads the postmortem of an incident, draft or published,
// with its sections, timeline, action items and the incident (with its
// components). ErrNotFound when the incident has none.
func (db *DB) GetPostmortem(ctx context.Context, incidentID string) (*Postmortem, error) {
	tx := db.Gorm.WithContext(ctx)
	pm, err := loadPostmortem(tx, incidentID, false)
	if err != nil {
		return nil, err
	}
	if pm.ActionItems, err = listActionItems(tx, pm.ID); err != nil {
		return nil, err
	}
	return pm, nil
}

// Page sizes of ListPublishedPostmortems.
const (
	DefaultPostmortemLimit = 20
	MaxPostmortemLimit     = 100
)

// ListPublishedPostmortems returns a page of published postmortems, the
// most recently published first, each with its sections and its incident
// (with components), and how many there are in all.
func (db *DB) ListPublishedPostmortems(ctx context.Context, limit, offset int) ([]Postmortem, int64, error) {
	if limit <= 0 {
		limit = DefaultPostmortemLimit
	}
	limit, offset = min(limit, MaxPostmortemLimit), max(offset, 0)
	published := func(q *gorm.DB) *gorm.DB {
		return q.Joins("JOIN incidents ON incidents.id = postmortems.incident_id AND incidents.deleted_at IS NULL").
			Where("postmortems.status = ?", PostmortemPublished)
	}
	tx := db.Gorm.WithContext(ctx)
	var total int64
	if err := tx.Model(&Postmortem{}).Scopes(published).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("models: count postmortems: %w", err)
	}
	var list []Postmortem
	err := tx.Scopes(published).Select("postmortems.*").
		Preload("Sections").Preload("Timeline").
		Preload("Incident.Components", func(tx *gorm.DB) *gorm.DB { return tx.Order("position, name") }).
		Order("postmortems.published_at DESC, postmortems.id").Limit(limit).Offset(offset).Find(&list).Error
	if err != nil {
		return nil, 0, fmt.Errorf("models: list postmortems: %w", err)
	}
	for i := range list {
		completePostmortem(&list[i], nil)
	}
	return list, total, nil
}
