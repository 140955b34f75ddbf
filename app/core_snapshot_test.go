package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app/snapshot"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// The core set (the status page, the public API's documents, the history
// feeds, badges, the widget, each component's badge and feeds and the
// pages of unresolved incidents) is rebuilt after a change with no request
// asking for it, and saved to SNAPSHOT_DIR; with the database then gone,
// every core document answers 200 with its last good bytes.
func TestCoreSetAlwaysReady(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		dir := t.TempDir()
		a := newTestApp(t, db, map[string]string{"SNAPSHOT_DIR": dir})
		base := serveOnLoopback(t, a)
		comp := addComponent(t, db, models.Component{Name: "Eager API"})
		api := newAPIClient(t, db, models.RoleEditor)
		api.h = a.Handler()

		// A change through the API, and no request of any public document.
		var created struct{ ID string }
		rec := api.do("POST", "/incidents", map[string]any{"incident": map[string]any{
			"name": "Eagerly rebuilt", "body": "Looking into it.", "component_ids": []string{comp.ID},
			"components": map[string]string{comp.ID: models.MajorOutage}}}, &created)
		if rec.Code != http.StatusCreated || created.ID == "" {
			t.Fatalf("POST incident = %d %s", rec.Code, rec.Body)
		}
		keys, err := a.CoreKeys(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"/", "/api/v2/summary.json", "/api/v2/incidents/unresolved.json", "/history.atom",
			"/history.rss", "/history.json", "/maintenance.ics", "/badge.svg", "/widget.js", "/incidents/" + created.ID,
			"/components/" + comp.ID + "/badge.svg", "/components/" + comp.ID + "/history.atom"} {
			if !contains1(keys, want) {
				t.Errorf("the core set lacks %s", want)
			}
		}

		// Other languages' renditions of the worded pages are core too (built
		// eagerly), but only the default language's are saved.
		var plain []string
		for _, k := range keys {
			if _, v := snapshot.SplitKey(k); v == "" {
				plain = append(plain, k)
			}
		}
		for _, want := range []string{"/\x00ko", "/history\x00de", "/incidents/" + created.ID + "\x00ko"} {
			if !contains1(keys, want) {
				t.Errorf("the core set lacks %q", want)
			}
		}
		if contains1(keys, "/api/v2/summary.json\x00de") || contains1(keys, "/components/"+comp.ID+"/badge.svg\x00de") {
			t.Errorf("the core set holds other languages' JSON or component documents: %q", keys)
		}

		// Every core document is built, and saved, with no request.
		var saved *snapshot.Saved
		ok := pollUntil(t, func() bool {
			for _, k := range keys {
				if !a.SnapshotCurrent(k) {
					return false
				}
			}
			saved, err = snapshot.Load(dir)
			if err != nil {
				return false
			}
			if saved.Len() != len(plain) {
				return false
			}
			// What is saved is what is served.
			for _, k := range plain {
				_, cur := a.SnapshotBuilds(k)
				r, ok := cur.(*snapshot.Rendition)
				if !ok || saved.Get(k) == nil || saved.Get(k).ETag() != r.ETag() {
					return false
				}
			}
			r := saved.Get("/")
			return r != nil && strings.Contains(string(r.Body()), "Eagerly rebuilt")
		})
		if !ok {
			for _, k := range keys {
				if !a.SnapshotCurrent(k) {
					t.Errorf("%s was not rebuilt after the change", k)
				}
			}
			t.Fatalf("the core set was not rebuilt and saved after the change (load: %v)", err)
		}
		for _, k := range keys {
			if n, _ := a.SnapshotBuilds(k); n == 0 {
				t.Errorf("%q: no build counted", k)
			}
			if _, v := snapshot.SplitKey(k); v == "" && saved.Get(k) == nil {
				t.Errorf("%s is not in the saved snapshot", k)
			} else if v != "" && saved.Get(k) != nil {
				t.Errorf("%q (another language's) is in the saved snapshot", k)
			}
		}
		if r := saved.Get("/api/v2/summary.json"); r == nil || r.ContentType() != "application/json; charset=utf-8" && !strings.HasPrefix(r.ContentType(), "application/json") {
			t.Errorf("saved summary.json has no JSON content type")
		} else {
			var summary struct{ Incidents []struct{ Name string } }
			if err := json.Unmarshal(r.Body(), &summary); err != nil || len(summary.Incidents) == 0 || summary.Incidents[0].Name != "Eagerly rebuilt" {
				t.Errorf("saved summary.json = %v %+v, want the new incident", err, summary)
			}
		}

		// The database goes away; a change announced meanwhile makes every
		// document stale. Each still answers 200 with its last good bytes.
		db.Close()
		a.InvalidateSnapshot()
		client := &http.Client{Timeout: time.Until(dbtest.WaitDeadline(t))}
		for _, k := range plain {
			resp, err := client.Get(base + k)
			if err != nil {
				t.Fatalf("GET %s: %v", k, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s with the database gone = %d, want 200", k, resp.StatusCode)
				continue
			}
			if want := saved.Get(k); want != nil && string(body) != string(want.Body()) {
				t.Errorf("GET %s with the database gone: not the last good document", k)
			}
		}
		// A Korean reader gets the last good Korean page.
		req, _ := http.NewRequest(http.MethodGet, base+"/", nil)
		req.Header.Set("Accept-Language", "ko")
		if resp, err := client.Do(req); err != nil {
			t.Fatal(err)
		} else {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `<html lang="ko">`) || !strings.Contains(string(body), "Eagerly rebuilt") {
				t.Errorf("GET / in Korean with the database gone = %d, want the last good Korean page", resp.StatusCode)
			}
		}
	})
}

func contains1(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// pollUntil polls cond until it holds or the test's deadline passes.
func pollUntil(t *testing.T, cond func() bool) bool {
	for end := dbtest.WaitDeadline(t); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}
