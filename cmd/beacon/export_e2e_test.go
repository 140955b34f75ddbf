package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// beacon export DIR writes the public site as static files: the pages as
// index.html in their directories (so links work from a bucket), feeds,
// JSON documents, badges, the widget and the static assets, with a
// manifest of content types; every file parses with a real parser, and
// every link of the pages to a page of the site finds its file.
func TestExport(t *testing.T) {
	t.Parallel()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			env := freshEnv(t, dialect, "PAGE_NAME=Acme Cloud", "SNAPSHOT_DIR=off")
			if out, errOut, code := runBeacon(t, env, "", "demo"); code != 0 {
				t.Fatalf("beacon demo: exit %d, %s %s", code, out, errOut)
			}
			dir := filepath.Join(t.TempDir(), "site")
			out, errOut, code := runBeacon(t, env, "", "export", dir)
			if code != 0 || !strings.Contains(out, "Exported the public site") {
				t.Fatalf("beacon export: exit %d, stdout %q, stderr %q", code, out, errOut)
			}
			var manifest struct {
				Objects map[string]struct {
					Path        string
					ContentType string `json:"content_type"`
				}
			}
			b, err := os.ReadFile(filepath.Join(dir, "beacon-manifest.json"))
			if err != nil || json.Unmarshal(b, &manifest) != nil || len(manifest.Objects) == 0 {
				t.Fatalf("beacon-manifest.json: %v", err)
			}
			for _, name := range []string{"index.html", "history/index.html", "postmortems/index.html", "api/index.html",
				"api/v2/summary.json", "api/v2/status.json", "api/v2/components.json", "api/v2/incidents.json",
				"api/v2/incidents/unresolved.json", "api/v2/scheduled-maintenances.json",
				"api/v2/scheduled-maintenances/upcoming.json", "api/v2/scheduled-maintenances/active.json",
				"history.atom", "history.rss", "history.json", "badge.svg", "widget.js"} {
				if _, ok := manifest.Objects[name]; !ok {
					t.Errorf("the manifest lacks %s", name)
				}
			}
			wantType := map[string]string{".html": "text/html", ".json": "application/json", ".atom": "application/atom+xml",
				".rss": "application/rss+xml", ".svg": "image/svg+xml", ".js": "text/javascript", ".css": "text/css"}
			for name, info := range manifest.Objects {
				if strings.HasSuffix(name, "history.json") && strings.HasPrefix(info.ContentType, "application/feed+json") {
					info.ContentType = "application/json" // JSON Feed 1.1's own type
				}
				body, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
				if err != nil {
					t.Errorf("%s is in the manifest but not in the export: %v", name, err)
					continue
				}
				if want, ok := wantType[filepath.Ext(name)]; ok && !strings.HasPrefix(info.ContentType, want) &&
					!(filepath.Ext(name) == ".js" && strings.HasPrefix(info.ContentType, "application/javascript")) {
					t.Errorf("%s: content type %q, want %s", name, info.ContentType, want)
				}
				checkParses(t, name, string(body))
			}

			// The pages' links to the site's pages find their files.
			index, err := os.ReadFile(filepath.Join(dir, "index.html"))
			if err != nil {
				t.Fatal(err)
			}
			mustContain(t, "exported status page", string(index), "Acme Cloud", "Delayed webhook deliveries", "Last updated")
			links := regexp.MustCompile(`(?:href|src)="(/[^"?#]*)"`).FindAllStringSubmatch(string(index), -1)
			checked := 0
			for _, m := range links {
				p := m[1]
				if p == "/subscribe" || strings.HasPrefix(p, "/admin") {
					continue // served live only
				}
				file := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(p, "/")))
				if filepath.Ext(p) == "" {
					file = filepath.Join(file, "index.html")
				}
				if _, err := os.Stat(file); err != nil {
					t.Errorf("the status page links to %s, which the export lacks", p)
				}
				checked++
			}
			if checked < 5 {
				t.Errorf("only %d links of the status page checked", checked)
			}

			// Again into the same directory: nothing changed, nothing written.
			out, _, code = runBeacon(t, env, "", "export", dir)
			if code != 0 || !strings.Contains(out, "(0 files written)") {
				t.Errorf("a second export = exit %d %q, want 0 files written", code, out)
			}
			if _, _, code := runBeacon(t, env, "", "export"); code != 2 {
				t.Errorf("beacon export with no directory = exit %d, want 2", code)
			}
		})
	}
}
