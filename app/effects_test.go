package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app/notify"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// Writes that no visitor sees (sign-in, a password, an API token, a user,
// a CSV export, sign-out) mark nothing of the public snapshot stale, while
// a component change does: each write states what it touched.
func TestPrivateWritesLeaveThePublicPagesAlone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		a := newTestApp(t, db, nil)
		h := a.Handler()
		wantPage(t, get(t, h, "/"), http.StatusOK)
		builds, rendition := a.SnapshotBuilds("/")
		gen := a.SnapshotGeneration()

		admin := signIn(t, h, db, models.RoleAdmin)
		for _, w := range []struct {
			path string
			form url.Values
		}{
			{"/admin/account/password", url.Values{"current_password": {testPassword}, "password": {testPassword + "-new"}, "password_confirm": {testPassword + "-new"}}},
			{"/admin/tokens", url.Values{"name": {"deploy bot"}, "role": {models.RoleEditor}}},
			{"/admin/users", url.Values{"email": {"new-editor@example.com"}, "name": {"New Editor"}, "role": {models.RoleEditor}, "password": {testPassword}}},
		} {
			if rec := admin.PostForm(w.path, w.form); rec.Code >= 400 {
				t.Fatalf("POST %s = %d:\n%s", w.path, rec.Code, rec.Body)
			}
		}
		if rec := admin.Get("/admin/subscribers/export.csv"); rec.Code != http.StatusOK {
			t.Fatalf("export = %d", rec.Code)
		}
		if rec := admin.PostForm("/admin/logout", nil); rec.Code >= 400 {
			t.Fatalf("sign out = %d", rec.Code)
		}
		if got := auditActions(t, db); !strings.Contains(strings.Join(got, " "), "token.create") {
			t.Fatalf("the writes were not made: audit %v", got)
		}
		if g := a.SnapshotGeneration(); g != gen {
			t.Errorf("private writes told the snapshot of %d changes, want none", g-gen)
		}
		wantPage(t, get(t, h, "/"), http.StatusOK)
		if b, r := a.SnapshotBuilds("/"); b != builds || r != rendition {
			t.Errorf("/ rebuilt after private writes (builds %d → %d)", builds, b)
		}

		// A component change is public: the page is rebuilt.
		editor := signIn(t, h, db, models.RoleEditor)
		if rec := editor.PostForm("/admin/components", url.Values{"name": {"API"}, "status": {models.Operational}}); rec.Code >= 400 {
			t.Fatalf("create component = %d:\n%s", rec.Code, rec.Body)
		}
		if a.SnapshotGeneration() == gen {
			t.Error("a component change did not mark the snapshot stale")
		}
		contains(t, wantPage(t, get(t, h, "/"), http.StatusOK), "API")
	})
}

// A public subscription wakes this replica's notifier: its confirmation
// is sent at once, not at the next poll (an hour here).
func TestSubscribeWakesTheNotifier(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		mm := &notify.MemoryMailer{}
		a, _ := mailApp(t, db, nil, mm, notify.Tuning{PollInterval: time.Hour}, nil)
		h := a.Handler()
		runNotifier(t, a)
		subscribe := func(email string) {
			t.Helper()
			if rec := httpPostForm(h, "/subscribe", url.Values{"email": {email}}); rec.Code != http.StatusOK {
				t.Fatalf("subscribe %s = %d:\n%s", email, rec.Code, rec.Body)
			}
		}
		// The first one may be found by the notifier's first look; once it
		// is sent, the notifier waits for a wake-up or the hourly poll.
		subscribe("first@example.test")
		eventually(t, "the first confirmation sent", func() bool { return len(mm.Messages()) == 1 })
		eventually(t, "the first delivery recorded", func() bool { return settled(t, db) })
		subscribe("second@example.test")
		eventually(t, "the second confirmation sent without waiting for the poll", func() bool { return len(mm.Messages()) == 2 })
		if to := mm.Messages()[1].To; to != "second@example.test" {
			t.Errorf("second message to %s", to)
		}
	})
}
