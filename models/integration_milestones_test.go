package models_test

import (
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
)

// What integrations record moves the milestones: the first alert is the
// detection (a chat message or a recovery is not); the first recorded
// acknowledgement is the acknowledgement, even after a note; without one,
// the first note or update.
func TestMilestonesFromSignals(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	fact := func(min int, kind, signal string) models.MilestoneFact {
		return models.MilestoneFact{At: at(min), Kind: kind, Signal: signal}
	}
	for _, tc := range []struct {
		name        string
		facts       []models.MilestoneFact
		detect, ack time.Time
	}{
		{"alert then PagerDuty ack after a note", []models.MilestoneFact{
			fact(-8, models.EventExternal, models.SignalChat), // chatter before: not a detection
			fact(-6, models.EventExternal, models.SignalAlert),
			fact(-3, models.EventNote, models.SignalChat),
			fact(-1, models.EventExternal, models.SignalAcknowledged),
			fact(0, models.EventUpdate, ""),
			fact(4, models.EventExternal, models.SignalRecovery),
		}, at(-6), at(-1)},
		{"no acknowledgement recorded: the first note", []models.MilestoneFact{
			fact(-6, models.EventExternal, models.SignalAlert),
			fact(-3, models.EventNote, models.SignalChat),
		}, at(-6), at(-3)},
		{"an external event posted by hand still counts as an alert", []models.MilestoneFact{
			fact(-2, models.EventExternal, ""),
		}, at(-2), at(0)},
		{"a recovery or a tracker change is no detection", []models.MilestoneFact{
			fact(-9, models.EventExternal, models.SignalRecovery),
			fact(-9, models.EventExternal, models.SignalTracker),
		}, at(0), at(0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := models.DefaultMilestones(at(-10), at(0), nil, append(tc.facts, fact(0, models.EventUpdate, "")))
			if m.Detected == nil || !m.Detected.Equal(tc.detect) {
				t.Errorf("detected = %v, want %v", m.Detected, tc.detect)
			}
			if m.Acknowledged == nil || !m.Acknowledged.Equal(tc.ack) {
				t.Errorf("acknowledged = %v, want %v", m.Acknowledged, tc.ack)
			}
		})
	}
}
