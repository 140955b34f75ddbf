package models

import (
	"fmt"
	"time"
)

// Durations are the milestones of an incident as its postmortem timeline
// tells them. A nil milestone did not happen (or its entry was removed).
type Durations struct {
	ImpactStart        time.Time  // when customers began to be affected
	Detected           *time.Time // the first entry of the timeline
	FirstCommunication *time.Time // the first public update
	Mitigated          *time.Time // the first "monitoring" (or "verifying"); the resolution when there was none
	Resolved           *time.Time // the last "resolved" (or "completed")
}

// ComputeDurations reads the milestones from timeline entries (in any
// order, included in the public timeline or not: the durations are facts).
func ComputeDurations(impactStart time.Time, entries []PostmortemEntry) Durations {
	d := Durations{ImpactStart: impactStart}
	earliest := func(cur *time.Time, t time.Time) *time.Time {
		if cur == nil || t.Before(*cur) {
			return &t
		}
		return cur
	}
	for _, e := range entries {
		at := e.OccurredAt
		d.Detected = earliest(d.Detected, at)
		if e.Kind == EventUpdate {
			d.FirstCommunication = earliest(d.FirstCommunication, at)
		}
		switch e.Status {
		case Monitoring, Verifying:
			d.Mitigated = earliest(d.Mitigated, at)
		case Resolved, Completed:
			if d.Resolved == nil || at.After(*d.Resolved) {
				d.Resolved = &at
			}
		}
	}
	if d.Mitigated == nil || d.Resolved != nil && d.Resolved.Before(*d.Mitigated) {
		d.Mitigated = d.Resolved
	}
	return d
}

// since is the time from start to t, never negative; false when t is nil
// or start unknown.
func since(start time.Time, t *time.Time) (time.Duration, bool) {
	if t == nil || start.IsZero() {
		return 0, false
	}
	return max(t.Sub(start), 0), true
}

// ToDetect is the time from the impact start to the first event.
func (d Durations) ToDetect() (time.Duration, bool) { return since(d.ImpactStart, d.Detected) }

// ToFirstCommunication is the time from the impact start to the first
// public update.
func (d Durations) ToFirstCommunication() (time.Duration, bool) {
	return since(d.ImpactStart, d.FirstCommunication)
}

// ToMitigation is the time from the impact start to the first "monitoring".
func (d Durations) ToMitigation() (time.Duration, bool) { return since(d.ImpactStart, d.Mitigated) }

// ToResolution is the time from the first event (when the team knew) to
// the resolution.
func (d Durations) ToResolution() (time.Duration, bool) {
	if d.Detected == nil {
		return 0, false
	}
	return since(*d.Detected, d.Resolved)
}

// CustomerFacing is the whole time customers were affected: from the
// impact start to the resolution.
func (d Durations) CustomerFacing() (time.Duration, bool) { return since(d.ImpactStart, d.Resolved) }

// HumanDuration writes a duration as "2 hrs 14 mins", "45 mins", "3 days
// 2 hrs".
func HumanDuration(d time.Duration) string {
	if d < time.Minute {
		return "less than a minute"
	}
	mins := int(d.Round(time.Minute) / time.Minute)
	days, hours, m := mins/(24*60), mins/60%24, mins%60
	plural := func(n int, unit string) string {
		if n == 1 {
			return fmt.Sprintf("1 %s", unit)
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case days > 0 && hours > 0:
		return plural(days, "day") + " " + plural(hours, "hr")
	case days > 0:
		return plural(days, "day")
	case hours > 0 && m > 0:
		return plural(hours, "hr") + " " + plural(m, "min")
	case hours > 0:
		return plural(hours, "hr")
	}
	return plural(m, "min")
}
