package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app/links"
	"github.com/beaconstatus/beacon/app/notify"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// xssPayloads are the classic ways to get markup to run: raw tags, event
// handlers, script URLs in Markdown and HTML, attribute and tag breakouts.
// Each calls alert with its own number, to find it in the output.
var xssPayloads = []string{
	`<script>alert(1)</script>`,
	`<img src=x onerror=alert(2)>`,
	`"><svg/onload=alert(3)>`,
	`'><iframe src="javascript:alert(4)"></iframe>`,
	`[click](javascript:alert(5))`,
	`<a href="javascript:alert(6)">click</a>`,
	`![x](javascript:alert(7))`,
	`<style>body{background:url(javascript:alert(8))}</style>`,
	`<meta http-equiv="refresh" content="0;url=javascript:alert(9)">`,
	`<div style="background-image:url(javascript:alert(10))">x</div>`,
	`[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxMSk8L3NjcmlwdD4=)`,
	`<object data="javascript:alert(12)"></object>`,
	`<base href="https://evil.test/"><form action="https://evil.test/"><button>alert(13)</button></form>`,
	`</textarea></title><script>alert(14)</script>`,
	"`<script>alert(15)</script>` and ```\n<script>alert(16)</script>\n```",
	`<details open ontoggle=alert(17)>`,
	`<a href="jav&#x09;ascript:alert(18)">tab</a>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(19)>`,
	`{{.}} {{template "x"}} ${alert(20)}`,
}

// shortPayload fits a name field (at most 255 characters).
func shortPayload(n int) string {
	return fmt.Sprintf(`<script>alert(%d)</script><img src=x onerror=alert(%d)>"><svg onload=alert(%d)>`, n, n, n)
}

// Every string an operator writes that shows publicly (page name, component
// and group names and descriptions, incident and maintenance names,
// update bodies in Markdown, postmortem sections and timeline, action
// items) is fed the payloads, and then every public page, feed, badge,
// JSON answer, console page and email that shows them is parsed: no
// payload survives as live markup, and the payloads do show, as text.
func TestXSSPayloadsNeverRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		mm := &notify.MemoryMailer{}
		pageName := `<script>alert(0)</script><b onclick=alert(0)>Acme</b>`
		a, _ := mailApp(t, db, nil, mm, fastRetries, map[string]string{"PAGE_NAME": pageName})
		h := a.Handler()
		reader := addSubscriber(t, db, subscriber{Email: "reader@example.test"})

		secret, _, err := db.CreateAPIToken(ctx, "xss", models.RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		pageID, err := db.GetSetting(ctx, models.SettingPageID)
		if err != nil {
			t.Fatal(err)
		}
		c := &apiClient{t: t, h: h, auth: "OAuth " + secret, pageID: pageID}
		// The Markdown fields get every payload, after a marker that shows
		// they were rendered at all (the sanitizer drops the payloads'
		// tags, so those are not all seen as text).
		markdown := "MARKDOWN-SHOWN\n\n" + strings.Join(xssPayloads, "\n\n")

		var group, comp jsonComponent
		c.want(c.do("POST", "/component-groups", map[string]any{"component_group": map[string]any{
			"name": shortPayload(21), "description": markdown}}, &group), 201)
		c.want(c.do("POST", "/components", map[string]any{"component": map[string]any{
			"name": shortPayload(22), "description": markdown, "showcase": true}}, &comp), 201)
		var in jsonIncident
		c.want(c.do("POST", "/incidents", map[string]any{"incident": map[string]any{
			"name": shortPayload(23), "body": markdown, "components": map[string]string{comp.ID: "major_outage"},
		}}, &in), 201)
		time.Sleep(5 * time.Millisecond)
		c.want(c.do("PATCH", "/incidents/"+in.ID, map[string]any{"incident": map[string]any{
			"status": "identified", "body": "Update: " + markdown}}, nil), 200)
		from := time.Now().Add(48 * time.Hour).UTC()
		var maint jsonIncident
		c.want(c.do("POST", "/incidents", map[string]any{"incident": map[string]any{
			"name": shortPayload(24), "body": markdown, "status": "scheduled",
			"scheduled_for": from.Format(time.RFC3339), "scheduled_until": from.Add(time.Hour).Format(time.RFC3339),
			"components": map[string]string{comp.ID: "under_maintenance"},
		}}, &maint), 201)
		time.Sleep(5 * time.Millisecond)
		c.want(c.do("PATCH", "/incidents/"+in.ID, map[string]any{"incident": map[string]any{
			"status": "resolved", "body": "Resolved: " + markdown, "restore_components": true}}, nil), 200)

		// The postmortem: every section, every timeline entry, action items.
		pmPath := "/incidents/" + in.ID + "/postmortem"
		var pm jsonPostmortem
		c.want(c.do("PUT", pmPath, map[string]any{"postmortem": map[string]any{"body_draft": markdown}}, &pm), 200)
		fields := map[string]any{}
		for key := range pm.Sections {
			fields[key] = key + ": " + markdown
		}
		var entries []map[string]any
		for _, e := range pm.Timeline {
			entries = append(entries, map[string]any{"id": e.ID, "body": "Entry: " + markdown, "included": true})
		}
		fields["timeline"] = entries
		c.want(c.do("PUT", pmPath, map[string]any{"postmortem": fields}, &pm), 200)
		c.want(c.do("POST", pmPath+"/action-items", map[string]any{"action_item": map[string]any{
			"title": shortPayload(25), "owner": shortPayload(26), "status": "open",
			"url": `https://example.test/?q="><script>alert(27)</script>`}}, nil), 201)
		// A script URL is refused outright.
		rec := c.do("POST", pmPath+"/action-items", map[string]any{"action_item": map[string]any{
			"title": "Link", "url": "javascript:alert(28)"}}, nil)
		if rec.Code != http.StatusUnprocessableEntity && rec.Code != http.StatusBadRequest {
			t.Errorf("an action item with a javascript: URL: %d, want 422; %s", rec.Code, rec.Body)
		}
		c.want(c.do("PUT", pmPath+"/publish", map[string]any{"postmortem": map[string]any{"notify_subscribers": true}}, nil), 200)
		// Edited after publishing: a revision.
		c.want(c.do("PUT", pmPath, map[string]any{"postmortem": map[string]any{"summary": "Revised: " + markdown}}, nil), 200)

		// A visitor subscribes: the confirmation email names the page.
		sub := httpPostForm(h, "/subscribe", url.Values{"email": {"visitor@example.test"}})
		if sub.Code != http.StatusOK {
			t.Fatalf("subscribe: %d %s", sub.Code, sub.Body)
		}

		stop := runNotifier(t, a)
		eventually(t, "every email sent", func() bool { return settled(t, db) })
		stop()

		// checkPage parses a page and wants the payloads shown as text.
		checkPage := func(what, body string, email bool, wantText ...string) {
			t.Helper()
			for _, p := range liveMarkup(t, body, email) {
				t.Errorf("%s: %s", what, p)
			}
			for _, w := range wantText {
				if !strings.Contains(body, w) {
					t.Errorf("%s: %q is not shown (escaped) at all", what, w)
				}
			}
		}
		escaped := "&lt;script&gt;alert(" // a payload shown as text

		var version int
		if err := db.Gorm.Raw("SELECT token_version FROM subscribers WHERE id = ?", reader).Scan(&version).Error; err != nil {
			t.Fatal(err)
		}
		pages := map[string][]string{
			"/":                      {escaped + "0)", escaped + "22)", escaped + "23)", escaped + "24)"},
			"/history":               {escaped + "23)"},
			"/incidents/" + in.ID:    {escaped + "23)", "MARKDOWN-SHOWN", escaped + "15)"},
			"/incidents/" + maint.ID: {escaped + "24)"},
			pmPath:                   {escaped + "25)", "MARKDOWN-SHOWN"},
			pmPath + "/revisions":    {"MARKDOWN-SHOWN"},
			"/postmortems":           {escaped + "23)"},
			"/subscribe":             {escaped + "22)"},
			a.SubscriberLinkPath(links.Manage, reader, version, time.Now()):      {escaped + "22)"},
			a.SubscriberLinkPath(links.Unsubscribe, reader, version, time.Now()): {escaped + "0)"},
		}
		for path, want := range pages {
			rec := get(t, h, path)
			if rec.Code != http.StatusOK {
				t.Errorf("GET %s: %d", path, rec.Code)
				continue
			}
			checkPage("GET "+path, rec.Body.String(), false, want...)
		}

		// The console shows the same strings to operators.
		admin := signIn(t, h, db, models.RoleAdmin)
		for _, path := range []string{"/admin", "/admin/incidents", "/admin/incidents/" + in.ID, "/admin/incidents/" + maint.ID,
			"/admin/components", "/admin/components/" + comp.ID + "/edit", "/admin/maintenance", "/admin/action-items",
			"/admin/incidents/" + in.ID + "/postmortem", "/admin/incidents/" + in.ID + "/postmortem/preview",
			"/admin/notifications", "/admin/subscribers", "/admin/audit"} {
			rec := admin.Get(path)
			if rec.Code != http.StatusOK {
				t.Errorf("GET %s: %d", path, rec.Code)
				continue
			}
			checkPage("GET "+path, rec.Body.String(), false, "alert(")
		}
		prev := admin.PostForm("/admin/preview", url.Values{"body": {markdown}})
		checkPage("POST /admin/preview", prev.Body.String(), false, "MARKDOWN-SHOWN")

		// Feeds: well-formed (an unescaped payload would break the XML),
		// and the HTML they carry is as clean as the pages.
		for _, path := range []string{"/history.atom", "/history.rss", "/history.json", "/incidents/" + in.ID + ".atom",
			"/incidents/" + in.ID + ".rss", "/incidents/" + in.ID + ".json", "/components/" + comp.ID + "/history.atom",
			"/components/" + comp.ID + "/history.rss", "/components/" + comp.ID + "/history.json"} {
			feed, _ := fetchFeed(t, h, path)
			if len(feed.Items) == 0 {
				t.Errorf("%s: no items", path)
			}
			if strings.HasSuffix(path, ".rss") {
				// RSS readers render the channel's description as HTML.
				checkPage(path+" channel description", "<!DOCTYPE html><body>"+feed.Description, false)
			}
			for i, it := range feed.Items {
				parts := []string{it.Content, it.Description}
				if strings.HasSuffix(path, ".json") {
					parts = parts[:1] // a JSON Feed's summary is plain text, not HTML
				}
				for _, part := range parts {
					checkPage(fmt.Sprintf("%s item %d", path, i), "<!DOCTYPE html><body>"+part, false)
				}
				if !strings.Contains(it.Title+it.Content+it.Description, "alert(") {
					t.Errorf("%s item %d: no payload shown: %q", path, i, it.Title)
				}
			}
		}

		// JSON: no raw markup (encoding/json escapes <, > and &).
		for _, path := range []string{"/api/v2/summary.json", "/api/v2/incidents.json", "/api/v2/components.json"} {
			body := get(t, h, path).Body.String()
			if strings.Contains(body, "<script") || strings.Contains(body, "<img") {
				t.Errorf("%s has raw markup: %.300s", path, body)
			}
			if !strings.Contains(body, `\u003cscript\u003ealert(`) {
				t.Errorf("%s does not show the payloads escaped", path)
			}
		}
		// Badges are SVG, opened by browsers as documents.
		for _, path := range []string{"/badge.svg", "/components/" + comp.ID + "/badge.svg"} {
			checkPage(path, get(t, h, path).Body.String(), false)
		}

		// Emails: the HTML part of every message sent.
		kinds := map[string]bool{}
		for _, m := range mm.Messages() {
			kinds[m.Subject[:min(len(m.Subject), 40)]] = true
			checkPage("email "+m.Subject, m.HTML, true, "alert(")
			if strings.ContainsAny(m.Subject, "\r\n") {
				t.Errorf("a header breaks across lines: %q", m.Subject)
			}
		}
		if n := len(mm.Messages()); n < 6 {
			t.Errorf("%d emails sent (%v), want the incident's three, the maintenance's, the postmortem's and a confirmation", n, kinds)
		}
	})
}
