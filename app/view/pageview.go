package view

import (
	"html/template"

	"github.com/beaconstatus/beacon/app/lang"
)

// LanguageLink is one language of the language switch.
type LanguageLink struct {
	Code, Name, URL string
	Current         bool
}

// LangCode is the code of the page's language, which the Renderer picks
// its templates by ("" for the default).
func (v PageView) LangCode() string {
	if v.Lang == nil {
		return ""
	}
	return v.Lang.Code
}

// The types in this file are what the public templates in views/public receive.
// They are built from the database by the status page builder and hold only
// ready-to-print values (labels, formatted times, CSS level names), so the
// templates stay free of logic.

// PageView is the data every public page template receives.
type PageView struct {
	Page      PageInfo       // the status page itself
	Title     string         // the <title> of this page, without the page name
	Status    OverallStatus  // the banner
	UpdatedAt DisplayTime    // when the data behind this page last changed
	Path      string         // request path of this page, e.g. "/history"
	Lang      *lang.Lang     // the language the page is worded in
	Languages []LanguageLink // the language switch; none when one language is enabled
	Brand     *Brand         // the page's branding; nil for none

	// Index page.
	Groups       []GroupView       // component groups in order; ungrouped components form groups with an empty Name
	Active       []IncidentSummary // unresolved incidents, newest first
	Maintenances []IncidentSummary // in-progress and upcoming maintenance, soonest first
	UptimeDays   int               // number of days in the uptime bars (90)
	PastDays     []PastDayView     // the last 15 days, today first

	// Incident page.
	Incident *IncidentView

	// Postmortem pages: the index and a postmortem's revision history (the
	// postmortem itself is Incident.Postmortem).
	Postmortems []PostmortemSummary
	Revisions   []RevisionView

	// History page.
	Months   []MonthView
	PrevURL  string // newer page of history, "" when none
	NextURL  string // older page of history, "" when none
	PageNum  int
	NumPages int

	// Error page.
	Error *ErrorView
}

// PageInfo describes the status page: its name, public URL and time zone.
type PageInfo struct {
	ID       string
	Name     string
	URL      string // BASE_URL, without trailing slash
	TimeZone string // IANA name, e.g. "Europe/Berlin"
}

// OverallStatus is the banner at the top of the page.
type OverallStatus struct {
	Indicator   string // none, minor, major, critical, maintenance
	Description string // "All Systems Operational", "Partial System Outage", ...
}

// DisplayTime is a moment formatted for the page's time zone.
type DisplayTime struct {
	ISO   string // RFC 3339 with offset, for <time datetime="...">
	Human string // "Nov 20, 2026 14:05 CET"
	Date  string // "Nov 20, 2026"
	Clock string // "14:05 CET"
	Zero  bool   // true when there is no time
}

// GroupView is a component group (or the ungrouped components) on the index page.
type GroupView struct {
	ID          string
	Name        string // "" for ungrouped components
	Status      string // worst status of its components
	StatusLabel string
	Components  []ComponentView
}

// ComponentView is one component with its status and uptime bar.
type ComponentView struct {
	ID          string
	Name        string
	Description string
	Status      string // operational, degraded_performance, partial_outage, major_outage, under_maintenance
	StatusLabel string // "Operational", "Degraded Performance", ...
	Uptime      string // "99.95%" over the bar's days with data; "" when none has
	UptimeSince string // "Nov 20, 2026": the first day with data, when it is not the bar's first
	Days        []DayView
}

// DayView is one bar of the 90-day uptime bar.
type DayView struct {
	Date      string // "Nov 20, 2026"
	ISODate   string // "2026-11-20"
	Level     string // operational, degraded, partial, major, maintenance, nodata (CSS class suffix)
	Label     string // "No downtime", "Partial outage for 2 hrs 5 mins", "No data"
	Incidents []IncidentLink
}

// PastDayView is one day of the status page's past incidents.
type PastDayView struct {
	Date      string            // "Nov 20, 2026"
	ISODate   string            // "2026-11-20"
	Incidents []IncidentSummary // resolved that happened that day, newest first; none on a quiet day
}

// IncidentLink is a short link to an incident, shown in a day's tooltip.
type IncidentLink struct {
	Name string
	URL  string
}

// IncidentSummary is an incident or maintenance in a list (index, history).
type IncidentSummary struct {
	ID          string
	Name        string
	URL         string
	Kind        string // incident or maintenance
	Impact      string // none, minor, major, critical, maintenance
	Status      string
	StatusLabel string
	Latest      *UpdateView // newest public update, if any
	CreatedAt   DisplayTime // when it started; for maintenance, when its window starts
	ResolvedAt  DisplayTime
	Window      string // for maintenance: "Nov 25, 02:00 – 04:00 CET"
	Components  []string
	// PostmortemURL links the published postmortem; "" when there is none.
	PostmortemURL string
}

// IncidentView is one incident or maintenance with its whole public timeline.
type IncidentView struct {
	IncidentSummary
	ScheduledFor   DisplayTime
	ScheduledUntil DisplayTime
	Duration       string          // "2 hrs 14 mins" once resolved
	Updates        []UpdateView    // newest first
	Postmortem     *PostmortemView // the published postmortem, nil when none
}

// UpdateView is one public update of an incident's timeline.
type UpdateView struct {
	ID          string
	Status      string
	StatusLabel string
	BodyHTML    template.HTML // sanitized HTML rendered from Markdown on save
	At          DisplayTime
	Components  []ComponentChange
}

// ComponentChange is one component status change attached to an update.
type ComponentChange struct {
	Name      string
	OldStatus string
	NewStatus string
	NewLabel  string
}

// MonthView is one month of incident history.
type MonthView struct {
	Label     string // "November 2026"
	Incidents []IncidentSummary
}

// ErrorView is the HTML error page's content.
type ErrorView struct {
	Code    int
	Title   string
	Message string
}
