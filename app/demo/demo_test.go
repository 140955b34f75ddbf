package demo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app/demo"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

func TestLoadDemo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		now := time.Now()
		sum, err := demo.Load(ctx, db, now)
		if err != nil {
			t.Fatalf("LoadDemo: %v", err)
		}
		if sum.Groups != 3 || sum.Components != 10 || sum.Incidents != 12 || sum.Maintenances != 2 || sum.Postmortems != 1 {
			t.Errorf("summary = %+v, want 3 groups, 10 components, 12 incidents, 2 maintenances, 1 postmortem", sum)
		}
		// Incident templates to start the next incident from.
		templates, err := db.ListIncidentTemplates(ctx)
		if err != nil || len(templates) != sum.Templates || sum.Templates < 4 {
			t.Errorf("templates = %d (%v), summary says %d", len(templates), err, sum.Templates)
		}
		for _, tpl := range templates {
			if tpl.Name == "Investigating elevated errors" && len(tpl.Components) != 1 {
				t.Errorf("template %q components = %v", tpl.Name, tpl.Components)
			}
		}
		// The headline feature shows: a published postmortem with its
		// action items.
		pms, _, err := db.ListPublishedPostmortems(ctx, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(pms) != 1 || pms[0].Section(models.SectionRootCause) == nil {
			t.Fatalf("published postmortems = %+v, want the database outage's", pms)
		}
		items, err := db.ListActionItems(ctx, pms[0].IncidentID)
		if err != nil || len(items) != 3 {
			t.Errorf("action items = %d, %v, want 3", len(items), err)
		}

		// Components and groups.
		components, err := db.ListComponents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]models.Component{}
		var groups, members int
		for _, c := range components {
			byName[c.Name] = c
			if c.IsGroup {
				groups++
			} else {
				members++
			}
		}
		if groups != sum.Groups || members != sum.Components {
			t.Errorf("ListComponents: %d groups and %d components, summary says %d and %d", groups, members, sum.Groups, sum.Components)
		}
		if c := byName["Webhooks"]; c.Status == models.Operational {
			t.Errorf("Webhooks is %s, want the active incident's status", c.Status)
		}
		if c := byName["Billing"]; c.GroupID != nil || c.Status != models.Operational {
			t.Errorf("Billing: group %v, status %s; want ungrouped and operational", c.GroupID, c.Status)
		}

		// The open incident and the upcoming maintenance.
		unresolved, err := db.ListUnresolved(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var open, upcoming []models.Incident
		for _, in := range unresolved {
			if in.Kind == models.KindIncident {
				open = append(open, in)
			} else {
				upcoming = append(upcoming, in)
			}
		}
		if len(open) != 1 || open[0].ID != sum.ActiveIncidentID {
			t.Fatalf("unresolved incidents = %d, want only the active one %s", len(open), sum.ActiveIncidentID)
		}
		active := open[0]
		if !active.StartedAt.Before(now) || active.StartedAt.Before(now.Add(-2*time.Hour)) {
			t.Errorf("active incident started at %s, want within the last two hours before %s", active.StartedAt, now)
		}
		updates := active.Updates()
		if len(updates) < 3 {
			t.Fatalf("active incident has %d public updates, want at least 3", len(updates))
		}
		for i := 1; i < len(updates); i++ {
			if updates[i].OccurredAt.After(updates[i-1].OccurredAt) {
				t.Errorf("updates not newest first: %s before %s", updates[i-1].OccurredAt, updates[i].OccurredAt)
			}
		}
		if updates[0].Status != active.Status || updates[len(updates)-1].Status != models.Investigating {
			t.Errorf("active incident status %s, updates from %s to %s", active.Status, updates[len(updates)-1].Status, updates[0].Status)
		}
		if len(upcoming) != 1 || upcoming[0].ID != sum.UpcomingMaintenanceID {
			t.Fatalf("unresolved maintenances = %d, want only the upcoming one %s", len(upcoming), sum.UpcomingMaintenanceID)
		}
		if m := upcoming[0]; m.Status != models.Scheduled || m.ScheduledFor == nil || !m.ScheduledFor.After(now) || len(m.Components) == 0 {
			t.Errorf("upcoming maintenance: status %s, scheduled for %v, %d components; want scheduled in the future with components",
				m.Status, m.ScheduledFor, len(m.Components))
		}

		// History of the last 90 days.
		past, err := db.ListIncidentsBetween(ctx, now.AddDate(0, 0, -90), now)
		if err != nil {
			t.Fatal(err)
		}
		var resolved, completed int
		for _, in := range past {
			if in.ResolvedAt == nil {
				continue
			}
			if in.ResolvedAt.After(now) {
				t.Errorf("%q resolved in the future, at %s", in.Name, in.ResolvedAt)
			}
			if in.Kind == models.KindMaintenance {
				completed++
				continue
			}
			resolved++
			if len(in.Updates()) < 2 || in.Updates()[0].Status != models.Resolved {
				t.Errorf("%q: %d updates; want several, resolved by its last update", in.Name, len(in.Updates()))
			}
		}
		if resolved < 8 || completed != 1 {
			t.Errorf("last 90 days: %d resolved incidents and %d completed maintenances, want at least 8 and 1", resolved, completed)
		}

		// Uptime: the API had outages, Billing never had any.
		history, err := db.StatusHistory(ctx, now.AddDate(0, 0, -91))
		if err != nil {
			t.Fatal(err)
		}
		api := models.ComputeUptime(history[byName["API"].ID], 90, now, time.UTC, models.DefaultPartialOutageWeight)
		if api.Percent >= 100 {
			t.Errorf("API uptime = %v%%, want below 100", api.Percent)
		}
		var bad int
		for _, d := range api.Days {
			if d.Worst == "" {
				t.Errorf("API has no data on %s", d.Day)
			}
			if d.Worst != models.Operational && d.Worst != "" {
				bad++
			}
		}
		if bad == 0 {
			t.Error("API uptime: no day worse than operational")
		}
		billing := models.ComputeUptime(history[byName["Billing"].ID], 90, now, time.UTC, models.DefaultPartialOutageWeight)
		if !billing.HasData || billing.Percent != 100 {
			t.Errorf("Billing uptime = %v%% (has data %v), want 100", billing.Percent, billing.HasData)
		}

		// A second run refuses and adds nothing.
		_, err = demo.Load(ctx, db, now)
		var conflict *models.ErrConflict
		if !errors.As(err, &conflict) {
			t.Errorf("second LoadDemo: %v, want a conflict", err)
		}
		after, err := db.ListComponents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(components) {
			t.Errorf("second LoadDemo: %d components, was %d", len(after), len(components))
		}
		unresolvedAfter, err := db.ListUnresolved(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(unresolvedAfter) != len(unresolved) {
			t.Errorf("second LoadDemo: %d unresolved incidents, was %d", len(unresolvedAfter), len(unresolved))
		}
	})
}

func TestLoadDemoRefusesIncidents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		if _, err := db.OpenIncident(ctx, models.NewIncident{Name: "Outage", Body: "Down."}); err != nil {
			t.Fatal(err)
		}
		_, err := demo.Load(ctx, db, time.Now())
		var conflict *models.ErrConflict
		if !errors.As(err, &conflict) {
			t.Fatalf("LoadDemo on a database with an incident: %v, want a conflict", err)
		}
		components, err := db.ListComponents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(components) != 0 {
			t.Errorf("LoadDemo refused but created %d components", len(components))
		}
	})
}

// The large demo is the page the benchmarks measure: 25 components in 5
// groups, 500 resolved incidents over two years with the status history
// behind the uptime bars, and 2 open incidents with 10 updates each.
func TestLoadLargeDemo(t *testing.T) {
	t.Parallel() // one of the slowest: run beside the other slow, independent tests
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		now := time.Now()
		sum, err := demo.LoadLarge(ctx, db, now)
		if err != nil {
			t.Fatalf("LoadLargeDemo: %v", err)
		}
		if sum.Groups != 5 || sum.Components != 25 || sum.Incidents != 502 || len(sum.ActiveIncidentIDs) != 2 {
			t.Errorf("summary = %+v, want 5 groups, 25 components, 502 incidents, 2 active", sum)
		}

		components, err := db.ListComponents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		members := map[string]int{} // group id → components
		byID := map[string]models.Component{}
		for _, c := range components {
			byID[c.ID] = c
			if !c.IsGroup && c.GroupID != nil {
				members[*c.GroupID]++
			}
		}
		if len(members) != 5 {
			t.Errorf("%d groups with components, want 5", len(members))
		}
		for g, n := range members {
			if n != 5 {
				t.Errorf("group %s has %d components, want 5", byID[g].Name, n)
			}
		}

		// The open incidents: 10 public updates each, newest first, and
		// their components still affected.
		unresolved, err := db.ListUnresolved(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(unresolved) != 2 {
			t.Fatalf("%d unresolved incidents, want 2", len(unresolved))
		}
		broken := map[string]bool{}
		for _, in := range unresolved {
			if ups := in.Updates(); len(ups) != 10 || ups[0].Status != in.Status || ups[9].Status != models.Investigating {
				t.Errorf("%q: %d updates, status %s; want 10 from investigating to its status", in.Name, len(ups), in.Status)
			}
			if in.StartedAt.After(now) || in.StartedAt.Before(now.Add(-24*time.Hour)) {
				t.Errorf("%q started at %s, want within the last day", in.Name, in.StartedAt)
			}
			for _, c := range in.Components {
				broken[c.ID] = true
			}
		}
		for _, c := range components {
			if !c.IsGroup && (c.Status != models.Operational) != broken[c.ID] {
				t.Errorf("%s is %s; open incidents affect it: %v", c.Name, c.Status, broken[c.ID])
			}
		}

		// 500 resolved incidents over two years, none in the future.
		past, err := db.ListIncidentsBetween(ctx, now.AddDate(-3, 0, 0), now)
		if err != nil {
			t.Fatal(err)
		}
		var resolved, recent int
		for _, in := range past {
			if in.ResolvedAt == nil {
				continue
			}
			resolved++
			if in.ResolvedAt.After(now) || len(in.Updates()) < 3 || in.Updates()[0].Status != models.Resolved {
				t.Errorf("%q: resolved at %s with %d updates", in.Name, in.ResolvedAt, len(in.Updates()))
			}
			if in.StartedAt.After(now.AddDate(0, 0, -90)) {
				recent++
			}
		}
		if resolved != 500 || recent < 40 || recent > 80 {
			t.Errorf("%d resolved incidents, %d in the last 90 days; want 500 spread over two years", resolved, recent)
		}

		// The uptime bars have history: most components had a bad day in
		// the last 90 days, and every one has data for each day.
		history, err := db.StatusHistory(ctx, now.AddDate(0, 0, -91))
		if err != nil {
			t.Fatal(err)
		}
		var hurt int
		for _, c := range components {
			if c.IsGroup {
				continue
			}
			up := models.ComputeUptime(history[c.ID], 90, now, time.UTC, models.DefaultPartialOutageWeight)
			if !up.HasData {
				t.Errorf("%s has no uptime data", c.Name)
			}
			if up.Percent < 100 {
				hurt++
			}
		}
		if hurt < 10 {
			t.Errorf("%d of 25 components below 100%% uptime in 90 days, want most", hurt)
		}

		if _, err := demo.LoadLarge(ctx, db, now); err == nil {
			t.Error("second LoadLargeDemo succeeded, want a conflict")
		}
	})
}
