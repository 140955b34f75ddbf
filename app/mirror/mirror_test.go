package mirror

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app/snapshot"
)

func TestObjectName(t *testing.T) {
	for _, tc := range []struct{ key, ct, want string }{
		{"/", "text/html; charset=UTF-8", "index.html"},
		{"/history", "text/html; charset=UTF-8", "history/index.html"},
		{"/incidents/ab12", "text/html; charset=UTF-8", "incidents/ab12/index.html"},
		{"/incidents/ab12/postmortem", "text/html", "incidents/ab12/postmortem/index.html"},
		{"/incidents/ab12.atom", "application/atom+xml", "incidents/ab12.atom"},
		{"/api/v2/summary.json", "application/json", "api/v2/summary.json"},
		{"/badge.svg", "image/svg+xml", "badge.svg"},
		{"/widget.js", "text/javascript", "widget.js"},
	} {
		if got, ok := ObjectName(tc.key, tc.ct); !ok || got != tc.want {
			t.Errorf("ObjectName(%q) = %q %v, want %q", tc.key, got, ok, tc.want)
		}
	}
	for _, key := range []string{"/history?page=2", "relative", "/a/../b"} {
		if got, ok := ObjectName(key, "text/html"); ok {
			t.Errorf("ObjectName(%q) = %q, want none", key, got)
		}
	}
}

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want Spec
	}{
		{"file:///var/lib/beacon/mirror", Spec{Scheme: "file", Dir: "/var/lib/beacon/mirror"}},
		{"file:///srv/site/", Spec{Scheme: "file", Dir: "/srv/site"}},
		{"s3://status-bucket", Spec{Scheme: "s3", Bucket: "status-bucket"}},
		{"s3://status-bucket/", Spec{Scheme: "s3", Bucket: "status-bucket"}},
		{"s3://status-bucket/site/live", Spec{Scheme: "s3", Bucket: "status-bucket", Prefix: "site/live/"}},
	} {
		got, err := ParseURL(tc.raw)
		if err != nil || got != tc.want {
			t.Errorf("ParseURL(%q) = %+v, %v; want %+v", tc.raw, got, err, tc.want)
		}
	}
	for _, raw := range []string{"", "http://example.com/x", "file://relative/dir", "file:relative", "s3://", "s3://UPPER/x",
		"s3://ab", "s3://key:secret@bucket/x", "s3://bucket/x?region=eu", "s3://bucket/../x", "ftp://x/y"} {
		if got, err := ParseURL(raw); err == nil {
			t.Errorf("ParseURL(%q) = %+v, want an error", raw, got)
		}
	}
}

func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"file:///a/b", "s3://bucket/prefix", "s3://b.c-d/x/y/", "file://localhost/x", "s3://bucket/a//b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		spec, err := ParseURL(raw)
		if err != nil {
			return
		}
		switch spec.Scheme {
		case "file":
			if !filepath.IsAbs(spec.Dir) {
				t.Fatalf("ParseURL(%q): relative directory %q", raw, spec.Dir)
			}
		case "s3":
			if !validBucket(spec.Bucket) || strings.Contains(spec.Prefix, "..") || (spec.Prefix != "" && !strings.HasSuffix(spec.Prefix, "/")) {
				t.Fatalf("ParseURL(%q) = %+v", raw, spec)
			}
		default:
			t.Fatalf("ParseURL(%q): scheme %q", raw, spec.Scheme)
		}
		again, err := ParseURL(spec.String())
		if err != nil || again != spec {
			t.Fatalf("ParseURL(%q) = %+v, but its String %q parses to %+v, %v", raw, spec, spec.String(), again, err)
		}
	})
}

// counting is a target that counts its uploads, and can fail or block.
type counting struct {
	Target
	mu    sync.Mutex
	puts  map[string]int
	fail  error
	block chan struct{}
}

func (c *counting) Put(ctx context.Context, o Object) error {
	if c.block != nil {
		select {
		case <-c.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	c.mu.Lock()
	fail := c.fail
	c.mu.Unlock()
	if fail != nil {
		return fail
	}
	c.mu.Lock()
	c.puts[o.Name]++
	c.mu.Unlock()
	return c.Target.Put(ctx, o)
}

func (c *counting) count(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.puts[name]
}

// Only the objects that changed are uploaded; the manifest says what the
// target holds, so a new mirror (a restarted server) uploads nothing that
// is already there.
func TestSyncUploadsOnlyChanges(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	target := &counting{Target: DirTarget(dir), puts: map[string]int{}}
	objs := []Object{
		{Name: "index.html", ContentType: "text/html", CacheControl: "public, max-age=60", Body: []byte("<html>one</html>")},
		{Name: "api/v2/summary.json", ContentType: "application/json", CacheControl: "public, max-age=60", Body: []byte(`{"a":1}`)},
	}
	have, n, err := Sync(ctx, target, objs, ReadManifest(ctx, target), 1, time.Now())
	if err != nil || n != 2 {
		t.Fatalf("first sync = %d, %v; want 2 uploads", n, err)
	}
	if _, n, err = Sync(ctx, target, objs, have, 2, time.Now()); err != nil || n != 0 || target.count(ManifestName) != 1 {
		t.Fatalf("same objects again = %d uploads (manifest %d times), %v; want none", n, target.count(ManifestName), err)
	}
	objs[0].Body = []byte("<html>two</html>")
	if _, n, err = Sync(ctx, target, objs, ReadManifest(ctx, target), 3, time.Now()); err != nil || n != 1 || target.count("index.html") != 2 || target.count("api/v2/summary.json") != 1 {
		t.Fatalf("one object changed, from the manifest = %d uploads, %v; want 1 (index.html)", n, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil || string(b) != "<html>two</html>" {
		t.Errorf("index.html = %q %v", b, err)
	}
	m := ReadManifest(ctx, target)
	if m["index.html"].ContentType != "text/html" || m["api/v2/summary.json"].Path != "/api/v2/summary.json" || m["index.html"].Path != "/" {
		t.Errorf("manifest = %+v", m)
	}
}

// A target that hangs or fails delays nothing: Offer returns at once; the
// mirror reports its error and catches up once the target works.
func TestMirrorNeverBlocks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	target := &counting{Target: DirTarget(t.TempDir()), puts: map[string]int{}, block: make(chan struct{})}
	m := New(target, nil, slog.New(slog.DiscardHandler), time.Now)
	go m.Run(ctx)
	set := testSet(t, "<html>first</html>")
	for range 100 { // a slow target: offers do not wait for it
		m.Offer(set)
	}
	if st := m.Status(); !st.LastSync.IsZero() || st.Behind(time.Now()) <= 0 {
		t.Errorf("status with the target hanging = %+v, want behind and never synced", st)
	}
	target.mu.Lock()
	target.fail = errors.New("bucket unreachable")
	target.mu.Unlock()
	close(target.block)
	deadline := time.Now().Add(time.Minute)
	for m.Status().LastError == "" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if st := m.Status(); !strings.Contains(st.LastError, "bucket unreachable") {
		t.Fatalf("status with the target failing = %+v, want its error", st)
	}
	target.mu.Lock()
	target.fail = nil
	target.mu.Unlock()
	m.Offer(testSet(t, "<html>second</html>"))
	for m.Status().LastSync.IsZero() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	st := m.Status()
	if st.LastSync.IsZero() || st.LastError != "" || st.Behind(time.Now()) != 0 {
		t.Fatalf("status once the target works = %+v, want synced with no error", st)
	}
	if b, err := target.Get(ctx, "index.html"); err != nil || string(b) != "<html>second</html>" {
		t.Errorf("index.html = %q %v, want the latest set", b, err)
	}
}

// testSet is a core set of one page, "/" with body.
func testSet(t *testing.T, body string) snapshot.Set {
	t.Helper()
	r, err := snapshot.Restore([]byte(body), "text/html; charset=UTF-8", "public, max-age=60", nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return snapshot.Set{Generation: 1, Built: time.Now(), Changed: time.Now(), Docs: []snapshot.Document{{Key: "/", Rendition: r}}}
}
