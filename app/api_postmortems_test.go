package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

type jsonPostmortem struct {
	ID                  string            `json:"id"`
	IncidentID          string            `json:"incident_id"`
	Status              string            `json:"status"`
	Body                *string           `json:"body"`
	BodyDraft           string            `json:"body_draft"`
	PublishedAt         *string           `json:"published_at"`
	FirstPublishedAt    *string           `json:"first_published_at"`
	NotifySubscribers   bool              `json:"notify_subscribers"`
	Revision            int               `json:"revision"`
	ImpactStartedAt     string            `json:"impact_started_at"`
	Sections            map[string]string `json:"sections"`
	Timeline            []jsonPMEntry     `json:"timeline"`
	Durations           map[string]any    `json:"durations"`
	ActionItems         []jsonActionItem  `json:"action_items"`
	Warnings            []struct{ Section, Term, Message string }
	NotifiedSubscribers bool `json:"notified_subscribers"`
}

type jsonPMEntry struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`
	Status     string `json:"status"`
	Included   bool   `json:"included"`
	OccurredAt string `json:"occurred_at"`
	Body       string `json:"body"`
}

type jsonActionItem struct {
	ID          string  `json:"id"`
	IncidentID  string  `json:"incident_id"`
	Title       string  `json:"title"`
	Owner       string  `json:"owner"`
	DueDate     *string `json:"due_date"`
	Status      string  `json:"status"`
	URL         *string `json:"url"`
	URLPublic   bool    `json:"url_public"`
	Position    int     `json:"position"`
	Overdue     bool    `json:"overdue"`
	CompletedAt *string `json:"completed_at"`
}

type jsonIncidentPM struct {
	Status                        string  `json:"status"`
	ResolvedAt                    *string `json:"resolved_at"`
	PostmortemBody                *string `json:"postmortem_body"`
	PostmortemPublishedAt         *string `json:"postmortem_published_at"`
	PostmortemNotifiedSubscribers bool    `json:"postmortem_notified_subscribers"`
}

// resolvedViaAPI opens an incident on a new component through the API,
// adds an internal note and resolves it.
func resolvedViaAPI(t *testing.T, c *apiClient, name string) jsonIncident {
	t.Helper()
	var comp jsonComponent
	c.want(c.do("POST", "/components", map[string]any{"component": map[string]any{"name": name + " component"}}, &comp), 201)
	var in jsonIncident
	c.want(c.do("POST", "/incidents", map[string]any{"incident": map[string]any{
		"name": name, "body": "Investigating.", "components": map[string]string{comp.ID: "major_outage"},
	}}, &in), 201)
	// Steps a few milliseconds apart, so the timeline's order does not rest
	// on two events stored at the same millisecond.
	time.Sleep(5 * time.Millisecond)
	c.want(c.do("POST", "/incidents/"+in.ID+"/events", map[string]any{"event": map[string]any{"kind": "note", "body": "Paged alice@acme.test"}}, nil), 201)
	time.Sleep(5 * time.Millisecond)
	c.want(c.do("PATCH", "/incidents/"+in.ID, map[string]any{"incident": map[string]any{"status": "monitoring", "body": "Fix deployed."}}, nil), 200)
	time.Sleep(5 * time.Millisecond)
	c.want(c.do("PATCH", "/incidents/"+in.ID, map[string]any{"incident": map[string]any{"status": "resolved", "body": "Resolved.", "restore_components": true}}, nil), 200)
	return in
}

func countRows(t *testing.T, db *models.DB, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	q := db.Gorm.Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAPIPostmortemLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleEditor)
		if _, err := db.CreateUser(context.Background(), "alice@acme.test", "Alice Smith", models.RoleEditor, "a long password 1"); err != nil {
			t.Fatal(err)
		}
		in := resolvedViaAPI(t, c, "Checkout errors")
		path := "/incidents/" + in.ID + "/postmortem"

		// Statuspage's one-body form drafts the postmortem from the timeline.
		var pm jsonPostmortem
		c.want(c.do("PUT", path, map[string]any{"postmortem": map[string]any{"body_draft": "We are *sorry*."}}, &pm), 200)
		if pm.Status != "draft" || pm.Body != nil || pm.PublishedAt != nil || pm.Sections["notes"] != "We are *sorry*." ||
			pm.Sections["summary"] != "" || !strings.Contains(pm.Sections["impact"], "Checkout errors component") || pm.IncidentID != in.ID {
			t.Fatalf("drafted = %+v", pm)
		}
		wantISO(t, "impact_started_at", pm.ImpactStartedAt)
		var kinds []string
		var note jsonPMEntry
		for _, e := range pm.Timeline {
			kinds = append(kinds, e.Kind)
			if e.Kind == "note" {
				note = e
			}
		}
		if got := strings.Join(kinds, ","); got != "update,note,update,update" || note.Included {
			t.Errorf("timeline kinds = %s, note = %+v", got, note)
		}
		if pm.Durations["time_to_mitigation"] == nil || pm.Durations["customer_facing_duration"] == nil {
			t.Errorf("durations = %v", pm.Durations)
		}
		var inc jsonIncidentPM
		c.want(c.do("GET", "/incidents/"+in.ID, nil, &inc), 200)
		if inc.PostmortemBody != nil || inc.PostmortemPublishedAt != nil {
			t.Errorf("a draft shows on the incident: %+v", inc)
		}

		// Beacon's sections and timeline; the blameless check warns.
		c.want(c.do("PUT", path, map[string]any{"postmortem": map[string]any{
			"summary": "Checkout failed. Alice Smith pushed a config change; human error.", "root_cause": "An unvalidated config.",
			"impact": nil, "impact_started_at": time.Now().Add(-2 * time.Hour).UTC().Format(time.RFC3339),
			"timeline": []map[string]any{{"id": note.ID, "included": true, "body": "Paged the on-call engineer"}},
		}}, &pm), 200)
		if pm.Sections["impact"] != "" || pm.Sections["root_cause"] != "An unvalidated config." || len(pm.Warnings) != 2 ||
			pm.Warnings[0].Term != "Alice Smith" || pm.Warnings[1].Term != "human error" {
			t.Errorf("saved = %+v", pm)
		}
		if !strings.HasPrefix(pm.BodyDraft, "## Summary\n\nCheckout failed.") {
			t.Errorf("body_draft = %q", pm.BodyDraft)
		}

		// Action items.
		var item jsonActionItem
		c.want(c.do("POST", path+"/action-items", map[string]any{"action_item": map[string]any{
			"title": "Validate config on deploy", "owner": "Platform", "due_date": "2020-01-31", "url": "https://tracker.acme.test/P-1",
		}}, &item), 201)
		if item.Title != "Validate config on deploy" || item.Status != "open" || item.DueDate == nil || *item.DueDate != "2020-01-31" ||
			!item.Overdue || item.IncidentID != in.ID {
			t.Errorf("created item = %+v", item)
		}
		c.want(c.do("PATCH", path+"/action-items/"+item.ID, map[string]any{"action_item": map[string]any{"status": "in_progress", "due_date": nil}}, &item), 200)
		if item.Status != "in_progress" || item.DueDate != nil || item.Overdue || item.Owner != "Platform" {
			t.Errorf("patched item = %+v", item)
		}
		var second jsonActionItem
		c.want(c.do("POST", path+"/action-items", map[string]any{"action_item": map[string]any{"title": "Canary deploys"}}, &second), 201)
		var items []jsonActionItem
		c.want(c.do("GET", path+"/action-items", nil, &items), 200)
		if len(items) != 2 || items[0].ID != item.ID || items[1].Position != 1 {
			t.Errorf("items = %+v", items)
		}
		c.want(c.do("DELETE", path+"/action-items/"+second.ID, nil, &second), 200)
		c.want(c.do("DELETE", path+"/action-items/"+second.ID, nil, nil), 404)

		// Publish with notify: one notification, the incident says postmortem.
		c.want(c.do("PUT", path+"/publish", map[string]any{"postmortem": map[string]any{"notify_subscribers": true, "notify_twitter": false}}, &pm), 200)
		if pm.Status != "published" || pm.Body == nil || pm.PublishedAt == nil || !pm.NotifySubscribers || pm.Revision != 1 || len(pm.ActionItems) != 1 {
			t.Fatalf("published = %+v", pm)
		}
		c.want(c.do("PUT", path+"/publish", map[string]any{"postmortem": map[string]any{"notify_subscribers": true}}, &pm), 200)
		if n := countRows(t, db, "notifications", "kind = ? AND incident_id = ?", models.NotifyPostmortemPublished, in.ID); n != 1 {
			t.Errorf("%d postmortem notifications, want 1", n)
		}
		c.want(c.do("GET", "/incidents/"+in.ID, nil, &inc), 200)
		if inc.Status != "postmortem" || inc.ResolvedAt == nil || inc.PostmortemBody == nil ||
			!strings.Contains(*inc.PostmortemBody, "An unvalidated config.") || inc.PostmortemPublishedAt == nil || !inc.PostmortemNotifiedSubscribers {
			t.Errorf("incident after publish = %+v", inc)
		}
		var unresolved []jsonIncident
		c.want(c.do("GET", "/incidents/unresolved", nil, &unresolved), 200)
		if len(unresolved) != 0 {
			t.Errorf("the incident with a postmortem is listed as unresolved")
		}

		// An edit is a revision and notifies no one.
		c.want(c.do("PUT", path, map[string]any{"postmortem": map[string]any{"summary": "Checkout failed after a config change."}}, &pm), 200)
		if pm.Revision != 2 || len(pm.Warnings) != 0 {
			t.Errorf("after edit: revision %d, warnings %v", pm.Revision, pm.Warnings)
		}
		if n := countRows(t, db, "postmortem_revisions", ""); n != 2 {
			t.Errorf("%d revisions, want 2", n)
		}
		if n := countRows(t, db, "notifications", "kind = ?", models.NotifyPostmortemPublished); n != 1 {
			t.Errorf("%d notifications after an edit, want 1", n)
		}

		// Revert, then delete.
		c.want(c.do("PUT", path+"/revert", nil, &pm), 200)
		if pm.Status != "draft" || pm.Body != nil || pm.FirstPublishedAt == nil {
			t.Errorf("reverted = %+v", pm)
		}
		c.want(c.do("GET", "/incidents/"+in.ID, nil, &inc), 200)
		if inc.Status != "resolved" || inc.PostmortemBody != nil {
			t.Errorf("incident after revert = %+v", inc)
		}
		c.want(c.do("DELETE", path, nil, &pm), 200)
		if pm.ID == "" {
			t.Error("delete did not answer with the postmortem")
		}
		c.want(c.do("GET", path, nil, nil), 404)

		got := strings.Join(auditActions(t, db), " ")
		for _, action := range []string{"postmortem.save", "action_item.create", "action_item.update", "action_item.delete",
			"postmortem.publish", "postmortem.unpublish", "postmortem.delete"} {
			if !strings.Contains(got, action) {
				t.Errorf("audit log lacks %s: %s", action, got)
			}
		}
	})
}

func TestAPIPostmortemBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleEditor)
		in := resolvedViaAPI(t, c, "Resolved one")
		other := resolvedViaAPI(t, c, "Other one")
		empty := resolvedViaAPI(t, c, "Empty one")
		var open jsonIncident
		c.want(c.do("POST", "/incidents", map[string]any{"incident": map[string]any{"name": "Still open", "body": "x"}}, &open), 201)

		path := "/incidents/" + in.ID + "/postmortem"
		c.want(c.do("PUT", path, map[string]any{"postmortem": map[string]any{"summary": "Written."}}, nil), 200)
		var item jsonActionItem
		otherPath := "/incidents/" + other.ID + "/postmortem"
		c.want(c.do("PUT", otherPath, map[string]any{"postmortem": map[string]any{"summary": "Other."}}, nil), 200)
		c.want(c.do("POST", otherPath+"/action-items", map[string]any{"action_item": map[string]any{"title": "Other's item"}}, &item), 201)
		c.want(c.do("PUT", "/incidents/"+empty.ID+"/postmortem", map[string]any{"postmortem": map[string]any{"impact": ""}}, nil), 200)

		pm := func(fields string) string { return `{"postmortem": {` + fields + `}}` }
		ai := func(fields string) string { return `{"action_item": {` + fields + `}}` }
		for _, tc := range []struct {
			name, method, path, body string
			code                     int
			field                    string
		}{
			{"postmortem of an unresolved incident", "PUT", "/incidents/" + open.ID + "/postmortem", pm(`"summary": "x"`), 409, "not resolved"},
			{"postmortem of no incident", "PUT", "/incidents/nosuchincident/postmortem", pm(`"summary": "x"`), 404, ""},
			{"unknown field", "PUT", path, pm(`"rootcause": "x"`), 422, "rootcause"},
			{"section not a string", "PUT", path, pm(`"summary": 5`), 400, "summary"},
			{"section too long", "PUT", path, pm(`"summary": "` + strings.Repeat("a", models.MaxSectionLength+1) + `"`), 422, "summary"},
			{"bad impact start", "PUT", path, pm(`"impact_started_at": "yesterday"`), 422, "impact_started_at"},
			{"unknown timeline entry", "PUT", path, pm(`"timeline": [{"id": "nosuchentry", "body": "x"}]`), 422, "timeline"},
			{"timeline not a list", "PUT", path, pm(`"timeline": "x"`), 400, "timeline"},
			{"new entry without time", "PUT", path, pm(`"timeline": [{"body": "x"}]`), 422, "timeline"},
			{"publish an empty postmortem", "PUT", "/incidents/" + empty.ID + "/postmortem/publish", pm(`"notify_subscribers": true`), 422, "empty"},
			{"revert a draft", "PUT", path + "/revert", ``, 409, "not published"},
			{"no postmortem to show", "GET", "/incidents/" + open.ID + "/postmortem", ``, 404, ""},
			{"no postmortem to publish", "PUT", "/incidents/" + open.ID + "/postmortem/publish", ``, 404, ""},
			{"item without title", "POST", path + "/action-items", ai(`"owner": "x"`), 422, "title"},
			{"item with a blank title", "POST", path + "/action-items", ai(`"title": "  "`), 422, "title"},
			{"item with a malformed date", "POST", path + "/action-items", ai(`"title": "x", "due_date": "next week"`), 422, "due_date"},
			{"item with an unknown status", "POST", path + "/action-items", ai(`"title": "x", "status": "later"`), 422, "status"},
			{"item with a script link", "POST", path + "/action-items", ai(`"title": "x", "url": "javascript:alert(1)"`), 422, "url"},
			{"item on an incident without postmortem", "POST", "/incidents/" + open.ID + "/postmortem/action-items", ai(`"title": "x"`), 404, ""},
			{"edit another incident's item", "PATCH", path + "/action-items/" + item.ID, ai(`"title": "Hijacked"`), 404, ""},
			{"delete another incident's item", "DELETE", path + "/action-items/" + item.ID, ``, 404, ""},
			{"title nulled", "PATCH", otherPath + "/action-items/" + item.ID, ai(`"title": null`), 422, "title"},
		} {
			c.badRequest(t, db, tc.name, tc.method, tc.path, tc.body, tc.code, tc.field)
		}
	})
}
