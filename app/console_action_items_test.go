package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

func TestConsoleActionItems(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		p := pmResolved(t, db, "Checkout errors")
		other := pmResolved(t, db, "Login errors")
		startPM(t, ed, db, p)
		startPM(t, ed, db, other)
		items := func() int64 { return countRows(t, db, "action_items", "1 = 1") }

		// Bad input: a 422 naming the field, nothing written.
		for _, tc := range []struct {
			name, field string
			form        url.Values
		}{
			{"no title", "title", url.Values{"title": {"  "}, "status": {"open"}}},
			{"no title field", "title", url.Values{"owner": {"SRE"}}},
			{"malformed date", "due_date", url.Values{"title": {"Add a canary"}, "due_date": {"05/01/2026"}}},
			{"impossible date", "due_date", url.Values{"title": {"Add a canary"}, "due_date": {"2026-02-30"}}},
			{"unknown status", "status", url.Values{"title": {"Add a canary"}, "status": {"maybe"}}},
			{"not a web link", "url", url.Values{"title": {"Add a canary"}, "url": {"ftp://files.example.com/plan"}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				body := wantAdminPage(t, ed.PostForm(p.add, tc.form), http.StatusUnprocessableEntity)
				if fieldErrorOf(body, tc.field) == "" {
					t.Errorf("no error next to %s", tc.field)
				}
				contains(t, body, `<a href="#f-`+tc.field+`">`)
				if n := items(); n != 0 {
					t.Errorf("%d action items written", n)
				}
			})
		}

		// Add three: overdue, due later, no due date.
		today := time.Now().In(berlin(t))
		past, later := today.AddDate(0, 0, -3).Format(time.DateOnly), today.AddDate(0, 1, 0).Format(time.DateOnly)
		wantRedirect(t, ed.PostForm(p.add, url.Values{"title": {"Alert on config drift"}, "owner": {"Platform team"},
			"due_date": {later}, "status": {"in_progress"}, "url": {"https://tracker.example.com/OPS-2"}}), p.editor+"#action-items")
		wantRedirect(t, ed.PostForm(p.add, url.Values{"title": {"Add a canary"}, "owner": {"SRE"}, "due_date": {past},
			"status": {"open"}, "url": {""}}), p.editor+"#action-items")
		wantRedirect(t, ed.PostForm(other.add, url.Values{"title": {"Write a runbook"}}), other.editor+"#action-items")
		contains(t, wantAdminPage(t, ed.Get(other.editor), http.StatusOK), "Added the action item “Write a runbook”.")
		// A script link is refused too (its value is shown back, inert, in the field).
		body := wantPage(t, ed.PostForm(p.add, url.Values{"title": {"Add a canary"}, "url": {"javascript:alert(1)"}}), http.StatusUnprocessableEntity)
		if fieldErrorOf(body, "url") == "" || items() != 3 {
			t.Errorf("script link: error %q, %d items", fieldErrorOf(body, "url"), items())
		}
		list, err := db.ListActionItems(context.Background(), p.in.ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("action items = %+v, %v", list, err)
		}
		drift, canary := list[0], list[1]
		if drift.Title != "Alert on config drift" || drift.Owner != "Platform team" || drift.DueDateString() != later ||
			drift.Status != models.ActionInProgress || drift.URL != "https://tracker.example.com/OPS-2" {
			t.Errorf("first item = %+v", drift)
		}
		body = wantAdminPage(t, ed.Get(p.editor), http.StatusOK)
		contains(t, body, "Platform team", `<a class="excerpt" href="https://tracker.example.com/OPS-2"`)
		contains(t, timelineRow(t, body, "Add a canary"), "overdue")

		// Every open item across incidents, overdue first; linked from the nav.
		body = wantAdminPage(t, ed.Get("/admin/action-items"), http.StatusOK)
		contains(t, body, `<a href="/admin/action-items" aria-current="page">Action items</a>`, "1 overdue")
		inOrder(t, body, "Add a canary", "Alert on config drift", "Write a runbook")
		contains(t, timelineRow(t, body, "Write a runbook"), `href="`+other.editor+`#action-items">Login errors</a>`)

		// Edit: bad input shows the form again, nothing written.
		itemURL := p.add + "/" + canary.ID
		body = wantAdminPage(t, ed.Get(itemURL+"/edit"), http.StatusOK)
		contains(t, body, `value="Add a canary"`, `value="`+past+`"`, `<option value="open" selected>`)
		before := pmState(t, db, p.in.ID)
		for field, value := range map[string]string{"title": "", "due_date": "2026-13-40", "url": "ftp://x"} {
			form := url.Values{"title": {"Add a canary"}, "owner": {"SRE"}, "due_date": {past}, "status": {"open"}, "url": {""}}
			form.Set(field, value)
			body = wantAdminPage(t, ed.PostForm(itemURL, form), http.StatusUnprocessableEntity)
			if fieldErrorOf(body, field) == "" {
				t.Errorf("no error next to %s", field)
			}
			if pmState(t, db, p.in.ID) != before {
				t.Errorf("a bad %s changed the action items", field)
			}
		}
		wantRedirect(t, ed.PostForm(itemURL, url.Values{"title": {"Add a canary release"}, "owner": {""}, "due_date": {""},
			"status": {"open"}, "url": {""}}), p.editor+"#action-items")
		// The list's quick form sets the status only, and comes back.
		wantRedirect(t, ed.PostForm(itemURL, url.Values{"status": {"done"}, "next": {"/admin/action-items"}}), "/admin/action-items")
		list, _ = db.ListActionItems(context.Background(), p.in.ID)
		if c := list[1]; c.Title != "Add a canary release" || c.Owner != "" || c.DueDate != nil || c.Status != models.ActionDone || c.CompletedAt == nil {
			t.Errorf("edited item = %+v", c)
		}
		body = wantAdminPage(t, ed.Get("/admin/action-items"), http.StatusOK)
		contains(t, body, "Saved the action item “Add a canary release” (Done).")
		lacks(t, body, `id="item-`+canary.ID+`"`, "tag-warn")

		// Another incident's item is not found through this one.
		wantAdminPage(t, ed.Get(other.add+"/"+canary.ID+"/edit"), http.StatusNotFound)
		wantAdminPage(t, ed.PostForm(other.add+"/"+canary.ID+"/delete", url.Values{}), http.StatusNotFound)
		if rec := ed.PostFormRaw(itemURL+"/delete", url.Values{}); rec.Code != http.StatusForbidden {
			t.Errorf("delete without CSRF token: %d", rec.Code)
		}
		if n := items(); n != 3 {
			t.Fatalf("%d action items, want 3", n)
		}

		// Delete.
		wantRedirect(t, ed.PostForm(itemURL+"/delete", url.Values{}), p.editor+"#action-items")
		if n := items(); n != 2 {
			t.Errorf("%d action items after delete, want 2", n)
		}
		// Anonymous: sent to sign in.
		seeOther(t, newConsoleClient(t, h).Get("/admin/action-items"), "/admin/login")
		if got := changeActions(t, db); got != "postmortem.start,postmortem.start,action_item.create,action_item.create,"+
			"action_item.create,action_item.update,action_item.update,action_item.delete" {
			t.Errorf("audit = %s", got)
		}
	})
}

// timelineRow returns the table row of a console page that holds text.
func timelineRow(t *testing.T, body, text string) string {
	t.Helper()
	for _, row := range strings.Split(body, "<tr")[1:] {
		if strings.Contains(row, text) {
			return row[:strings.Index(row, "</tr>")]
		}
	}
	t.Fatalf("no table row holds %q", text)
	return ""
}
