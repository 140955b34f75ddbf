package main_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/mmcdole/gofeed"
)

// seaweedVersion is the SeaweedFS the mirror's end-to-end test runs
// against (a real S3-compatible server); .ci/build-seaweedfs builds it.
const seaweedVersion = "v0.0.0-20261109003541-7506e5f91cd6"

var (
	weedOnce sync.Once
	weedPath string
	weedErr  error
)

// weedBinary is the SeaweedFS binary in the test cache
// (${BEACON_TEST_CACHE:-/var/cache/beacon-test}/seaweedfs-<version>/weed),
// built by .ci/build-seaweedfs when absent (about 8 minutes). When it
// cannot be had the test is skipped loudly, or fails when CI is set.
func weedBinary(t *testing.T) string {
	t.Helper()
	weedOnce.Do(func() {
		cache := os.Getenv("BEACON_TEST_CACHE")
		if cache == "" {
			cache = "/var/cache/beacon-test"
		}
		weedPath = filepath.Join(cache, "seaweedfs-"+seaweedVersion, "weed")
		if _, err := os.Stat(weedPath); err == nil {
			return
		}
		fmt.Fprintf(os.Stderr, "\n*** building SeaweedFS into %s (several minutes, once per machine)\n", cache)
		script, _ := filepath.Abs("../../.ci/build-seaweedfs")
		cmd := exec.CommandContext(waitContext(t), script)
		out, err := cmd.CombinedOutput()
		if err != nil {
			weedErr = fmt.Errorf("build SeaweedFS: %v\n%s", err, out)
			return
		}
		if _, err := os.Stat(weedPath); err != nil {
			weedErr = fmt.Errorf("build SeaweedFS: no %s after the build", weedPath)
		}
	})
	if weedErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("SeaweedFS is required when CI is set: %v", weedErr)
		}
		fmt.Fprintf(os.Stderr, "\n!!! SKIPPING %s: no SeaweedFS: %v\n\n", t.Name(), weedErr)
		t.Skipf("no SeaweedFS: %v", weedErr)
	}
	return weedPath
}

// startSeaweed runs `weed server -s3` on free loopback ports for the test
// and returns its S3 endpoint once it answers.
func startSeaweed(t *testing.T) string {
	t.Helper()
	bin := weedBinary(t)
	dir := t.TempDir()
	ports := make([]int, 8)
	for i := range ports {
		ports[i] = freePort(t)
	}
	args := []string{"server", "-dir=" + dir, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		fmt.Sprint("-master.port=", ports[0]), fmt.Sprint("-master.port.grpc=", ports[1]),
		fmt.Sprint("-volume.port=", ports[2]), fmt.Sprint("-volume.port.grpc=", ports[3]),
		fmt.Sprint("-filer.port=", ports[4]), fmt.Sprint("-filer.port.grpc=", ports[5]),
		"-s3", fmt.Sprint("-s3.port=", ports[6]), fmt.Sprint("-s3.port.grpc=", ports[7]),
		"-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false",
		// The bucket is a collection of its own that needs volume slots besides
		// the default collection's: with -volume.max=4 the filer could take all
		// four first and every upload then failed with a 500 (seen once in ~10 runs).
		"-master.volumeSizeLimitMB=64", "-volume.max=32",
		"-filer.localSocket=" + filepath.Join(dir, "filer.sock"), "-s3.localSocket=" + filepath.Join(dir, "s3.sock")}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start SeaweedFS: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("SeaweedFS output (last 3000 bytes):\n%s", tail(logs.String(), 3000))
		}
	})
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", ports[6])
	if !waitFor(t, func() bool {
		select {
		case <-exited:
			return false
		default:
		}
		req, _ := http.NewRequest("PUT", endpoint+"/beacon-mirror", nil)
		resp, err := do(t, req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusConflict
	}) {
		t.Fatalf("SeaweedFS's S3 server did not answer (or make the bucket) by the test's deadline:\n%s", tail(logs.String(), 3000))
	}
	return endpoint
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// A Beacon with MIRROR_URL on a real S3-compatible server (SeaweedFS)
// uploads every rebuild of the core set; once Beacon is killed, the
// bucket serves the same documents over HTTP, with their content types
// and cache policy, on both databases.
func TestMirrorToS3(t *testing.T) {
	t.Parallel()
	endpoint := startSeaweed(t)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			bucket := endpoint + "/beacon-mirror/" + dialect + "/"
			env := freshEnv(t, dialect, "PAGE_NAME=Acme Cloud", "SNAPSHOT_DIR=off",
				"MIRROR_URL=s3://beacon-mirror/"+dialect, "AWS_ENDPOINT_URL="+endpoint, "AWS_REGION=us-east-1",
				"AWS_ACCESS_KEY_ID=beacon", "AWS_SECRET_ACCESS_KEY=beacon-test-secret")
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
			var in struct{ ID string }
			if code := apiCall(t, "POST", s.URL+"/v1/pages/"+pages[0].ID+"/incidents", token, map[string]any{"incident": map[string]any{
				"name": "Mirrored incident", "status": "investigating", "body": "Seen from the bucket."}}, &in); code != 201 {
				t.Fatalf("open incident = %d", code)
			}
			// The update reaches the bucket with no request for any page, and
			// the mirror says it caught up.
			type readiness struct {
				Status string
				Mirror struct {
					Target        string
					LastSync      string  `json:"last_sync"`
					LastError     string  `json:"last_error"`
					BehindSeconds float64 `json:"behind_seconds"`
				}
			}
			names := []string{"index.html", "history/index.html", "api/index.html", "incidents/" + in.ID + "/index.html",
				"api/v2/summary.json", "api/v2/status.json", "api/v2/components.json", "api/v2/incidents.json",
				"api/v2/incidents/unresolved.json", "api/v2/scheduled-maintenances.json",
				"api/v2/scheduled-maintenances/upcoming.json", "api/v2/scheduled-maintenances/active.json",
				"history.atom", "history.rss", "history.json", "badge.svg", "widget.js"}
			var ready readiness
			if !waitFor(t, func() bool {
				for _, name := range []string{"index.html", "api/v2/incidents/unresolved.json"} {
					status, _, body := get(t, bucket+name)
					if status != 200 || !strings.Contains(body, "Mirrored incident") {
						return false
					}
				}
				_, _, body := get(t, bucket+"beacon-manifest.json")
				for _, name := range names {
					if !strings.Contains(body, `"`+name+`"`) {
						return false
					}
				}
				_, _, body = get(t, s.URL+"/readyz")
				ready = readiness{}
				return json.Unmarshal([]byte(body), &ready) == nil && ready.Mirror.LastSync != "" && ready.Mirror.BehindSeconds == 0
			}) {
				t.Fatalf("the bucket never held the new incident's core set, or the mirror never caught up: %+v", ready)
			}
			if ready.Status != "ready" || ready.Mirror.LastError != "" || ready.Mirror.Target != "s3://beacon-mirror/"+dialect+"/" {
				t.Errorf("GET /readyz with a mirror = %+v, want ready with the mirror's target and no error", ready)
			}

			// Beacon's host is gone: the bucket serves the core set.
			stopServer(s)
			var manifest struct {
				Objects map[string]struct {
					Path         string
					ContentType  string `json:"content_type"`
					CacheControl string `json:"cache_control"`
				}
			}
			status, _, body := get(t, bucket+"beacon-manifest.json")
			if err := json.Unmarshal([]byte(body), &manifest); status != 200 || err != nil {
				t.Fatalf("GET beacon-manifest.json from the bucket = %d %v", status, err)
			}
			for _, name := range names {
				info, ok := manifest.Objects[name]
				if !ok {
					t.Errorf("the bucket's manifest lacks %s", name)
					continue
				}
				status, h, body := get(t, bucket+name)
				if status != 200 || h.Get("Content-Type") != info.ContentType || h.Get("Cache-Control") != info.CacheControl || info.CacheControl == "" {
					t.Errorf("GET %s from the bucket = %d %q %q, want 200 %q %q", name, status, h.Get("Content-Type"), h.Get("Cache-Control"), info.ContentType, info.CacheControl)
					continue
				}
				checkParses(t, name, body)
			}
			_, _, page := get(t, bucket+"index.html")
			mustContain(t, "mirrored status page", page, "Acme Cloud", "Mirrored incident", "Last updated")
			css := regexp.MustCompile(`/static/css/app\.[0-9a-f]+\.css`).FindString(page)
			if status, h, _ := get(t, bucket+strings.TrimPrefix(css, "/")); css == "" || status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/css") {
				t.Errorf("the page's stylesheet %q from the bucket = %d %q", css, status, h.Get("Content-Type"))
			}
		})
	}
}

// checkParses parses a document of the static site with a real parser for
// its kind: JSON, Atom and RSS (gofeed and encoding/xml), SVG (XML).
func checkParses(t *testing.T, name, body string) {
	t.Helper()
	switch {
	case strings.HasSuffix(name, ".json"):
		if !json.Valid([]byte(body)) {
			t.Errorf("%s is not valid JSON", name)
		}
		if name == "history.json" {
			if _, err := gofeed.NewParser().ParseString(body); err != nil {
				t.Errorf("%s: JSON Feed: %v", name, err)
			}
		}
	case strings.HasSuffix(name, ".atom"), strings.HasSuffix(name, ".rss"):
		feed, err := gofeed.NewParser().ParseString(body)
		if err != nil || feed.Title == "" {
			t.Errorf("%s: feed: %v", name, err)
		}
		fallthrough
	case strings.HasSuffix(name, ".svg"):
		d := xml.NewDecoder(strings.NewReader(body))
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Errorf("%s is not well-formed XML: %v", name, err)
				break
			}
		}
	case strings.HasSuffix(name, ".html"):
		if !strings.Contains(body, "<html") || !strings.Contains(body, "</html>") {
			t.Errorf("%s is not an HTML page", name)
		}
	case strings.HasSuffix(name, ".js"):
		if strings.TrimSpace(body) == "" {
			t.Errorf("%s is empty", name)
		}
	}
}
