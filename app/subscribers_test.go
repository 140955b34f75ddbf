package app_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// upload posts a CSV file (and fields) as multipart/form-data, with the
// session's CSRF token.
func (c *consoleClient) upload(path, filename, content string, fields url.Values) *httptest.ResponseRecorder {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", c.CSRF())
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if filename != "" {
		fw, err := mw.CreateFormFile("file", filename)
		if err != nil {
			c.t.Fatal(err)
		}
		fw.Write([]byte(content))
	}
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req)
}

func TestConsoleSubscribers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		e := newSubscriberEnv(t, db)
		wantRedirect(t, newConsoleClient(t, e.h).Get("/admin/subscribers"), "/admin/setup")
		ed := signIn(t, e.h, db, models.RoleEditor)
		wantRedirect(t, newConsoleClient(t, e.h).Get("/admin/subscribers"), "/admin/login?next=%2Fadmin%2Fsubscribers")

		body := wantAdminPage(t, ed.Get("/admin/subscribers"), http.StatusOK)
		contains(t, body, "<h1>Subscribers</h1>", "No subscribers yet.", `href="/admin/subscribers/new"`,
			`href="/admin/subscribers/import"`, `href="/admin/subscribers/export.csv"`, `<a href="/admin/subscribers" aria-current="page">Subscribers</a>`)

		// Add: the form, then one confirmed at once and one asked to confirm.
		body = wantAdminPage(t, ed.Get("/admin/subscribers/new"), http.StatusOK)
		contains(t, body, "<h1>Add subscriber</h1>", `name="skip_confirmation"`, `<label for="c-`+e.api.ID+`">API</label>`)
		wantRedirect(t, ed.PostForm("/admin/subscribers", url.Values{"email": {"Vouched@Example.com"}, "skip_confirmation": {"1"},
			"component_ids": {e.group.ID}, "kinds": {"incidents", "maintenance"}}), "/admin/subscribers")
		vouched := e.subscriber("vouched@example.com")
		if vouched.Status != models.SubscriberConfirmed || vouched.Source != models.SourceConsole || len(vouched.ComponentIDs) != 1 ||
			vouched.NotifyPostmortems || confirmationsQueued(t, db, vouched) != 0 {
			t.Errorf("vouched = %+v", vouched)
		}
		wantRedirect(t, ed.PostForm("/admin/subscribers", url.Values{"email": {"asked@example.com"}, "kinds": {"incidents"}}), "/admin/subscribers")
		asked := e.subscriber("asked@example.com")
		if asked.Status != models.SubscriberPending || confirmationsQueued(t, db, asked) != 1 {
			t.Errorf("asked = %+v", asked)
		}
		body = wantAdminPage(t, ed.Get("/admin/subscribers"), http.StatusOK)
		contains(t, body, "Added asked@example.com; they get an email to confirm.", "1 confirmed · 1 waiting for confirmation · 0 unsubscribed",
			"Vouched@Example.com", "Europe (group)", "incidents, maintenance", "asked@example.com", "Everything", ">pending<", ">confirmed<")

		// Bad input: the form again, 4xx, nothing written.
		before := subscriberRows(t, db)
		body = wantAdminPage(t, ed.PostForm("/admin/subscribers", url.Values{"email": {"bad\r\nBcc: x@example.com"}, "kinds": {"incidents"}}), http.StatusUnprocessableEntity)
		if msg := fieldErrorOf(body, "email"); !strings.Contains(msg, "line breaks") {
			t.Errorf("email error %q", msg)
		}
		body = wantAdminPage(t, ed.PostForm("/admin/subscribers", url.Values{"email": {"new@example.com"}, "kinds": {"incidents"}, "component_ids": {"nosuch"}}), http.StatusUnprocessableEntity)
		contains(t, body, `id="components-error"`, `value="new@example.com"`)
		wantAdminPage(t, ed.PostForm("/admin/subscribers", url.Values{"email": {"new@example.com"}}), http.StatusUnprocessableEntity) // no kind
		body = wantAdminPage(t, ed.PostForm("/admin/subscribers", url.Values{"email": {"ASKED@example.com"}, "kinds": {"incidents"}}), http.StatusConflict)
		contains(t, body, "asked@example.com is already subscribed, waiting for their confirmation.")
		if after := subscriberRows(t, db); after != before {
			t.Errorf("bad input changed the database:\n%s\n%s", before, after)
		}

		// Search and filter.
		body = wantAdminPage(t, ed.Get("/admin/subscribers?q=VOUCH"), http.StatusOK)
		contains(t, body, "Vouched@Example.com", `href="/admin/subscribers/export.csv?q=VOUCH"`)
		lacks(t, body, "asked@example.com")
		body = wantAdminPage(t, ed.Get("/admin/subscribers?status=pending"), http.StatusOK)
		contains(t, body, "asked@example.com", `<option value="pending" selected>`)
		lacks(t, body, "Vouched@Example.com")
		contains(t, wantAdminPage(t, ed.Get("/admin/subscribers?q=nobody"), http.StatusOK), "No subscriber matches.")
		wantAdminPage(t, ed.Get("/admin/subscribers?status=bounced"), http.StatusBadRequest)
		wantAdminPage(t, ed.Get("/admin/subscribers?page=0"), http.StatusBadRequest)

		// Unsubscribe, then remove.
		wantRedirect(t, ed.PostForm("/admin/subscribers/"+vouched.ID+"/unsubscribe", nil), "/admin/subscribers")
		if got := e.subscriber("vouched@example.com"); got.Status != models.SubscriberUnsubscribed {
			t.Errorf("after unsubscribe: %+v", got)
		}
		wantRedirect(t, ed.PostForm("/admin/subscribers/"+vouched.ID+"/delete", nil), "/admin/subscribers")
		if _, err := db.GetSubscriber(context.Background(), vouched.ID); err == nil {
			t.Error("removed subscriber still there")
		}
		wantAdminPage(t, ed.PostForm("/admin/subscribers/"+vouched.ID+"/delete", nil), http.StatusNotFound)
		wantAdminPage(t, ed.PostFormRaw("/admin/subscribers/"+asked.ID+"/delete", nil), http.StatusForbidden) // no CSRF token
		e.subscriber("asked@example.com")

		acts := strings.Join(auditActions(t, db), " ")
		if !strings.Contains(acts, "subscriber.create subscriber.create subscriber.unsubscribe subscriber.delete") {
			t.Errorf("audit log: %s", acts)
		}
	})
}

func TestConsoleSubscriberPaging(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		e := newSubscriberEnv(t, db)
		var file strings.Builder
		file.WriteString("email\n")
		for i := 0; i < 120; i++ {
			fmt.Fprintf(&file, "user%03d@example.com\n", i)
		}
		if _, err := db.ImportSubscribers(context.Background(), strings.NewReader(file.String()), true, time.Now()); err != nil {
			t.Fatal(err)
		}
		ed := signIn(t, e.h, db, models.RoleEditor)
		body := wantAdminPage(t, ed.Get("/admin/subscribers?q=user"), http.StatusOK)
		contains(t, body, "Page 1 of 3 · 120 subscribers", `href="/admin/subscribers?page=2&amp;q=user" class="pager-older" rel="next"`)
		if n := strings.Count(body, "/unsubscribe\""); n != 50 {
			t.Errorf("page 1 lists %d subscribers, want 50", n)
		}
		body = wantAdminPage(t, ed.Get("/admin/subscribers?q=user&page=3"), http.StatusOK)
		contains(t, body, "Page 3 of 3", `href="/admin/subscribers?page=2&amp;q=user" rel="prev"`)
		if n := strings.Count(body, "/unsubscribe\""); n != 20 {
			t.Errorf("page 3 lists %d subscribers, want 20", n)
		}
	})
}

func TestConsoleSubscriberImportExport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		e := newSubscriberEnv(t, db)
		ed := signIn(t, e.h, db, models.RoleEditor)
		body := wantAdminPage(t, ed.Get("/admin/subscribers/import"), http.StatusOK)
		contains(t, body, "<h1>Import subscribers</h1>", `enctype="multipart/form-data"`, `<label for="f-file">CSV file</label>`)

		file := "email,components,maintenance\n" +
			"ann@example.com,Europe,no\n" +
			"bad address,,\n" +
			"bob@example.com,Nowhere,\n" +
			"\"cy@example.com\r\nBcc: all@example.com\",,\n" +
			"dee@example.com,,\n"
		body = wantAdminPage(t, ed.upload("/admin/subscribers/import", "list.csv", file, nil), http.StatusOK)
		contains(t, body, "5 rows read: <strong>2 added</strong>, 0 already subscribed (left as they were), 3 not imported.",
			"<td>3</td><td>bad address</td><td>email must be an email address", `no component or group is called &#34;Nowhere&#34;`,
			"email must not contain line breaks")
		ann := e.subscriber("ann@example.com")
		if ann.Status != models.SubscriberPending || ann.Source != models.SourceImport || len(ann.ComponentIDs) != 1 || ann.NotifyMaintenance ||
			confirmationsQueued(t, db, ann) != 1 {
			t.Errorf("ann = %+v", ann)
		}
		for _, email := range []string{"bob@example.com", "cy@example.com"} {
			if _, err := db.FindSubscriber(context.Background(), email); err == nil {
				t.Errorf("%s imported from a bad row", email)
			}
		}
		// Again with the rows fixed, skipping confirmation: the rest is skipped.
		body = wantAdminPage(t, ed.upload("/admin/subscribers/import", "list.csv", "email\nann@example.com\nbob@example.com\n", url.Values{"skip_confirmation": {"1"}}), http.StatusOK)
		contains(t, body, "2 rows read: <strong>1 added</strong>, 1 already subscribed")
		if bob := e.subscriber("bob@example.com"); bob.Status != models.SubscriberConfirmed || confirmationsQueued(t, db, bob) != 0 {
			t.Errorf("bob = %+v", bob)
		}

		// Files refused as a whole change nothing.
		before := subscriberRows(t, db)
		body = wantAdminPage(t, ed.upload("/admin/subscribers/import", "", "", nil), http.StatusUnprocessableEntity)
		if msg := fieldErrorOf(body, "file"); !strings.Contains(msg, "must be a CSV file") {
			t.Errorf("no file: error %q", msg)
		}
		body = wantAdminPage(t, ed.upload("/admin/subscribers/import", "x.csv", "address\nann@example.com\n", nil), http.StatusUnprocessableEntity)
		if msg := fieldErrorOf(body, "file"); !strings.Contains(msg, "has no email column") {
			t.Errorf("no email column: error %q", msg)
		}
		if after := subscriberRows(t, db); after != before {
			t.Errorf("a refused file changed the database")
		}

		// Export: every subscriber, or those of the filter.
		rec := ed.Get("/admin/subscribers/export.csv")
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") ||
			!strings.Contains(rec.Header().Get("Content-Disposition"), `attachment; filename="subscribers-`) {
			t.Fatalf("export: %d %v", rec.Code, rec.Header())
		}
		rows, err := csv.NewReader(rec.Body).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		byEmail := map[string][]string{}
		for _, r := range rows[1:] {
			byEmail[r[0]] = r
		}
		if len(rows) != 4 || rows[0][0] != "email" || len(byEmail) != 3 || byEmail["ann@example.com"][3] != "Europe" || byEmail["ann@example.com"][5] != "no" {
			t.Errorf("export = %v", rows)
		}
		rows, _ = csv.NewReader(ed.Get("/admin/subscribers/export.csv?status=confirmed").Body).ReadAll()
		if len(rows) != 2 || rows[1][0] != "bob@example.com" {
			t.Errorf("confirmed export = %v", rows)
		}
		if rec := ed.Get("/admin/subscribers/export.csv?status=bounced"); rec.Code != http.StatusBadRequest {
			t.Errorf("export with a bad status: %d", rec.Code)
		}
		acts := strings.Join(auditActions(t, db), " ")
		if !strings.Contains(acts, "subscriber.import subscriber.import subscriber.export subscriber.export") {
			t.Errorf("audit log: %s", acts)
		}
	})
}

// An export the database fails is an error page, never a 200 with an empty
// or partial file that looks complete.
func TestSubscriberExportFailsVisibly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		addSubscriber(t, db, subscriber{Email: "ann@example.com"})
		// The export reads the components' names, which the listing the
		// handler checks first does not: take the table away.
		if err := db.Gorm.Exec("ALTER TABLE components RENAME TO components_gone").Error; err != nil {
			t.Fatal(err)
		}
		rec := ed.Get("/admin/subscribers/export.csv")
		if rec.Code < 500 || strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
			t.Fatalf("export with the database failing = %d %s, want an error page:\n%.300s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
		lacks(t, rec.Body.String(), "components_gone", "SQLSTATE", "no such table")
	})
}
