package models

import "time"

// DefaultPartialOutageWeight is how much of a partial outage counts as
// downtime, when the configuration does not say.
const DefaultPartialOutageWeight = 0.3

// DayUptime is one day of a component's uptime bar.
type DayUptime struct {
	Day       time.Time                // midnight in the page's time zone
	Worst     string                   // worst status seen that day; "" when the component did not exist yet
	Durations map[string]time.Duration // time spent in each status other than operational
	Observed  time.Duration            // time the component existed that day, up to now
	Downtime  time.Duration            // major outage in full plus partial outage at its weight
}

// Uptime is a component's uptime over a number of days.
type Uptime struct {
	Days    []DayUptime // oldest first
	Percent float64     // 0–100 over the observed time; 100 when nothing was observed
	HasData bool        // false when the component did not exist in the window
	// Since is the first day with data when it is not the window's first
	// day (the component is younger than the window); zero otherwise.
	Since time.Time
}

// ComputeUptime turns a component's status history (oldest first, as
// StatusHistory returns it: the last change before the window, then those in
// it) into daily bars for the last `days` days up to now, with days cut at
// midnight in loc. Major outage counts fully as downtime, partial outage at
// partialWeight; degraded performance and maintenance do not count.
func ComputeUptime(history []StatusChange, days int, now time.Time, loc *time.Location, partialWeight float64) Uptime {
	local := now.In(loc)
	first := time.Date(local.Year(), local.Month(), local.Day()-(days-1), 0, 0, 0, 0, loc)
	out := Uptime{Days: make([]DayUptime, days), Percent: 100}
	var observed, down time.Duration

	h := 0 // index of the first change that may still overlap the current day
	for i := range out.Days {
		dayStart := time.Date(first.Year(), first.Month(), first.Day()+i, 0, 0, 0, 0, loc)
		dayEnd := time.Date(first.Year(), first.Month(), first.Day()+i+1, 0, 0, 0, 0, loc)
		if dayEnd.After(now) {
			dayEnd = now
		}
		d := DayUptime{Day: dayStart, Durations: map[string]time.Duration{}}
		for j := h; j < len(history); j++ {
			from := history[j].ChangedAt
			to := now
			if j+1 < len(history) {
				to = history[j+1].ChangedAt
			}
			if !to.After(dayStart) {
				h = j + 1 // ends before this day: never needed again
				continue
			}
			if !from.Before(dayEnd) {
				break
			}
			span := minTime(to, dayEnd).Sub(maxTime(from, dayStart))
			if span <= 0 {
				continue
			}
			st := history[j].NewStatus
			d.Observed += span
			if d.Worst == "" {
				d.Worst = Operational
			}
			d.Worst = WorstComponentStatus(d.Worst, st)
			if st != Operational {
				d.Durations[st] += span
			}
		}
		d.Downtime = d.Durations[MajorOutage] + time.Duration(float64(d.Durations[PartialOutage])*partialWeight)
		observed += d.Observed
		down += d.Downtime
		out.Days[i] = d
		if d.Observed > 0 && out.Since.IsZero() && i > 0 && observed == d.Observed {
			out.Since = dayStart
		}
	}
	if observed > 0 {
		out.HasData = true
		out.Percent = 100 * (1 - float64(down)/float64(observed))
	}
	return out
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// HistoryFrom cuts a status history (oldest first) at start, the
// component's start date: what came before it is not part of its uptime,
// so those days have no data. A zero start keeps the history as it is.
func HistoryFrom(history []StatusChange, start time.Time) []StatusChange {
	if start.IsZero() || len(history) == 0 || !history[0].ChangedAt.Before(start) {
		return history
	}
	i := 0 // the last change before start: the status the component started with
	for i+1 < len(history) && !history[i+1].ChangedAt.After(start) {
		i++
	}
	out := append([]StatusChange(nil), history[i:]...)
	if out[0].ChangedAt.Before(start) {
		out[0].ChangedAt = start
	}
	return out
}
