package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// apiClient calls the management API through the real router with a token.
type apiClient struct {
	t      *testing.T
	h      http.Handler
	auth   string // the Authorization header
	pageID string
}

// newAPIClient builds an App on db and an API token with role.
func newAPIClient(t *testing.T, db *models.DB, role string) *apiClient {
	t.Helper()
	h := newTestApp(t, db, nil).Handler()
	secret, _, err := db.CreateAPIToken(context.Background(), "test "+role, role)
	if err != nil {
		t.Fatal(err)
	}
	pageID, err := db.GetSetting(context.Background(), models.SettingPageID)
	if err != nil {
		t.Fatal(err)
	}
	return &apiClient{t: t, h: h, auth: "OAuth " + secret, pageID: pageID}
}

// do sends method path (relative to /v1/pages/{page_id} unless it starts
// with /v1) with body (a string is sent as is, anything else as JSON) and
// decodes the JSON answer into out when out is not nil.
func (c *apiClient) do(method, path string, body any, out any) *httptest.ResponseRecorder {
	c.t.Helper()
	if !strings.HasPrefix(path, "/v1") {
		path = "/v1/pages/" + c.pageID + path
	}
	var r *bytes.Reader
	switch b := body.(type) {
	case nil:
		r = bytes.NewReader(nil)
	case string:
		r = bytes.NewReader([]byte(b))
	default:
		data, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Content-Type", "application/json")
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	rec := serve(c.h, req)
	if ct := rec.Header().Get("Content-Type"); rec.Body.Len() > 0 && !strings.HasPrefix(ct, "application/json") {
		c.t.Errorf("%s %s: Content-Type = %q, want JSON", method, path, ct)
	}
	if out != nil && rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			c.t.Fatalf("%s %s: decode %q: %v", method, path, rec.Body.String(), err)
		}
	}
	return rec
}

// want checks the status code of a response.
func (c *apiClient) want(rec *httptest.ResponseRecorder, code int) {
	c.t.Helper()
	if rec.Code != code {
		c.t.Fatalf("status = %d, want %d; body: %s", rec.Code, code, rec.Body.String())
	}
}

// apiErr is the JSON error body.
type apiErr struct {
	Error  string `json:"error"`
	Fields []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"fields"`
}

type jsonComponent struct {
	ID                 string   `json:"id"`
	PageID             string   `json:"page_id"`
	GroupID            *string  `json:"group_id"`
	Group              bool     `json:"group"`
	Name               string   `json:"name"`
	Description        *string  `json:"description"`
	Status             string   `json:"status"`
	Position           int      `json:"position"`
	Showcase           bool     `json:"showcase"`
	OnlyShowIfDegraded bool     `json:"only_show_if_degraded"`
	CreatedAt          string   `json:"created_at"`
	UpdatedAt          string   `json:"updated_at"`
	Components         []string `json:"components"`
}

type jsonUpdate struct {
	ID                 string `json:"id"`
	Status             string `json:"status"`
	Body               string `json:"body"`
	IncidentID         string `json:"incident_id"`
	DisplayAt          string `json:"display_at"`
	CreatedAt          string `json:"created_at"`
	AffectedComponents []struct {
		Code      string `json:"code"`
		Name      string `json:"name"`
		OldStatus string `json:"old_status"`
		NewStatus string `json:"new_status"`
	} `json:"affected_components"`
}

type jsonIncident struct {
	ID              string          `json:"id"`
	Name            string          `json:"name"`
	Status          string          `json:"status"`
	Impact          string          `json:"impact"`
	ImpactOverride  *string         `json:"impact_override"`
	Shortlink       string          `json:"shortlink"`
	PageID          string          `json:"page_id"`
	StartedAt       string          `json:"started_at"`
	ResolvedAt      *string         `json:"resolved_at"`
	MonitoringAt    *string         `json:"monitoring_at"`
	ScheduledFor    *string         `json:"scheduled_for"`
	ScheduledUntil  *string         `json:"scheduled_until"`
	Backfilled      bool            `json:"backfilled"`
	IncidentUpdates []jsonUpdate    `json:"incident_updates"`
	Components      []jsonComponent `json:"components"`
}

type jsonEvent struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`
	Visibility string `json:"visibility"`
	Body       string `json:"body"`
	Source     string `json:"source"`
	OccurredAt string `json:"occurred_at"`
}

// isoOffset matches Statuspage's timestamps: milliseconds and an offset.
func wantISO(t *testing.T, field, s string) {
	t.Helper()
	if _, err := time.Parse("2006-01-02T15:04:05.000Z07:00", s); err != nil || !strings.Contains(s, "+01:00") && !strings.Contains(s, "+02:00") {
		t.Errorf("%s = %q, want ISO 8601 with milliseconds and the page's offset", field, s)
	}
}

func TestAPIAuthentication(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleAdmin)

		var pages []map[string]any
		c.want(c.do("GET", "/v1/pages", nil, &pages), 200)
		if len(pages) != 1 || pages[0]["id"] != c.pageID || pages[0]["name"] != "Acme Cloud" ||
			pages[0]["url"] != "https://status.acme.test" || pages[0]["time_zone"] != "Europe/Berlin" {
			t.Errorf("GET /v1/pages = %v", pages)
		}
		var page map[string]any
		c.want(c.do("GET", "", nil, &page), 200)
		if page["id"] != c.pageID {
			t.Errorf("GET page = %v", page)
		}

		bearer := *c
		bearer.auth = "Bearer " + strings.TrimPrefix(c.auth, "OAuth ")
		bearer.want(bearer.do("GET", "/components", nil, nil), 200)

		for _, tc := range []struct{ name, auth string }{
			{"no header", ""},
			{"wrong token", "OAuth bcn_0000000000000000000000000000000000000000"},
			{"not a token", "Bearer hello"},
			{"basic auth", "Basic dXNlcjpwYXNz"},
		} {
			anon := *c
			anon.auth = tc.auth
			var e apiErr
			rec := anon.do("GET", "/components", nil, &e)
			if rec.Code != 401 || e.Error == "" || rec.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("%s: %d %+v, want 401 with a message and WWW-Authenticate", tc.name, rec.Code, e)
			}
		}

		// A revoked token stops working at once.
		secret, tok, err := db.CreateAPIToken(context.Background(), "soon revoked", models.RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		revoked := *c
		revoked.auth = "OAuth " + secret
		revoked.want(revoked.do("GET", "/components", nil, nil), 200)
		if _, err := db.RevokeAPIToken(context.Background(), tok.ID); err != nil {
			t.Fatal(err)
		}
		revoked.want(revoked.do("GET", "/components", nil, nil), 401)

		// Another page id is not found.
		var e apiErr
		c.want(c.do("GET", "/v1/pages/nosuchpage/components", nil, &e), 404)
		if e.Error == "" {
			t.Error("404 without an error message")
		}
	})
}

func TestAPIRoles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		admin := newAPIClient(t, db, models.RoleAdmin)
		editor := newAPIClient(t, db, models.RoleEditor)
		var in jsonIncident
		editor.want(editor.do("POST", "/incidents", map[string]any{"incident": map[string]any{"name": "Slow API", "body": "Looking."}}, &in), 201)
		var e apiErr
		editor.want(editor.do("DELETE", "/incidents/"+in.ID, nil, &e), 403)
		if !strings.Contains(e.Error, "admin") {
			t.Errorf("403 error = %q, want it to name the admin role", e.Error)
		}
		editor.want(editor.do("GET", "/incidents/"+in.ID, nil, nil), 200)
		admin.want(admin.do("DELETE", "/incidents/"+in.ID, nil, nil), 200)
		admin.want(admin.do("GET", "/incidents/"+in.ID, nil, nil), 404)
		editor.want(editor.do("PATCH", "/incidents/"+in.ID, map[string]any{"incident": map[string]any{"status": "resolved"}}, nil), 404)
	})
}

func TestAPIComponents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleEditor)
		ctx := context.Background()

		var api jsonComponent
		c.want(c.do("POST", "/components", map[string]any{"component": map[string]any{
			"name": "API", "description": "REST endpoints", "status": "operational", "only_show_if_degraded": false,
		}}, &api), 201)
		if api.ID == "" || api.PageID != c.pageID || api.Name != "API" || api.Status != "operational" ||
			api.Description == nil || *api.Description != "REST endpoints" || !api.Showcase || api.Group {
			t.Errorf("created component = %+v", api)
		}
		wantISO(t, "created_at", api.CreatedAt)
		var db1 jsonComponent
		c.want(c.do("POST", "/components", map[string]any{"component": map[string]any{"name": "Database"}}, &db1), 201)

		// A group with both as members.
		var group map[string]any
		c.want(c.do("POST", "/component-groups", map[string]any{
			"description": "The core", "component_group": map[string]any{"name": "Core", "components": []string{api.ID, db1.ID}},
		}, &group), 201)
		gid, _ := group["id"].(string)
		if group["name"] != "Core" || group["description"] != "The core" || fmt.Sprint(group["components"]) != fmt.Sprint([]any{api.ID, db1.ID}) {
			t.Errorf("created group = %v", group)
		}
		var list []jsonComponent
		c.want(c.do("GET", "/components", nil, &list), 200)
		if len(list) != 3 || !list[0].Group || list[0].ID != gid || len(list[0].Components) != 2 ||
			list[1].GroupID == nil || *list[1].GroupID != gid {
			t.Errorf("components = %+v", list)
		}

		// A status change is recorded in the history (it feeds the uptime bars).
		c.want(c.do("PATCH", "/components/"+api.ID, map[string]any{"component": map[string]any{"status": "major_outage"}}, &api), 200)
		if api.Status != "major_outage" {
			t.Errorf("status after PATCH = %q", api.Status)
		}
		hist, err := db.StatusHistory(ctx, time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if h := hist[api.ID]; len(h) != 2 || h[1].NewStatus != "major_outage" {
			t.Errorf("history of API = %+v, want operational then major_outage", h)
		}

		// group_id null takes a component out of its group.
		c.want(c.do("PATCH", "/components/"+db1.ID, `{"component": {"group_id": null}}`, &db1), 200)
		if db1.GroupID != nil {
			t.Errorf("group_id after ungrouping = %v", *db1.GroupID)
		}
		// Replacing a group's members.
		c.want(c.do("PATCH", "/component-groups/"+gid, map[string]any{"component_group": map[string]any{"components": []string{db1.ID}}}, &group), 200)
		if fmt.Sprint(group["components"]) != fmt.Sprint([]any{db1.ID}) {
			t.Errorf("members after PATCH = %v", group["components"])
		}

		c.want(c.do("DELETE", "/components/"+api.ID, nil, nil), 204)
		c.want(c.do("GET", "/components/"+api.ID, nil, nil), 404)
		c.want(c.do("DELETE", "/component-groups/"+gid, nil, nil), 204)
		c.want(c.do("GET", "/components/"+db1.ID, nil, &db1), 200)
		if db1.GroupID != nil {
			t.Error("deleting a group deleted or kept its member grouped")
		}
		c.want(c.do("DELETE", "/component-groups/"+db1.ID, nil, nil), 404) // not a group

		var audit []models.AuditEntry
		db.Gorm.Order("id").Find(&audit)
		if len(audit) == 0 || audit[0].Action != "component.create" || audit[0].ActorType != models.ActorToken {
			t.Errorf("audit log = %+v", audit)
		}
	})
}

func TestAPIComponentBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleEditor)
		var existing jsonComponent
		c.want(c.do("POST", "/components", map[string]any{"component": map[string]any{"name": "API"}}, &existing), 201)

		big := `{"component": {"name": "` + strings.Repeat("x", 2<<20) + `"}}`
		for _, tc := range []struct {
			name, method, path, body string
			code                     int
			field                    string
		}{
			{"empty name", "POST", "/components", `{"component": {"name": "  "}}`, 422, "name"},
			{"no body", "POST", "/components", ``, 400, ""},
			{"unknown status", "POST", "/components", `{"component": {"name": "X", "status": "sideways"}}`, 422, "status"},
			{"unknown group", "POST", "/components", `{"component": {"name": "X", "group_id": "nosuchgroup"}}`, 422, "group_id"},
			{"name not a string", "POST", "/components", `{"component": {"name": 5}}`, 400, "name"},
			{"broken JSON", "POST", "/components", `{"component": {"name": "X"`, 400, ""},
			{"not an object", "POST", "/components", `[1, 2]`, 400, ""},
			{"too large", "POST", "/components", big, 413, ""},
			{"long name", "POST", "/components", `{"component": {"name": "` + strings.Repeat("n", 300) + `"}}`, 422, "name"},
			{"patch unknown status", "PATCH", "/components/" + existing.ID, `{"component": {"status": "fine"}}`, 422, "status"},
			{"patch empty name", "PATCH", "/components/" + existing.ID, `{"component": {"name": ""}}`, 422, "name"},
			{"patch missing", "PATCH", "/components/nosuchcomp", `{"component": {"name": "Y"}}`, 404, ""},
			{"group with unknown member", "POST", "/component-groups", `{"component_group": {"name": "G", "components": ["nope"]}}`, 422, "components"},
			{"group without name", "POST", "/component-groups", `{"component_group": {"components": []}}`, 422, "name"},
		} {
			c.badRequest(t, db, tc.name, tc.method, tc.path, tc.body, tc.code, tc.field)
		}
	})
}

// badRequest sends a request that must fail with code, an error message
// naming field, no internals, and no row changed.
func (c *apiClient) badRequest(t *testing.T, db *models.DB, name, method, path, body string, code int, field string) {
	t.Run(name, func(t *testing.T) {
		before := tableCounts(t, db)
		var e apiErr
		rec := c.do(method, path, body, &e)
		if rec.Code != code || e.Error == "" {
			t.Fatalf("%d %s, want %d with a message", rec.Code, rec.Body.String(), code)
		}
		if field != "" && !strings.Contains(e.Error, field) {
			t.Errorf("error %q does not name %s", e.Error, field)
		}
		if strings.Contains(strings.ToLower(e.Error), "sql") || strings.Contains(e.Error, "models:") {
			t.Errorf("error leaks internals: %q", e.Error)
		}
		if after := tableCounts(t, db); after != before {
			t.Errorf("rows changed: %v → %v", before, after)
		}
	})
}

// tableCounts counts the rows a bad request must not change.
func tableCounts(t *testing.T, db *models.DB) string {
	t.Helper()
	var out []string
	for _, table := range []string{"components", "component_status_changes", "incidents", "incident_components", "timeline_events", "timeline_event_revisions", "audit_log",
		"postmortems", "postmortem_sections", "postmortem_timeline_entries", "postmortem_revisions", "action_items", "notifications", "subscribers"} {
		var n int64
		if err := db.Gorm.Table(table).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s=%d", table, n))
	}
	return strings.Join(out, " ")
}

func TestAPIIncidentLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleEditor)
		h := c.h
		var api, web jsonComponent
		c.want(c.do("POST", "/components", map[string]any{"component": map[string]any{"name": "API"}}, &api), 201)
		c.want(c.do("POST", "/components", map[string]any{"component": map[string]any{"name": "Website"}}, &web), 201)

		// Open: the impact is suggested from the components' new statuses.
		var in jsonIncident
		c.want(c.do("POST", "/incidents", map[string]any{"incident": map[string]any{
			"name": "Elevated API errors", "status": "investigating", "body": "We are **looking** into it.",
			"components": map[string]string{api.ID: "major_outage"}, "component_ids": []string{api.ID, web.ID},
			"deliver_notifications": true,
		}}, &in), 201)
		if in.Status != "investigating" || in.Impact != "critical" || in.ImpactOverride != nil ||
			len(in.IncidentUpdates) != 1 || len(in.Components) != 2 || in.Shortlink != "https://status.acme.test/incidents/"+in.ID {
			t.Fatalf("opened incident = %+v", in)
		}
		wantISO(t, "started_at", in.StartedAt)
		if u := in.IncidentUpdates[0]; u.Body != "We are **looking** into it." || len(u.AffectedComponents) != 1 ||
			u.AffectedComponents[0].NewStatus != "major_outage" || u.AffectedComponents[0].OldStatus != "operational" {
			t.Errorf("first update = %+v", u)
		}

		// Update, then an internal note, then resolve putting components back.
		c.want(c.do("PATCH", "/incidents/"+in.ID, map[string]any{"incident": map[string]any{
			"status": "identified", "body": "A bad deploy; rolling back.", "impact_override": "major",
		}}, &in), 200)
		if in.Status != "identified" || in.Impact != "major" || in.ImpactOverride == nil || len(in.IncidentUpdates) != 2 ||
			in.IncidentUpdates[0].Status != "identified" {
			t.Errorf("after update = %+v", in)
		}
		var note jsonEvent
		c.want(c.do("POST", "/incidents/"+in.ID+"/events", map[string]any{"event": map[string]any{
			"kind": "note", "body": "Paged the database team", "source": "slack",
		}}, &note), 201)
		if note.Kind != "note" || note.Visibility != "internal" || note.Source != "slack" {
			t.Errorf("note = %+v", note)
		}
		var alert jsonEvent
		c.want(c.do("POST", "/incidents/"+in.ID+"/events", map[string]any{"event": map[string]any{
			"body": "p99 latency back under 300 ms", "source": "prometheus", "occurred_at": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339),
		}}, &alert), 201)
		if alert.Kind != "external" {
			t.Errorf("event without kind = %+v, want external", alert)
		}
		c.want(c.do("PATCH", "/incidents/"+in.ID, map[string]any{"incident": map[string]any{
			"status": "resolved", "body": "All good.", "restore_components": true,
		}}, &in), 200)
		if in.Status != "resolved" || in.ResolvedAt == nil {
			t.Errorf("after resolve = %+v", in)
		}
		var got jsonComponent
		c.want(c.do("GET", "/components/"+api.ID, nil, &got), 200)
		if got.Status != "operational" {
			t.Errorf("API after resolving with restore_components = %q", got.Status)
		}

		// The timeline has everything, in order; the public page only the public part.
		var events []jsonEvent
		c.want(c.do("GET", "/incidents/"+in.ID+"/events", nil, &events), 200)
		var kinds []string
		for _, e := range events {
			kinds = append(kinds, e.Kind)
		}
		if !strings.Contains(strings.Join(kinds, ","), "note") || len(events) < 5 {
			t.Errorf("timeline kinds = %v", kinds)
		}
		page := wantPage(t, get(t, h, "/incidents/"+in.ID), 200)
		contains(t, page, "Elevated API errors", "A bad deploy; rolling back.", "All good.", "<strong>looking</strong>")
		lacks(t, page, "Paged the database team")

		// Editing an update keeps the earlier text as a revision.
		first := in.IncidentUpdates[len(in.IncidentUpdates)-1]
		var edited jsonUpdate
		c.want(c.do("PATCH", "/incidents/"+in.ID+"/incident_updates/"+first.ID, map[string]any{"incident_update": map[string]any{"body": "We are looking into errors on the API."}}, &edited), 200)
		if edited.Body != "We are looking into errors on the API." {
			t.Errorf("edited = %+v", edited)
		}
		revs, err := db.ListEventRevisions(context.Background(), first.ID)
		if err != nil || len(revs) != 1 {
			t.Errorf("revisions = %v, %v", revs, err)
		}
		c.want(c.do("PATCH", "/incidents/"+in.ID+"/incident_updates/nosuchupdate", map[string]any{"incident_update": map[string]any{"body": "x"}}, nil), 404)
	})
}

func TestAPIIncidentBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleEditor)
		var comp jsonComponent
		c.want(c.do("POST", "/components", map[string]any{"component": map[string]any{"name": "API"}}, &comp), 201)
		var in jsonIncident
		c.want(c.do("POST", "/incidents", map[string]any{"incident": map[string]any{"name": "Open one", "body": "x"}}, &in), 201)
		var gone jsonIncident
		c.want(c.do("POST", "/incidents", map[string]any{"incident": map[string]any{"name": "Deleted one"}}, &gone), 201)
		if err := db.DeleteIncident(context.Background(), gone.ID); err != nil {
			t.Fatal(err)
		}

		incident := func(fields string) string { return `{"incident": {` + fields + `}}` }
		future := time.Now().Add(48 * time.Hour).UTC()
		for _, tc := range []struct {
			name, method, path, body string
			code                     int
			field                    string
		}{
			{"empty name", "POST", "/incidents", incident(`"name": ""`), 422, "name"},
			{"unknown status", "POST", "/incidents", incident(`"name": "X", "status": "panicking"`), 422, "status"},
			{"unknown impact", "POST", "/incidents", incident(`"name": "X", "impact_override": "apocalyptic"`), 422, "impact"},
			{"unknown component", "POST", "/incidents", incident(`"name": "X", "component_ids": ["nope"]`), 422, "component"},
			{"unknown component in components", "POST", "/incidents", incident(`"name": "X", "components": {"nope": "major_outage"}`), 422, "component"},
			{"unknown component status", "POST", "/incidents", incident(`"name": "X", "components": {"` + comp.ID + `": "bad"}`), 422, "components"},
			{"oversized message", "POST", "/incidents", incident(`"name": "X", "body": "` + strings.Repeat("a", models.MaxMessageLength+1) + `"`), 422, "body"},
			{"components not an object", "POST", "/incidents", incident(`"name": "X", "components": 5`), 422, "components"},
			{"components a list of unknown ids", "POST", "/incidents", incident(`"name": "X", "components": ["a"]`), 422, "component"},
			{"maintenance ends before it starts", "POST", "/incidents", incident(fmt.Sprintf(`"name": "M", "scheduled_for": %q, "scheduled_until": %q`,
				future.Format(time.RFC3339), future.Add(-time.Hour).Format(time.RFC3339))), 422, "scheduled_until"},
			{"bad schedule time", "POST", "/incidents", incident(`"name": "M", "scheduled_for": "tomorrow", "scheduled_until": "later"`), 422, "scheduled_for"},
			{"backfill without date", "POST", "/incidents", incident(`"name": "B", "backfilled": true`), 422, "backfill_date"},
			{"backfill in the future", "POST", "/incidents", incident(fmt.Sprintf(`"name": "B", "backfilled": true, "backfill_date": %q`, future.Format(time.RFC3339))), 422, "backfill_date"},
			{"update unknown status", "PATCH", "/incidents/" + in.ID, incident(`"status": "sideways", "body": "x"`), 422, "status"},
			{"update maintenance status on incident", "PATCH", "/incidents/" + in.ID, incident(`"status": "in_progress"`), 422, "status"},
			{"update oversized", "PATCH", "/incidents/" + in.ID, incident(`"body": "` + strings.Repeat("a", models.MaxMessageLength+1) + `"`), 422, "body"},
			{"update unknown component", "PATCH", "/incidents/" + in.ID, incident(`"status": "identified", "components": {"nope": "major_outage"}`), 422, "component"},
			{"update nothing", "PATCH", "/incidents/" + in.ID, incident(``), 400, "nothing"},
			{"update deleted incident", "PATCH", "/incidents/" + gone.ID, incident(`"status": "resolved"`), 404, ""},
			{"rename to empty", "PATCH", "/incidents/" + in.ID, incident(`"name": "", "status": "identified", "body": "x"`), 422, "name"},
			{"event without body", "POST", "/incidents/" + in.ID + "/events", `{"event": {"kind": "note", "body": ""}}`, 422, "body"},
			{"event of unknown kind", "POST", "/incidents/" + in.ID + "/events", `{"event": {"kind": "update", "body": "x"}}`, 422, "kind"},
			{"event on deleted incident", "POST", "/incidents/" + gone.ID + "/events", `{"event": {"kind": "note", "body": "x"}}`, 404, ""},
			{"bad page number", "GET", "/incidents?page=zero", ``, 400, "page"},
			{"page size too large", "GET", "/incidents?per_page=1000", ``, 422, "per_page"},
		} {
			c.badRequest(t, db, tc.name, tc.method, tc.path, tc.body, tc.code, tc.field)
		}
	})
}

func TestAPIHTMLInMessagesIsInert(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleEditor)
		var in jsonIncident
		body := `Hi <script>alert(1)</script><img src=x onerror=alert(2)> [link](javascript:alert(3))`
		c.want(c.do("POST", "/incidents", map[string]any{"incident": map[string]any{"name": "<b>Bold</b> name", "body": body}}, &in), 201)
		page := wantPage(t, get(t, c.h, "/incidents/"+in.ID), 200)
		lacks(t, page, "<script>alert", "onerror", "javascript:alert", "<b>Bold</b>")
		contains(t, page, "&lt;b&gt;Bold&lt;/b&gt; name")
	})
}

func TestAPIMaintenanceAndBackfill(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleEditor)
		var comp jsonComponent
		c.want(c.do("POST", "/components", map[string]any{"component": map[string]any{"name": "Database"}}, &comp), 201)
		start := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Minute)
		var m jsonIncident
		c.want(c.do("POST", "/incidents", map[string]any{"incident": map[string]any{
			"name": "Database upgrade", "body": "Upgrading to a new major version.",
			"scheduled_for": start.Format(time.RFC3339), "scheduled_until": start.Add(2 * time.Hour).Format(time.RFC3339),
			"scheduled_auto_in_progress": true, "scheduled_auto_completed": true, "component_ids": []string{comp.ID},
		}}, &m), 201)
		if m.Status != "scheduled" || m.Impact != "maintenance" || m.ScheduledFor == nil || m.ScheduledUntil == nil {
			t.Fatalf("maintenance = %+v", m)
		}
		var upcoming []jsonIncident
		c.want(c.do("GET", "/incidents/scheduled", nil, &upcoming), 200)
		if len(upcoming) != 1 || upcoming[0].ID != m.ID {
			t.Errorf("scheduled = %+v", upcoming)
		}
		var unresolved []jsonIncident
		c.want(c.do("GET", "/incidents/unresolved", nil, &unresolved), 200)
		if len(unresolved) != 0 {
			t.Errorf("unresolved incidents include maintenance: %+v", unresolved)
		}
		// Maintenance moves through its own statuses.
		c.want(c.do("PATCH", "/incidents/"+m.ID, map[string]any{"incident": map[string]any{"status": "in_progress", "body": "Started early."}}, &m), 200)
		var active []jsonIncident
		c.want(c.do("GET", "/incidents/active_maintenance", nil, &active), 200)
		if len(active) != 1 {
			t.Errorf("active maintenance = %+v", active)
		}
		c.want(c.do("PATCH", "/incidents/"+m.ID, map[string]any{"incident": map[string]any{"status": "completed", "body": "Done."}}, &m), 200)
		if m.Status != "completed" || m.ResolvedAt == nil {
			t.Errorf("completed maintenance = %+v", m)
		}

		// A backfilled incident is resolved, dated in the past.
		when := time.Now().Add(-72 * time.Hour).UTC().Truncate(time.Second)
		var b jsonIncident
		c.want(c.do("POST", "/incidents", map[string]any{"incident": map[string]any{
			"name": "Last week's outage", "body": "Logins failed for 20 minutes.", "backfilled": true,
			"backfill_date": when.Format(time.RFC3339), "component_ids": []string{comp.ID},
		}}, &b), 201)
		started, _ := time.Parse(time.RFC3339, b.StartedAt)
		if !b.Backfilled || b.Status != "resolved" || !started.Equal(when) {
			t.Errorf("backfilled = %+v (started %v, want %v)", b, started, when)
		}
		c.want(c.do("GET", "/components/"+comp.ID, nil, &comp), 200)
		if comp.Status != "operational" {
			t.Errorf("backfill changed the component's current status to %q", comp.Status)
		}
	})
}

func TestAPIIncidentPaging(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := newAPIClient(t, db, models.RoleEditor)
		for i := range 5 {
			c.want(c.do("POST", "/incidents", map[string]any{"incident": map[string]any{
				"name": fmt.Sprintf("Incident %d", i), "backfilled": true,
				"backfill_date": time.Now().Add(-time.Duration(10-i) * time.Hour).UTC().Format(time.RFC3339),
			}}, nil), 201)
		}
		var all, page []jsonIncident
		rec := c.do("GET", "/incidents", nil, &all)
		c.want(rec, 200)
		if len(all) != 5 || all[0].Name != "Incident 4" || rec.Header().Get("X-Total-Count") != "5" {
			t.Errorf("all = %d incidents, first %q, total %q", len(all), all[0].Name, rec.Header().Get("X-Total-Count"))
		}
		c.want(c.do("GET", "/incidents?page=2&per_page=2", nil, &page), 200)
		if len(page) != 2 || page[0].Name != "Incident 2" || page[1].Name != "Incident 1" {
			t.Errorf("page 2 = %+v", page)
		}
		c.want(c.do("GET", "/incidents?page=3&limit=2", nil, &page), 200)
		if len(page) != 1 || page[0].Name != "Incident 0" {
			t.Errorf("page 3 = %+v", page)
		}
		c.want(c.do("GET", "/incidents?q=incident+3", nil, &page), 200)
		if len(page) != 1 || page[0].Name != "Incident 3" {
			t.Errorf("search = %+v", page)
		}
	})
}

// The audit log records the connection's address; X-Forwarded-For counts
// only with TRUST_PROXY, from a proxy on a private network.
func TestClientAddress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		for _, tc := range []struct {
			trust, remote, want string
		}{
			{"", "192.0.2.1:1234", "192.0.2.1"},
			{"true", "10.0.0.5:1234", "203.0.113.9"},
			{"true", "192.0.2.1:1234", "192.0.2.1"}, // a public client cannot claim to be a proxy
		} {
			h := newTestApp(t, db, map[string]string{"TRUST_PROXY": tc.trust}).Handler()
			secret, _, err := db.CreateAPIToken(context.Background(), "ip test", models.RoleEditor)
			if err != nil {
				t.Fatal(err)
			}
			pageID, _ := db.GetSetting(context.Background(), models.SettingPageID)
			req := httptest.NewRequest("POST", "/v1/pages/"+pageID+"/components", strings.NewReader(`{"component": {"name": "X"}}`))
			req.Header.Set("Authorization", "Bearer "+secret)
			req.Header.Set("X-Forwarded-For", "203.0.113.9")
			req.RemoteAddr = tc.remote
			if rec := serve(h, req); rec.Code != 201 {
				t.Fatalf("create: %d %s", rec.Code, rec.Body)
			}
			var last models.AuditEntry
			db.Gorm.Order("id DESC").Take(&last)
			if last.IP != tc.want {
				t.Errorf("TRUST_PROXY=%q from %s: audit IP = %q, want %q", tc.trust, tc.remote, last.IP, tc.want)
			}
		}
	})
}
