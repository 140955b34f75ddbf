package models_test

import (
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
)

func TestComputeDurations(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	entry := func(min int, kind, status string) models.PostmortemEntry {
		return models.PostmortemEntry{OccurredAt: at(min), Kind: kind, Status: status}
	}
	type want struct{ detect, comm, mitigate, resolve, customer string }
	show := func(d time.Duration, ok bool) string {
		if !ok {
			return "-"
		}
		return d.String()
	}
	for _, tc := range []struct {
		name    string
		start   time.Time
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
		}, want{"5m0s", "10m0s", "40m0s", "1h10m0s", "1h15m0s"}},
		{"entries in any order", at(0), []models.PostmortemEntry{
			entry(65, models.EventUpdate, models.Resolved),
			entry(30, models.EventUpdate, models.Monitoring),
			entry(0, models.EventUpdate, models.Investigating),
		}, want{"0s", "0s", "30m0s", "1h5m0s", "1h5m0s"}},
		{"never monitored: mitigated at the resolution", at(0), []models.PostmortemEntry{
			entry(0, models.EventUpdate, models.Investigating),
			entry(50, models.EventUpdate, models.Resolved),
		}, want{"0s", "0s", "50m0s", "50m0s", "50m0s"}},
		{"reopened: the last resolution counts", at(0), []models.PostmortemEntry{
			entry(0, models.EventUpdate, models.Investigating),
			entry(20, models.EventUpdate, models.Resolved),
			entry(30, models.EventUpdate, models.Investigating),
			entry(90, models.EventUpdate, models.Resolved),
		}, want{"0s", "0s", "1h30m0s", "1h30m0s", "1h30m0s"}},
		{"a maintenance", at(0), []models.PostmortemEntry{
			entry(0, models.EventMaintenanceTransition, models.InProgress),
			entry(45, models.EventMaintenanceTransition, models.Verifying),
			entry(60, models.EventUpdate, models.Completed),
		}, want{"0s", "1h0m0s", "45m0s", "1h0m0s", "1h0m0s"}},
		{"no public update and no resolution", at(0), []models.PostmortemEntry{
			entry(3, models.EntryManual, ""),
		}, want{"3m0s", "-", "-", "-", "-"}},
		{"impact start after the events", at(10), []models.PostmortemEntry{
			entry(0, models.EventUpdate, models.Investigating),
			entry(30, models.EventUpdate, models.Resolved),
		}, want{"0s", "0s", "20m0s", "30m0s", "20m0s"}},
		{"nothing at all", at(0), nil, want{"-", "-", "-", "-", "-"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := models.ComputeDurations(tc.start, tc.entries)
			got := want{show(d.ToDetect()), show(d.ToFirstCommunication()), show(d.ToMitigation()),
				show(d.ToResolution()), show(d.CustomerFacing())}
			if got != tc.want {
				t.Errorf("durations (detect, communicate, mitigate, resolve, customer) = %v, want %v", got, tc.want)
			}
		})
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
