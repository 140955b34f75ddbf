package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// jiraBody is Jira's jira:issue_updated webhook moving issue OPS-7 to a
// status of category (new, indeterminate, done).
func jiraBody(status, category, changelogID string) string {
	return `{"timestamp":1767366245000,"webhookEvent":"jira:issue_updated","issue_event_type_name":"issue_generic",` +
		`"user":{"accountId":"5b10","displayName":"Ada Lovelace"},` +
		`"issue":{"id":"10001","key":"OPS-7","self":"https://acme.atlassian.net/rest/api/2/issue/10001",` +
		`"fields":{"summary":"Page on disk full","status":{"name":"` + status + `","statusCategory":{"id":3,"key":"` + category + `","name":"Done"}}}},` +
		`"changelog":{"id":"` + changelogID + `","items":[{"field":"status","fieldtype":"jira","fromString":"In Progress","toString":"` + status + `"}]}}`
}

// Jira issues: an action item whose tracker link is the page
// becomes done when the issue moves to a done status and open when it
// moves out; verified by X-Hub-Signature (sha256 HMAC) or the secret as
// ?secret=; a redelivery (same X-Atlassian-Webhook-Identifier) changes
// nothing; unsigned, wrongly signed or malformed requests are refused with
// nothing written; an update that moves no status is ignored.
func TestJiraFollowsActionItem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		e := newIntegrationEnv(t, db)
		jira := createIntegration(t, e.c, map[string]any{"kind": "jira", "name": "Jira"})
		if jira.Secret == "" {
			t.Fatalf("no generated secret: %+v", jira)
		}
		var in jsonIncident
		e.c.want(e.c.do("POST", "/incidents", map[string]any{"incident": map[string]any{
			"name": "Outage", "status": "investigating", "component_ids": []string{e.comp.ID}}}, &in), 201)
		e.c.want(e.c.do("PATCH", "/incidents/"+in.ID, map[string]any{"incident": map[string]any{"status": "resolved"}}, nil), 200)
		e.c.want(e.c.do("PUT", "/incidents/"+in.ID+"/postmortem", map[string]any{"postmortem": map[string]any{"summary": "S"}}, nil), 200)
		e.c.want(e.c.do("POST", "/incidents/"+in.ID+"/postmortem/action-items", map[string]any{"action_item": map[string]any{
			"title": "Page on disk full", "url": "https://acme.atlassian.net/browse/OPS-7"}}, nil), 201)
		status := func() string {
			var items []struct {
				Status string `json:"status"`
			}
			e.c.want(e.c.do("GET", "/incidents/"+in.ID+"/postmortem/action-items", nil, &items), 200)
			if len(items) != 1 {
				t.Fatalf("items = %+v", items)
			}
			return items[0].Status
		}
		signed := func(body, id string) inboundHook {
			return inboundHook{path: pathOf(jira), contentType: "application/json", body: body, header: http.Header{
				"X-Hub-Signature": {"sha256=" + hmacSHA256Hex(jira.Secret, body)}, "X-Atlassian-Webhook-Identifier": {id}}}
		}
		done := jiraBody("Done", "done", "100")

		// Refused, nothing written.
		for name, hook := range map[string]inboundHook{
			"unsigned":        {path: pathOf(jira), contentType: "application/json", body: done},
			"wrong signature": {path: pathOf(jira), contentType: "application/json", body: done, header: http.Header{"X-Hub-Signature": {"sha256=" + hmacSHA256Hex("guess", done)}}},
			"wrong parameter": {path: pathOf(jira) + "?secret=guess", contentType: "application/json", body: done},
		} {
			before := integrationCounts(t, db)
			if r := hook.send(e.h); r.Code != http.StatusUnauthorized {
				t.Errorf("%s: %d %s", name, r.Code, r.Body)
			}
			if after := integrationCounts(t, db); after != before {
				t.Errorf("%s: rows changed: %s → %s", name, before, after)
			}
		}
		for name, body := range map[string]string{
			"not JSON":     `{"webhookEvent":`,
			"no event":     `{"issue":{}}`,
			"no issue":     `{"webhookEvent":"jira:issue_updated"}`,
			"no self":      strings.Replace(done, `"self":"https://acme.atlassian.net/rest/api/2/issue/10001",`, "", 1),
			"no category":  strings.Replace(done, `"statusCategory":{"id":3,"key":"done","name":"Done"}`, `"statusCategory":{}`, 1),
			"no issue key": strings.Replace(done, `"key":"OPS-7",`, "", 1),
		} {
			before := integrationCounts(t, db)
			r := signed(body, "x-"+name).send(e.h)
			if r.Code != http.StatusBadRequest || strings.Contains(r.Body.String(), "models:") {
				t.Errorf("%s: %d %s", name, r.Code, r.Body)
			}
			if after := integrationCounts(t, db); after != before {
				t.Errorf("%s: rows changed: %s → %s", name, before, after)
			}
		}
		if status() != "open" {
			t.Fatal("a refused request changed the action item")
		}

		// Moved to Done: done, on the timeline at Jira's time; redelivered: once.
		for i := range 2 {
			if r := signed(done, "wh-1").send(e.h); r.Code != 200 {
				t.Fatalf("done #%d: %d %s", i+1, r.Code, r.Body)
			}
		}
		if got := status(); got != "done" {
			t.Fatalf("after Done: %s", got)
		}
		var found int
		for _, ev := range eventsOf(t, e.c, in.ID) {
			if ev.Source == "Jira" && strings.Contains(ev.Body, "Jira issue OPS-7 was closed by Ada Lovelace") {
				found++
				if !strings.HasPrefix(ev.OccurredAt, "2026-01-02T16:04:05") {
					t.Errorf("at %s, want Jira's timestamp", ev.OccurredAt)
				}
			}
		}
		if found != 1 {
			t.Errorf("%d Jira events, want 1: %+v", found, eventsOf(t, e.c, in.ID))
		}

		// An edit that moves no status is ignored.
		noStatus := strings.Replace(jiraBody("In Progress", "indeterminate", "101"), `"field":"status"`, `"field":"summary"`, 1)
		if r := signed(noStatus, "wh-2").send(e.h); r.Code != 200 || !strings.Contains(r.Body.String(), `"recorded":false`) || status() != "done" {
			t.Errorf("summary edit: %d %s, item %s", r.Code, r.Body, status())
		}
		// Reopened (back to In Progress), with the secret as a parameter.
		reopen := jiraBody("In Progress", "indeterminate", "102")
		if r := (inboundHook{path: pathOf(jira) + "?secret=" + jira.Secret, contentType: "application/json", body: reopen}).send(e.h); r.Code != 200 {
			t.Fatalf("reopen: %d %s", r.Code, r.Body)
		}
		if got := status(); got != "open" {
			t.Errorf("after reopening: %s", got)
		}
	})
}
