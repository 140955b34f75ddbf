package models_test

import (
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
)

func TestMilestoneDefaults(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	entry := func(min int, kind, status string) models.PostmortemEntry {
		return models.PostmortemEntry{OccurredAt: at(min), Kind: kind, Status: status}
	}
	type want struct{ detect, ack, comm, mitigate, resolve, customer string }
	show := func(d time.Duration, ok bool) string {
		if !ok {
			return "-"
		}
		return d.String()
	}
	for _, tc := range []struct {
		name    string
		start   time.Time // the impact start set; the incident was opened at(0)
		entries []models.PostmortemEntry
		want    want
	}{
		{"whole incident", at(-10), []models.PostmortemEntry{
			entry(-5, models.EventExternal, ""), // an alert
			entry(0, models.EventUpdate, models.Investigating),
			entry(5, models.EventNote, ""),
			entry(20, models.EventUpdate, models.Identified),
			entry(30, models.EventUpdate, models.Monitoring),
			entry(40, models.EventUpdate, models.Monitoring),
			entry(65, models.EventUpdate, models.Resolved),
		}, want{"5m0s", "10m0s", "10m0s", "40m0s", "1h15m0s", "40m0s"}},
		{"a deploy before the impact, detected a minute after it", at(-2), []models.PostmortemEntry{
			entry(-7, models.EntryManual, ""), // the deploy
			entry(-7, models.EventNote, ""),   // "deploying"
			entry(-1, models.EventExternal, ""),
			entry(0, models.EventUpdate, models.Investigating),
			entry(5, models.EventUpdate, models.Monitoring),
			entry(10, models.EventUpdate, models.Resolved),
		}, want{"1m0s", "2m0s", "2m0s", "7m0s", "12m0s", "7m0s"}},
		{"entries in any order", at(0), []models.PostmortemEntry{
			entry(65, models.EventUpdate, models.Resolved),
			entry(30, models.EventUpdate, models.Monitoring),
			entry(0, models.EventUpdate, models.Investigating),
		}, want{"0s", "0s", "0s", "30m0s", "1h5m0s", "30m0s"}},
		{"never monitored: mitigated at the resolution", at(0), []models.PostmortemEntry{
			entry(0, models.EventUpdate, models.Investigating),
			entry(50, models.EventUpdate, models.Resolved),
		}, want{"0s", "0s", "0s", "50m0s", "50m0s", "50m0s"}},
		{"reopened: the last resolution counts", at(0), []models.PostmortemEntry{
			entry(0, models.EventUpdate, models.Investigating),
			entry(20, models.EventUpdate, models.Resolved),
			entry(30, models.EventUpdate, models.Investigating),
			entry(90, models.EventUpdate, models.Resolved),
		}, want{"0s", "0s", "0s", "1h30m0s", "1h30m0s", "1h30m0s"}},
		{"a maintenance", at(0), []models.PostmortemEntry{
			entry(0, models.EventMaintenanceTransition, models.InProgress),
			entry(45, models.EventMaintenanceTransition, models.Verifying),
			entry(60, models.EventUpdate, models.Completed),
		}, want{"0s", "1h0m0s", "1h0m0s", "45m0s", "1h0m0s", "45m0s"}},
		{"no public update and no resolution", at(0), []models.PostmortemEntry{
			entry(3, models.EntryManual, ""),
		}, want{"0s", "-", "-", "-", "-", "-"}},
		{"impact start after the events: zero, never negative", at(10), []models.PostmortemEntry{
			entry(0, models.EventUpdate, models.Investigating),
			entry(30, models.EventUpdate, models.Resolved),
		}, want{"0s", "0s", "0s", "20m0s", "20m0s", "20m0s"}},
		{"nothing at all", at(0), nil, want{"0s", "-", "-", "-", "-", "-"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := tc.start
			pm := &models.Postmortem{ImpactStartedAt: &start, Incident: &models.Incident{StartedAt: at(0)}, Timeline: tc.entries}
			m := pm.Milestones()
			got := want{show(m.ToDetect()), show(m.ToAcknowledge()), show(m.ToFirstCommunication()), show(m.ToMitigation()),
				show(m.ToResolution()), show(m.CustomerFacing())}
			if got != tc.want {
				t.Errorf("durations (detect, acknowledge, communicate, mitigate, resolve, customer) = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMilestonePrecedence(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	at := func(min int) *time.Time { v := t0.Add(time.Duration(min) * time.Minute); return &v }
	pm := &models.Postmortem{Incident: &models.Incident{StartedAt: *at(0), ResolvedAt: at(60)}, Timeline: []models.PostmortemEntry{
		{OccurredAt: *at(0), Kind: models.EventUpdate, Status: models.Investigating},
		{OccurredAt: *at(3), Kind: models.EntryManual, Milestone: models.MilestoneDetected},
		{OccurredAt: *at(60), Kind: models.EventUpdate, Status: models.Resolved},
	}}
	if m := pm.Milestones(); !m.ImpactStarted.Equal(*at(0)) || !m.Detected.Equal(*at(3)) || !m.Resolved.Equal(*at(60)) || !m.Mitigated.Equal(*at(60)) {
		t.Errorf("marked entry: %+v", m)
	}
	pm.DetectedAt, pm.MitigatedAt = at(4), at(30)
	if m := pm.Milestones(); !m.Detected.Equal(*at(4)) || !m.Mitigated.Equal(*at(30)) {
		t.Errorf("times set: %+v", m)
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second:              "less than a minute",
		time.Minute:                   "1 min",
		45 * time.Minute:              "45 mins",
		time.Hour:                     "1 hr",
		75 * time.Minute:              "1 hr 15 mins",
		26 * time.Hour:                "1 day 2 hrs",
		72*time.Hour + 10*time.Minute: "3 days",
	} {
		if got := models.HumanDuration(d); got != want {
			t.Errorf("HumanDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
