package main_test

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A SQLite database Beacon may only read (a file without write permission
// for the user it runs as, or a file on a read-only file system) is served:
// the pages answer 200, writes answer 503 saying the database cannot store
// changes, and nothing is written. Beacon used to refuse to start.
func TestServeReadOnlySQLite(t *testing.T) {
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "\n!!! SKIPPING TestServeReadOnlySQLite: it needs root (to run beacon as another user, and to mount)")
		t.Skip("needs root")
	}
	// A demo database, as `beacon demo` leaves it.
	demo := func(t *testing.T, dir string) string {
		path := filepath.Join(dir, "beacon.db")
		if _, stderr, code := runBeacon(t, []string{"DATABASE_URL=sqlite:" + path}, "", "demo"); code != 0 {
			t.Fatalf("beacon demo: %s", stderr)
		}
		return path
	}
	check := func(t *testing.T, s *server, path string) {
		t.Helper()
		before, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		code, _, body := get(t, s.URL+"/")
		if code != http.StatusOK || !strings.Contains(body, "Acme Cloud") && !strings.Contains(body, "<main") {
			t.Errorf("GET / = %d", code)
		}
		if code, _, _ := get(t, s.URL+"/api/v2/summary.json"); code != http.StatusOK {
			t.Errorf("GET /api/v2/summary.json = %d", code)
		}
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/subscribe", strings.NewReader("email=ann%40example.com"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("POST /subscribe = %d, want 503", resp.StatusCode)
		}
		after, err := os.ReadFile(path)
		if err != nil || string(after) != string(before) {
			t.Errorf("the read-only file changed (%v)", err)
		}
	}

	t.Run("file without write permission", func(t *testing.T) {
		// The user nobody may read the file and make the WAL's files in
		// the directory, but not write the database. (t.TempDir's
		// directories are root's alone.)
		dir, err := os.MkdirTemp("", "beacon-readonly-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		if err := os.Chmod(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		path := demo(t, dir)
		if err := os.Chmod(path, 0o444); err != nil {
			t.Fatal(err)
		}
		s := startServerWith(t, []string{"DATABASE_URL=sqlite:" + path}, &syscall.SysProcAttr{
			Credential: &syscall.Credential{Uid: 65534, Gid: 65534}})
		check(t, s, path)
	})

	t.Run("read-only file system", func(t *testing.T) {
		src := demo(t, t.TempDir())
		dir := t.TempDir()
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", dir).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "\n!!! SKIPPING TestServeReadOnlySQLite/read-only file system: mount tmpfs: %v %s\n", err, out)
			t.Skipf("mount tmpfs: %v %s", err, out)
		}
		t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "beacon.db")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("mount", "-o", "remount,ro", dir).CombinedOutput(); err != nil {
			t.Fatalf("remount read-only: %v %s", err, out)
		}
		s := startServer(t, []string{"DATABASE_URL=sqlite:" + path})
		check(t, s, path)
	})
}
