package view

import (
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/beaconstatus/beacon/models"
)

// Time formats t for the page's time zone.
func (site *Site) Time(t time.Time) DisplayTime {
	if t.IsZero() {
		return DisplayTime{Zero: true}
	}
	l, w := t.In(site.Zone()), site.L()
	return DisplayTime{
		ISO:   l.Format("2006-01-02T15:04:05.000Z07:00"),
		Human: w.Format(l, "format_datetime"),
		Date:  w.Format(l, "format_date"),
		Clock: w.Format(l, "format_clock"),
	}
}

func (site *Site) TimePtr(t *time.Time) DisplayTime {
	if t == nil {
		return DisplayTime{Zero: true}
	}
	return site.Time(*t)
}

// Window formats a maintenance window: "Nov 25, 2026 02:00 – 04:00 CET",
// with the end's date when it ends on another day.
func (site *Site) Window(from, until *time.Time) string {
	if from == nil || until == nil {
		return ""
	}
	f, u, w := from.In(site.Zone()), until.In(site.Zone()), site.L()
	if f.Format("2006-01-02") == u.Format("2006-01-02") {
		return w.Format(f, "format_datetime_nozone") + " – " + w.Format(u, "format_clock")
	}
	return w.Format(f, "format_datetime") + " – " + w.Format(u, "format_datetime")
}

// HumanDuration writes a duration as "2 hrs 14 mins", "45 mins", "3 days 2 hrs".
func HumanDuration(d time.Duration) string { return models.HumanDuration(d) }

// Duration is HumanDuration in the site's language.
func (site *Site) Duration(d time.Duration) string { return site.L().Duration(d) }

// StatusLabel is a component status in the site's language.
func (site *Site) StatusLabel(status string) string {
	if models.ComponentStatusLabel(status) == "" {
		return status
	}
	return site.L().T("status_" + status)
}

// IncidentStatusLabel is an incident or maintenance status in the site's language.
func (site *Site) IncidentStatusLabel(status string) string {
	if models.IncidentStatusLabel(status) == "" {
		return status
	}
	return site.L().T("incident_" + status)
}

// DayLevel is the CSS level of an uptime day.
func DayLevel(worst string) string {
	switch worst {
	case "":
		return "nodata"
	case models.DegradedPerformance:
		return "degraded"
	case models.PartialOutage:
		return "partial"
	case models.MajorOutage:
		return "major"
	case models.UnderMaintenance:
		return "maintenance"
	}
	return "operational"
}

// dayPhrases are the statuses of a day's label, worst first.
var dayPhrases = []string{models.MajorOutage, models.PartialOutage, models.DegradedPerformance, models.UnderMaintenance}

// DayLabel says what happened on an uptime day, worst first: "Partial
// outage for 2 hrs 5 mins, degraded performance for 30 mins".
func DayLabel(d models.DayUptime) string { return englishSite.DayLabel(d) }

var englishSite = &Site{}

// DayLabel is the label of an uptime day in the site's language.
func (site *Site) DayLabel(d models.DayUptime) string {
	w := site.L()
	if d.Worst == "" {
		return w.T("day_no_data")
	}
	label := ""
	for _, status := range dayPhrases {
		if dur := d.Durations[status]; dur > 0 {
			if label != "" {
				label += ", "
			}
			label += w.T("day_"+status, "Duration", w.Duration(dur))
		}
	}
	if label == "" {
		return w.T("day_no_downtime")
	}
	r, n := utf8.DecodeRuneInString(label)
	return string(unicode.ToUpper(r)) + label[n:]
}

// FormatPercent writes an uptime percentage with two decimals, never
// rounding a day with downtime up to 100.00%.
func FormatPercent(p float64) string {
	if p < 100 && p > 99.995 {
		return "99.99%"
	}
	return fmt.Sprintf("%.2f%%", p)
}
