package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// pmIncident is a resolved incident with what its postmortem draws on.
type pmIncident struct {
	in                   *models.Incident
	api                  models.Component
	note, slack, alert   *models.TimelineEvent
	start                time.Time
	editor, preview, add string // console addresses
}

// pmResolved opens an incident on a new component, with an internal note,
// an internal external event (slack) and a public one (an alert), and
// resolves it through monitoring.
func pmResolved(t *testing.T, db *models.DB, name string) pmIncident {
	t.Helper()
	ctx := context.Background()
	p := pmIncident{start: time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Minute)}
	p.api = addComponent(t, db, models.Component{Name: name + " API"})
	p.in = openIncident(t, db, models.NewIncident{Name: name, Body: "We are investigating errors.", StartedAt: p.start,
		Components: map[string]string{p.api.ID: models.MajorOutage}})
	var err error
	add := func(n models.NewEvent) *models.TimelineEvent {
		ev, err := db.AddEvent(ctx, p.in.ID, n)
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	p.alert = add(models.NewEvent{Kind: models.EventExternal, Body: "5xx rate above 5%", Source: "prometheus",
		OccurredAt: p.start.Add(time.Minute), Public: true})
	p.note = add(models.NewEvent{Kind: models.EventNote, Body: "Paged the database team", OccurredAt: p.start.Add(5 * time.Minute)})
	p.slack = add(models.NewEvent{Kind: models.EventExternal, Body: "Rollback started", Source: "slack", OccurredAt: p.start.Add(12 * time.Minute)})
	postUpdate(t, db, p.in.ID, models.NewUpdate{Status: models.Monitoring, Body: "Rolled back.", At: p.start.Add(30 * time.Minute)})
	postUpdate(t, db, p.in.ID, models.NewUpdate{Status: models.Resolved, Body: "All good.", At: p.start.Add(65 * time.Minute),
		RestoreComponents: true})
	if p.in, err = db.GetIncident(ctx, p.in.ID); err != nil {
		t.Fatal(err)
	}
	p.editor = "/admin/incidents/" + p.in.ID + "/postmortem"
	p.preview, p.add = p.editor+"/preview", p.editor+"/action-items"
	return p
}

// startPM starts the postmortem through the console, including the
// events given, and returns it.
func startPM(t *testing.T, c *consoleClient, db *models.DB, p pmIncident, include ...string) *models.Postmortem {
	t.Helper()
	wantRedirect(t, c.PostForm(p.editor, url.Values{"include": include}), p.editor)
	return getPM(t, db, p.in.ID)
}

func getPM(t *testing.T, db *models.DB, incidentID string) *models.Postmortem {
	t.Helper()
	pm, err := db.GetPostmortem(context.Background(), incidentID)
	if err != nil {
		t.Fatalf("postmortem of %s: %v", incidentID, err)
	}
	return pm
}

// pmEntryOf returns the entry of pm drafted from the event id.
func pmEntryOf(t *testing.T, pm *models.Postmortem, eventID string) *models.PostmortemEntry {
	t.Helper()
	for i, e := range pm.Timeline {
		if e.EventID != nil && *e.EventID == eventID {
			return &pm.Timeline[i]
		}
	}
	t.Fatalf("no entry drafted from event %s in %+v", eventID, pm.Timeline)
	return nil
}

// pmForm is the editor form as a browser sends it for pm as it is: every
// section, the impact start and every entry, times in Europe/Berlin.
func pmForm(t *testing.T, pm *models.Postmortem) url.Values {
	t.Helper()
	local := func(at time.Time) string { return at.In(berlin(t)).Format("2006-01-02T15:04") }
	f := url.Values{"impact_started_at": {local(pm.ImpactStart())}, "new_at": {""}, "new_text": {""}, "new_public": {"1"}}
	for _, s := range models.PostmortemSections {
		f.Set(s.Key, pm.SectionBody(s.Key))
	}
	for _, e := range pm.Timeline {
		f.Add("entry", e.ID)
		f.Set("entry_at_"+e.ID, local(e.OccurredAt))
		f.Set("entry_text_"+e.ID, e.Body)
		if e.Included {
			f.Set("entry_public_"+e.ID, "1")
		}
	}
	return f
}

// pmState is the postmortem's content and action items as JSON, to tell
// that a request changed nothing; "" when there is none.
func pmState(t *testing.T, db *models.DB, incidentID string) string {
	t.Helper()
	pm, err := db.GetPostmortem(context.Background(), incidentID)
	if err != nil {
		return ""
	}
	pm.Incident = nil
	b, err := json.Marshal(pm)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// pmNotifications counts the "postmortem published" notifications of an incident.
func pmNotifications(t *testing.T, db *models.DB, incidentID string) int64 {
	t.Helper()
	var n int64
	err := db.Gorm.Model(&models.Notification{}).Where("incident_id = ? AND kind = ?", incidentID, models.NotifyPostmortemPublished).
		Count(&n).Error
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// autosave posts form as admin.js does: Accept JSON, the CSRF token in a
// header.
func autosave(t *testing.T, c *consoleClient, path string, form url.Values) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-CSRF-Token", c.CSRF())
	rec := c.Do(req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("autosave answered %d %q: %v", rec.Code, rec.Body, err)
	}
	return rec, out
}

func TestConsoleStartPostmortem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		p := pmResolved(t, db, "Checkout errors")
		open := openIncident(t, db, models.NewIncident{Name: "Still broken", Body: "Investigating."})

		// An open incident has no panel, and cannot start one: 409, nothing written.
		body := wantAdminPage(t, ed.Get("/admin/incidents/"+open.ID), http.StatusOK)
		lacks(t, body, `id="postmortem"`)
		body = wantAdminPage(t, ed.PostForm("/admin/incidents/"+open.ID+"/postmortem", url.Values{}), http.StatusConflict)
		contains(t, body, "not resolved yet")
		if countRows(t, db, "postmortems", "1 = 1") != 0 {
			t.Fatal("a postmortem was written for an open incident")
		}
		// Its editor address leads to its page.
		wantRedirect(t, ed.Get("/admin/incidents/"+open.ID+"/postmortem"), "/admin/incidents/"+open.ID+"#postmortem")

		// The resolved incident's page offers to start it, with the notes
		// and external events to choose from; the public alert ticked.
		body = wantAdminPage(t, ed.Get("/admin/incidents/"+p.in.ID), http.StatusOK)
		contains(t, body, `id="postmortem"`, `action="`+p.editor+`"`, "Start the postmortem",
			`name="include" value="`+p.note.ID+`">`, `name="include" value="`+p.slack.ID+`">`,
			`name="include" value="`+p.alert.ID+`" checked>`, "Paged the database team", "Rollback started")

		// Anonymous visitors are sent to sign in; a form without the CSRF token is refused.
		anon := newConsoleClient(t, h)
		seeOther(t, anon.Get(p.editor), "/admin/login")
		if rec := ed.PostFormRaw(p.editor, url.Values{"include": {p.note.ID}}); rec.Code != http.StatusForbidden {
			t.Fatalf("start without CSRF token: %d", rec.Code)
		}
		if pmState(t, db, p.in.ID) != "" {
			t.Fatal("a postmortem was started without the CSRF token")
		}

		// Start it with the note and the alert: the slack event stays internal.
		pm := startPM(t, ed, db, p, p.note.ID, p.alert.ID)
		if e := pmEntryOf(t, pm, p.note.ID); !e.Included {
			t.Error("the ticked note is not public")
		}
		if e := pmEntryOf(t, pm, p.slack.ID); e.Included {
			t.Error("the unticked slack event is public")
		}
		if e := pmEntryOf(t, pm, p.alert.ID); !e.Included || e.Body != "From prometheus: 5xx rate above 5%" {
			t.Errorf("alert entry = %+v", e)
		}
		if pm.Published() || pm.SectionBody(models.SectionImpact) == "" {
			t.Errorf("started postmortem = %+v", pm)
		}
		body = wantAdminPage(t, ed.Get(p.editor), http.StatusOK)
		contains(t, body, "Drafted the postmortem from the timeline.")

		// Starting again changes nothing; the panel now opens it.
		before := pmState(t, db, p.in.ID)
		wantRedirect(t, ed.PostForm(p.editor, url.Values{"include": {p.slack.ID}}), p.editor)
		if pmState(t, db, p.in.ID) != before {
			t.Error("starting again changed the postmortem")
		}
		body = wantAdminPage(t, ed.Get("/admin/incidents/"+p.in.ID), http.StatusOK)
		contains(t, body, "Open the postmortem", "Draft")
		lacks(t, body, "Start the postmortem")
		if got := changeActions(t, db); got != "postmortem.start" {
			t.Errorf("audit = %s", got)
		}
	})
}

func TestConsolePostmortemEditor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		p := pmResolved(t, db, "Checkout errors")
		pm := startPM(t, ed, db, p)
		note, slack := pmEntryOf(t, pm, p.note.ID), pmEntryOf(t, pm, p.slack.ID)
		loc := berlin(t)

		// The editor: every section with its hint, the impact start in the
		// page's zone, the drafted entries, the components and durations;
		// a draft autosaves.
		body := wantAdminPage(t, ed.Get(p.editor), http.StatusOK)
		for _, s := range models.PostmortemSections {
			contains(t, body, `<label for="f-`+s.Key+`">`+s.Label, s.Hint)
		}
		contains(t, body, `id="f-impact_started_at" name="impact_started_at" type="datetime-local" value="`+
			pm.ImpactStart().In(loc).Format("2006-01-02T15:04")+`"`,
			`name="entry" value="`+note.ID+`"`, "Paged the database team", "From slack: Rollback started",
			"Checkout errors API", "Time to resolution", "1 hr 5 mins", `data-autosave="`+p.editor+`/save"`,
			"Publish", `id="f-notify" name="notify" value="1" form="pm-form" checked`)

		// Save sections (CRLF from the browser becomes LF) and edit the timeline.
		f := pmForm(t, pm)
		f.Set("summary", "The API **failed**.\r\nFor an hour.")
		f.Set("root_cause", "A config change.")
		f.Set("impact_started_at", p.start.Add(-15*time.Minute).In(loc).Format("2006-01-02T15:04"))
		f.Set("entry_text_"+note.ID, "Database team paged")
		f.Set("entry_public_"+note.ID, "1")
		newAt := p.start.Add(20 * time.Minute)
		f.Set("entry_at_"+note.ID, newAt.In(loc).Format("2006-01-02T15:04"))
		f.Set("entry_remove_"+slack.ID, "1")
		f.Set("new_at", p.start.Add(40*time.Minute).In(loc).Format("2006-01-02T15:04"))
		f.Set("new_text", "Caches warmed")
		wantRedirect(t, ed.PostForm(p.editor+"/save", f), p.editor)
		pm = getPM(t, db, p.in.ID)
		if got := pm.SectionBody(models.SectionSummary); got != "The API **failed**.\nFor an hour." {
			t.Errorf("summary = %q", got)
		}
		if s := pm.Section(models.SectionSummary); s == nil || !strings.Contains(s.BodyHTML, "<strong>failed</strong>") {
			t.Errorf("summary HTML = %+v", s)
		}
		if pm.SectionBody(models.SectionRootCause) != "A config change." || !pm.ImpactStartedAt.Equal(p.start.Add(-15*time.Minute)) {
			t.Errorf("root cause %q, impact start %v", pm.SectionBody(models.SectionRootCause), pm.ImpactStartedAt)
		}
		if e := pmEntryOf(t, pm, p.note.ID); e.Body != "Database team paged" || !e.Included || !e.OccurredAt.Equal(newAt) {
			t.Errorf("note entry = %+v", e)
		}
		var manual *models.PostmortemEntry
		for i, e := range pm.Timeline {
			if e.EventID != nil && *e.EventID == p.slack.ID {
				t.Error("the removed entry is still there")
			}
			if e.Kind == models.EntryManual {
				manual = &pm.Timeline[i]
			}
		}
		if manual == nil || manual.Body != "Caches warmed" || !manual.Included || !manual.OccurredAt.Equal(p.start.Add(40*time.Minute)) {
			t.Errorf("manual entry = %+v", manual)
		}
		body = wantAdminPage(t, ed.Get(p.editor), http.StatusOK)
		contains(t, body, "Saved the draft.", "Added by hand")

		// The same form again changes nothing (times shown to the minute).
		before, audits := pmState(t, db, p.in.ID), changeActions(t, db)
		wantRedirect(t, ed.PostForm(p.editor+"/save", pmForm(t, pm)), p.editor)
		if pmState(t, db, p.in.ID) != before || changeActions(t, db) != audits {
			t.Error("an unchanged form changed the postmortem")
		}
		contains(t, wantAdminPage(t, ed.Get(p.editor), http.StatusOK), "Nothing changed.")

		// Bad input: a 422 naming the field, nothing written.
		for _, tc := range []struct {
			name, field, key, value, want string
		}{
			{"malformed impact start", "impact_started_at", "impact_started_at", "yesterday", "must be a date and time"},
			{"resolved before the impact", "resolved_at", "resolved_at", pm.ImpactStart().Add(-time.Hour).In(loc).Format("2006-01-02T15:04"), "before its impact began"},
			{"malformed milestone", "detected_at", "detected_at", "soon", "must be a date and time"},
			{"impact start in the future", "impact_started_at", "impact_started_at", time.Now().Add(48 * time.Hour).In(loc).Format("2006-01-02T15:04"), "future"},
			{"new entry without time", "new_at", "new_text", "Something", "must be given"},
			{"section too long", "summary", "summary", strings.Repeat("a", models.MaxSectionLength+1), "at most"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := pmForm(t, pm)
				f.Set(tc.key, tc.value)
				body := wantAdminPage(t, ed.PostForm(p.editor+"/save", f), http.StatusUnprocessableEntity)
				if got := fieldErrorOf(body, tc.field); !strings.Contains(got, tc.want) {
					t.Errorf("error next to %s = %q, want %q", tc.field, got, tc.want)
				}
				if pmState(t, db, p.in.ID) != before {
					t.Error("bad input changed the postmortem")
				}
			})
		}
		// An entry emptied: its own error, the summary names the timeline.
		f = pmForm(t, pm)
		f.Set("summary", "A change that must not be saved.")
		f.Set("entry_text_"+note.ID, " ")
		f.Set("entry_at_"+manual.ID, "soon")
		body = wantAdminPage(t, ed.PostForm(p.editor+"/save", f), http.StatusUnprocessableEntity)
		contains(t, body, `id="entry-`+note.ID+`-error"`, "the text must not be empty", `id="entry-`+manual.ID+`-error"`,
			"the time must be a date and time", `<a href="#f-timeline">Timeline entry`,
			"A change that must not be saved.") // the form keeps what was typed
		if pmState(t, db, p.in.ID) != before {
			t.Error("an emptied entry changed the postmortem")
		}

		// Save and preview goes on to the preview.
		f = pmForm(t, pm)
		f.Set("lucky", "It happened at night.")
		f.Set("preview", "1")
		wantRedirect(t, ed.PostForm(p.editor+"/save", f), p.preview)

		// Autosave: JSON, the CSRF token in a header; new and removed
		// entries wait for the Save button.
		pm = getPM(t, db, p.in.ID)
		f = pmForm(t, pm)
		f.Set("went_well", "Alerts fired.")
		f.Set("entry_remove_"+manual.ID, "1")
		f.Set("new_at", p.start.Add(50*time.Minute).In(loc).Format("2006-01-02T15:04"))
		f.Set("new_text", "Not yet")
		rec, out := autosave(t, ed, p.editor+"/save", f)
		if rec.Code != http.StatusOK || out["saved"] != true || out["saved_at"] == "" {
			t.Fatalf("autosave = %d %v", rec.Code, out)
		}
		pm = getPM(t, db, p.in.ID)
		kept := false
		for _, e := range pm.Timeline {
			kept = kept || e.ID == manual.ID
		}
		if pm.SectionBody(models.SectionWentWell) != "Alerts fired." || len(pm.Timeline) != 6 || !kept {
			t.Errorf("after autosave: went well %q, entries %+v (want the 6 as they were)", pm.SectionBody(models.SectionWentWell), pm.Timeline)
		}
		rec, out = autosave(t, ed, p.editor+"/save", pmForm(t, pm))
		if rec.Code != http.StatusOK || out["saved"] != false {
			t.Errorf("unchanged autosave = %d %v", rec.Code, out)
		}
		before = pmState(t, db, p.in.ID)
		f = pmForm(t, pm)
		f.Set("entry_text_"+note.ID, "")
		rec, out = autosave(t, ed, p.editor+"/save", f)
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(out["error"].(string), "timeline") {
			t.Errorf("bad autosave = %d %v", rec.Code, out)
		}
		// Without the token: 403, nothing saved.
		f = pmForm(t, pm)
		f.Set("summary", "Forged")
		if rec := ed.PostFormRaw(p.editor+"/save", f); rec.Code != http.StatusForbidden {
			t.Errorf("save without CSRF token: %d", rec.Code)
		}
		if pmState(t, db, p.in.ID) != before {
			t.Error("a refused save changed the postmortem")
		}
		if got := changeActions(t, db); got != "postmortem.start,postmortem.save,postmortem.save,postmortem.save" {
			t.Errorf("audit = %s", got)
		}
	})
}
