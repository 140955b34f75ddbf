package app_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// seeOther checks for a 303 whose location starts with prefix and returns
// the location.
func seeOther(t *testing.T, rec *httptest.ResponseRecorder, prefix string) string {
	t.Helper()
	loc := rec.Header().Get("Location")
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, prefix) {
		t.Fatalf("got %d to %q, want 303 to %s…; body:\n%s", rec.Code, loc, prefix, rec.Body)
	}
	return loc
}

// openFromForm opens an incident through the console form and returns it.
func openFromForm(t *testing.T, c *consoleClient, db *models.DB, form url.Values) *models.Incident {
	t.Helper()
	loc := seeOther(t, c.PostForm("/admin/incidents", form), "/admin/incidents/")
	in, err := db.GetIncident(context.Background(), strings.TrimPrefix(loc, "/admin/incidents/"))
	if err != nil {
		t.Fatalf("incident after %s: %v", loc, err)
	}
	return in
}

// changeActions returns the audit log's actions, oldest first, without
// the sign-ins.
func changeActions(t *testing.T, db *models.DB) string {
	t.Helper()
	var out []string
	for _, a := range auditActions(t, db) {
		if !strings.HasPrefix(a, "auth.") {
			out = append(out, a)
		}
	}
	return strings.Join(out, ",")
}

// timelineEntry returns the HTML from the start of the timeline item of a
// console incident page that holds text to the next item.
func timelineEntry(t *testing.T, body, text string) string {
	t.Helper()
	for _, item := range strings.Split(body, `<li class="tl-item`)[1:] {
		if strings.Contains(item, text) {
			return item
		}
	}
	t.Fatalf("no timeline item holds %q", text)
	return ""
}

func componentStatus(t *testing.T, db *models.DB, id string) string {
	t.Helper()
	c, err := db.GetComponent(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c.Status
}

func TestConsoleOpenIncident(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		api := addComponent(t, db, models.Component{Name: "API"})
		web := addComponent(t, db, models.Component{Name: "Website"})

		body := wantAdminPage(t, ed.Get("/admin/incidents/new"), http.StatusOK)
		contains(t, body, `name="component[`+api.ID+`]"`, `<option value="">No change</option>`, "Backfill a past incident",
			`id="f-notify" name="notify" value="1" checked`, `id="f-status" name="status" value="investigating" checked`)

		in := openFromForm(t, ed, db, url.Values{"name": {"Elevated API errors"}, "status": {"investigating"}, "impact": {"auto"},
			"body": {"We are **looking** into it."}, "component[" + api.ID + "]": {"major_outage"}, "component[" + web.ID + "]": {""},
			"notify": {"1"}})
		if in.Status != models.Investigating || in.Impact != models.ImpactCritical || in.ImpactOverride || len(in.Components) != 1 ||
			in.Components[0].ID != api.ID || len(in.Events) != 1 || !in.Events[0].DeliverNotifications || in.CreatedBy != "Test editor" {
			t.Fatalf("opened incident = %+v", in)
		}
		if s := componentStatus(t, db, api.ID); s != models.MajorOutage {
			t.Errorf("API is %s, want major_outage", s)
		}
		if s := componentStatus(t, db, web.ID); s != models.Operational {
			t.Errorf("Website is %s, want operational", s)
		}
		page := wantAdminPage(t, ed.Get("/admin/incidents/"+in.ID), http.StatusOK)
		contains(t, page, "Opened the incident “Elevated API errors”.", "<strong>looking</strong>",
			`href="https://status.acme.test/incidents/`+in.ID+`"`, "Critical impact")

		// Customers see it at once.
		public := wantPage(t, get(t, h, "/"), http.StatusOK)
		if indicator, _ := banner(t, public); indicator != "critical" {
			t.Errorf("banner = %s, want critical", indicator)
		}
		contains(t, public, "Elevated API errors")
		contains(t, componentItem(t, public, "API"), "Major Outage")
		contains(t, wantPage(t, get(t, h, "/incidents/"+in.ID), http.StatusOK), "Elevated API errors", "<strong>looking</strong>")

		// An impact chosen by hand wins over the suggestion.
		in2 := openFromForm(t, ed, db, url.Values{"name": {"Slow search"}, "status": {"identified"}, "impact": {"minor"}})
		if in2.Impact != models.ImpactMinor || !in2.ImpactOverride || in2.Status != models.Identified || in2.Events[0].DeliverNotifications {
			t.Errorf("second incident = %+v", in2)
		}
		if got := changeActions(t, db); got != "incident.create,incident.create" {
			t.Errorf("audit = %v", got)
		}
	})
}

// Posting updates, internal notes, resolving with "back to operational",
// and what the public page shows of it all.
func TestConsoleIncidentTimeline(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		api := addComponent(t, db, models.Component{Name: "API"})
		web := addComponent(t, db, models.Component{Name: "Website"})
		in := openFromForm(t, ed, db, url.Values{"name": {"Errors"}, "status": {"investigating"}, "impact": {"auto"},
			"body": {"Looking."}, "component[" + api.ID + "]": {"partial_outage"}, "notify": {"1"}})
		page := "/admin/incidents/" + in.ID

		// An update that also degrades another component; restore is ignored
		// while not resolving.
		wantRedirect(t, ed.PostForm(page+"/updates", url.Values{"status": {"identified"}, "body": {"Bad deploy found."},
			"component[" + web.ID + "]": {"degraded_performance"}, "restore_components": {"1"}}), page)
		if s := componentStatus(t, db, api.ID); s != models.PartialOutage {
			t.Errorf("API is %s after a non-resolving update with restore ticked", s)
		}
		if s := componentStatus(t, db, web.ID); s != models.DegradedPerformance {
			t.Errorf("Website is %s, want degraded_performance", s)
		}
		contains(t, wantAdminPage(t, ed.Get(page), http.StatusOK), "Posted “Identified” on Errors.")
		wantRedirect(t, ed.PostForm(page+"/notes", url.Values{"note": {"Paged the *database* team."}}), page+"#timeline")
		body := wantAdminPage(t, ed.Get(page), http.StatusOK)
		contains(t, body, "Added an internal note to Errors.", "Bad deploy found.", "Paged the <em>database</em> team.")
		inOrder(t, body, "Paged the <em>database</em> team.", "Bad deploy found.", "Looking.") // newest first
		public := wantPage(t, get(t, h, "/incidents/"+in.ID), http.StatusOK)
		contains(t, public, "Bad deploy found.", "Looking.")
		lacks(t, public, "database", "Paged")
		lacks(t, wantPage(t, get(t, h, "/"), http.StatusOK), "Paged")

		// External events (from the API) show with their source; an internal one is marked.
		for _, e := range []models.NewEvent{{Kind: models.EventExternal, Body: "p99 over 2 s", Source: "prometheus"},
			{Kind: models.EventExternal, Body: "Status posted in #support", Source: "slack", Public: true}} {
			if _, err := db.AddEvent(context.Background(), in.ID, e); err != nil {
				t.Fatal(err)
			}
		}
		body = wantAdminPage(t, ed.Get(page), http.StatusOK)
		contains(t, timelineEntry(t, body, "p99 over 2 s"), "External event · prometheus", "Internal: not on the status page")
		entry := timelineEntry(t, body, "Status posted in #support")
		contains(t, entry, "External event · slack")
		lacks(t, entry, "Internal")
		contains(t, timelineEntry(t, body, "Paged the"), "Internal note", "Internal: not on the status page", "Test editor")
		lacks(t, timelineEntry(t, body, "Bad deploy found."), "Internal")

		// Resolve, setting every affected component back to operational.
		wantRedirect(t, ed.PostForm(page+"/updates", url.Values{"status": {"resolved"}, "body": {"All good."}, "restore_components": {"1"}}), page)
		for _, c := range []models.Component{api, web} {
			if s := componentStatus(t, db, c.ID); s != models.Operational {
				t.Errorf("%s is %s after resolving with restore, want operational", c.Name, s)
			}
		}
		got, err := db.GetIncident(context.Background(), in.ID)
		if err != nil || got.Status != models.Resolved || got.ResolvedAt == nil || len(got.Components) != 2 {
			t.Fatalf("resolved incident = %+v, %v", got, err)
		}
		if indicator, _ := banner(t, wantPage(t, get(t, h, "/"), http.StatusOK)); indicator != "none" {
			t.Errorf("banner after resolving = %s", indicator)
		}
		contains(t, wantPage(t, get(t, h, "/incidents/"+in.ID), http.StatusOK), "All good.", "Resolved")
		want := "incident.create,incident.update,event.create,incident.update"
		if got := changeActions(t, db); got != want {
			t.Errorf("audit = %s, want %s", got, want)
		}
	})
}

func TestConsoleEditEvent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		api := addComponent(t, db, models.Component{Name: "API"})
		in := openFromForm(t, ed, db, url.Values{"name": {"Errors"}, "status": {"investigating"}, "body": {"First text."},
			"component[" + api.ID + "]": {"major_outage"}})
		page := "/admin/incidents/" + in.ID
		update := in.Events[0]

		body := wantAdminPage(t, ed.Get(page), http.StatusOK)
		contains(t, body, `href="`+page+`/events/`+update.ID+`/edit"`)
		body = wantAdminPage(t, ed.Get(page+"/events/"+update.ID+"/edit"), http.StatusOK)
		contains(t, body, ">First text.</textarea>", "None: this text has not been edited.")

		wantRedirect(t, ed.PostForm(page+"/events/"+update.ID, url.Values{"body": {"Second text."}}), page+"#event-"+update.ID)
		body = wantAdminPage(t, ed.Get(page+"/events/"+update.ID+"/edit"), http.StatusOK)
		contains(t, body, ">Second text.</textarea>", "Replaced", "<p>First text.</p>", "Test editor")
		contains(t, wantPage(t, get(t, h, "/incidents/"+in.ID), http.StatusOK), "Second text.")
		lacks(t, wantPage(t, get(t, h, "/incidents/"+in.ID), http.StatusOK), "First text.")
		contains(t, wantAdminPage(t, ed.Get(page), http.StatusOK), "· edited")

		// A note's text too; an empty text is refused, keeping the old one.
		note, err := db.AddEvent(context.Background(), in.ID, models.NewEvent{Kind: models.EventNote, Body: "Old note", Actor: "x"})
		if err != nil {
			t.Fatal(err)
		}
		before := tableCounts(t, db)
		rec := ed.PostForm(page+"/events/"+note.ID, url.Values{"body": {"  "}})
		body = wantAdminPage(t, rec, http.StatusUnprocessableEntity)
		if msg := fieldErrorOf(body, "body"); msg != "Text must not be empty" {
			t.Errorf("empty text error = %q", msg)
		}
		if after := tableCounts(t, db); after != before {
			t.Errorf("tables changed by a refused edit: %s → %s", before, after)
		}
		wantRedirect(t, ed.PostForm(page+"/events/"+note.ID, url.Values{"body": {"New note"}}), page+"#event-"+note.ID)
		if revs, err := db.ListEventRevisions(context.Background(), note.ID); err != nil || len(revs) != 1 || revs[0].Body != "Old note" {
			t.Errorf("note revisions = %+v, %v", revs, err)
		}

		// Unknown events, and events whose text is not an operator's, are 404.
		wantAdminPage(t, ed.Get(page+"/events/nosuchevent/edit"), http.StatusNotFound)
		wantAdminPage(t, ed.PostForm(page+"/events/nosuchevent", url.Values{"body": {"x"}}), http.StatusNotFound)
		// A status change made outside the incident is on its timeline, not editable.
		if _, err := db.UpdateComponent(context.Background(), api.ID, models.ComponentPatch{Status: ptr(models.Operational)}, "Ops"); err != nil {
			t.Fatal(err)
		}
		full, err := db.GetIncident(context.Background(), in.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := full.Events[len(full.Events)-1]
		if last.Kind != models.EventComponentStatus {
			t.Fatalf("last event = %+v, want the component status change", last)
		}
		body = wantAdminPage(t, ed.Get(page), http.StatusOK)
		contains(t, body, `id="event-`+last.ID+`"`, "Component status")
		lacks(t, body, "/events/"+last.ID+"/edit")
		wantAdminPage(t, ed.Get(page+"/events/"+last.ID+"/edit"), http.StatusNotFound)
		wantAdminPage(t, ed.PostForm(page+"/events/"+last.ID, url.Values{"body": {"x"}}), http.StatusNotFound)
		if got := changeActions(t, db); got != "incident.create,event.edit,event.edit" {
			t.Errorf("audit = %s", got)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// A backfilled incident is created resolved at the date given in the
// page's time zone; its components are linked, their status untouched.
func TestConsoleBackfill(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		api := addComponent(t, db, models.Component{Name: "API"})
		in := openFromForm(t, ed, db, url.Values{"name": {"Outage last spring"}, "status": {"investigating"}, "impact": {"major"},
			"body": {"It was down."}, "component[" + api.ID + "]": {"major_outage"}, "notify": {"1"},
			"backfilled": {"1"}, "backfill_date": {"2025-03-10T14:30"}})
		want := time.Date(2025, 3, 10, 13, 30, 0, 0, time.UTC) // CET is UTC+1
		if !in.Backfilled || in.Status != models.Resolved || !in.StartedAt.Equal(want) || in.ResolvedAt == nil ||
			!in.ResolvedAt.Equal(want) || len(in.Components) != 1 || in.Events[0].DeliverNotifications {
			t.Fatalf("backfilled = %+v", in)
		}
		if s := componentStatus(t, db, api.ID); s != models.Operational {
			t.Errorf("API is %s after a backfill", s)
		}
		body := wantAdminPage(t, ed.Get("/admin/incidents/"+in.ID), http.StatusOK)
		contains(t, body, "Backfilled the incident", "backfilled", "Mar 10, 2025 14:30 CET")
		contains(t, wantPage(t, get(t, h, "/incidents/"+in.ID), http.StatusOK), "Outage last spring", "It was down.")
	})
}

// Bad input on the forms of incidents: 422 with the form again, the values
// kept and the field named; nothing written.
func TestConsoleIncidentBadInput(t *testing.T) {
	t.Parallel() // one of the slowest: run beside the other slow, independent tests
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		api := addComponent(t, db, models.Component{Name: "API"})
		in := openIncident(t, db, models.NewIncident{Name: "Errors", Body: "Looking.", Components: map[string]string{api.ID: models.MajorOutage}})
		page := "/admin/incidents/" + in.ID
		long := strings.Repeat("x", models.MaxMessageLength+1)
		valid := url.Values{"name": {"Kept name"}, "status": {"investigating"}, "impact": {"auto"}, "body": {"Kept body"}}
		with := func(k, v string) url.Values {
			f := url.Values{}
			for key, vs := range valid {
				f[key] = vs
			}
			f.Set(k, v)
			return f
		}
		cases := []struct {
			name, path string
			form       url.Values
			field      string
			want       string // the error shown next to the field
			keep       string // an entered value shown again
		}{
			{"empty name", "/admin/incidents", with("name", "  "), "name", "Name must not be empty", "Kept body"},
			{"unknown status", "/admin/incidents", with("status", "exploded"), "status", "Status must be one of investigating, identified, monitoring, resolved", "Kept name"},
			{"unknown impact", "/admin/incidents", with("impact", "huge"), "impact", "Impact must be one of none, minor, major, critical", "Kept name"},
			{"unknown component", "/admin/incidents", with("component[nosuchcomp]", "major_outage"), "components", `Affected components: no component with id "nosuchcomp"`, "Kept name"},
			{"unknown component status", "/admin/incidents", with("component["+api.ID+"]", "on_fire"), "components", `Affected components: unknown status "on_fire" for component "` + api.ID + `"`, "Kept name"},
			{"oversized message", "/admin/incidents", with("body", long), "body", "Message must be at most 25000 characters", "Kept name"},
			{"backfill in the future", "/admin/incidents", func() url.Values {
				f := with("backfilled", "1")
				f.Set("backfill_date", time.Now().Add(48*time.Hour).In(berlin(t)).Format("2006-01-02T15:04"))
				return f
			}(), "backfill_date", "When it happened must not be in the future", "Kept name"},
			{"backfill date without the box", "/admin/incidents", with("backfill_date", "2025-01-01T10:00"), "backfilled", "This incident is over: backfill it must be ticked to backfill a past incident, or clear the date", "Kept name"},
			{"malformed backfill date", "/admin/incidents", func() url.Values { f := with("backfilled", "1"); f.Set("backfill_date", "yesterday"); return f }(), "backfill_date", "When it happened must be a date and time such as 2026-11-24T14:00 (Europe/Berlin)", "yesterday"},
			{"update: unknown status", page + "/updates", url.Values{"status": {"exploded"}, "body": {"Kept body"}}, "status", `Status "exploded" is not a status of an incident`, "Kept body"},
			{"update: unknown component", page + "/updates", url.Values{"status": {"identified"}, "body": {"Kept body"}, "component[nosuchcomp]": {"major_outage"}}, "components", `Component changes: no component with id "nosuchcomp"`, "Kept body"},
			{"update: oversized message", page + "/updates", url.Values{"status": {"identified"}, "body": {long}}, "body", "Message must be at most 25000 characters", ""},
			{"update: nothing to post", page + "/updates", url.Values{"status": {"investigating"}, "body": {" "}, "notify": {"1"}}, "body", "Message must not be empty when neither the status nor a component changes", ""},
			{"note: empty", page + "/notes", url.Values{"note": {""}}, "note", "Note must not be empty", ""},
			{"note: oversized", page + "/notes", url.Values{"note": {long}}, "note", "Note must be at most 25000 characters", ""},
			{"details: empty name", page + "/details", url.Values{"name": {""}, "impact": {"major"}}, "name", "Name must not be empty", ""},
			{"details: unknown impact", page + "/details", url.Values{"name": {"Kept name"}, "impact": {"huge"}}, "impact", "Impact must be one of none, minor, major, critical", "Kept name"},
		}
		before := tableCounts(t, db)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				body := wantAdminPage(t, ed.PostForm(tc.path, tc.form), http.StatusUnprocessableEntity)
				if got := fieldErrorOf(body, tc.field); got != tc.want {
					t.Errorf("error next to %s = %q, want %q", tc.field, got, tc.want)
				}
				contains(t, body, `href="#f-`+tc.field+`"`, tc.keep)
				if after := tableCounts(t, db); after != before {
					t.Errorf("tables changed: %s → %s", before, after)
				}
			})
		}
		if s := componentStatus(t, db, api.ID); s != models.MajorOutage {
			t.Errorf("API is %s after refused forms", s)
		}

		// No CSRF token: 403, nothing written.
		f := with("name", "Sneaky")
		body := wantAdminPage(t, ed.PostFormRaw("/admin/incidents", f), http.StatusForbidden)
		contains(t, body, "nothing was changed")
		wantAdminPage(t, ed.PostFormRaw(page+"/updates", url.Values{"status": {"resolved"}, "body": {"x"}}), http.StatusForbidden)
		wantAdminPage(t, ed.PostFormRaw(page+"/notes", url.Values{"note": {"x"}}), http.StatusForbidden)
		if after := tableCounts(t, db); after != before {
			t.Errorf("tables changed by forms without a CSRF token: %s → %s", before, after)
		}

		// Unknown incidents are 404 pages.
		for _, p := range []string{"/admin/incidents/nosuchincident", "/admin/incidents/NOT_AN_ID"} {
			contains(t, wantAdminPage(t, ed.Get(p), http.StatusNotFound), "Page not found")
		}
		wantAdminPage(t, ed.PostForm("/admin/incidents/nosuchincident/updates", url.Values{"status": {"resolved"}}), http.StatusNotFound)
		wantAdminPage(t, ed.PostForm("/admin/incidents/nosuchincident/notes", url.Values{"note": {"x"}}), http.StatusNotFound)
		wantAdminPage(t, ed.Get("/admin/incidents?tab=bogus"), http.StatusBadRequest)
		wantAdminPage(t, ed.Get("/admin/incidents?page=0"), http.StatusBadRequest)
	})
}

// Preview shows the message rendered (and sanitized) without saving.
func TestConsolePreview(t *testing.T) {
	t.Parallel() // one of the slowest: run beside the other slow, independent tests
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		api := addComponent(t, db, models.Component{Name: "API"})
		before := tableCounts(t, db)
		msg := "We are **on it**.<script>alert(1)</script>"
		body := wantAdminPage(t, ed.PostForm("/admin/incidents", url.Values{"name": {"Kept name"}, "status": {"identified"},
			"body": {msg}, "component[" + api.ID + "]": {"partial_outage"}, "preview": {"1"}}), http.StatusOK)
		contains(t, body, "<strong>on it</strong>", `value="Kept name"`, `value="identified" checked`,
			`<option value="partial_outage" selected>`, "alert(1)&lt;/script&gt;</textarea>")
		lacks(t, body, "<script>alert")

		in := openIncident(t, db, models.NewIncident{Name: "Errors"})
		before = tableCounts(t, db)
		body = wantAdminPage(t, ed.PostForm("/admin/incidents/"+in.ID+"/updates", url.Values{"status": {"resolved"},
			"body": {"_Fixed_"}, "preview": {"1"}}), http.StatusOK)
		contains(t, body, "<em>Fixed</em>", `value="resolved" checked`)
		body = wantAdminPage(t, ed.PostForm("/admin/maintenance", url.Values{"name": {"Upgrade"}, "body": {"## Plan"}, "preview": {"1"}}), http.StatusOK)
		contains(t, body, "<h2>Plan</h2>", `value="Upgrade"`)

		// admin.js's endpoint: a fragment of sanitized HTML, CSRF-protected.
		rec := ed.PostForm("/admin/preview", url.Values{"body": {msg}})
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), "<p>We are <strong>on it</strong>.") || strings.Contains(rec.Body.String(), "<script") {
			t.Errorf("preview = %d %q", rec.Code, rec.Body)
		}
		wantAdminPage(t, ed.PostFormRaw("/admin/preview", url.Values{"body": {msg}}), http.StatusForbidden)
		wantAdminPage(t, ed.PostForm("/admin/preview", url.Values{"body": {strings.Repeat("x", models.MaxMessageLength+1)}}), http.StatusUnprocessableEntity)
		if after := tableCounts(t, db); after != before {
			t.Errorf("previews wrote: %s → %s", before, after)
		}
	})
}

// Deleting an incident is for administrators, after a confirmation page,
// and audited.
func TestConsoleDeleteIncident(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		admin := signIn(t, h, db, models.RoleAdmin)
		in := openIncident(t, db, models.NewIncident{Name: "Mistake"})
		page := "/admin/incidents/" + in.ID

		lacks(t, wantAdminPage(t, ed.Get(page), http.StatusOK), page+"/delete")
		wantAdminPage(t, ed.Get(page+"/delete"), http.StatusForbidden)
		wantAdminPage(t, ed.PostForm(page+"/delete", nil), http.StatusForbidden)
		if _, err := db.GetIncident(context.Background(), in.ID); err != nil {
			t.Fatalf("after an editor's delete: %v", err)
		}

		contains(t, wantAdminPage(t, admin.Get(page), http.StatusOK), `href="`+page+`/delete"`)
		body := wantAdminPage(t, admin.Get(page+"/delete"), http.StatusOK)
		contains(t, body, "Delete “Mistake”?", `action="`+page+`/delete"`, "Keep it")
		wantRedirect(t, admin.PostForm(page+"/delete", nil), "/admin/incidents?tab=all")
		if _, err := db.GetIncident(context.Background(), in.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("after delete: %v, want ErrNotFound", err)
		}
		contains(t, wantAdminPage(t, admin.Get("/admin/incidents?tab=all"), http.StatusOK), "Deleted “Mistake”.")
		wantAdminPage(t, admin.Get(page), http.StatusNotFound)
		wantPage(t, get(t, h, "/incidents/"+in.ID), http.StatusNotFound)
		wantAdminPage(t, admin.PostForm(page+"/delete", nil), http.StatusNotFound)
		if got := changeActions(t, db); got != "incident.delete" {
			t.Errorf("audit = %v", got)
		}
	})
}

func TestConsoleIncidentsAnonymous(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		signIn(t, h, db, models.RoleAdmin)
		in := openIncident(t, db, models.NewIncident{Name: "Errors"})
		c := newConsoleClient(t, h)
		for _, p := range []string{"/admin/incidents", "/admin/incidents/new", "/admin/incidents/" + in.ID, "/admin/maintenance/new", "/admin/components"} {
			wantRedirect(t, c.Get(p), "/admin/login?next="+url.QueryEscape(p))
		}
		before := tableCounts(t, db)
		wantRedirect(t, c.PostForm("/admin/incidents", url.Values{"name": {"x"}}), "/admin/login")
		wantRedirect(t, c.PostForm("/admin/incidents/"+in.ID+"/updates", url.Values{"status": {"resolved"}}), "/admin/login")
		wantRedirect(t, c.PostForm("/admin/preview", url.Values{"body": {"x"}}), "/admin/login")
		if after := tableCounts(t, db); after != before {
			t.Errorf("anonymous posts wrote: %s → %s", before, after)
		}
	})
}

func TestConsoleIncidentList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		start := time.Now().Add(-60 * 24 * time.Hour)
		for i := range 26 {
			in := openIncident(t, db, models.NewIncident{Name: "Old incident " + string(rune('A'+i)), StartedAt: start.Add(time.Duration(i) * time.Hour)})
			postUpdate(t, db, in.ID, models.NewUpdate{Status: models.Resolved, At: start.Add(time.Duration(i)*time.Hour + time.Minute)})
		}
		openIncident(t, db, models.NewIncident{Name: "Current trouble", Body: "Digging in."})
		from, until := time.Now().Add(48*time.Hour), time.Now().Add(50*time.Hour)
		openIncident(t, db, models.NewIncident{Kind: models.KindMaintenance, Name: "Disk swap", ScheduledFor: &from, ScheduledUntil: &until})

		body := wantAdminPage(t, ed.Get("/admin/incidents"), http.StatusOK)
		contains(t, body, "Current trouble", "Digging in.", `<a href="/admin/incidents" aria-current="page">Open incidents</a>`)
		lacks(t, body, "Old incident", "Disk swap")
		body = wantAdminPage(t, ed.Get("/admin/maintenance"), http.StatusOK)
		contains(t, body, "Disk swap", `<a href="/admin/maintenance" aria-current="page">Maintenance</a>`)
		lacks(t, body, "Current trouble")

		body = wantAdminPage(t, ed.Get("/admin/incidents?tab=all"), http.StatusOK)
		contains(t, body, "Disk swap", "Current trouble", "Page 1 of 2 · 28 in all", `href="/admin/incidents?page=2&amp;tab=all"`)
		lacks(t, body, "Old incident A<") // the oldest is on page 2
		body = wantAdminPage(t, ed.Get("/admin/incidents?tab=all&page=2"), http.StatusOK)
		contains(t, body, "Old incident A<", "Old incident C<", "Page 2 of 2")
		lacks(t, body, "Current trouble")
		wantAdminPage(t, ed.Get("/admin/incidents?tab=all&page=3"), http.StatusNotFound)

		body = wantAdminPage(t, ed.Get("/admin/incidents?tab=all&q=incident+z"), http.StatusOK)
		contains(t, body, "Old incident Z<", `value="incident z"`, `<input type="hidden" name="tab" value="all">`)
		lacks(t, body, "Old incident Y<", "Current trouble", "Page 1")
		contains(t, wantAdminPage(t, ed.Get("/admin/incidents?q=nothing+like+it"), http.StatusOK), "Nothing matches “nothing like it”.")
	})
}

// A maintenance is scheduled from its form (times in the page's zone) and
// moved through its statuses from its page.
func TestConsoleMaintenance(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		api := addComponent(t, db, models.Component{Name: "API"})
		db1 := addComponent(t, db, models.Component{Name: "Database"})

		body := wantAdminPage(t, ed.Get("/admin/maintenance/new"), http.StatusOK)
		contains(t, body, `name="component_ids" value="`+api.ID+`"`, `type="datetime-local"`, "In Europe/Berlin.",
			`id="f-auto_in_progress" name="auto_in_progress" value="1" checked`)

		// Bad windows: 422, the field named, nothing written.
		before := tableCounts(t, db)
		form := url.Values{"name": {"Database upgrade"}, "scheduled_for": {"2026-12-01T02:00"}, "scheduled_until": {"2026-12-01T01:00"},
			"component_ids": {db1.ID}, "body": {"Short downtime."}}
		body = wantAdminPage(t, ed.PostForm("/admin/maintenance", form), http.StatusUnprocessableEntity)
		if msg := fieldErrorOf(body, "scheduled_until"); msg != "Ends must be after scheduled_for" {
			t.Errorf("end before start: %q", msg)
		}
		contains(t, body, `value="2026-12-01T02:00"`, `value="`+db1.ID+`" checked`, "Short downtime.</textarea>")
		form.Set("scheduled_for", "")
		if msg := fieldErrorOf(wantAdminPage(t, ed.PostForm("/admin/maintenance", form), http.StatusUnprocessableEntity), "scheduled_for"); msg != "Starts must be given" {
			t.Errorf("no start: %q", msg)
		}
		form.Set("scheduled_for", "next tuesday")
		if msg := fieldErrorOf(wantAdminPage(t, ed.PostForm("/admin/maintenance", form), http.StatusUnprocessableEntity), "scheduled_for"); !strings.HasPrefix(msg, "Starts must be a date and time") {
			t.Errorf("malformed start: %q", msg)
		}
		form.Set("scheduled_for", "2026-12-01T00:00")
		form["component_ids"] = []string{"nosuchcomp"}
		body = wantAdminPage(t, ed.PostForm("/admin/maintenance", form), http.StatusUnprocessableEntity)
		if msg := fieldErrorOf(body, "component_ids"); msg != `Components under maintenance: no component with id "nosuchcomp"` {
			t.Errorf("unknown component: %q", msg)
		}
		if after := tableCounts(t, db); after != before {
			t.Errorf("refused maintenance wrote: %s → %s", before, after)
		}

		// Scheduled, in Berlin time (CET, UTC+1).
		form["component_ids"] = []string{db1.ID}
		form.Set("scheduled_until", "2026-12-01T03:30")
		form.Set("auto_complete", "1")
		form.Set("notify", "1")
		loc := seeOther(t, ed.PostForm("/admin/maintenance", form), "/admin/incidents/")
		in, err := db.GetIncident(context.Background(), strings.TrimPrefix(loc, "/admin/incidents/"))
		if err != nil {
			t.Fatal(err)
		}
		from, until := time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 2, 30, 0, 0, time.UTC)
		if in.Kind != models.KindMaintenance || in.Status != models.Scheduled || in.ScheduledFor == nil || !in.ScheduledFor.Equal(from) ||
			!in.ScheduledUntil.Equal(until) || in.ScheduledAutoInProgress || !in.ScheduledAutoCompleted || in.ScheduledRemindPrior ||
			len(in.Components) != 1 || in.Components[0].ID != db1.ID || !in.Events[0].DeliverNotifications {
			t.Fatalf("scheduled = %+v", in)
		}
		page := "/admin/incidents/" + in.ID
		wantRedirect(t, ed.Get("/admin/maintenance/"+in.ID), page)
		body = wantAdminPage(t, ed.Get(page), http.StatusOK)
		contains(t, body, "Scheduled the maintenance “Database upgrade”", `value="in_progress"`, `value="verifying"`, `value="completed"`,
			"When completing, set the affected components back to operational", `<a href="/admin/maintenance" aria-current="page">`,
			`value="2026-12-01T00:00"`)
		lacks(t, body, `value="investigating"`, `value="resolved"`)
		contains(t, wantAdminPage(t, ed.Get("/admin"), http.StatusOK), "Database upgrade")
		contains(t, wantPage(t, get(t, h, "/"), http.StatusOK), "Database upgrade")

		// Started (components under maintenance), verifying, completed.
		wantRedirect(t, ed.PostForm(page+"/updates", url.Values{"status": {"in_progress"}, "body": {"Started."},
			"component[" + db1.ID + "]": {"under_maintenance"}}), page)
		if s := componentStatus(t, db, db1.ID); s != models.UnderMaintenance {
			t.Errorf("Database is %s in progress", s)
		}
		if indicator, _ := banner(t, wantPage(t, get(t, h, "/"), http.StatusOK)); indicator != "maintenance" {
			t.Errorf("banner in progress = %s", indicator)
		}
		wantRedirect(t, ed.PostForm(page+"/updates", url.Values{"status": {"verifying"}, "body": {"Checking."}}), page)
		wantAdminPage(t, ed.PostForm(page+"/updates", url.Values{"status": {"resolved"}}), http.StatusUnprocessableEntity)
		wantRedirect(t, ed.PostForm(page+"/updates", url.Values{"status": {"completed"}, "body": {"Done."}, "restore_components": {"1"}}), page)
		got, _ := db.GetIncident(context.Background(), in.ID)
		if got.Status != models.Completed || got.ResolvedAt == nil || got.MonitoringAt == nil {
			t.Errorf("completed = %+v", got)
		}
		if s := componentStatus(t, db, db1.ID); s != models.Operational {
			t.Errorf("Database is %s once completed", s)
		}
		if s := componentStatus(t, db, api.ID); s != models.Operational {
			t.Errorf("API is %s", s)
		}
		contains(t, wantPage(t, get(t, h, "/incidents/"+in.ID), http.StatusOK), "Started.", "Checking.", "Done.")

		// Its window and automation are edited from its page.
		wantAdminPage(t, ed.PostForm(page+"/details", url.Values{"name": {"Database upgrade"}, "scheduled_for": {"2026-12-01T05:00"},
			"scheduled_until": {"2026-12-01T04:00"}}), http.StatusUnprocessableEntity)
		wantRedirect(t, ed.PostForm(page+"/details", url.Values{"name": {"Database upgrade v2"}, "scheduled_for": {"2026-12-01T00:00"},
			"scheduled_until": {"2026-12-01T05:00"}, "remind_prior": {"1"}}), page)
		got, _ = db.GetIncident(context.Background(), in.ID)
		if got.Name != "Database upgrade v2" || !got.ScheduledUntil.Equal(time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC)) ||
			got.ScheduledAutoCompleted || !got.ScheduledRemindPrior || got.Impact != models.ImpactMaintenance {
			t.Errorf("after editing details = %+v", got)
		}
		want := "maintenance.create,incident.update,incident.update,incident.update,incident.edit"
		if got := changeActions(t, db); got != want {
			t.Errorf("audit = %s, want %s", got, want)
		}
	})
}

// The dashboard: open incidents with their latest update and a quick
// update form, maintenance, and every component's status, one form each.
func TestConsoleDashboard(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		body := wantAdminPage(t, ed.Get("/admin"), http.StatusOK)
		contains(t, body, "No open incidents.", `href="/admin/incidents/new">Open incident</a>`, `href="/admin/maintenance/new">Schedule maintenance</a>`)

		grp := addComponent(t, db, models.Component{Name: "Core", IsGroup: true})
		api := addComponent(t, db, models.Component{Name: "API", GroupID: &grp.ID})
		web := addComponent(t, db, models.Component{Name: "Website"})
		in := openIncident(t, db, models.NewIncident{Name: "Errors", Body: "We are *looking*.", Components: map[string]string{api.ID: models.PartialOutage}})
		body = wantAdminPage(t, ed.Get("/admin"), http.StatusOK)
		contains(t, body, `<a href="/admin/incidents/`+in.ID+`">Errors</a>`, "We are <em>looking</em>.",
			`action="/admin/incidents/`+in.ID+`/updates"`, `id="q-`+in.ID+`-status" name="status" value="investigating" checked`,
			`id="q-`+in.ID+`-notify" name="notify" value="1" checked`,
			`action="/admin/components/`+api.ID+`/status"`, `action="/admin/components/`+web.ID+`/status"`)
		lacks(t, body, `action="/admin/components/`+grp.ID+`/status"`) // a group's status is its members'

		// A quick update goes back to the dashboard.
		wantRedirect(t, ed.PostForm("/admin/incidents/"+in.ID+"/updates", url.Values{"status": {"monitoring"}, "body": {"Fix deployed."},
			"notify": {"1"}, "restore_components": {"1"}, "next": {"/admin"}}), "/admin")
		body = wantAdminPage(t, ed.Get("/admin"), http.StatusOK)
		contains(t, body, "Posted “Monitoring” on Errors.", "Fix deployed.", `value="monitoring" checked`)
		if s := componentStatus(t, db, api.ID); s != models.PartialOutage {
			t.Errorf("API is %s after monitoring", s)
		}
		// A bad quick update shows the incident's page with the problem.
		body = wantAdminPage(t, ed.PostForm("/admin/incidents/"+in.ID+"/updates", url.Values{"status": {"monitoring"}, "body": {""}, "next": {"/admin"}}),
			http.StatusUnprocessableEntity)
		contains(t, body, "<h1>Errors</h1>")
		if msg := fieldErrorOf(body, "body"); !strings.HasPrefix(msg, "Message must not be empty") {
			t.Errorf("empty quick update: %q", msg)
		}
		// "next" never leaves the console.
		wantRedirect(t, ed.PostForm("/admin/incidents/"+in.ID+"/updates", url.Values{"status": {"monitoring"}, "body": {"Still fine."}, "next": {"https://evil.test/"}}), "/admin")

		// Quick status of a component, then resolve from the dashboard.
		wantRedirect(t, ed.PostForm("/admin/components/"+web.ID+"/status", url.Values{"status": {"degraded_performance"}, "next": {"/admin"}}), "/admin")
		if s := componentStatus(t, db, web.ID); s != models.DegradedPerformance {
			t.Errorf("Website is %s", s)
		}
		contains(t, wantAdminPage(t, ed.Get("/admin"), http.StatusOK), "Website is now Degraded Performance.")
		wantRedirect(t, ed.PostForm("/admin/incidents/"+in.ID+"/updates", url.Values{"status": {"resolved"}, "body": {"Resolved."},
			"restore_components": {"1"}, "next": {"/admin"}}), "/admin")
		if s := componentStatus(t, db, api.ID); s != models.Operational {
			t.Errorf("API is %s after resolving from the dashboard", s)
		}
		if s := componentStatus(t, db, web.ID); s != models.DegradedPerformance {
			t.Errorf("Website (not part of the incident) is %s", s)
		}
		body = wantAdminPage(t, ed.Get("/admin"), http.StatusOK)
		contains(t, body, "No open incidents.")
	})
}
