package app_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// componentNames lists the components and groups in page order, members
// indented: "Core, -API, Website".
func componentNames(t *testing.T, db *models.DB) string {
	t.Helper()
	list, err := db.ListComponents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(list))
	for i, c := range list {
		names[i] = c.Name
		if c.GroupID != nil {
			names[i] = "-" + c.Name
		}
	}
	return strings.Join(names, ", ")
}

// componentByName finds a component or group by name.
func componentByName(t *testing.T, db *models.DB, name string) models.Component {
	t.Helper()
	list, err := db.ListComponents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no component %q", name)
	return models.Component{}
}

func TestConsoleComponents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		body := wantAdminPage(t, ed.Get("/admin/components"), http.StatusOK)
		contains(t, body, "No components yet", `action="/admin/components"`, `action="/admin/components/groups"`)

		// Create: each new one goes last in its level.
		for _, name := range []string{"API", "Website", "Search"} {
			wantRedirect(t, ed.PostForm("/admin/components", url.Values{"name": {name}, "status": {"operational"}}), "/admin/components")
		}
		wantRedirect(t, ed.PostForm("/admin/components/groups", url.Values{"group_name": {"Core"}, "group_description": {"The platform"}}), "/admin/components")
		core := componentByName(t, db, "Core")
		if !core.IsGroup || core.Description != "The platform" {
			t.Fatalf("group = %+v", core)
		}
		wantRedirect(t, ed.PostForm("/admin/components", url.Values{"name": {"Database"}, "description": {"Primary store"},
			"group_id": {core.ID}, "status": {"degraded_performance"}}), "/admin/components")
		if got := componentNames(t, db); got != "API, Website, Search, Core, -Database" {
			t.Fatalf("order = %s", got)
		}
		dbc := componentByName(t, db, "Database")
		if dbc.Status != models.DegradedPerformance || dbc.Description != "Primary store" || !dbc.Showcase {
			t.Errorf("Database = %+v", dbc)
		}
		body = wantAdminPage(t, ed.Get("/admin/components"), http.StatusOK)
		contains(t, body, "Added the component Database.", "group · 1", "Primary store", `href="/admin/components/`+dbc.ID+`/edit"`)
		inOrder(t, body, ">API<", ">Website<", ">Search<", ">Core<", ">Database<")
		contains(t, componentItem(t, wantPage(t, get(t, h, "/"), http.StatusOK), "Database"), "Degraded Performance")

		// Reorder: up and down within a level; the first cannot go up.
		search := componentByName(t, db, "Search")
		wantRedirect(t, ed.PostForm("/admin/components/"+search.ID+"/move", url.Values{"direction": {"up"}}), "/admin/components#component-"+search.ID)
		wantRedirect(t, ed.PostForm("/admin/components/"+search.ID+"/move", url.Values{"direction": {"up"}}), "/admin/components#component-"+search.ID)
		if got := componentNames(t, db); got != "Search, API, Website, Core, -Database" {
			t.Fatalf("after moving Search up twice: %s", got)
		}
		wantRedirect(t, ed.PostForm("/admin/components/"+search.ID+"/move", url.Values{"direction": {"up"}}), "/admin/components#component-"+search.ID)
		contains(t, wantAdminPage(t, ed.Get("/admin/components"), http.StatusOK), "Search is already the first of its level.")
		wantRedirect(t, ed.PostForm("/admin/components/"+core.ID+"/move", url.Values{"direction": {"up"}}), "/admin/components#component-"+core.ID)
		if got := componentNames(t, db); got != "Search, API, Core, -Database, Website" {
			t.Fatalf("after moving Core up: %s", got)
		}
		body = wantAdminPage(t, ed.Get("/admin/components"), http.StatusOK)
		contains(t, body, `value="up" class="button small icon-button" disabled><span aria-hidden="true">↑</span><span class="visually-hidden">Move Search up`)
		contains(t, wantPage(t, get(t, h, "/"), http.StatusOK), "Search") // the public page follows
		inOrder(t, wantPage(t, get(t, h, "/"), http.StatusOK), ">Search<", ">API<", ">Core<", ">Database<", ">Website<")

		// Edit: rename, describe, move into the group, hide the uptime bar.
		api := componentByName(t, db, "API")
		body = wantAdminPage(t, ed.Get("/admin/components/"+api.ID+"/edit"), http.StatusOK)
		contains(t, body, `value="API"`, `<option value="`+core.ID+`">Core</option>`, `id="f-showcase" name="showcase" value="1" checked`)
		wantRedirect(t, ed.PostForm("/admin/components/"+api.ID, url.Values{"name": {"Public API"}, "description": {"REST and GraphQL"},
			"group_id": {core.ID}, "status": {"partial_outage"}, "only_show_if_degraded": {"1"}}), "/admin/components")
		api = componentByName(t, db, "Public API")
		if api.Description != "REST and GraphQL" || api.GroupID == nil || *api.GroupID != core.ID || api.Showcase || !api.OnlyShowIfDegraded ||
			api.Status != models.PartialOutage {
			t.Errorf("edited = %+v", api)
		}
		// The group's edit page has no status or group.
		body = wantAdminPage(t, ed.Get("/admin/components/"+core.ID+"/edit"), http.StatusOK)
		lacks(t, body, `name="status"`, `name="group_id"`)
		wantRedirect(t, ed.PostForm("/admin/components/"+core.ID, url.Values{"name": {"Core platform"}, "showcase": {"1"}}), "/admin/components")

		// Status from the list's quick form.
		wantRedirect(t, ed.PostForm("/admin/components/"+search.ID+"/status", url.Values{"status": {"major_outage"}}), "/admin/components")
		if s := componentStatus(t, db, search.ID); s != models.MajorOutage {
			t.Errorf("Search is %s", s)
		}
		contains(t, wantAdminPage(t, ed.Get("/admin/components"), http.StatusOK), "Search is now Major Outage.")

		// Delete, after a confirmation page: a group's members stay.
		body = wantAdminPage(t, ed.Get("/admin/components/"+core.ID+"/delete"), http.StatusOK)
		contains(t, body, "Delete Core platform?", "Its components stay, ungrouped: Database, Public API.", "Keep it")
		wantRedirect(t, ed.PostForm("/admin/components/"+core.ID+"/delete", nil), "/admin/components")
		if got := componentNames(t, db); !strings.Contains(got, "Public API") || strings.Contains(got, "Core") || strings.Contains(got, "-") {
			t.Errorf("after deleting the group: %s", got)
		}
		contains(t, wantAdminPage(t, ed.Get("/admin/components/"+search.ID+"/delete"), http.StatusOK), "with its status history")
		wantRedirect(t, ed.PostForm("/admin/components/"+search.ID+"/delete", nil), "/admin/components")
		if _, err := db.GetComponent(context.Background(), search.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("Search after delete: %v", err)
		}
		want := "component.create,component.create,component.create,component_group.create,component.create," +
			"component.reorder,component.reorder,component.reorder,component.update,component.update,component.update," +
			"component_group.delete,component.delete"
		if got := changeActions(t, db); got != want {
			t.Errorf("audit = %s\nwant    %s", got, want)
		}
	})
}

// Bad input on the component forms: 422 with the field named, the values
// kept, nothing written.
func TestConsoleComponentsBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		grp := addComponent(t, db, models.Component{Name: "Core", IsGroup: true})
		api := addComponent(t, db, models.Component{Name: "API", GroupID: &grp.ID})
		long := strings.Repeat("x", models.MaxDescriptionLength+1)
		cases := []struct {
			name, path string
			form       url.Values
			field      string
			want       string
			keep       string
		}{
			{"empty name", "/admin/components", url.Values{"name": {" "}, "description": {"Kept description"}, "status": {"operational"}}, "name", "Name must not be empty", "Kept description"},
			{"unknown status", "/admin/components", url.Values{"name": {"Kept name"}, "status": {"on_fire"}}, "status", "Status must be one of operational, degraded_performance, partial_outage, major_outage, under_maintenance", "Kept name"},
			{"unknown group", "/admin/components", url.Values{"name": {"Kept name"}, "group_id": {"nosuchgroup"}, "status": {"operational"}}, "group_id", `Group no component group with id "nosuchgroup"`, "Kept name"},
			{"a component as group", "/admin/components", url.Values{"name": {"Kept name"}, "group_id": {api.ID}, "status": {"operational"}}, "group_id", `Group no component group with id "` + api.ID + `"`, "Kept name"},
			{"group: empty name", "/admin/components/groups", url.Values{"group_name": {""}, "group_description": {"Kept description"}}, "group_name", "Group name must not be empty", "Kept description"},
			{"group: long description", "/admin/components/groups", url.Values{"group_name": {"Kept name"}, "group_description": {long}}, "group_description", "Group description must be at most 2000 characters", "Kept name"},
			{"edit: empty name", "/admin/components/" + api.ID, url.Values{"name": {""}, "description": {"Kept description"}, "status": {"operational"}, "group_id": {grp.ID}}, "name", "Name must not be empty", "Kept description"},
			{"edit: unknown status", "/admin/components/" + api.ID, url.Values{"name": {"Kept name"}, "status": {"on_fire"}, "group_id": {""}}, "status", "Status must be one of operational, degraded_performance, partial_outage, major_outage, under_maintenance", "Kept name"},
			{"edit: unknown group", "/admin/components/" + api.ID, url.Values{"name": {"Kept name"}, "status": {"operational"}, "group_id": {"nosuchgroup"}}, "group_id", `Group no component group with id "nosuchgroup"`, "Kept name"},
			{"quick status: unknown", "/admin/components/" + api.ID + "/status", url.Values{"status": {"on_fire"}, "next": {"/admin"}}, "status", "Status must be one of operational, degraded_performance, partial_outage, major_outage, under_maintenance", `value="API"`},
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
		// A group's status comes from its members: its page lists the problem.
		body := wantAdminPage(t, ed.PostForm("/admin/components/"+grp.ID+"/status", url.Values{"status": {"major_outage"}}), http.StatusUnprocessableEntity)
		contains(t, body, `<a href="#f-status">Status a group&#39;s status comes from its components</a>`, `value="Core"`)
		body = wantAdminPage(t, ed.PostForm("/admin/components/"+api.ID+"/move", url.Values{"direction": {"sideways"}}), http.StatusUnprocessableEntity)
		contains(t, body, "direction: must be up or down")
		wantAdminPage(t, ed.PostFormRaw("/admin/components", url.Values{"name": {"Sneaky"}}), http.StatusForbidden)
		wantAdminPage(t, ed.PostFormRaw("/admin/components/"+api.ID+"/status", url.Values{"status": {"major_outage"}}), http.StatusForbidden)
		wantAdminPage(t, ed.PostFormRaw("/admin/components/"+api.ID+"/delete", nil), http.StatusForbidden)
		if after := tableCounts(t, db); after != before {
			t.Errorf("tables changed: %s → %s", before, after)
		}
		for _, p := range []string{"/admin/components/nosuchcomp/edit", "/admin/components/nosuchcomp/delete", "/admin/components/Not%20an%20id/edit"} {
			wantAdminPage(t, ed.Get(p), http.StatusNotFound)
		}
		wantAdminPage(t, ed.PostForm("/admin/components/nosuchcomp/status", url.Values{"status": {"operational"}}), http.StatusNotFound)
		wantAdminPage(t, ed.PostForm("/admin/components/nosuchcomp/delete", nil), http.StatusNotFound)
	})
}
