package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

func TestConsolePublishPostmortem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		p := pmResolved(t, db, "Checkout errors")
		pm := startPM(t, ed, db, p)
		state := func() string { return pmState(t, db, p.in.ID) }

		// Empty: every section cleared; publishing says why, changes nothing.
		f := pmForm(t, pm)
		f.Set("impact", "")
		wantRedirect(t, ed.PostForm(p.editor+"/save", f), p.editor)
		before := state()
		body := wantAdminPage(t, ed.PostForm(p.editor+"/publish", url.Values{"notify": {"1"}}), http.StatusUnprocessableEntity)
		contains(t, body, `<a href="#f-sections">Sections the postmortem is empty`, "Write at least one section before publishing.")
		if state() != before || pmNotifications(t, db, p.in.ID) != 0 {
			t.Fatal("publishing an empty postmortem changed something")
		}

		// The blameless check warns about the operator's name and blaming
		// words, on the editor and the preview; it does not block.
		f = pmForm(t, getPM(t, db, p.in.ID))
		f.Set("summary", "The API **failed** for an hour.")
		f.Set("root_cause", "A careless config change by "+ed.User.Name+".")
		wantRedirect(t, ed.PostForm(p.editor+"/save", f), p.editor)
		wantRedirect(t, ed.PostForm(p.add, url.Values{"title": {"Add a canary"}, "owner": {"Secret owner"},
			"url": {"https://tracker.example.com/OPS-1"}, "url_public": {"1"}}), p.editor+"#action-items")
		body = wantAdminPage(t, ed.Get(p.editor), http.StatusOK)
		contains(t, body, "Blameless check", "Root cause names "+ed.User.Name, "Root cause says &#34;careless&#34;")
		body = wantAdminPage(t, ed.Get(p.preview), http.StatusOK)
		contains(t, body, "Blameless check", "Draft – not public", "<strong>failed</strong>", "Root cause", "Add a canary",
			`href="https://tracker.example.com/OPS-1"`, "Rolled back.", "Time to resolution")
		// Sections without text, internal entries and owners stay out.
		lacks(t, body, "Where we got lucky", "Paged the database team", "Rollback started", "Secret owner")

		// Without the CSRF token: 403, not published.
		if rec := ed.PostFormRaw(p.editor+"/publish", url.Values{"notify": {"1"}}); rec.Code != http.StatusForbidden {
			t.Fatalf("publish without CSRF token: %d", rec.Code)
		}
		if getPM(t, db, p.in.ID).Published() {
			t.Fatal("published without the CSRF token")
		}

		// Publish, notifying: exactly one notification; the incident's status is "postmortem".
		wantRedirect(t, ed.PostForm(p.editor+"/publish", url.Values{"notify": {"1"}}), p.editor)
		pm = getPM(t, db, p.in.ID)
		if !pm.Published() || !pm.NotifiedSubscribers || pm.Revision != 1 {
			t.Fatalf("published = %+v", pm)
		}
		if n := pmNotifications(t, db, p.in.ID); n != 1 {
			t.Errorf("%d notifications, want 1", n)
		}
		if in, _ := db.GetIncident(context.Background(), p.in.ID); in.Status != models.StatusPostmortem {
			t.Errorf("incident status = %s", in.Status)
		}
		body = wantAdminPage(t, ed.Get(p.editor), http.StatusOK)
		contains(t, body, "Published the postmortem; subscribers will be notified.", "Subscribers were notified.",
			"Unpublish", "Revision 1 (latest)", "Save changes")
		lacks(t, body, "data-autosave", `name="notify"`)
		// Publishing again notifies no one twice.
		wantRedirect(t, ed.PostForm(p.editor+"/publish", url.Values{"notify": {"1"}}), p.editor)
		if n := pmNotifications(t, db, p.in.ID); n != 1 {
			t.Errorf("%d notifications after publishing twice, want 1", n)
		}

		// A later edit is a revision, and notifies no one.
		f = pmForm(t, pm)
		f.Set("summary", "The API failed for an hour and five minutes.")
		wantRedirect(t, ed.PostForm(p.editor+"/save", f), p.editor)
		body = wantAdminPage(t, ed.Get(p.editor), http.StatusOK)
		contains(t, body, "Saved. The public postmortem shows the change (revision 2).", "Revision 2 (latest)", "Revision 1 ·",
			"The API <strong>failed</strong> for an hour.") // revision 1 as it was
		if n := pmNotifications(t, db, p.in.ID); n != 1 {
			t.Errorf("%d notifications after an edit, want 1", n)
		}

		// Unpublish: a draft again, the incident resolved; audited. Twice is a 409.
		if rec := ed.PostFormRaw(p.editor+"/unpublish", url.Values{}); rec.Code != http.StatusForbidden {
			t.Errorf("unpublish without CSRF token: %d", rec.Code)
		}
		wantRedirect(t, ed.PostForm(p.editor+"/unpublish", url.Values{}), p.editor)
		pm = getPM(t, db, p.in.ID)
		if pm.Published() {
			t.Fatal("still published")
		}
		if in, _ := db.GetIncident(context.Background(), p.in.ID); in.Status != models.Resolved {
			t.Errorf("incident status after unpublish = %s", in.Status)
		}
		body = wantAdminPage(t, ed.Get(p.editor), http.StatusOK)
		contains(t, body, "Unpublished the postmortem", "were notified when it was first published", "Revision 2 (latest)")
		lacks(t, body, `name="notify"`)
		wantAdminPage(t, ed.PostForm(p.editor+"/unpublish", url.Values{}), http.StatusConflict)

		// Anonymous visitors see nothing and change nothing.
		anon := newConsoleClient(t, h)
		seeOther(t, anon.Get(p.preview), "/admin/login")
		seeOther(t, anon.Get(p.editor+"/delete"), "/admin/login")
		if rec := anon.PostFormRaw(p.editor+"/publish", url.Values{}); rec.Code != http.StatusForbidden {
			t.Errorf("anonymous publish: %d", rec.Code)
		}

		// Delete, after a confirmation page: everything goes; the panel offers to start again.
		body = wantAdminPage(t, ed.Get(p.editor+"/delete"), http.StatusOK)
		contains(t, body, "Delete the postmortem", "its 1 action item,")
		if rec := ed.PostFormRaw(p.editor+"/delete", url.Values{}); rec.Code != http.StatusForbidden {
			t.Errorf("delete without CSRF token: %d", rec.Code)
		}
		wantRedirect(t, ed.PostForm(p.editor+"/delete", url.Values{}), "/admin/incidents/"+p.in.ID+"#postmortem")
		for _, table := range []string{"postmortems", "postmortem_sections", "postmortem_timeline_entries", "postmortem_revisions", "action_items"} {
			if n := countRows(t, db, table, "1 = 1"); n != 0 {
				t.Errorf("%s has %d rows after delete", table, n)
			}
		}
		body = wantAdminPage(t, ed.Get("/admin/incidents/"+p.in.ID), http.StatusOK)
		contains(t, body, "Deleted the postmortem of “Checkout errors”.", "Start the postmortem")
		wantAdminPage(t, ed.Get(p.preview), http.StatusNotFound)
		if got := changeActions(t, db); got != "postmortem.start,postmortem.save,postmortem.save,action_item.create,"+
			"postmortem.publish,postmortem.publish,postmortem.save,postmortem.unpublish,postmortem.delete" {
			t.Errorf("audit = %s", got)
		}
	})
}

// The first publication offers to notify, ticked; publishing without it
// leaves a later "notify subscribers now".
func TestConsolePublishWithoutNotify(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		p := pmResolved(t, db, "Checkout errors")
		startPM(t, ed, db, p)
		body := wantAdminPage(t, ed.Get(p.preview), http.StatusOK)
		contains(t, body, `id="f-notify" name="notify" value="1" checked`)
		lacks(t, body, "Blameless check")
		// No summary yet: publishing it asks for the tick.
		wantAdminPage(t, ed.PostForm(p.editor+"/publish", url.Values{}), http.StatusUnprocessableEntity)
		wantRedirect(t, ed.PostForm(p.editor+"/publish", url.Values{"incomplete": {"1"}}), p.editor)
		if n := pmNotifications(t, db, p.in.ID); n != 0 {
			t.Fatalf("%d notifications without notify", n)
		}
		body = wantAdminPage(t, ed.Get(p.editor), http.StatusOK)
		contains(t, body, "Published the postmortem.", "Subscribers were not notified.", "Notify subscribers now")
		// Back to draft: published once already, "notify" is no longer ticked.
		wantRedirect(t, ed.PostForm(p.editor+"/unpublish", url.Values{}), p.editor)
		body = wantAdminPage(t, ed.Get(p.editor), http.StatusOK)
		contains(t, body, `id="f-notify" name="notify" value="1" form="pm-form" aria-describedby="f-notify-hint">`)
		wantRedirect(t, ed.PostForm(p.editor+"/publish", url.Values{"notify": {"1"}, "incomplete": {"1"}}), p.editor)
		if n := pmNotifications(t, db, p.in.ID); n != 1 {
			t.Errorf("%d notifications after notifying later, want 1", n)
		}
		contains(t, wantAdminPage(t, ed.Get(p.editor), http.StatusOK), "Published the postmortem; subscribers will be notified.")
		// A published one not notified yet can be notified later.
		p2 := pmResolved(t, db, "Login errors")
		startPM(t, ed, db, p2)
		wantRedirect(t, ed.PostForm(p2.editor+"/publish", url.Values{"incomplete": {"1"}}), p2.editor)
		wantRedirect(t, ed.PostForm(p2.editor+"/publish", url.Values{"notify": {"1"}}), p2.editor)
		if n := pmNotifications(t, db, p2.in.ID); n != 1 {
			t.Errorf("%d notifications after notifying later, want 1", n)
		}
		contains(t, wantAdminPage(t, ed.Get(p2.editor), http.StatusOK), "Subscribers will be notified of the postmortem.", "Subscribers were notified.")
	})
}

// The editor's Publish button submits the editor form to the publish
// route: what was typed is saved first, in the same transaction, and is
// what gets published (issue 14). A draft without a summary or root cause
// is published only when "incomplete" is ticked; until then nothing is
// saved and the editor shows the text as sent.
func TestConsolePublishSavesTheEditor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		p := pmResolved(t, db, "Checkout errors")
		pm := startPM(t, ed, db, p)

		// The editor's Publish button belongs to the editor form.
		body := wantAdminPage(t, ed.Get(p.editor), http.StatusOK)
		contains(t, body, `form="pm-form" formaction="`+p.editor+`/publish"`, `id="f-incomplete" name="incomplete" value="1" form="pm-form"`)

		// Typed, not saved: a summary, no root cause. Publishing asks first.
		f := pmForm(t, pm)
		f.Set("summary", "Checkouts failed for ten minutes.")
		f.Set("notify", "1")
		before := pmState(t, db, p.in.ID)
		body = wantAdminPage(t, ed.PostForm(p.editor+"/publish", f), http.StatusUnprocessableEntity)
		contains(t, body, `<a href="#f-incomplete">`, "must be ticked: the summary or the root cause is empty",
			">Checkouts failed for ten minutes.</textarea>")
		if pmState(t, db, p.in.ID) != before || getPM(t, db, p.in.ID).Published() {
			t.Fatal("a refused publication saved or published something")
		}

		// With the root cause typed too: saved and published in one go.
		f.Set("root_cause", "A configuration change disabled the payment client.")
		wantRedirect(t, ed.PostForm(p.editor+"/publish", f), p.editor)
		pm = getPM(t, db, p.in.ID)
		if !pm.Published() || pm.SectionBody("summary") != "Checkouts failed for ten minutes." ||
			pm.SectionBody("root_cause") != "A configuration change disabled the payment client." {
			t.Fatalf("published %+v without the typed text", pm.SectionMap())
		}
		if n := pmNotifications(t, db, p.in.ID); n != 1 {
			t.Errorf("%d notifications, want 1", n)
		}
		page := get(t, h, "/incidents/"+p.in.ID)
		contains(t, page.Body.String(), "Checkouts failed for ten minutes.", "A configuration change disabled the payment client.")
		revs, err := db.ListPostmortemRevisions(context.Background(), p.in.ID)
		if err != nil || len(revs) != 1 {
			t.Fatalf("revisions = %d, %v", len(revs), err)
		}
		content, _ := revs[0].Decode()
		if len(content.Sections) == 0 || !strings.Contains(content.Sections[0].BodyHTML, "Checkouts failed for ten minutes.") {
			t.Errorf("revision 1 = %+v", content.Sections)
		}

		// Without JS or from the preview, "incomplete" lets an incomplete
		// draft out.
		p2 := pmResolved(t, db, "Login errors")
		pm2 := startPM(t, ed, db, p2)
		f = pmForm(t, pm2)
		f.Set("summary", "Logins failed.")
		f.Set("incomplete", "1")
		wantRedirect(t, ed.PostForm(p2.editor+"/publish", f), p2.editor)
		if pm2 = getPM(t, db, p2.in.ID); !pm2.Published() || pm2.SectionBody("summary") != "Logins failed." {
			t.Fatalf("published = %v, summary %q", pm2.Published(), pm2.SectionBody("summary"))
		}
		if got := changeActions(t, db); !strings.HasSuffix(got, "postmortem.publish,postmortem.start,postmortem.publish") {
			t.Errorf("audit = %s", got)
		}
	})
}

// The blameless check runs on the text as typed (admin.js posts the editor
// form to /check) and finds a first name followed by a verb of omission;
// the saved text's check on the editor finds it too.
func TestConsoleBlamelessCheckAsTyped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		p := pmResolved(t, db, "Checkout errors")
		pm := startPM(t, ed, db, p)
		body := wantAdminPage(t, ed.Get(p.editor), http.StatusOK)
		contains(t, body, `data-blameless-check="`+p.editor+`/check"`)

		f := pmForm(t, pm)
		f.Set("root_cause", "The rollout went out and Dave forgot to run the canary.")
		f.Set("summary", "The deploy failed to finish.")
		before := pmState(t, db, p.in.ID)
		rec, out := autosave(t, ed, p.editor+"/check", f)
		if rec.Code != http.StatusOK {
			t.Fatalf("check: %d %s", rec.Code, rec.Body)
		}
		warnings, _ := out["warnings"].([]any)
		if len(warnings) != 1 {
			t.Fatalf("warnings = %v, want Dave forgot only", out)
		}
		w := warnings[0].(map[string]any)
		if w["section"] != "root_cause" || w["term"] != "Dave forgot" || !strings.Contains(w["message"].(string), "Root cause") {
			t.Errorf("warning = %v", w)
		}
		if pmState(t, db, p.in.ID) != before {
			t.Error("the check saved something")
		}
		// Clean text: no warnings (an empty list, not null).
		f.Set("root_cause", "The rollout skipped the canary stage.")
		if _, out = autosave(t, ed, p.editor+"/check", f); fmt.Sprint(out["warnings"]) != "[]" {
			t.Errorf("clean text: %v", out)
		}
		// Without the CSRF token: 403.
		if rec := ed.PostFormRaw(p.editor+"/check", f); rec.Code != http.StatusForbidden {
			t.Errorf("check without CSRF token: %d", rec.Code)
		}
		// Saved, the editor's own check says so too.
		f.Set("root_cause", "Then Priya didn't page the database team.")
		wantRedirect(t, ed.PostForm(p.editor+"/save", f), p.editor)
		contains(t, wantAdminPage(t, ed.Get(p.editor), http.StatusOK), "Blameless check", "Root cause says &#34;Priya didn&#39;t&#34;")
	})
}
