package app_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/beaconstatus/beacon/models"
)

// storageSite is Beacon on a SQLite file whose storage a test breaks: an
// API client and a signed-in console client on the App, and a separate
// read-write connection (check) to look at the file.
type storageSite struct {
	t       *testing.T
	path    string
	check   *models.DB
	h       http.Handler
	api     *apiClient
	console *consoleClient
}

// openSQLiteSite migrates a SQLite file at path, opens an incident on it,
// and serves Beacon on it through dsn (the file's own DSN unless given).
func openSQLiteSite(t *testing.T, path, dsn string) *storageSite {
	t.Helper()
	ctx := context.Background()
	check, err := models.Open(ctx, models.SQLite, models.SQLiteDSN(path), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { check.Close() })
	if _, err := check.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	setup := newTestApp(t, check, nil).Handler() // settles the page's settings
	if _, err := check.OpenIncident(ctx, models.NewIncident{Name: "Before the fault", Body: "Looking.", Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	console := signIn(t, setup, check, models.RoleEditor)
	s := &storageSite{t: t, path: path, check: check}
	db := check
	if dsn != "" {
		if db, err = models.Open(ctx, models.SQLite, dsn, nil); err != nil {
			t.Fatalf("open %s: %v", dsn, err)
		}
		t.Cleanup(func() { db.Close() })
	}
	s.h = newTestApp(t, db, nil).Handler()
	s.api = newAPIClient(t, check, models.RoleEditor)
	s.api.h = s.h
	s.console = console.Clone(s.h)
	return s
}

// refusedWrite checks that a write through the API and one through the
// console are refused with 503 and the message that says why, and that
// they stored nothing.
func (s *storageSite) refusedWrite(name string) {
	t := s.t
	t.Helper()
	body := map[string]any{"incident": map[string]any{"name": name, "body": strings.Repeat("A long update. ", 1500)}}
	rec := s.api.do("POST", "/incidents", body, nil)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "disk is full, failing or read-only") ||
		!strings.Contains(rec.Body.String(), "nothing was changed") {
		t.Errorf("API write = %d %s, want 503 saying the database cannot store changes", rec.Code, rec.Body)
	}
	form := map[string][]string{"name": {name}, "status": {models.Operational}}
	rec = s.console.PostForm("/admin/components", form)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "disk is full, failing or read-only") {
		t.Errorf("console write = %d, want 503 saying the database cannot store changes:\n%s", rec.Code, rec.Body)
	}
	var n int64
	s.check.Gorm.Raw(`SELECT (SELECT COUNT(*) FROM incidents WHERE name = ?) + (SELECT COUNT(*) FROM components WHERE name = ?)`, name, name).Scan(&n)
	if n != 0 {
		t.Errorf("%d rows of the refused writes were stored", n)
	}
}

// readsWork checks the public page and an API read.
func (s *storageSite) readsWork() {
	t := s.t
	t.Helper()
	if rec := get(t, s.h, "/"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Before the fault") {
		t.Errorf("GET / = %d, want 200 with the incident", rec.Code)
	}
	if rec := s.api.do("GET", "/incidents", nil, nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Before the fault") {
		t.Errorf("API read = %d %s", rec.Code, rec.Body)
	}
}

// intact runs PRAGMA integrity_check on the file.
func (s *storageSite) intact() {
	s.t.Helper()
	var rows []string
	if err := s.check.Gorm.Raw("PRAGMA integrity_check").Scan(&rows).Error; err != nil || len(rows) != 1 || rows[0] != "ok" {
		s.t.Errorf("integrity_check = %v, %v", rows, err)
	}
}

// A Beacon whose SQLite file it may only read (opened read-only, as a
// file without write permission is): writes are refused with a clear 503
// and store nothing, pages and API reads keep working, the file is intact.
func TestSQLiteReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "beacon.db")
	s := openSQLiteSite(t, path, models.SQLiteDSN(path)+"&mode=ro")
	s.readsWork()
	s.refusedWrite("Written to a read-only file")
	s.readsWork()
	s.intact()
}

// The disk under a SQLite database fills up (a small tmpfs, filled by
// another file): writes are refused with a clear 503 and store nothing,
// reads keep working, the file is intact; once there is room again,
// writes work with no restart.
func TestSQLiteDiskFull(t *testing.T) {
	dir := t.TempDir()
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "\n!!! SKIPPING TestSQLiteDiskFull: mounting a small tmpfs needs root")
		t.Skip("mounting a tmpfs needs root")
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", dir).CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "\n!!! SKIPPING TestSQLiteDiskFull: mount tmpfs: %v %s\n", err, out)
		t.Skipf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	path := filepath.Join(dir, "beacon.db")
	s := openSQLiteSite(t, path, "")

	// Fill the disk.
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill the disk: %v", err)
			}
			break
		}
	}
	f.Close()

	// Writes fill what room the database's own files had left, then are
	// refused; each answer is a success or the clear 503, never a 500.
	refused := false
	for i := 0; i < 200 && !refused; i++ {
		body := map[string]any{"incident": map[string]any{"name": fmt.Sprintf("Filler %d", i), "body": strings.Repeat("A long update. ", 1500)}}
		switch rec := s.api.do("POST", "/incidents", body, nil); rec.Code {
		case http.StatusCreated:
		case http.StatusServiceUnavailable:
			refused = true
		default:
			t.Fatalf("write on a full disk = %d %s", rec.Code, rec.Body)
		}
	}
	if !refused {
		t.Fatal("200 writes on a full disk were all stored")
	}
	s.refusedWrite("Written to a full disk")
	s.readsWork()
	s.intact()

	os.Remove(filler)
	if rec := s.api.do("POST", "/incidents", map[string]any{"incident": map[string]any{"name": "After the fault"}}, nil); rec.Code != http.StatusCreated {
		t.Fatalf("write once there is room = %d %s", rec.Code, rec.Body)
	}
	if rec := s.console.PostForm("/admin/components", map[string][]string{"name": {"Added after the fault"}, "status": {models.Operational}}); rec.Code != http.StatusSeeOther {
		t.Errorf("console write once there is room = %d", rec.Code)
	}
	if rec := get(t, s.h, "/"); !strings.Contains(rec.Body.String(), "After the fault") {
		t.Errorf("the page does not show the incident written once there was room")
	}
	s.intact()
}
