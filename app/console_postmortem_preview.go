package app

import (
	"context"
	"html/template"

	"github.com/beaconstatus/beacon/models"
)

// The console's preview of a postmortem as the public sees it.
//
// The public postmortem (app/postmortem_view.go, views/partials/postmortem.html,
// on branch h-pm) was not on this branch yet when the preview was written:
// pmPublicView mirrors its PostmortemView field for field, and the
// "pm-preview" template (views/admin/partials/pm_console.html) its
// "postmortem" template. Once both are merged, switch by making
// pmPreviewView.Preview a *PostmortemView filled by a.postmortemView(ctx, pm),
// using {{template "postmortem" .Preview}} in postmortem_preview.html, and
// deleting this file and "pm-preview".

// pmPublicView is a postmortem as the public sees it.
type pmPublicView struct {
	URL          string // its public page
	RevisionsURL string
	Draft        bool
	PublishedAt  DisplayTime // first published
	UpdatedAt    DisplayTime // last edited after publishing
	Revision     int
	Sections     []pmPublicSection // only those with text, in template order
	Durations    []pmFact
	Components   []string
	Timeline     []pmPublicEntry // the public entries, oldest first
	ActionItems  []pmPublicItem
}

// pmPublicSection is a section of a postmortem that has text.
type pmPublicSection struct {
	Key, Label string
	BodyHTML   template.HTML // sanitized on save
}

// pmPublicEntry is a public entry of a postmortem's timeline.
type pmPublicEntry struct {
	At          DisplayTime
	Status      string
	StatusLabel string
	BodyHTML    template.HTML
}

// pmPublicItem is an action item in the public remediation list (the
// owner stays internal).
type pmPublicItem struct {
	Title, Status, StatusLabel string
	URL                        string
	Due, DueISO                string
	Overdue                    bool
}

// pmPublic builds the public view of a postmortem loaded by GetPostmortem.
func (a *App) pmPublic(ctx context.Context, pm *models.Postmortem) (*pmPublicView, error) {
	v := &pmPublicView{URL: incidentURL(pm.IncidentID) + "/postmortem", Draft: !pm.Published(), Revision: pm.Revision,
		PublishedAt: a.displayTimePtr(pm.FirstPublishedAt)}
	revs, err := a.db.ListPostmortemRevisions(ctx, pm.IncidentID)
	if err != nil {
		return nil, err
	}
	if len(revs) > 1 {
		v.RevisionsURL = v.URL + "/revisions"
		v.UpdatedAt = a.displayTime(revs[0].CreatedAt)
	}
	for _, spec := range models.PostmortemSections {
		if s := pm.Section(spec.Key); s != nil {
			v.Sections = append(v.Sections, pmPublicSection{Key: s.Key, Label: spec.Label, BodyHTML: template.HTML(s.BodyHTML)})
		}
	}
	v.Durations = a.pmFacts(pm.Durations(), false)
	if pm.Incident != nil {
		for _, comp := range pm.Incident.Components {
			v.Components = append(v.Components, comp.Name)
		}
	}
	for _, e := range pm.PublicTimeline() {
		v.Timeline = append(v.Timeline, pmPublicEntry{At: a.displayTime(e.OccurredAt), Status: e.Status,
			StatusLabel: models.IncidentStatusLabel(e.Status), BodyHTML: template.HTML(e.BodyHTML)})
	}
	now := a.now().In(a.cfg.TimeZone)
	for _, item := range pm.ActionItems {
		iv := pmPublicItem{Title: item.Title, Status: item.Status, StatusLabel: models.ActionItemStatusLabel(item.Status),
			URL: item.URL, Overdue: item.Overdue(now)}
		if item.DueDate != nil {
			iv.Due, iv.DueISO = item.DueDate.UTC().Format("Jan 2, 2006"), item.DueDateString()
		}
		v.ActionItems = append(v.ActionItems, iv)
	}
	return v, nil
}
