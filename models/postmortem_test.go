package models_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// outage is a resolved incident with every kind of event, for postmortems.
type outage struct {
	in         *models.Incident
	api, web   models.Component
	start      time.Time // the incident's start
	alert      time.Time // an external alert before it
	note       *models.TimelineEvent
	internalEv *models.TimelineEvent
}

// resolvedOutage opens an incident on API and Website, with an early
// public alert, an internal note, an internal external event, a component
// change made outside an update, and updates to resolved.
func resolvedOutage(t *testing.T, db *models.DB) outage {
	t.Helper()
	o := outage{start: time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)}
	o.alert = o.start.Add(-10 * time.Minute)
	o.api = addComponent(t, db, models.Component{Name: "API", Position: 1, CreatedAt: o.start.AddDate(0, 0, -1)})
	o.web = addComponent(t, db, models.Component{Name: "Website", Position: 2, CreatedAt: o.start.AddDate(0, 0, -1)})
	o.in = openIncident(t, db, models.NewIncident{Name: "API errors", Body: "We are investigating errors.", StartedAt: o.start,
		Components: map[string]string{o.api.ID: models.MajorOutage}, ComponentIDs: []string{o.web.ID}})
	var err error
	if _, err = db.AddEvent(ctx, o.in.ID, models.NewEvent{Kind: models.EventExternal, Body: "5xx rate above 5%",
		Source: "prometheus", OccurredAt: o.alert, Public: true}); err != nil {
		t.Fatal(err)
	}
	if o.note, err = db.AddEvent(ctx, o.in.ID, models.NewEvent{Kind: models.EventNote, Body: "Paged the database team",
		OccurredAt: o.start.Add(5 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if o.internalEv, err = db.AddEvent(ctx, o.in.ID, models.NewEvent{Kind: models.EventExternal, Body: "Rollback started",
		Source: "slack", OccurredAt: o.start.Add(12 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	postUpdate(t, db, o.in.ID, models.NewUpdate{Status: models.Identified, Body: "A bad deploy.", At: o.start.Add(10 * time.Minute)})
	if err := db.SetComponentStatus(ctx, o.web.ID, models.DegradedPerformance, "alice"); err != nil {
		t.Fatal(err)
	}
	postUpdate(t, db, o.in.ID, models.NewUpdate{Status: models.Monitoring, Body: "Rolled back.", At: o.start.Add(30 * time.Minute)})
	postUpdate(t, db, o.in.ID, models.NewUpdate{Status: models.Resolved, Body: "All good.", At: o.start.Add(65 * time.Minute),
		RestoreComponents: true})
	return o
}

func startPostmortem(t *testing.T, db *models.DB, incidentID string) *models.Postmortem {
	t.Helper()
	pm, err := db.StartPostmortem(ctx, incidentID, "alice")
	if err != nil {
		t.Fatalf("start postmortem: %v", err)
	}
	return pm
}

func savePostmortem(t *testing.T, db *models.DB, incidentID string, in models.PostmortemInput) *models.Postmortem {
	t.Helper()
	pm, err := db.SavePostmortem(ctx, incidentID, in, "alice")
	if err != nil {
		t.Fatalf("save postmortem: %v", err)
	}
	return pm
}

func wantConflict(t *testing.T, err error, says string) {
	t.Helper()
	var c *models.ErrConflict
	if !errors.As(err, &c) || !strings.Contains(c.Message, says) {
		t.Errorf("error = %v, want a conflict saying %q", err, says)
	}
}

func entryOf(pm *models.Postmortem, kind string) *models.PostmortemEntry {
	for i := range pm.Timeline {
		if pm.Timeline[i].Kind == kind {
			return &pm.Timeline[i]
		}
	}
	return nil
}

func TestStartPostmortem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		open := openIncident(t, db, models.NewIncident{Name: "Still open", Body: "Looking."})
		err := unchanged(t, db, func() error { _, err := db.StartPostmortem(ctx, open.ID, "alice"); return err })
		wantConflict(t, err, "not resolved yet")
		_, err = db.StartPostmortem(ctx, "nosuchincident", "alice")
		wantNotFound(t, err)

		o := resolvedOutage(t, db)
		pm := startPostmortem(t, db, o.in.ID)
		if pm.Status != models.PostmortemDraft || pm.Published() || pm.Revision != 0 || pm.CreatedBy != "alice" ||
			pm.ImpactStartedAt != nil || !pm.ImpactStart().Equal(o.in.StartedAt) || pm.Incident == nil || pm.Incident.ID != o.in.ID {
			t.Fatalf("postmortem = %+v", pm)
		}
		// Every event but notifications, in order; internal ones unticked.
		var kinds []string
		for _, e := range pm.Timeline {
			mark := "+"
			if !e.Included {
				mark = "-"
			}
			kinds = append(kinds, mark+e.Kind+":"+e.Status)
		}
		want := "+external: +update:investigating -note: +update:identified -external: +update:monitoring +update:resolved +component_status:"
		if got := strings.Join(kinds, " "); got != want {
			t.Errorf("timeline\n got %s\nwant %s", got, want)
		}
		if e := pm.Timeline[0]; e.Body != "From prometheus: 5xx rate above 5%" || !e.OccurredAt.Equal(o.alert) || e.EventID == nil {
			t.Errorf("first entry = %+v", e)
		}
		if e := entryOf(pm, models.EventComponentStatus); e == nil || e.Body != "Website: Degraded Performance." {
			t.Errorf("component entry = %+v", e)
		}
		if e := pm.Timeline[1]; !strings.Contains(e.Body, "We are investigating errors.") || !strings.Contains(e.Body, "API: Major Outage.") {
			t.Errorf("first update entry = %q", e.Body)
		}
		impact := pm.SectionBody(models.SectionImpact)
		for _, w := range []string{"- API (major outage)", "- Website (degraded performance)"} {
			if !strings.Contains(impact, w) {
				t.Errorf("impact section lacks %q:\n%s", w, impact)
			}
		}
		if strings.Contains(impact, "lasted") {
			t.Errorf("the draft writes a figure into the impact section, where it goes stale:\n%s", impact)
		}
		if !strings.Contains(pm.Section(models.SectionImpact).BodyHTML, "<li>API (major outage)</li>") {
			t.Errorf("impact HTML = %s", pm.Section(models.SectionImpact).BodyHTML)
		}

		// One per incident: starting again changes nothing.
		again, err := unchangedPM(t, db, func() (*models.Postmortem, error) { return db.StartPostmortem(ctx, o.in.ID, "bob") })
		if err != nil || again.ID != pm.ID || len(again.Timeline) != len(pm.Timeline) {
			t.Errorf("second start = %+v, %v", again, err)
		}
		got, err := db.GetPostmortem(ctx, o.in.ID)
		if err != nil || got.ID != pm.ID {
			t.Errorf("GetPostmortem = %v, %v", got, err)
		}
		_, err = db.GetPostmortem(ctx, open.ID)
		wantNotFound(t, err)
	})
}

// unchangedPM is unchanged for the postmortem functions.
func unchangedPM(t *testing.T, db *models.DB, fn func() (*models.Postmortem, error)) (*models.Postmortem, error) {
	t.Helper()
	var pm *models.Postmortem
	err := unchanged(t, db, func() error {
		var err error
		pm, err = fn()
		return err
	})
	return pm, err
}

func TestSavePostmortem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		o := resolvedOutage(t, db)
		pm := startPostmortem(t, db, o.in.ID)
		note := entryOf(pm, models.EventNote)
		component := entryOf(pm, models.EventComponentStatus)
		manualAt := o.start.Add(20 * time.Minute)

		// Bad input changes nothing.
		future := time.Now().Add(time.Hour)
		for _, tc := range []struct {
			name, field string
			in          models.PostmortemInput
		}{
			{"unknown section", "body", models.PostmortemInput{Sections: map[string]string{"body": "x"}}},
			{"section too long", "summary", models.PostmortemInput{Sections: map[string]string{"summary": strings.Repeat("a", models.MaxSectionLength+1)}}},
			{"impact start in the future", "impact_started_at", models.PostmortemInput{ImpactStartedAt: &future}},
			{"entry of another postmortem", "timeline", models.PostmortemInput{Timeline: []models.EntryInput{{ID: "nosuchentry", Body: ptr("x")}}}},
			{"new entry without time", "timeline", models.PostmortemInput{Timeline: []models.EntryInput{{Body: ptr("x")}}}},
			{"new entry without text", "timeline", models.PostmortemInput{Timeline: []models.EntryInput{{OccurredAt: &manualAt, Body: ptr(" ")}}}},
			{"entry emptied", "timeline", models.PostmortemInput{Timeline: []models.EntryInput{{ID: note.ID, Body: ptr("")}}}},
			{"good section with a bad entry", "timeline", models.PostmortemInput{Sections: map[string]string{"summary": "ok"},
				Timeline: []models.EntryInput{{ID: "nosuchentry", Remove: true}}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := unchangedPM(t, db, func() (*models.Postmortem, error) { return db.SavePostmortem(ctx, o.in.ID, tc.in, "alice") })
				wantInvalid(t, err, tc.field)
			})
		}

		// Sections are rendered and sanitized; scripts are inert.
		impactStart := o.start.Add(-15 * time.Minute)
		pm = savePostmortem(t, db, o.in.ID, models.PostmortemInput{
			Sections: map[string]string{
				models.SectionSummary:   "The API **failed**. <script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3))",
				models.SectionRootCause: "A config change.",
				models.SectionImpact:    "",
			},
			ImpactStartedAt: &impactStart,
			Timeline: []models.EntryInput{
				{ID: note.ID, Included: ptr(true), Body: ptr("Database team paged")},
				{ID: component.ID, Remove: true},
				{OccurredAt: &manualAt, Body: ptr("Failover *attempted*")},
			},
		})
		summary := pm.Section(models.SectionSummary)
		if summary == nil || !strings.Contains(summary.BodyHTML, "<strong>failed</strong>") {
			t.Fatalf("summary = %+v", summary)
		}
		for _, bad := range []string{"<script", "onerror", "javascript:"} {
			if strings.Contains(summary.BodyHTML, bad) {
				t.Errorf("summary HTML keeps %q: %s", bad, summary.BodyHTML)
			}
		}
		if pm.Section(models.SectionImpact) != nil || pm.SectionBody(models.SectionRootCause) != "A config change." {
			t.Errorf("sections = %+v", pm.Sections)
		}
		if pm.ImpactStartedAt == nil || !pm.ImpactStartedAt.Equal(impactStart) {
			t.Errorf("impact start = %v, want %v", pm.ImpactStartedAt, impactStart)
		}
		if e := entryOf(pm, models.EventNote); e == nil || !e.Included || e.Body != "Database team paged" {
			t.Errorf("note entry = %+v", e)
		}
		if entryOf(pm, models.EventComponentStatus) != nil {
			t.Error("the removed entry is still there")
		}
		if e := entryOf(pm, models.EntryManual); e == nil || !e.Included || !e.OccurredAt.Equal(manualAt) ||
			!strings.Contains(e.BodyHTML, "<em>attempted</em>") {
			t.Errorf("manual entry = %+v", e)
		}
		// The timeline stays in time order.
		for i := 1; i < len(pm.Timeline); i++ {
			if pm.Timeline[i].OccurredAt.Before(pm.Timeline[i-1].OccurredAt) {
				t.Errorf("entry %d at %s is before entry %d at %s", i, pm.Timeline[i].OccurredAt, i-1, pm.Timeline[i-1].OccurredAt)
			}
		}

		// Saving the same again (an autosave) writes nothing; a draft keeps no revisions.
		same := models.PostmortemInput{Sections: map[string]string{models.SectionSummary: pm.SectionBody(models.SectionSummary)},
			Timeline: []models.EntryInput{{ID: note.ID, Included: ptr(true), Body: ptr("Database team paged")}}}
		if _, err := unchangedPM(t, db, func() (*models.Postmortem, error) { return db.SavePostmortem(ctx, o.in.ID, same, "alice") }); err != nil {
			t.Fatal(err)
		}
		revs, err := db.ListPostmortemRevisions(ctx, o.in.ID)
		if err != nil || len(revs) != 0 {
			t.Errorf("draft revisions = %v, %v", revs, err)
		}
		_, err = db.SavePostmortem(ctx, "nosuchincident", same, "alice")
		wantNotFound(t, err)
	})
}

func notifications(t *testing.T, db *models.DB, incidentID string) []models.Notification {
	t.Helper()
	var list []models.Notification
	if err := db.Gorm.Where("incident_id = ? AND kind = ?", incidentID, models.NotifyPostmortemPublished).Order("id").Find(&list).Error; err != nil {
		t.Fatal(err)
	}
	return list
}

func countEvents(t *testing.T, db *models.DB, incidentID, kind string) int {
	t.Helper()
	n := 0
	for _, e := range getIncident(t, db, incidentID).Events {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

func TestPublishPostmortem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		o := resolvedOutage(t, db)
		startPostmortem(t, db, o.in.ID)

		// Empty: every section cleared.
		savePostmortem(t, db, o.in.ID, models.PostmortemInput{Sections: map[string]string{models.SectionImpact: "  "}})
		_, err := unchangedPM(t, db, func() (*models.Postmortem, error) { return db.PublishPostmortem(ctx, o.in.ID, true, "alice") })
		wantInvalid(t, err, "sections")

		savePostmortem(t, db, o.in.ID, models.PostmortemInput{Sections: map[string]string{models.SectionSummary: "First text."}})
		pm, err := db.PublishPostmortem(ctx, o.in.ID, true, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if !pm.Published() || pm.PublishedAt == nil || pm.FirstPublishedAt == nil || !pm.NotifiedSubscribers || pm.Revision != 1 {
			t.Fatalf("published = %+v", pm)
		}
		firstPublished := *pm.FirstPublishedAt
		in := getIncident(t, db, o.in.ID)
		if in.Status != models.StatusPostmortem || in.ResolvedAt == nil || in.Unresolved() || in.PublishedPostmortem() == nil {
			t.Errorf("incident after publish: status %s, resolved %v", in.Status, in.ResolvedAt)
		}
		if n := countEvents(t, db, o.in.ID, models.EventPostmortemPublished); n != 1 {
			t.Errorf("%d postmortem_published events, want 1", n)
		}
		sent := notifications(t, db, o.in.ID)
		if len(sent) != 1 || sent[0].EventID == nil || sent[0].Status != "pending" ||
			!strings.Contains(sent[0].ComponentIDs, o.api.ID) || !strings.Contains(sent[0].Payload, pm.ID) {
			t.Fatalf("notifications = %+v", sent)
		}
		// Still resolved for the page: not among the unresolved.
		unresolved, err := db.ListUnresolved(ctx)
		if err != nil || len(unresolved) != 0 {
			t.Errorf("unresolved = %d, %v", len(unresolved), err)
		}

		// Publishing again notifies no one a second time and adds no event.
		if _, err := db.PublishPostmortem(ctx, o.in.ID, true, "alice"); err != nil {
			t.Fatal(err)
		}
		if n := len(notifications(t, db, o.in.ID)); n != 1 {
			t.Errorf("%d notifications after publishing twice, want 1", n)
		}
		if n := countEvents(t, db, o.in.ID, models.EventPostmortemPublished); n != 1 {
			t.Errorf("%d postmortem_published events, want 1", n)
		}

		// Every later change is a revision; notifying no one.
		pm = savePostmortem(t, db, o.in.ID, models.PostmortemInput{Sections: map[string]string{models.SectionSummary: "Second text."}})
		if pm.Revision != 2 {
			t.Errorf("revision after an edit = %d, want 2", pm.Revision)
		}
		savePostmortem(t, db, o.in.ID, models.PostmortemInput{Sections: map[string]string{models.SectionSummary: "Second text."}})
		// An entry that is not public changes no public content.
		note := entryOf(pm, models.EventNote)
		pm = savePostmortem(t, db, o.in.ID, models.PostmortemInput{Timeline: []models.EntryInput{{ID: note.ID, Body: ptr("Edited note")}}})
		if pm.Revision != 2 {
			t.Errorf("revision after an unchanged save = %d, want 2", pm.Revision)
		}
		revs, err := db.ListPostmortemRevisions(ctx, o.in.ID)
		if err != nil || len(revs) != 2 || revs[0].Number != 2 || revs[1].Number != 1 || revs[0].EditedBy != "alice" {
			t.Fatalf("revisions = %+v, %v", revs, err)
		}
		first, err := revs[1].Decode()
		if err != nil || len(first.Sections) != 1 || first.Sections[0].Body != "First text." || len(first.Timeline) == 0 {
			t.Errorf("revision 1 = %+v, %v", first, err)
		}
		if n := len(notifications(t, db, o.in.ID)); n != 1 {
			t.Errorf("%d notifications after edits, want 1", n)
		}

		// Unpublish: a draft again, the incident resolved; once.
		pm, err = db.UnpublishPostmortem(ctx, o.in.ID, "alice")
		if err != nil || pm.Published() || pm.PublishedAt != nil || pm.FirstPublishedAt == nil || !pm.FirstPublishedAt.Equal(firstPublished) {
			t.Fatalf("unpublished = %+v, %v", pm, err)
		}
		if in := getIncident(t, db, o.in.ID); in.Status != models.Resolved || in.PublishedPostmortem() != nil {
			t.Errorf("incident after unpublish: %s", in.Status)
		}
		_, err = unchangedPM(t, db, func() (*models.Postmortem, error) { return db.UnpublishPostmortem(ctx, o.in.ID, "alice") })
		wantConflict(t, err, "not published")
		list, total, err := db.ListPublishedPostmortems(ctx, 0, 0)
		if err != nil || total != 0 || len(list) != 0 {
			t.Errorf("published list of a draft = %d, %d, %v", len(list), total, err)
		}

		// Republishing unchanged content keeps the revision; notified once ever.
		pm, err = db.PublishPostmortem(ctx, o.in.ID, true, "alice")
		if err != nil || pm.Revision != 2 || !pm.FirstPublishedAt.Equal(firstPublished) || !pm.PublishedAt.After(firstPublished) {
			t.Fatalf("republished = %+v, %v", pm, err)
		}
		if n := len(notifications(t, db, o.in.ID)); n != 1 {
			t.Errorf("%d notifications after republishing, want 1", n)
		}
		list, total, err = db.ListPublishedPostmortems(ctx, 10, 0)
		if err != nil || total != 1 || len(list) != 1 || list[0].Incident == nil || list[0].Incident.Name != "API errors" ||
			list[0].SectionBody(models.SectionSummary) != "Second text." || len(list[0].Incident.Components) != 2 {
			t.Errorf("published list = %+v, %d, %v", list, total, err)
		}
		all, _, err := db.ListIncidents(ctx, models.IncidentFilter{})
		if err != nil || len(all) != 1 || all[0].PublishedPostmortem() == nil || all[0].Postmortem.Document() != "## Summary\n\nSecond text." {
			t.Errorf("incident list's postmortem = %+v, %v", all, err)
		}

		// Delete: everything goes, the incident is resolved again.
		if _, err := db.CreateActionItem(ctx, o.in.ID, models.ActionItemInput{Title: ptr("Add a canary")}); err != nil {
			t.Fatal(err)
		}
		if err := db.DeletePostmortem(ctx, o.in.ID); err != nil {
			t.Fatal(err)
		}
		if in := getIncident(t, db, o.in.ID); in.Status != models.Resolved || in.Postmortem != nil {
			t.Errorf("incident after delete: %s, %+v", in.Status, in.Postmortem)
		}
		for _, table := range []string{"postmortems", "postmortem_sections", "postmortem_timeline_entries", "postmortem_revisions", "action_items"} {
			var n int64
			if err := db.Gorm.Table(table).Count(&n).Error; err != nil || n != 0 {
				t.Errorf("%s has %d rows after delete (%v)", table, n, err)
			}
		}
		wantNotFound(t, db.DeletePostmortem(ctx, o.in.ID))
	})
}

// Subscribers can be notified later, by publishing again with notify;
// a maintenance keeps its status; the Statuspage body is the notes alone.
func TestPublishPostmortemLaterNotify(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		in := openIncident(t, db, models.NewIncident{Name: "Backfilled", Body: "It was down.", Backfilled: true,
			StartedAt: time.Now().Add(-48 * time.Hour)})
		startPostmortem(t, db, in.ID)
		pm := savePostmortem(t, db, in.ID, models.PostmortemInput{Sections: map[string]string{
			models.SectionImpact: "", models.SectionNotes: "One *body*, as Statuspage has it."}})
		if got := pm.Document(); got != "One *body*, as Statuspage has it." {
			t.Errorf("Document = %q", got)
		}
		if _, err := db.PublishPostmortem(ctx, in.ID, false, "alice"); err != nil {
			t.Fatal(err)
		}
		if n := len(notifications(t, db, in.ID)); n != 0 {
			t.Fatalf("%d notifications without notify", n)
		}
		pm, err := db.PublishPostmortem(ctx, in.ID, true, "alice")
		if err != nil || !pm.NotifiedSubscribers {
			t.Fatalf("publish with notify = %+v, %v", pm, err)
		}
		if n := len(notifications(t, db, in.ID)); n != 1 {
			t.Errorf("%d notifications, want 1", n)
		}

		from := time.Now().Add(-4 * time.Hour)
		until := from.Add(time.Hour)
		m := openIncident(t, db, models.NewIncident{Kind: models.KindMaintenance, Name: "DB upgrade",
			StartedAt: from, ScheduledFor: &from, ScheduledUntil: &until})
		postUpdate(t, db, m.ID, models.NewUpdate{Status: models.InProgress, At: from})
		postUpdate(t, db, m.ID, models.NewUpdate{Status: models.Completed, At: until})
		pm = startPostmortem(t, db, m.ID)
		if e := entryOf(pm, models.EventMaintenanceTransition); e == nil || e.Body != "Maintenance moved from Scheduled to In progress." {
			t.Errorf("transition entry = %+v", e)
		}
		savePostmortem(t, db, m.ID, models.PostmortemInput{Sections: map[string]string{models.SectionSummary: "It overran."}})
		if _, err := db.PublishPostmortem(ctx, m.ID, false, "alice"); err != nil {
			t.Fatal(err)
		}
		if got := getIncident(t, db, m.ID); got.Status != models.Completed || got.PublishedPostmortem() == nil {
			t.Errorf("maintenance after publish: %s", got.Status)
		}
		if err := db.DeleteIncident(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		_, err = db.GetPostmortem(ctx, m.ID)
		wantNotFound(t, err)
		if _, total, _ := db.ListPublishedPostmortems(ctx, 0, 0); total != 1 {
			t.Errorf("%d published postmortems listed, want 1 (the deleted incident's is hidden)", total)
		}
	})
}

// A text update on an incident with a published postmortem needs no status.
func TestUpdateAfterPostmortem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		o := resolvedOutage(t, db)
		startPostmortem(t, db, o.in.ID)
		if _, err := db.PublishPostmortem(ctx, o.in.ID, false, "alice"); err != nil {
			t.Fatal(err)
		}
		ev := postUpdate(t, db, o.in.ID, models.NewUpdate{Body: "One more word."})
		if ev.Status != models.Resolved {
			t.Errorf("update status = %s, want resolved", ev.Status)
		}
		if in := getIncident(t, db, o.in.ID); in.Unresolved() {
			t.Error("the incident reopened")
		}
	})
}
