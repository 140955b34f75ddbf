package app_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// An action item's tracker link is internal unless the team chooses to
// show it: "Show the link publicly" in the console, "url_public" in the
// API; the public postmortem shows only the chosen ones.
func TestActionItemLinkPublicByChoice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		p := pmResolved(t, db, "Checkout errors")
		startPM(t, ed, db, p)

		// Two items: one link shown, one internal (the default).
		body := wantAdminPage(t, ed.Get(p.editor), http.StatusOK)
		contains(t, body, `id="f-url_public" name="url_public" value="1"`, "Show the link publicly")
		wantRedirect(t, ed.PostForm(p.add, url.Values{"title": {"Add a canary"}, "url": {"https://tracker.example.com/PUB-1"},
			"url_public": {"1"}}), p.editor+"#action-items")
		wantRedirect(t, ed.PostForm(p.add, url.Values{"title": {"Rotate the keys"}, "url": {"https://tracker.example.com/SEC-2"}}),
			p.editor+"#action-items")
		items, err := db.ListActionItems(ctx, p.in.ID)
		if err != nil || len(items) != 2 || !items[0].URLPublic || items[1].URLPublic {
			t.Fatalf("items = %+v, %v", items, err)
		}
		canary, keys := items[0], items[1]
		contains(t, wantAdminPage(t, ed.Get(p.editor), http.StatusOK), "public link", "internal link")

		wantRedirect(t, ed.PostForm(p.editor+"/publish", url.Values{"incomplete": {"1"}}), p.editor)
		page := wantPage(t, get(t, h, "/incidents/"+p.in.ID), http.StatusOK)
		contains(t, page, `href="https://tracker.example.com/PUB-1"`, "Rotate the keys")
		lacks(t, page, "SEC-2")

		// The quick status form keeps the choice; the edit page shows it
		// and changes it.
		itemURL := p.editor + "/action-items/" + canary.ID
		wantRedirect(t, ed.PostForm(itemURL, url.Values{"status": {"done"}}), p.editor+"#action-items")
		if items, _ := db.ListActionItems(ctx, p.in.ID); !items[0].URLPublic || items[0].Status != models.ActionDone {
			t.Errorf("after the quick form: %+v", items[0])
		}
		contains(t, wantAdminPage(t, ed.Get(itemURL+"/edit"), http.StatusOK), `name="url_public" value="1" checked`)
		wantRedirect(t, ed.PostForm(itemURL, url.Values{"title": {"Add a canary"}, "url": {"https://tracker.example.com/PUB-1"},
			"status": {"done"}}), p.editor+"#action-items")
		keysURL := p.editor + "/action-items/" + keys.ID
		wantRedirect(t, ed.PostForm(keysURL, url.Values{"title": {"Rotate the keys"}, "url": {"https://tracker.example.com/SEC-2"},
			"status": {"open"}, "url_public": {"1"}}), p.editor+"#action-items")
		page = wantPage(t, get(t, h, "/incidents/"+p.in.ID), http.StatusOK)
		contains(t, page, `href="https://tracker.example.com/SEC-2"`, "Add a canary")
		lacks(t, page, "PUB-1")

		// The API: "url_public" in, out; left out, it stays as it is.
		c := newAPIClient(t, db, models.RoleEditor)
		path := "/incidents/" + p.in.ID + "/postmortem/action-items"
		var item jsonActionItem
		c.want(c.do("POST", path, map[string]any{"action_item": map[string]any{"title": "Page sooner",
			"url": "https://tracker.example.com/API-3"}}, &item), 201)
		if item.URLPublic {
			t.Errorf("created = %+v: the link is internal by default", item)
		}
		c.want(c.do("PATCH", path+"/"+item.ID, map[string]any{"action_item": map[string]any{"url_public": true}}, &item), 200)
		c.want(c.do("PATCH", path+"/"+item.ID, map[string]any{"action_item": map[string]any{"status": "in_progress"}}, &item), 200)
		if !item.URLPublic || item.Status != "in_progress" {
			t.Errorf("patched = %+v", item)
		}
		contains(t, wantPage(t, get(t, c.h, "/incidents/"+p.in.ID), http.StatusOK), `href="https://tracker.example.com/API-3"`)
		c.want(c.do("PATCH", path+"/"+item.ID, map[string]any{"action_item": map[string]any{"url_public": false}}, &item), 200)
		lacks(t, wantPage(t, get(t, c.h, "/incidents/"+p.in.ID), http.StatusOK), "API-3")
	})
}
