package view

import (
	"context"
	"html/template"
	"net/url"
	"time"

	"github.com/beaconstatus/beacon/models"
)

// UptimeDays is the length of the uptime bars.
const UptimeDays = 90

// PastIncidentDays is how many days of past incidents the status page
// lists, today included, as Statuspage does.
const PastIncidentDays = 15

// Page starts the view every public page gets.
func (site *Site) Page(title, path string) PageView {
	v := PageView{Page: site.Info(), Title: title, Path: path, UptimeDays: UptimeDays, Lang: site.L()}
	if site.Branding != nil {
		v.Brand = site.Branding()
	}
	if site.Langs != nil && site.Langs.Multi() {
		for _, l := range site.Langs.Langs() {
			v.Languages = append(v.Languages, LanguageLink{Code: l.Code, Name: l.Name, Current: l == v.Lang,
				URL: "/language?lang=" + l.Code + "&next=" + url.QueryEscape(path)})
		}
	}
	return v
}

// StatusPage gathers everything the index page shows: the banner,
// active incidents, maintenance, and every component with its uptime bar.
func (site *Site) StatusPage(ctx context.Context, now time.Time) (PageView, error) {
	v := site.Page("", "/")
	comps, err := site.DB.ListComponents(ctx)
	if err != nil {
		return v, err
	}
	unresolved, err := site.DB.ListUnresolved(ctx)
	if err != nil {
		return v, err
	}
	windowStart := site.UptimeWindowStart(now)
	history, err := site.DB.StatusHistory(ctx, windowStart)
	if err != nil {
		return v, err
	}
	affecting, err := site.DB.ListIncidentsAffecting(ctx, windowStart, now)
	if err != nil {
		return v, err
	}

	st := models.ComputePageStatus(comps, unresolved)
	v.Status = OverallStatus{Indicator: st.Indicator, Description: site.L().T("page_" + st.Indicator)}

	updated := time.Time{}
	for _, in := range unresolved {
		s := site.Summary(&in)
		if in.Kind == models.KindMaintenance {
			v.Maintenances = append(v.Maintenances, s)
		} else {
			v.Active = append(v.Active, s)
		}
		updated = MaxTime(updated, in.UpdatedAt)
	}
	// Maintenance: soonest first.
	SortByWindow(v.Maintenances, unresolved)

	incidentsByComponent := map[string][]models.Incident{}
	for _, in := range affecting {
		for _, c := range in.Components {
			incidentsByComponent[c.ID] = append(incidentsByComponent[c.ID], in)
		}
	}

	var group *GroupView
	for _, c := range comps {
		updated = MaxTime(updated, c.UpdatedAt)
		if c.IsGroup {
			v.Groups = append(v.Groups, GroupView{ID: c.ID, Name: c.Name, Status: c.Status,
				StatusLabel: site.StatusLabel(c.Status)})
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
			StatusLabel: site.StatusLabel(c.Status)}
		if c.Showcase {
			up := site.Uptime(&c, history[c.ID], now)
			if up.HasData {
				cv.Uptime = FormatPercent(up.Percent)
			}
			if !up.Since.IsZero() {
				cv.UptimeSince = site.L().Format(up.Since, "format_date")
			}
			cv.Days = site.UptimeBar(up, incidentsByComponent[c.ID], now)
		}
		group.Components = append(group.Components, cv)
		if group.Name == "" {
			group.Status = models.WorstComponentStatus(group.Status, c.Status)
			group.StatusLabel = site.StatusLabel(group.Status)
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

	// Past incidents: resolved incidents and completed maintenance of the
	// last days, day by day, newest first.
	pastStart := site.DayStart(now, PastIncidentDays-1)
	past, err := site.DB.ListIncidentsBetween(ctx, pastStart, now)
	if err != nil {
		return v, err
	}
	v.PastDays = site.PastDays(past, now)
	if updated.IsZero() {
		updated = now
	}
	v.UpdatedAt = site.Time(updated)
	return v, nil
}

// Uptime is a component's uptime over the bars' days, from its status
// history (as StatusHistory returns it) cut at its start date: days before
// it existed or before its start date have no data and do not count.
func (site *Site) Uptime(c *models.Component, history []models.StatusChange, now time.Time) models.Uptime {
	history = models.HistoryFrom(history, c.UptimeStart(site.Zone()))
	return models.ComputeUptime(history, UptimeDays, now, site.Zone(), site.PartialOutageWeight)
}

// UptimeBar turns computed uptime into bars, each with the incidents that
// touched the component that day.
func (site *Site) UptimeBar(up models.Uptime, incidents []models.Incident, now time.Time) []DayView {
	days := make([]DayView, len(up.Days))
	for i, d := range up.Days {
		dv := DayView{
			Date:    site.L().Format(d.Day, "format_date"),
			ISODate: d.Day.Format("2006-01-02"),
			Level:   DayLevel(d.Worst),
			Label:   site.DayLabel(d),
		}
		for _, in := range IncidentsOnDay(incidents, d.Day, now) {
			dv.Incidents = append(dv.Incidents, IncidentLink{Name: in.Name, URL: IncidentURL(in.ID)})
		}
		days[i] = dv
	}
	return days
}

// DayStart is midnight (in the page's zone) of the day daysAgo days
// before now's.
func (site *Site) DayStart(now time.Time, daysAgo int) time.Time {
	local := now.In(site.Zone())
	return time.Date(local.Year(), local.Month(), local.Day()-daysAgo, 0, 0, 0, 0, site.Zone())
}

// PastDays groups the resolved incidents and completed maintenance of list
// (newest first) by the day, in the page's zone, they happened on: one
// entry per day of the last PastIncidentDays, today first, quiet days
// empty. Unresolved ones are listed above them on the page.
func (site *Site) PastDays(list []models.Incident, now time.Time) []PastDayView {
	days := make([]PastDayView, PastIncidentDays)
	index := make(map[string]int, PastIncidentDays)
	for i := range days {
		day := site.DayStart(now, i)
		days[i] = PastDayView{Date: site.L().Format(day, "format_date"), ISODate: day.Format(time.DateOnly)}
		index[days[i].ISODate] = i
	}
	for i := range list {
		in := &list[i]
		if in.Unresolved() {
			continue
		}
		if n, ok := index[in.HappenedAt().In(site.Zone()).Format(time.DateOnly)]; ok {
			days[n].Incidents = append(days[n].Incidents, site.Summary(in))
		}
	}
	return days
}

// UptimeWindowStart is the first midnight (in the page's zone) of the
// uptime bars ending now.
func (site *Site) UptimeWindowStart(now time.Time) time.Time {
	local := now.In(site.Zone())
	return time.Date(local.Year(), local.Month(), local.Day()-(UptimeDays-1), 0, 0, 0, 0, site.Zone())
}

// IncidentsOnDay keeps the incidents open at some time of the day that
// starts at midnight day (in the page's zone).
func IncidentsOnDay(incidents []models.Incident, day, now time.Time) []models.Incident {
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

func IncidentURL(id string) string { return "/incidents/" + id }

// Summary is an incident as listed on the index and history pages.
func (site *Site) Summary(in *models.Incident) IncidentSummary {
	s := IncidentSummary{
		ID: in.ID, Name: in.Name, URL: IncidentURL(in.ID), Kind: in.Kind, Impact: in.Impact,
		Status: in.Status, StatusLabel: site.IncidentStatusLabel(in.Status),
		CreatedAt:  site.Time(in.HappenedAt()), // a maintenance: its window's start
		ResolvedAt: site.TimePtr(in.ResolvedAt),
		Window:     site.Window(in.ScheduledFor, in.ScheduledUntil),
	}
	for _, c := range in.Components {
		s.Components = append(s.Components, c.Name)
	}
	if ups := in.Updates(); len(ups) > 0 {
		u := site.Update(ups[0])
		s.Latest = &u
	}
	if in.PublishedPostmortem() != nil {
		s.PostmortemURL = PostmortemURL(in.ID)
	}
	return s
}

func (site *Site) Update(e models.TimelineEvent) UpdateView {
	u := UpdateView{
		ID: e.ID, Status: e.Status, StatusLabel: site.IncidentStatusLabel(e.Status),
		// BodyHTML was rendered from Markdown and sanitized when it was saved.
		BodyHTML: template.HTML(e.BodyHTML),
		At:       site.Time(e.OccurredAt),
	}
	for _, c := range e.AffectedComponents {
		u.Components = append(u.Components, ComponentChange{Name: c.Name, OldStatus: c.OldStatus,
			NewStatus: c.NewStatus, NewLabel: site.StatusLabel(c.NewStatus)})
	}
	return u
}

// Incident is one incident with its whole public timeline.
func (site *Site) Incident(in *models.Incident) *IncidentView {
	v := &IncidentView{
		IncidentSummary: site.Summary(in),
		ScheduledFor:    site.TimePtr(in.ScheduledFor),
		ScheduledUntil:  site.TimePtr(in.ScheduledUntil),
	}
	switch m := in.Milestones(); {
	case in.Kind == models.KindMaintenance && in.ScheduledFor != nil && in.ScheduledUntil != nil:
		// A maintenance lasts its window, not since it was announced.
		v.Duration = site.Duration(in.ScheduledUntil.Sub(*in.ScheduledFor))
	case in.Kind == models.KindIncident:
		// The header's times and duration are the milestones the
		// postmortem counts from, so the two never disagree.
		v.CreatedAt = site.Time(m.ImpactStarted)
		if m.Resolved != nil && in.ResolvedAt != nil {
			v.ResolvedAt = site.Time(*m.Resolved)
		}
		if d, ok := m.ToResolution(); ok && in.ResolvedAt != nil {
			v.Duration = site.Duration(d)
		}
	case in.ResolvedAt != nil:
		v.Duration = site.Duration(in.ResolvedAt.Sub(in.StartedAt))
	}
	for _, e := range in.Updates() {
		v.Updates = append(v.Updates, site.Update(e))
	}
	return v
}

// SortByWindow orders maintenance summaries by the start of their window.
func SortByWindow(list []IncidentSummary, all []models.Incident) {
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

// MaxTime is the later of a and b.
func MaxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
