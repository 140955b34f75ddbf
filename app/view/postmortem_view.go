package view

import (
	"context"
	"html/template"
	"time"

	"github.com/beaconstatus/beacon/models"
)

// The postmortem as the public pages (and the console's preview) show it:
// ready-to-print values for views/partials/postmortem.html.

// PostmortemView is a postmortem on the incident page, its own page, or the
// console's preview.
type PostmortemView struct {
	URL          string      // its own public page
	RevisionsURL string      // the revision history; "" until it has been edited since publishing
	Draft        bool        // not published: only the console shows it
	PublishedAt  DisplayTime // when it was first published
	UpdatedAt    DisplayTime // when it last changed after publishing; Zero when never
	Revision     int
	Sections     []SectionView // only those with text, in template order
	Durations    []DurationView
	Components   []string
	Timeline     []EntryView
	ActionItems  []ActionItemView
}

// SectionView is one section of a postmortem that has text.
type SectionView struct {
	Key      string
	Label    string
	BodyHTML template.HTML // sanitized HTML rendered from Markdown on save
}

// DurationView is one computed milestone: a time (At) or a duration (Value).
type DurationView struct {
	Label string
	Value string
	At    DisplayTime
}

// EntryView is one public entry of a postmortem's timeline.
type EntryView struct {
	At          DisplayTime
	Status      string
	StatusLabel string // "" for entries without a status
	BodyHTML    template.HTML
}

// ActionItemView is one item of the public remediation list. The owner is
// left out: it is for the team, not the public.
type ActionItemView struct {
	Title       string
	Status      string
	StatusLabel string
	URL         string // the tracker link, when the team chose to show it
	Due         string // "Jan 31, 2026", "" without a due date
	DueISO      string
	Overdue     bool
}

// PostmortemSummary is a published postmortem in the /postmortems index.
type PostmortemSummary struct {
	Name        string
	URL         string // the postmortem
	IncidentURL string
	Impact      string
	PublishedAt DisplayTime
	Excerpt     string // from the summary (or the first section with text)
	Components  []string
}

// RevisionView is one published version in a postmortem's revision history.
type RevisionView struct {
	Number   int
	At       DisplayTime
	EditedBy string
	Latest   bool
	Sections []SectionView
	Timeline []EntryView
}

func PostmortemURL(incidentID string) string { return IncidentURL(incidentID) + "/postmortem" }

// Postmortem builds the view of a postmortem loaded by GetPostmortem.
func (site *Site) Postmortem(ctx context.Context, pm *models.Postmortem) (*PostmortemView, error) {
	v := &PostmortemView{
		URL: PostmortemURL(pm.IncidentID), Draft: !pm.Published(), Revision: pm.Revision,
		PublishedAt: site.TimePtr(pm.FirstPublishedAt),
	}
	revs, err := site.DB.ListPostmortemRevisions(ctx, pm.IncidentID)
	if err != nil {
		return nil, err
	}
	if len(revs) > 1 {
		v.RevisionsURL = v.URL + "/revisions"
		v.UpdatedAt = site.Time(revs[0].CreatedAt)
	}
	for _, spec := range models.PostmortemSections {
		if s := pm.Section(spec.Key); s != nil {
			v.Sections = append(v.Sections, SectionView{Key: s.Key, Label: site.L().T("pm_section_" + s.Key), BodyHTML: template.HTML(s.BodyHTML)})
		}
	}
	v.Durations = site.Durations(pm.Milestones())
	if pm.Incident != nil {
		for _, c := range pm.Incident.Components {
			v.Components = append(v.Components, c.Name)
		}
	}
	for _, e := range pm.PublicTimeline() {
		v.Timeline = append(v.Timeline, site.Entry(e.OccurredAt, e.Status, e.BodyHTML))
	}
	now := site.Now().In(site.Zone())
	for _, item := range pm.ActionItems {
		iv := ActionItemView{Title: item.Title, Status: item.Status, StatusLabel: site.L().T("action_" + item.Status),
			Overdue: item.Overdue(now)}
		if item.URLPublic {
			iv.URL = item.URL // tracker links are internal unless chosen
		}
		if item.DueDate != nil {
			iv.Due, iv.DueISO = item.DueDate.UTC().Format("Jan 2, 2006"), item.DueDateString()
		}
		v.ActionItems = append(v.ActionItems, iv)
	}
	return v, nil
}

func (site *Site) Entry(at time.Time, status, html string) EntryView {
	// The HTML was rendered from Markdown and sanitized when it was saved.
	return EntryView{At: site.Time(at), Status: status, StatusLabel: site.IncidentStatusLabel(status), BodyHTML: template.HTML(html)}
}

// Durations lists the impact start and the figures that are known, all
// counted from the milestones m.
func (site *Site) Durations(m models.Milestones) []DurationView {
	var out []DurationView
	if !m.ImpactStarted.IsZero() {
		out = append(out, DurationView{Label: site.L().T("pm_impact_began"), At: site.Time(m.ImpactStarted)})
	}
	for _, f := range models.Figures {
		if v, ok := f.Of(m); ok {
			out = append(out, DurationView{Label: site.L().T("pm_figure_" + f.Key), Value: site.Duration(v)})
		}
	}
	return out
}

// Revision builds one version of the revision history.
func (site *Site) Revision(r *models.PostmortemRevision, latest bool) (RevisionView, error) {
	content, err := r.Decode()
	if err != nil {
		return RevisionView{}, err
	}
	v := RevisionView{Number: r.Number, At: site.Time(r.CreatedAt), EditedBy: r.EditedBy, Latest: latest}
	for _, s := range content.Sections {
		v.Sections = append(v.Sections, SectionView{Key: s.Key, Label: site.L().T("pm_section_" + s.Key), BodyHTML: template.HTML(s.BodyHTML)})
	}
	for _, e := range content.Timeline {
		v.Timeline = append(v.Timeline, site.Entry(e.OccurredAt, e.Status, e.BodyHTML))
	}
	return v, nil
}

// PostmortemCard is a published postmortem in the index.
func (site *Site) PostmortemCard(pm *models.Postmortem) PostmortemSummary {
	s := PostmortemSummary{URL: PostmortemURL(pm.IncidentID), IncidentURL: IncidentURL(pm.IncidentID),
		PublishedAt: site.TimePtr(pm.PublishedAt)}
	if in := pm.Incident; in != nil {
		s.Name, s.Impact = in.Name, in.Impact
		for _, c := range in.Components {
			s.Components = append(s.Components, c.Name)
		}
	}
	first := pm.Section(models.SectionSummary)
	if first == nil && len(pm.Sections) > 0 {
		first = &pm.Sections[0]
	}
	if first != nil {
		s.Excerpt = Excerpt(template.HTML(first.BodyHTML), 240)
	}
	return s
}
