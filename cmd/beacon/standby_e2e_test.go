package main_test

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/beaconstatus/beacon/models/dbtest"
)

// savedManifest is the part of SNAPSHOT_DIR/manifest.json the tests read.
type savedManifest struct {
	SavedAt   string `json:"saved_at"`
	Documents []struct {
		Key, File   string
		ContentType string `json:"content_type"`
	}
}

// readSaved reads the snapshot saved in dir: its manifest and each
// document's body by key (nil when there is none yet).
func readSaved(dir string) (*savedManifest, map[string]string) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, nil
	}
	var m savedManifest
	if json.Unmarshal(b, &m) != nil {
		return nil, nil
	}
	bodies := map[string]string{}
	for _, d := range m.Documents {
		body, err := os.ReadFile(filepath.Join(dir, d.File))
		if err != nil {
			return nil, nil
		}
		sum := sha256.Sum256(body)
		if "objects/"+hex.EncodeToString(sum[:]) != d.File {
			return nil, nil
		}
		bodies[d.Key] = string(body)
	}
	return &m, bodies
}

// stopServer kills a beacon serve (as an orchestrator does to a pod) and
// waits for it to exit.
func stopServer(s *server) {
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
}

// The database is down when a replica (re)starts: beacon serve serves the
// core set the previous server saved to SNAPSHOT_DIR, all of it with 200
// and the page's "Last updated", says not ready, refuses writes with 503,
// and switches to live data by itself once the database answers. On
// PostgreSQL the database is a throwaway cluster of the test, stopped and
// started again; on SQLite the file's directory is moved away and back.
func TestServeSavedSnapshotWhileDatabaseDown(t *testing.T) {
	t.Parallel()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			snapDir := filepath.Join(tmp, "snapshot")
			var dbURL string
			var down, up func()
			if dialect == "postgres" {
				cluster := dbtest.StartCluster(t)
				admin, err := sql.Open("pgx", cluster.URL)
				if err != nil {
					t.Fatal(err)
				}
				_, err = admin.ExecContext(waitContext(t), "CREATE DATABASE beacon")
				admin.Close()
				if err != nil {
					t.Fatal(err)
				}
				dbURL = cluster.Database("beacon")
				down, up = func() { cluster.Stop(t) }, func() { cluster.Start(t) }
			} else {
				dataDir := filepath.Join(tmp, "data")
				if err := os.Mkdir(dataDir, 0o755); err != nil {
					t.Fatal(err)
				}
				dbURL = "sqlite:" + filepath.Join(dataDir, "beacon.db")
				move := func(from, to string) {
					if err := os.Rename(from, to); err != nil {
						t.Fatal(err)
					}
				}
				down = func() { move(dataDir, dataDir+".away") }
				up = func() { move(dataDir+".away", dataDir) }
			}
			env := beaconEnv("DATABASE_URL="+dbURL, "SNAPSHOT_DIR="+snapDir, "PAGE_NAME=Acme Cloud")
			if out, errOut, code := runBeacon(t, env, "", "migrate"); code != 0 {
				t.Fatalf("beacon migrate: exit %d, %s %s", code, out, errOut)
			}
			if out, errOut, code := runBeacon(t, env, "", "demo"); code != 0 {
				t.Fatalf("beacon demo: exit %d, %s %s", code, out, errOut)
			}
			out, errOut, code := runBeacon(t, env, "", "token", "add", "--name", "ops", "--role", "editor")
			lines := strings.Split(strings.TrimSpace(out), "\n")
			token := lines[len(lines)-1]
			if code != 0 || !strings.HasPrefix(token, "bcn_") {
				t.Fatalf("token add: exit %d, stdout %q, stderr %q", code, out, errOut)
			}

			s := startServer(t, env)
			var pages []struct{ ID string }
			if code := apiCall(t, "GET", s.URL+"/v1/pages", token, nil, &pages); code != 200 || len(pages) != 1 {
				t.Fatalf("GET /v1/pages = %d %+v", code, pages)
			}
			apiPath := "/v1/pages/" + pages[0].ID
			api := s.URL + apiPath
			var in struct{ ID string }
			if code := apiCall(t, "POST", api+"/incidents", token, map[string]any{"incident": map[string]any{
				"name": "Saved before the outage", "status": "investigating", "body": "Queues are backing up."}}, &in); code != 201 {
				t.Fatalf("open incident = %d", code)
			}
			// The server saves the core set after the change, with no
			// request asking for any of it.
			var manifest *savedManifest
			var saved map[string]string
			if !waitFor(t, func() bool {
				manifest, saved = readSaved(snapDir)
				return manifest != nil && strings.Contains(saved["/"], "Saved before the outage") &&
					saved["/incidents/"+in.ID] != "" && strings.Contains(saved["/api/v2/incidents/unresolved.json"], "Saved before the outage")
			}) {
				t.Fatalf("the core set with the new incident was not saved to %s", snapDir)
			}
			for _, key := range []string{"/", "/history", "/api/v2/summary.json", "/api/v2/status.json", "/api/v2/components.json",
				"/api/v2/incidents.json", "/api/v2/incidents/unresolved.json", "/api/v2/scheduled-maintenances.json",
				"/api/v2/scheduled-maintenances/upcoming.json", "/api/v2/scheduled-maintenances/active.json",
				"/history.atom", "/history.rss", "/history.json", "/badge.svg", "/widget.js"} {
				if saved[key] == "" {
					t.Errorf("the saved snapshot lacks %s", key)
				}
			}

			// The database goes down, and Beacon restarts. What it serves is
			// what the killed server saved last.
			stopServer(s)
			if manifest, saved = readSaved(snapDir); manifest == nil {
				t.Fatalf("no saved snapshot readable in %s after the server was killed", snapDir)
			}
			down()
			s = startServer(t, env)
			api = s.URL + apiPath
			for _, d := range manifest.Documents {
				status, h, body := get(t, s.URL+d.Key)
				if status != http.StatusOK || body != saved[d.Key] || h.Get("Content-Type") != d.ContentType {
					t.Errorf("GET %s while the database is down = %d %q, want 200 %q and the saved document", d.Key, status, h.Get("Content-Type"), d.ContentType)
				}
			}
			_, _, page := get(t, s.URL+"/")
			mustContain(t, "saved status page", page, "Acme Cloud", "Saved before the outage", "Last updated")
			// The page's stylesheet is there too.
			if i := strings.Index(page, "/static/css/"); i < 0 {
				t.Errorf("no stylesheet link on the saved page")
			} else if status, _, _ := get(t, s.URL+page[i:i+strings.IndexByte(page[i:], '"')]); status != http.StatusOK {
				t.Errorf("GET the stylesheet while the database is down = %d, want 200", status)
			}
			status, _, body := get(t, s.URL+"/readyz")
			if status != http.StatusServiceUnavailable || !strings.Contains(body, `"unavailable"`) || !strings.Contains(body, manifest.SavedAt[:16]) {
				t.Errorf("GET /readyz while the database is down = %d %s, want 503 unavailable naming the snapshot's time %s", status, body, manifest.SavedAt)
			}
			var apiErr struct{ Error string }
			if code := apiCall(t, "POST", api+"/incidents", token, map[string]any{"incident": map[string]any{"name": "Refused"}}, &apiErr); code != http.StatusServiceUnavailable || !strings.Contains(apiErr.Error, "nothing was changed") {
				t.Errorf("API write while the database is down = %d %q, want 503 saying nothing was changed", code, apiErr.Error)
			}
			req, _ := http.NewRequest("POST", s.URL+"/admin/login", strings.NewReader("email=a%40b.c&password=x"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := do(t, req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusServiceUnavailable || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Errorf("console sign-in while the database is down = %d %s, want a 503 page", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if status, _, _ := get(t, s.URL+"/incidents/nosuchincident"); status != http.StatusServiceUnavailable {
				t.Errorf("GET a page not in the snapshot while the database is down = %d, want 503", status)
			}

			// The database comes back: live data, with no restart.
			up()
			if !waitFor(t, func() bool {
				status, _, _ := get(t, s.URL+"/readyz")
				return status == http.StatusOK
			}) {
				t.Fatalf("/readyz did not become ready once the database answered")
			}
			if code := apiCall(t, "POST", api+"/incidents", token, map[string]any{"incident": map[string]any{
				"name": "Written after the outage", "status": "investigating"}}, nil); code != 201 {
				t.Fatalf("API write once the database answers = %d, want 201", code)
			}
			_, _, page = get(t, s.URL+"/")
			mustContain(t, "live status page", page, "Written after the outage", "Saved before the outage")
			if strings.Contains(page, ">Refused<") {
				t.Errorf("the refused write shows on the page")
			}
			if hasPanic(s.Logs.String()) {
				t.Errorf("the server's output has a panic")
			}
		})
	}
}
