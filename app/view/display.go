package view

import (
	"fmt"
	"strings"
	"time"

	"github.com/beaconstatus/beacon/models"
)

// Time formats t for the page's time zone.
func (site *Site) Time(t time.Time) DisplayTime {
	if t.IsZero() {
		return DisplayTime{Zero: true}
	}
	l := t.In(site.TimeZone)
	return DisplayTime{
		ISO:   l.Format("2006-01-02T15:04:05.000Z07:00"),
		Human: l.Format("Jan 2, 2006 15:04 MST"),
		Date:  l.Format("Jan 2, 2006"),
		Clock: l.Format("15:04 MST"),
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
	f, u := from.In(site.TimeZone), until.In(site.TimeZone)
	if f.Format("2006-01-02") == u.Format("2006-01-02") {
		return f.Format("Jan 2, 2006 15:04") + " – " + u.Format("15:04 MST")
	}
	return f.Format("Jan 2, 2006 15:04 MST") + " – " + u.Format("Jan 2, 2006 15:04 MST")
}

// HumanDuration writes a duration as "2 hrs 14 mins", "45 mins", "3 days 2 hrs".
func HumanDuration(d time.Duration) string { return models.HumanDuration(d) }

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

// dayPhrases words each kind of downtime for a day's label, worst first.
var dayPhrases = []struct{ status, phrase string }{
	{models.MajorOutage, "major outage"},
	{models.PartialOutage, "partial outage"},
	{models.DegradedPerformance, "degraded performance"},
	{models.UnderMaintenance, "under maintenance"},
}

// DayLabel says what happened on an uptime day, worst first: "Partial
// outage for 2 hrs 5 mins, degraded performance for 30 mins".
func DayLabel(d models.DayUptime) string {
	if d.Worst == "" {
		return "No data"
	}
	label := ""
	for _, p := range dayPhrases {
		if dur := d.Durations[p.status]; dur > 0 {
			if label != "" {
				label += ", "
			}
			label += p.phrase + " for " + HumanDuration(dur)
		}
	}
	if label == "" {
		return "No downtime"
	}
	return strings.ToUpper(label[:1]) + label[1:]
}

// FormatPercent writes an uptime percentage with two decimals, never
// rounding a day with downtime up to 100.00%.
func FormatPercent(p float64) string {
	if p < 100 && p > 99.995 {
		return "99.99%"
	}
	return fmt.Sprintf("%.2f%%", p)
}
