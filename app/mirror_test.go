package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/app/snapshot"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// mirrorReady is the mirror's part of /readyz.
type mirrorReady struct {
	Status string
	Mirror *struct {
		Target, Warning string
		LastSync        string `json:"last_sync"`
		LastError       string `json:"last_error"`
	}
}

func readyzOf(t *testing.T, h http.Handler) (int, mirrorReady) {
	t.Helper()
	rec := get(t, h, "/readyz")
	var r mirrorReady
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatalf("/readyz: %v %s", err, rec.Body)
	}
	return rec.Code, r
}

// MIRROR_URL=file:///dir receives each change of the core set with no
// request; its state shows on /readyz and the console's dashboard, and a
// failing mirror is a warning there, never not-ready.
func TestMirrorToDirectory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		dir := filepath.Join(t.TempDir(), "mirror")
		a := newTestApp(t, db, map[string]string{"MIRROR_URL": "file://" + dir})
		serveOnLoopback(t, a)
		h := a.Handler()
		api := newAPIClient(t, db, models.RoleEditor)
		api.h = h
		if rec := api.do("POST", "/incidents", map[string]any{"incident": map[string]any{"name": "Mirrored to a directory"}}, nil); rec.Code != http.StatusCreated {
			t.Fatalf("POST incident = %d", rec.Code)
		}
		if !pollUntil(t, func() bool {
			b, err := os.ReadFile(filepath.Join(dir, "index.html"))
			summary, serr := os.ReadFile(filepath.Join(dir, "api", "v2", "summary.json"))
			_, r := readyzOf(t, h)
			return err == nil && strings.Contains(string(b), "Mirrored to a directory") && serr == nil &&
				strings.Contains(string(summary), "Mirrored to a directory") && r.Mirror != nil && r.Mirror.LastSync != ""
		}) {
			t.Fatalf("the change never reached the mirror directory")
		}
		keys, err := a.CoreKeys(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		// Every core document is there in the end (the components' come in
		// a later upload than the status page's).
		if !pollUntil(t, func() bool {
			for _, key := range append(keys, "/beacon-manifest.json") {
				if _, v := snapshot.SplitKey(key); v != "" {
					continue // other languages' renditions are not mirrored
				}
				file := key[1:] // a page at a path without an extension is its directory's index.html
				if key == "/" {
					file = "index.html"
				} else if !strings.Contains(key[strings.LastIndex(key, "/"):], ".") {
					file += "/index.html"
				}
				if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(file))); err != nil {
					return false
				}
			}
			return true
		}) {
			t.Errorf("the mirror lacks some of the core set: %v", keys)
		}
		code, r := readyzOf(t, h)
		if code != http.StatusOK || r.Status != "ready" || r.Mirror.Target != "file://"+dir || r.Mirror.LastError != "" || r.Mirror.Warning != "" {
			t.Errorf("/readyz = %d %+v %+v, want ready, the target, no error", code, r, *r.Mirror)
		}
		console := signIn(t, h, db, models.RoleEditor)
		contains(t, wantPage(t, console.Get("/admin"), http.StatusOK), "Mirror of the public site", "file://"+dir, "current.", "Last caught up")

		// The mirror's directory is replaced by a file: uploads fail.
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir, []byte("not a directory"), 0o644); err != nil {
			t.Fatal(err)
		}
		if rec := api.do("POST", "/incidents", map[string]any{"incident": map[string]any{"name": "Not mirrored"}}, nil); rec.Code != http.StatusCreated {
			t.Fatalf("POST incident with the mirror failing = %d, want 201", rec.Code)
		}
		if !pollUntil(t, func() bool { _, r := readyzOf(t, h); return r.Mirror.LastError != "" }) {
			t.Fatalf("/readyz never reported the mirror's failure")
		}
		code, r = readyzOf(t, h)
		if code != http.StatusOK || r.Status != "ready" || r.Mirror.Warning == "" {
			t.Errorf("/readyz with the mirror failing = %d %+v %+v, want ready with a warning", code, r, *r.Mirror)
		}
		contains(t, wantPage(t, console.Get("/admin"), http.StatusOK), "the last upload failed")
		if rec := get(t, h, "/"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Not mirrored") {
			t.Errorf("GET / with the mirror failing = %d, want 200 with the new incident", rec.Code)
		}
	})
}
