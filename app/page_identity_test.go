package app_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/mail"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/app/smtptest"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// summaryPage is the page object of /api/v2/summary.json.
type summaryPage struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	URL      string `json:"url"`
	TimeZone string `json:"time_zone"`
}

// summaryPageOf decodes the page object of a summary.json body.
func summaryPageOf(t *testing.T, body []byte) summaryPage {
	t.Helper()
	var s struct {
		Page summaryPage `json:"page"`
	}
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatalf("summary.json: %v\n%s", err, body)
	}
	return s.Page
}

// atomTitle is the title of an Atom feed, read by encoding/xml.
func atomTitle(t *testing.T, body []byte) string {
	t.Helper()
	var f struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		Title   string   `xml:"title"`
	}
	if err := xml.Unmarshal(body, &f); err != nil {
		t.Fatalf("Atom feed: %v\n%s", err, body)
	}
	return f.Title
}

// TestPageSettingsLive: PATCH /v1/pages/{id} changes the page's name, time
// zone and website on the running server at once: the status page (title,
// time zone, meta tags), the public API's page object, the feeds and the
// emails, with no restart. Bad values change nothing, and with no setting
// stored the page is PAGE_NAME's.
func TestPageSettingsLive(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		srv := smtptest.Start(t, smtptest.Options{})
		// MAIL_FROM named as the page: the From name follows the page's name.
		a, _ := mailApp(t, db, srv, nil, fastRetries, map[string]string{"MAIL_FROM": "Acme Cloud <status@acme.test>"})
		h := a.Handler()
		secret, _, err := db.CreateAPIToken(context.Background(), "admin", models.RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		pageID, err := db.GetSetting(context.Background(), models.SettingPageID)
		if err != nil {
			t.Fatal(err)
		}
		c := &apiClient{t: t, h: h, auth: "OAuth " + secret, pageID: pageID}

		// No setting stored: PAGE_NAME, PAGE_TIME_ZONE and BASE_URL.
		envPage := summaryPage{ID: pageID, Name: "Acme Cloud", URL: "https://status.acme.test", TimeZone: "Europe/Berlin"}
		checkUnchanged := func(when string) {
			t.Helper()
			if p := summaryPageOf(t, get(t, h, "/api/v2/summary.json").Body.Bytes()); p != envPage {
				t.Errorf("%s: summary page = %+v, want %+v", when, p, envPage)
			}
			body := wantPage(t, get(t, h, "/"), 200)
			contains(t, body, "<title>Acme Cloud", "Europe/Berlin")
			if title := atomTitle(t, get(t, h, "/history.atom").Body.Bytes()); !strings.HasPrefix(title, "Acme Cloud status") {
				t.Errorf("%s: feed title = %q", when, title)
			}
			if ps, err := db.LoadPageSettings(context.Background()); err != nil || ps != (models.PageSettings{}) {
				t.Errorf("%s: stored settings = %+v, %v", when, ps, err)
			}
		}
		checkUnchanged("before any PATCH")

		// Bad values: a 422 naming the field; nothing stored, nothing shown.
		for _, tc := range []struct{ body, field string }{
			{`{"page":{"name":"Globex Status","time_zone":"Mars/Olympus"}}`, "time_zone"},
			{`{"page":{"name":"Globex Status","time_zone":"Local"}}`, "time_zone"},
			{`{"page":{"name":"Globex Status","url":"javascript:alert(1)"}}`, "url"},
			{`{"page":{"name":"Globex Status","url":"/relative"}}`, "url"},
			{`{"page":{"name":"` + strings.Repeat("n", 101) + `"}}`, "name"},
			{`{"page":{"name":"   "}}`, "name"},
			{`{"page":{"name":5}}`, "name"},
		} {
			var e apiErr
			rec := c.raw("PATCH", "/v1/pages/"+pageID, "application/json", tc.body, &e)
			if rec.Code != http.StatusUnprocessableEntity && rec.Code != http.StatusBadRequest || !strings.Contains(e.Error, tc.field) {
				t.Errorf("%s = %d %s, want 422 naming %s", tc.body, rec.Code, rec.Body, tc.field)
			}
		}
		checkUnchanged("after bad values")

		// A good PATCH: live at once.
		page := map[string]any{}
		c.want(c.do("PATCH", "/v1/pages/"+pageID, map[string]any{"page": map[string]any{
			"name": "Globex Status", "time_zone": "America/New_York", "url": "https://www.globex.test"}}, &page), 200)
		if _, ok := page["pending_restart"]; ok || page["name"] != "Globex Status" || page["time_zone"] != "America/New_York" ||
			page["url"] != "https://www.globex.test" {
			t.Errorf("PATCH answered %v", page)
		}
		// The public API's url stays the status page's own address, as on
		// Statuspage; the website is the management API's page url.
		want := summaryPage{ID: pageID, Name: "Globex Status", URL: "https://status.acme.test", TimeZone: "America/New_York"}
		if p := summaryPageOf(t, get(t, h, "/api/v2/summary.json").Body.Bytes()); p != want {
			t.Errorf("summary page after PATCH = %+v, want %+v", p, want)
		}
		body := wantPage(t, get(t, h, "/"), 200)
		contains(t, body, "<title>Globex Status", "America/New_York")
		lacks(t, body, "Acme Cloud", "Europe/Berlin")
		if title := atomTitle(t, get(t, h, "/history.atom").Body.Bytes()); !strings.HasPrefix(title, "Globex Status status") {
			t.Errorf("feed title after PATCH = %q", title)
		}

		// A PATCH of one field keeps the others; an empty url clears the
		// website (the page object's url is BASE_URL again).
		page = map[string]any{}
		c.want(c.do("PATCH", "/v1/pages/"+pageID, map[string]any{"page": map[string]any{"url": ""}}, &page), 200)
		if page["url"] != "https://status.acme.test" || page["name"] != "Globex Status" {
			t.Errorf("PATCH clearing the url answered %v", page)
		}
		if p := summaryPageOf(t, get(t, h, "/api/v2/summary.json").Body.Bytes()); p != want {
			t.Errorf("summary page after clearing the url = %+v, want %+v", p, want)
		}

		// An email sent after it: the new name in its From and Subject,
		// its times in the new zone.
		addSubscriber(t, db, subscriber{Email: "ann@example.test"})
		c.want(c.do("POST", "/incidents", map[string]any{"incident": map[string]any{
			"name": "API errors", "body": "Looking into it", "deliver_notifications": true}}, nil), 201)
		runNotifier(t, a)
		eventually(t, "the email sent", func() bool { return len(srv.Messages()) == 1 })
		m := parseMail(t, srv.Messages()[0])
		if from, err := mail.ParseAddress(m.Header.Get("From")); err != nil || from.Name != "Globex Status" || from.Address != "status@acme.test" {
			t.Errorf("From = %q (%v)", m.Header.Get("From"), err)
		}
		if s := m.Header.Get("Subject"); s != "[Globex Status] Investigating: API errors" {
			t.Errorf("Subject = %q", s)
		}
		if !strings.Contains(m.Text, "EST") && !strings.Contains(m.Text, "EDT") || strings.Contains(m.Text, "CET") {
			t.Errorf("the email's times are not in America/New_York:\n%s", m.Text)
		}
	})
}

// TestPageSettingsAcrossReplicas: a PATCH on one replica reaches another
// on the same PostgreSQL database when it hears of the change, with no
// restart.
func TestPageSettingsAcrossReplicas(t *testing.T) {
	_, urls, c := startReplicas(t, 2, models.RoleAdmin) // the PATCH goes to replica 0
	fetch := func(path string) string {
		t.Helper()
		resp, err := http.Get(urls[1] + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s on replica 1 = %d", path, resp.StatusCode)
		}
		return string(b)
	}
	// Replica 1 has built its pages with PAGE_NAME.
	contains(t, fetch("/"), "<title>Acme Cloud")
	if p := summaryPageOf(t, []byte(fetch("/api/v2/summary.json"))); p.Name != "Acme Cloud" || p.TimeZone != "Europe/Berlin" {
		t.Errorf("replica 1's summary page before = %+v", p)
	}

	c.want(c.do("PATCH", "/v1/pages/"+c.pageID, map[string]any{"page": map[string]any{
		"name": "Globex Status", "time_zone": "America/New_York", "url": "https://www.globex.test"}}, nil), 200)
	want := summaryPage{ID: c.pageID, Name: "Globex Status", URL: "https://status.acme.test", TimeZone: "America/New_York"}
	eventually(t, "replica 1 showing the new name", func() bool {
		return strings.Contains(fetch("/"), "<title>Globex Status") &&
			summaryPageOf(t, []byte(fetch("/api/v2/summary.json"))) == want &&
			strings.HasPrefix(atomTitle(t, []byte(fetch("/history.atom"))), "Globex Status status")
	})
	body := fetch("/")
	contains(t, body, "America/New_York")
	lacks(t, body, "Acme Cloud")
}
