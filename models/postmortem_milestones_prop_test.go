package models_test

import (
	"errors"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// TestMilestoneProperties draws random timelines and random milestone
// edits (the seed is logged; MILESTONE_SEED=<seed> replays it): no figure is
// ever negative, the incident is never resolved before its impact began,
// a refused edit changes nothing, and the postmortem, its incident and
// the postmortems index count the same figures.
func TestMilestoneProperties(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("MILESTONE_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("seed %d", seed)
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		rnd := rand.New(rand.NewPCG(seed, 14))
		cases := 300
		if db.Gorm.Dialector.Name() == "postgres" {
			cases = 25
		}
		for i := range cases {
			milestoneCase(t, db, rnd, i)
			if t.Failed() {
				t.Fatalf("case %d failed (seed %d)", i, seed)
			}
		}
	})
}

func milestoneCase(t *testing.T, db *models.DB, rnd *rand.Rand, n int) {
	t.Helper()
	minute := func(m int) time.Duration { return time.Duration(m) * time.Minute }
	t0 := time.Now().UTC().Add(-12 * time.Hour).Truncate(time.Minute)
	at := t0.Add(minute(rnd.IntN(30)))
	in := openIncident(t, db, models.NewIncident{Name: "Case", Body: "Investigating.", StartedAt: at})
	// Notes and alerts, before or during the incident.
	for range rnd.IntN(4) {
		ev := models.NewEvent{Kind: models.EventNote, Body: "Note.", OccurredAt: t0.Add(minute(rnd.IntN(120) - 40))}
		if rnd.IntN(2) == 0 {
			ev.Kind, ev.Source = models.EventExternal, "alerts"
		}
		if _, err := db.AddEvent(ctx, in.ID, ev); err != nil {
			t.Fatal(err)
		}
	}
	for _, status := range []string{models.Identified, models.Monitoring, models.Investigating, models.Monitoring, models.Resolved} {
		if status != models.Resolved && rnd.IntN(2) == 0 {
			continue
		}
		at = at.Add(minute(1 + rnd.IntN(40)))
		postUpdate(t, db, in.ID, models.NewUpdate{Status: status, Body: status + ".", At: at})
	}
	pm, err := db.StartPostmortem(ctx, in.ID, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if pm, err = db.SavePostmortem(ctx, in.ID, models.PostmortemInput{Sections: map[string]string{models.SectionSummary: "Case."}}, "alice"); err != nil {
		t.Fatal(err)
	}
	if rnd.IntN(2) == 0 {
		if pm, err = db.PublishPostmortem(ctx, in.ID, false, "alice"); err != nil {
			t.Fatal(err)
		}
	}
	randomTime := func() *time.Time {
		if rnd.IntN(5) == 0 {
			return nil // back to the default
		}
		v := t0.Add(minute(rnd.IntN(240) - 60))
		return &v
	}
	for range 1 + rnd.IntN(4) {
		edit := models.PostmortemInput{Milestones: map[string]*time.Time{}}
		for range rnd.IntN(3) {
			edit.Milestones[models.MilestoneSpecs[rnd.IntN(len(models.MilestoneSpecs))].Key] = randomTime()
		}
		for range rnd.IntN(3) {
			e := pm.Timeline[rnd.IntN(len(pm.Timeline))]
			change := models.EntryInput{ID: e.ID}
			switch rnd.IntN(3) {
			case 0:
				mark := ""
				if rnd.IntN(4) > 0 {
					mark = models.MilestoneSpecs[rnd.IntN(len(models.MilestoneSpecs))].Key
				}
				change.Milestone = &mark
			default:
				change.OccurredAt = randomTime()
			}
			edit.Timeline = append(edit.Timeline, change)
		}
		before := pm.Milestones()
		saved, err := db.SavePostmortem(ctx, in.ID, edit, "alice")
		var ve *models.ValidationError
		switch {
		case errors.As(err, &ve):
			if len(ve.Fields) == 0 || ve.Fields[0].Field == "" {
				t.Fatalf("case %d: refusal names no field: %v", n, err)
			}
			again, err := db.GetPostmortem(ctx, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !sameMilestones(again.Milestones(), before) {
				t.Fatalf("case %d: a refused edit (%v) changed the milestones\n%+v\n%+v", n, ve, before, again.Milestones())
			}
		case err != nil:
			t.Fatal(err)
		default:
			pm = saved
		}
		checkFigures(t, n, pm)
	}
	// Every way of loading it counts the same figures.
	if pm.Published() {
		loaded, err := db.GetIncident(ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !sameMilestones(loaded.Milestones(), pm.Milestones()) {
			t.Errorf("case %d: the incident's milestones %+v, its postmortem's %+v", n, loaded.Milestones(), pm.Milestones())
		}
		list, _, err := db.ListPublishedPostmortems(ctx, models.MaxPostmortemLimit, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i := range list {
			if list[i].IncidentID == in.ID && !sameMilestones(list[i].Milestones(), pm.Milestones()) {
				t.Errorf("case %d: the index's milestones %+v, the postmortem's %+v", n, list[i].Milestones(), pm.Milestones())
			}
		}
	}
}

// checkFigures: no figure is negative, each is its milestone minus the
// impact start (zero when before it), and the resolution is not before the
// impact start.
func checkFigures(t *testing.T, n int, pm *models.Postmortem) {
	t.Helper()
	m := pm.Milestones()
	if m.ImpactStarted.IsZero() || m.Resolved == nil || m.Mitigated == nil {
		t.Fatalf("case %d: a resolved incident's milestones are known: %+v", n, m)
	}
	if m.Resolved.Before(m.ImpactStarted) {
		t.Errorf("case %d: resolved %v before the impact %v", n, m.Resolved, m.ImpactStarted)
	}
	if m.Mitigated.After(*m.Resolved) {
		t.Errorf("case %d: mitigated %v after the resolution %v", n, m.Mitigated, m.Resolved)
	}
	want := map[string]*time.Time{"time_to_detect": m.Detected, "time_to_acknowledge": m.Acknowledged,
		"time_to_first_communication": m.FirstCommunication, "time_to_mitigation": m.Mitigated,
		"time_to_resolution": m.Resolved, "customer_facing_duration": m.Mitigated}
	for _, f := range models.Figures {
		d, ok := f.Of(m)
		if ok != (want[f.Key] != nil) {
			t.Errorf("case %d: %s known = %v", n, f.Key, ok)
			continue
		}
		if d < 0 {
			t.Errorf("case %d: %s = %v, negative", n, f.Key, d)
		}
		if ok && d != max(want[f.Key].Sub(m.ImpactStarted), 0) {
			t.Errorf("case %d: %s = %v, not counted from the milestones", n, f.Key, d)
		}
	}
}

func sameMilestones(a, b models.Milestones) bool {
	for _, s := range models.MilestoneSpecs {
		x, y := a.Get(s.Key), b.Get(s.Key)
		if (x == nil) != (y == nil) || x != nil && !x.Equal(*y) {
			return false
		}
	}
	return true
}
