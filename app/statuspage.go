package app

import (
	"context"
	"html/template"
	"time"

	"github.com/beaconstatus/beacon/models"
)

// UptimeDays is the length of the uptime bars.
const UptimeDays = 90

// pageView starts the view every public page gets.
func (a *App) pageView(title, path string) PageView {
	return PageView{Page: a.page, Title: title, Path: path, UptimeDays: UptimeDays}
}

// buildStatusPage gathers everything the index page shows: the banner,
// active incidents, maintenance, and every component with its uptime bar.
func (a *App) buildStatusPage(ctx context.Context, now time.Time) (PageView, error) {
	v := a.pageView("", "/")
	comps, err := a.db.ListComponents(ctx)
	if err != nil {
		return v, err
	}
	unresolved, err := a.db.ListUnresolved(ctx)
	if err != nil {
		return v, err
	}
	windowStart := a.uptimeWindowStart(now)
	history, err := a.db.StatusHistory(ctx, windowStart)
	if err != nil {
		return v, err
	}
	affecting, err := a.db.ListIncidentsAffecting(ctx, windowStart, now)
	if err != nil {
		return v, err
	}

	st := models.ComputePageStatus(comps, unresolved)
	v.Status = OverallStatus{Indicator: st.Indicator, Description: st.Description}

	updated := time.Time{}
	for _, in := range unresolved {
		s := a.incidentSummary(&in)
		if in.Kind == models.KindMaintenance {
			v.Maintenances = append(v.Maintenances, s)
		} else {
			v.Active = append(v.Active, s)
		}
		updated = maxTime(updated, in.UpdatedAt)
	}
	// Maintenance: soonest first.
	sortByWindow(v.Maintenances, unresolved)

	incidentsByComponent := map[string][]models.Incident{}
	for _, in := range affecting {
		for _, c := range in.Components {
			incidentsByComponent[c.ID] = append(incidentsByComponent[c.ID], in)
		}
	}

	var group *GroupView
	for _, c := range comps {
		updated = maxTime(updated, c.UpdatedAt)
		if c.IsGroup {
			v.Groups = append(v.Groups, GroupView{ID: c.ID, Name: c.Name, Status: c.Status,
				StatusLabel: models.ComponentStatusLabel(c.Status)})
			group = &v.Groups[len(v.Groups)-1]
			continue
		}
		if c.GroupID == nil && (group == nil || group.Name != "") {
			// Ungrouped components between groups form an unnamed group.
			v.Groups = append(v.Groups, GroupView{Status: models.Operational})
			group = &v.Groups[len(v.Groups)-1]
		}
		if c.OnlyShowIfDegraded && c.Status == models.Operational {
			continue
		}
		cv := ComponentView{ID: c.ID, Name: c.Name, Description: c.Description, Status: c.Status,
			StatusLabel: models.ComponentStatusLabel(c.Status)}
		if c.Showcase {
			up := models.ComputeUptime(history[c.ID], UptimeDays, now, a.cfg.TimeZone, a.cfg.PartialOutageWeight)
			cv.Uptime = formatPercent(up.Percent)
			cv.Days = a.uptimeDays(up, incidentsByComponent[c.ID], now)
		}
		group.Components = append(group.Components, cv)
		if group.Name == "" {
			group.Status = models.WorstComponentStatus(group.Status, c.Status)
			group.StatusLabel = models.ComponentStatusLabel(group.Status)
		}
	}
	// Drop groups left empty by only_show_if_degraded.
	kept := v.Groups[:0]
	for _, g := range v.Groups {
		if len(g.Components) > 0 {
			kept = append(kept, g)
		}
	}
	v.Groups = kept
	if updated.IsZero() {
		updated = now
	}
	v.UpdatedAt = a.displayTime(updated)
	return v, nil
}

// uptimeDays turns computed uptime into bars, each with the incidents that
// touched the component that day.
func (a *App) uptimeDays(up models.Uptime, incidents []models.Incident, now time.Time) []DayView {
	days := make([]DayView, len(up.Days))
	for i, d := range up.Days {
		dv := DayView{
			Date:    d.Day.Format("Jan 2, 2006"),
			ISODate: d.Day.Format("2006-01-02"),
			Level:   dayLevel(d.Worst),
			Label:   dayLabel(d),
		}
		for _, in := range incidentsOnDay(incidents, d.Day, now) {
			dv.Incidents = append(dv.Incidents, IncidentLink{Name: in.Name, URL: incidentURL(in.ID)})
		}
		days[i] = dv
	}
	return days
}

// uptimeWindowStart is the first midnight (in the page's zone) of the
// uptime bars ending now.
func (a *App) uptimeWindowStart(now time.Time) time.Time {
	local := now.In(a.cfg.TimeZone)
	return time.Date(local.Year(), local.Month(), local.Day()-(UptimeDays-1), 0, 0, 0, 0, a.cfg.TimeZone)
}

// incidentsOnDay keeps the incidents open at some time of the day that
// starts at midnight day (in the page's zone).
func incidentsOnDay(incidents []models.Incident, day, now time.Time) []models.Incident {
	dayEnd := day.AddDate(0, 0, 1)
	var out []models.Incident
	for _, in := range incidents {
		end := now
		if in.ResolvedAt != nil {
			end = *in.ResolvedAt
		}
		if in.StartedAt.Before(dayEnd) && !end.Before(day) {
			out = append(out, in)
		}
	}
	return out
}

func incidentURL(id string) string { return "/incidents/" + id }

// incidentSummary is an incident as listed on the index and history pages.
func (a *App) incidentSummary(in *models.Incident) IncidentSummary {
	s := IncidentSummary{
		ID: in.ID, Name: in.Name, URL: incidentURL(in.ID), Kind: in.Kind, Impact: in.Impact,
		Status: in.Status, StatusLabel: models.IncidentStatusLabel(in.Status),
		CreatedAt:  a.displayTime(in.HappenedAt()), // a maintenance: its window's start
		ResolvedAt: a.displayTimePtr(in.ResolvedAt),
		Window:     a.window(in.ScheduledFor, in.ScheduledUntil),
	}
	for _, c := range in.Components {
		s.Components = append(s.Components, c.Name)
	}
	if ups := in.Updates(); len(ups) > 0 {
		u := a.updateView(ups[0])
		s.Latest = &u
	}
	if in.PublishedPostmortem() != nil {
		s.PostmortemURL = postmortemURL(in.ID)
	}
	return s
}

func (a *App) updateView(e models.TimelineEvent) UpdateView {
	u := UpdateView{
		ID: e.ID, Status: e.Status, StatusLabel: models.IncidentStatusLabel(e.Status),
		// BodyHTML was rendered from Markdown and sanitized when it was saved.
		BodyHTML: template.HTML(e.BodyHTML),
		At:       a.displayTime(e.OccurredAt),
	}
	for _, c := range e.AffectedComponents {
		u.Components = append(u.Components, ComponentChange{Name: c.Name, OldStatus: c.OldStatus,
			NewStatus: c.NewStatus, NewLabel: models.ComponentStatusLabel(c.NewStatus)})
	}
	return u
}

// incidentView is one incident with its whole public timeline.
func (a *App) incidentView(in *models.Incident) *IncidentView {
	v := &IncidentView{
		IncidentSummary: a.incidentSummary(in),
		ScheduledFor:    a.displayTimePtr(in.ScheduledFor),
		ScheduledUntil:  a.displayTimePtr(in.ScheduledUntil),
	}
	if in.ResolvedAt != nil {
		v.Duration = humanDuration(in.ResolvedAt.Sub(in.StartedAt))
	}
	for _, e := range in.Updates() {
		v.Updates = append(v.Updates, a.updateView(e))
	}
	return v
}

// sortByWindow orders maintenance summaries by the start of their window.
func sortByWindow(list []IncidentSummary, all []models.Incident) {
	start := map[string]time.Time{}
	for _, in := range all {
		if in.ScheduledFor != nil {
			start[in.ID] = *in.ScheduledFor
		}
	}
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && start[list[j].ID].Before(start[list[j-1].ID]); j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
