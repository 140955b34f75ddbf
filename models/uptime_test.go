package models_test

import (
	"math"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
)

const (
	op       = models.Operational
	degraded = models.DegradedPerformance
	partial  = models.PartialOutage
	major    = models.MajorOutage
	maint    = models.UnderMaintenance
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// changes builds a status history from (status, time) pairs, oldest first.
func changes(pairs ...any) []models.StatusChange {
	var out []models.StatusChange
	prev := ""
	for i := 0; i < len(pairs); i += 2 {
		st := pairs[i].(string)
		out = append(out, models.StatusChange{ID: int64(i/2 + 1), ComponentID: "c1", OldStatus: prev, NewStatus: st, ChangedAt: pairs[i+1].(time.Time)})
		prev = st
	}
	return out
}

func TestComputeUptime(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	h, m := time.Hour, time.Minute
	// April 2026 has no DST change; the window is Apr 9–15 with "now" at
	// noon on Apr 15, so the observed time of a full window is 6×24h+12h.
	apr := func(day, hh, mm int) time.Time { return time.Date(2026, 4, day, hh, mm, 0, 0, berlin) }
	now := apr(15, 12, 0)
	longAgo := now.AddDate(-1, 0, 0)
	const full = 156 * time.Hour
	pct := func(down, observed time.Duration) float64 { return 100 * (1 - float64(down)/float64(observed)) }

	tests := []struct {
		name      string
		history   []models.StatusChange
		now       time.Time
		days      int
		loc       *time.Location
		weight    float64
		firstDay  time.Time                        // midnight of Days[0]
		worst     []string                         // per day
		observed  []time.Duration                  // per day; nil: 24h each, 12h today
		durations map[int]map[string]time.Duration // day → non-operational time; days not listed have none
		downtime  map[int]time.Duration            // day → downtime; days not listed have none
		percent   float64
		noData    bool
	}{
		{
			name:    "always operational",
			history: changes(op, longAgo),
			worst:   []string{op, op, op, op, op, op, op},
			percent: 100,
		},
		{
			name:     "no history at all",
			history:  nil,
			worst:    []string{"", "", "", "", "", "", ""},
			observed: make([]time.Duration, 7),
			percent:  100,
			noData:   true,
		},
		{
			name:      "created mid-window",
			history:   changes(op, apr(13, 0, 0), major, apr(14, 10, 0), op, apr(14, 13, 0)),
			worst:     []string{"", "", "", "", op, major, op},
			observed:  []time.Duration{0, 0, 0, 0, 24 * h, 24 * h, 12 * h},
			durations: map[int]map[string]time.Duration{5: {major: 3 * h}},
			downtime:  map[int]time.Duration{5: 3 * h},
			percent:   pct(3*h, 60*h), // 95%: over the 60 hours it existed only
		},
		{
			name:      "one-hour major outage yesterday",
			history:   changes(op, longAgo, major, apr(14, 10, 0), op, apr(14, 11, 0)),
			worst:     []string{op, op, op, op, op, major, op},
			durations: map[int]map[string]time.Duration{5: {major: h}},
			downtime:  map[int]time.Duration{5: h},
			percent:   pct(h, full),
		},
		{
			name:      "ongoing outage counts up to now",
			history:   changes(op, longAgo, major, apr(15, 11, 0)),
			worst:     []string{op, op, op, op, op, op, major},
			durations: map[int]map[string]time.Duration{6: {major: h}},
			downtime:  map[int]time.Duration{6: h},
			percent:   pct(h, full),
		},
		{
			name: "partial at its weight, degraded and maintenance free",
			history: changes(op, longAgo,
				partial, apr(10, 8, 0), op, apr(10, 10, 0),
				degraded, apr(11, 8, 0), op, apr(11, 11, 0),
				maint, apr(12, 1, 0), op, apr(12, 5, 0)),
			worst:     []string{op, partial, degraded, maint, op, op, op},
			durations: map[int]map[string]time.Duration{1: {partial: 2 * h}, 2: {degraded: 3 * h}, 3: {maint: 4 * h}},
			downtime:  map[int]time.Duration{1: 36 * m},
			percent:   pct(36*m, full),
		},
		{
			name:      "partial at weight 1",
			history:   changes(op, longAgo, partial, apr(10, 8, 0), op, apr(10, 10, 0)),
			weight:    1,
			worst:     []string{op, partial, op, op, op, op, op},
			durations: map[int]map[string]time.Duration{1: {partial: 2 * h}},
			downtime:  map[int]time.Duration{1: 2 * h},
			percent:   pct(2*h, full),
		},
		{
			name:      "partial at weight 0",
			history:   changes(op, longAgo, partial, apr(10, 8, 0), op, apr(10, 10, 0)),
			weight:    -1, // means 0 below
			worst:     []string{op, partial, op, op, op, op, op},
			durations: map[int]map[string]time.Duration{1: {partial: 2 * h}},
			percent:   100,
		},
		{
			name:      "worst of a day wins, whatever the order",
			history:   changes(op, longAgo, major, apr(12, 1, 0), degraded, apr(12, 2, 0), maint, apr(12, 5, 0), op, apr(12, 6, 0)),
			worst:     []string{op, op, op, major, op, op, op},
			durations: map[int]map[string]time.Duration{3: {major: h, degraded: 3 * h, maint: h}},
			downtime:  map[int]time.Duration{3: h},
			percent:   pct(h, full),
		},
		{
			name:      "outage across midnight is split in the page's zone",
			history:   changes(op, longAgo, major, apr(13, 23, 0), op, apr(14, 2, 0)),
			worst:     []string{op, op, op, op, major, major, op},
			durations: map[int]map[string]time.Duration{4: {major: h}, 5: {major: 2 * h}},
			downtime:  map[int]time.Duration{4: h, 5: 2 * h},
			percent:   pct(3*h, full),
		},
		{
			// The same instants (21:00Z–00:00Z) all fall on Apr 13 in UTC.
			name:      "the same outage in UTC is on one day",
			history:   changes(op, longAgo, major, apr(13, 23, 0), op, apr(14, 2, 0)),
			loc:       time.UTC,
			firstDay:  time.Date(2026, 4, 9, 0, 0, 0, 0, time.UTC),
			worst:     []string{op, op, op, op, major, op, op},
			observed:  []time.Duration{24 * h, 24 * h, 24 * h, 24 * h, 24 * h, 24 * h, 10 * h},
			durations: map[int]map[string]time.Duration{4: {major: 3 * h}},
			downtime:  map[int]time.Duration{4: 3 * h},
			percent:   pct(3*h, 154*h),
		},
		{
			// Spring forward on Mar 29: that day has 23 hours, and an
			// outage from 01:30 CET to 03:30 CEST lasted one hour.
			name: "spring DST day has 23 hours",
			history: changes(op, longAgo,
				major, time.Date(2026, 3, 29, 1, 30, 0, 0, berlin), op, time.Date(2026, 3, 29, 3, 30, 0, 0, berlin)),
			now:       time.Date(2026, 3, 30, 12, 0, 0, 0, berlin),
			days:      3,
			firstDay:  time.Date(2026, 3, 28, 0, 0, 0, 0, berlin),
			worst:     []string{op, major, op},
			observed:  []time.Duration{24 * h, 23 * h, 12 * h},
			durations: map[int]map[string]time.Duration{1: {major: h}},
			downtime:  map[int]time.Duration{1: h},
			percent:   pct(h, 59*h),
		},
		{
			name:     "autumn DST day has 25 hours",
			history:  changes(op, longAgo),
			now:      time.Date(2026, 10, 26, 12, 0, 0, 0, berlin),
			days:     3,
			firstDay: time.Date(2026, 10, 24, 0, 0, 0, 0, berlin),
			worst:    []string{op, op, op},
			observed: []time.Duration{24 * h, 25 * h, 12 * h},
			percent:  100,
		},
		{
			// The last change before the window sets the first days' status.
			name:      "history starting before the window",
			history:   changes(major, apr(1, 0, 0), partial, apr(10, 12, 0), op, apr(11, 0, 0)),
			worst:     []string{major, major, op, op, op, op, op},
			durations: map[int]map[string]time.Duration{0: {major: 24 * h}, 1: {major: 12 * h, partial: 12 * h}},
			downtime:  map[int]time.Duration{0: 24 * h, 1: 12*h + 216*m},
			percent:   pct(36*h+216*m, full),
		},
		{
			name:      "a change exactly at midnight starts the new day",
			history:   changes(op, longAgo, major, apr(12, 0, 0), op, apr(13, 0, 0)),
			worst:     []string{op, op, op, major, op, op, op},
			durations: map[int]map[string]time.Duration{3: {major: 24 * h}},
			downtime:  map[int]time.Duration{3: 24 * h},
			percent:   pct(24*h, full),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Defaults: the April window in Berlin at the default weight.
			if tt.now.IsZero() {
				tt.now = now
			}
			if tt.days == 0 {
				tt.days = 7
			}
			if tt.loc == nil {
				tt.loc = berlin
			}
			switch tt.weight {
			case 0:
				tt.weight = models.DefaultPartialOutageWeight
			case -1:
				tt.weight = 0
			}
			if tt.firstDay.IsZero() {
				tt.firstDay = apr(9, 0, 0)
			}
			if tt.observed == nil {
				tt.observed = make([]time.Duration, tt.days)
				for i := range tt.observed {
					tt.observed[i] = 24 * h
				}
				tt.observed[tt.days-1] = 12 * h
			}

			up := models.ComputeUptime(tt.history, tt.days, tt.now, tt.loc, tt.weight)
			if len(up.Days) != tt.days {
				t.Fatalf("%d days, want %d", len(up.Days), tt.days)
			}
			if math.Abs(up.Percent-tt.percent) > 1e-9 {
				t.Errorf("Percent = %v, want %v", up.Percent, tt.percent)
			}
			if up.HasData == tt.noData {
				t.Errorf("HasData = %v, want %v", up.HasData, !tt.noData)
			}
			for i, d := range up.Days {
				wantDay := time.Date(tt.firstDay.Year(), tt.firstDay.Month(), tt.firstDay.Day()+i, 0, 0, 0, 0, tt.loc)
				if !d.Day.Equal(wantDay) {
					t.Errorf("day %d starts %v, want %v", i, d.Day, wantDay)
				}
				if d.Worst != tt.worst[i] {
					t.Errorf("day %d (%s) Worst = %q, want %q", i, d.Day.Format("Jan 2"), d.Worst, tt.worst[i])
				}
				if d.Observed != tt.observed[i] {
					t.Errorf("day %d (%s) Observed = %v, want %v", i, d.Day.Format("Jan 2"), d.Observed, tt.observed[i])
				}
				if d.Downtime != tt.downtime[i] {
					t.Errorf("day %d (%s) Downtime = %v, want %v", i, d.Day.Format("Jan 2"), d.Downtime, tt.downtime[i])
				}
				want := tt.durations[i]
				for st, dur := range d.Durations {
					if dur != want[st] {
						t.Errorf("day %d (%s) Durations[%s] = %v, want %v", i, d.Day.Format("Jan 2"), st, dur, want[st])
					}
				}
				for st, dur := range want {
					if d.Durations[st] != dur {
						t.Errorf("day %d (%s) Durations[%s] = %v, want %v", i, d.Day.Format("Jan 2"), st, d.Durations[st], dur)
					}
				}
				if d.Durations[op] != 0 {
					t.Errorf("day %d records operational time %v: only other statuses belong in Durations", i, d.Durations[op])
				}
			}
		})
	}
}

// The status page's 90-day bar ends today and begins 89 days before it.
func TestComputeUptimeNinetyDays(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	now := time.Date(2026, 11, 24, 21, 30, 0, 0, berlin)
	up := models.ComputeUptime(changes(op, now.AddDate(0, -6, 0)), 90, now, berlin, 0.3)
	if len(up.Days) != 90 {
		t.Fatalf("%d days, want 90", len(up.Days))
	}
	if first, want := up.Days[0].Day, time.Date(2026, 8, 27, 0, 0, 0, 0, berlin); !first.Equal(want) {
		t.Errorf("first day %v, want %v", first, want)
	}
	if last, want := up.Days[89].Day, time.Date(2026, 11, 24, 0, 0, 0, 0, berlin); !last.Equal(want) {
		t.Errorf("last day %v, want %v", last, want)
	}
	var observed time.Duration
	for _, d := range up.Days {
		observed += d.Observed
	}
	// Oct 25 has 25 hours.
	if want := now.Sub(up.Days[0].Day); observed != want || want != 89*24*time.Hour+time.Hour+21*time.Hour+30*time.Minute {
		t.Errorf("observed %v, want %v", observed, want)
	}
	if up.Percent != 100 || !up.HasData {
		t.Errorf("Percent, HasData = %v, %v, want 100, true", up.Percent, up.HasData)
	}
}

func TestComputePageStatus(t *testing.T) {
	comp := func(status string) models.Component { return models.Component{Name: status, Status: status} }
	group := func(status string) models.Component {
		return models.Component{Name: "group", IsGroup: true, Status: status}
	}
	incident := func(impact string) models.Incident {
		return models.Incident{Kind: models.KindIncident, Status: models.Investigating, Impact: impact}
	}
	withStatus := func(status, impact string) models.Incident {
		in := incident(impact)
		in.Status = status
		return in
	}
	affecting := func(status, impact string) models.Incident {
		in := withStatus(status, impact)
		in.Components = []models.Component{comp(op)}
		return in
	}
	maintenance := func(status string) models.Incident {
		return models.Incident{Kind: models.KindMaintenance, Status: status, Impact: models.ImpactMaintenance}
	}
	tests := []struct {
		name        string
		components  []models.Component
		unresolved  []models.Incident
		indicator   string
		description string
	}{
		{"nothing", nil, nil, "none", "All Systems Operational"},
		{"all operational", []models.Component{comp(op), comp(op)}, nil, "none", "All Systems Operational"},
		{"degraded", []models.Component{comp(op), comp(degraded)}, nil, "minor", "Partially Degraded Service"},
		{"partial", []models.Component{comp(degraded), comp(partial)}, nil, "major", "Partial System Outage"},
		{"major", []models.Component{comp(partial), comp(major), comp(maint)}, nil, "critical", "Major System Outage"},
		{"maintenance", []models.Component{comp(maint), comp(op)}, nil, "maintenance", "Service Under Maintenance"},
		{"degraded beats maintenance", []models.Component{comp(maint), comp(degraded)}, nil, "minor", "Partially Degraded Service"},
		{"groups do not count", []models.Component{group(major), comp(op)}, nil, "none", "All Systems Operational"},
		{"incident impact", []models.Component{comp(op)}, []models.Incident{incident(models.ImpactCritical)}, "critical", "Major System Outage"},
		{"incident without impact", []models.Component{comp(op)}, []models.Incident{incident(models.ImpactNone)}, "none", "All Systems Operational"},
		{"worst of components and incidents", []models.Component{comp(partial)}, []models.Incident{incident(models.ImpactMinor)}, "major", "Partial System Outage"},
		{"scheduled maintenance", nil, []models.Incident{maintenance(models.Scheduled)}, "none", "All Systems Operational"},
		{"in-progress maintenance", nil, []models.Incident{maintenance(models.InProgress)}, "maintenance", "Service Under Maintenance"},
		{"incident on operational components", []models.Component{comp(op)}, []models.Incident{affecting(models.Investigating, models.ImpactCritical)}, "none", "All Systems Operational"},
		{"incident on degraded components", []models.Component{comp(degraded)}, []models.Incident{affecting(models.Identified, models.ImpactCritical)}, "minor", "Partially Degraded Service"},
		{"monitoring incident without components", []models.Component{comp(op)}, []models.Incident{withStatus(models.Monitoring, models.ImpactMajor)}, "none", "All Systems Operational"},
		{"identified incident without components", []models.Component{comp(op)}, []models.Incident{withStatus(models.Identified, models.ImpactMajor)}, "major", "Partial System Outage"},
		{"verifying maintenance", nil, []models.Incident{maintenance(models.Verifying)}, "maintenance", "Service Under Maintenance"},
		{"incident during maintenance", nil, []models.Incident{maintenance(models.InProgress), incident(models.ImpactMinor)}, "minor", "Partially Degraded Service"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := models.ComputePageStatus(tt.components, tt.unresolved)
			if got.Indicator != tt.indicator || got.Description != tt.description {
				t.Errorf("ComputePageStatus = %s %q, want %s %q", got.Indicator, got.Description, tt.indicator, tt.description)
			}
		})
	}
}

func TestSuggestImpact(t *testing.T) {
	tests := []struct {
		statuses []string
		want     string
	}{
		{nil, models.ImpactNone},
		{[]string{op}, models.ImpactNone},
		{[]string{maint}, models.ImpactNone},
		{[]string{degraded}, models.ImpactMinor},
		{[]string{partial, degraded}, models.ImpactMajor},
		{[]string{op, major, degraded}, models.ImpactCritical},
		{[]string{maint, partial}, models.ImpactMajor},
		{[]string{"bogus"}, models.ImpactNone},
	}
	for _, tt := range tests {
		if got := models.SuggestImpact(tt.statuses...); got != tt.want {
			t.Errorf("SuggestImpact(%q) = %s, want %s", tt.statuses, got, tt.want)
		}
	}
}

// A start date cuts the history: the status in force at the start begins
// there, and the days before it have no data.
func TestHistoryFrom(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	start := time.Date(2026, 11, 18, 0, 0, 0, 0, time.UTC)
	h := changes(op, now.AddDate(0, 0, -10), major, now.AddDate(0, 0, -5), degraded, now.AddDate(0, 0, -3), op, now.AddDate(0, 0, -1))

	got := models.HistoryFrom(h, start)
	if len(got) != 2 || got[0].NewStatus != degraded || !got[0].ChangedAt.Equal(start) || got[1].NewStatus != op {
		t.Errorf("HistoryFrom = %+v, want degraded from the start, then operational", got)
	}
	if h[2].ChangedAt.Equal(start) {
		t.Error("HistoryFrom changed its argument")
	}
	if got := models.HistoryFrom(h, time.Time{}); len(got) != len(h) {
		t.Errorf("no start date: %d changes, want %d", len(got), len(h))
	}
	if got := models.HistoryFrom(h, now.AddDate(0, 0, -20)); len(got) != len(h) {
		t.Errorf("start before the history: %d changes, want %d", len(got), len(h))
	}

	up := models.ComputeUptime(got, 5, now, time.UTC, 0.3)
	if up.Days[0].Worst != "" || up.Days[1].Worst != "" || up.Days[2].Worst != degraded {
		t.Errorf("days = %q %q %q, want no data, no data, degraded", up.Days[0].Worst, up.Days[1].Worst, up.Days[2].Worst)
	}
	if !up.Since.Equal(start) || up.Percent != 100 {
		t.Errorf("since %v, %.2f%%, want since %v, 100%%", up.Since, up.Percent, start)
	}
}
