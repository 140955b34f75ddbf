package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// An administrator creates a token, sees its secret once, and revokes it.
func TestAPITokensPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		h := newTestApp(t, db, nil).Handler()
		admin := signIn(t, h, db, models.RoleAdmin)
		contains(t, wantAdminPage(t, admin.Get("/admin/tokens"), http.StatusOK), "No tokens yet.")

		body := wantAdminPage(t, admin.PostForm("/admin/tokens", url.Values{"name": {"  "}, "role": {"editor"}}), http.StatusUnprocessableEntity)
		if got := fieldErrorOf(body, "name"); got != "Name must not be empty" {
			t.Errorf("error next to name = %q", got)
		}
		body = wantAdminPage(t, admin.PostForm("/admin/tokens", url.Values{"name": {"ci"}, "role": {"god"}}), http.StatusUnprocessableEntity)
		contains(t, body, `value="ci"`)
		if fieldErrorOf(body, "role") == "" {
			t.Error("no error next to role")
		}
		if list, _ := db.ListAPITokens(ctx); len(list) != 0 {
			t.Fatalf("%d tokens after bad input", len(list))
		}

		rec := admin.PostForm("/admin/tokens", url.Values{"name": {"alertmanager"}, "role": {"editor"}})
		body = wantAdminPage(t, rec, http.StatusCreated)
		m := regexp.MustCompile(`value="(bcn_[0-9a-f]+)" readonly`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no secret shown:\n%s", body)
		}
		tok, err := db.FindAPIToken(ctx, m[1])
		if err != nil || tok.Name != "alertmanager" || tok.Role != models.RoleEditor {
			t.Fatalf("FindAPIToken(shown secret) = %+v, %v", tok, err)
		}
		body = wantAdminPage(t, admin.Get("/admin/tokens"), http.StatusOK)
		contains(t, body, "alertmanager", tok.Prefix+"…")
		lacks(t, body, m[1])

		wantRedirect(t, admin.PostForm("/admin/tokens/"+tok.ID+"/revoke", nil), "/admin/tokens")
		contains(t, wantAdminPage(t, admin.Get("/admin/tokens"), http.StatusOK), "Revoked the token alertmanager.", "revoked")
		if _, err := db.FindAPIToken(ctx, m[1]); err != models.ErrNotFound {
			t.Errorf("revoked token still found: %v", err)
		}
		wantAdminPage(t, admin.PostForm("/admin/tokens/nosuchtoken0/revoke", nil), http.StatusNotFound)

		got := strings.Join(auditActions(t, db), " ")
		if !strings.HasSuffix(got, "token.create token.revoke") {
			t.Errorf("audit log %q, want token.create token.revoke last", got)
		}
		list, _ := db.ListAudit(ctx, 0, 2)
		if list[1].ActorID != admin.User.ID || list[1].TargetID != tok.ID || list[1].IP != "192.0.2.10" {
			t.Errorf("token.create recorded as %+v", list[1])
		}
		if strings.Contains(list[1].Detail, m[1]) {
			t.Error("the secret is in the audit log")
		}
	})
}

// The audit log shows the newest entries first, a page at a time.
func TestAuditPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		h := newTestApp(t, db, nil).Handler()
		admin := signIn(t, h, db, models.RoleAdmin) // audits auth.login
		actor := models.Actor{Type: models.ActorToken, ID: "tok", Name: "deploy bot", IP: "203.0.113.9"}
		for i := 1; i <= 60; i++ {
			if err := db.RecordAudit(ctx, actor, fmt.Sprintf("component.update%02d", i), "component", "c1", map[string]int{"n": i}); err != nil {
				t.Fatal(err)
			}
		}
		body := wantAdminPage(t, admin.Get("/admin/audit"), http.StatusOK)
		inOrder(t, body, "component.update60", "component.update59", "component.update11")
		lacks(t, body, "component.update10", "auth.login")
		contains(t, body, "deploy bot", "203.0.113.9", `{&#34;n&#34;:60}`)
		older := regexp.MustCompile(`href="(/admin/audit\?before=\d+)"`).FindStringSubmatch(body)
		if older == nil {
			t.Fatal("no link to older entries")
		}
		body = wantAdminPage(t, admin.Get(older[1]), http.StatusOK)
		inOrder(t, body, "component.update10", "component.update01", "auth.login")
		contains(t, body, `href="/admin/audit"`)
		lacks(t, body, "component.update11", "before=")

		contains(t, wantAdminPage(t, admin.Get("/admin/audit?before=x"), http.StatusBadRequest), "before must be a positive entry number")
	})
}

// The dashboard lists open incidents, maintenance and every component's
// status, with links to act on them.
func TestDashboard(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		h := newTestApp(t, db, nil).Handler()
		ed := signIn(t, h, db, models.RoleEditor)
		body := wantAdminPage(t, ed.Get("/admin"), http.StatusOK)
		contains(t, body, "No open incidents.", "No maintenance scheduled.", "No components yet.",
			`href="/admin/incidents/new"`, `href="/admin/maintenance/new"`)

		api := &models.Component{Name: "API", Status: models.Operational}
		web := &models.Component{Name: "Website", Status: models.Operational}
		for _, c := range []*models.Component{api, web} {
			if err := db.CreateComponent(ctx, c, "test"); err != nil {
				t.Fatal(err)
			}
		}
		in, err := db.OpenIncident(ctx, models.NewIncident{Name: "API errors", Status: "investigating", Body: "Looking.",
			Components: map[string]string{api.ID: models.PartialOutage}, Actor: "test"})
		if err != nil {
			t.Fatal(err)
		}
		from := time.Now().Add(24 * time.Hour)
		until := from.Add(2 * time.Hour)
		mt, err := db.OpenIncident(ctx, models.NewIncident{Kind: models.KindMaintenance, Name: "Database upgrade",
			Status: "scheduled", Body: "Upgrading.", ScheduledFor: &from, ScheduledUntil: &until, Actor: "test"})
		if err != nil {
			t.Fatal(err)
		}
		body = wantAdminPage(t, ed.Get("/admin"), http.StatusOK)
		contains(t, body, `<a href="/admin/incidents/`+in.ID+`">API errors</a>`, "Investigating",
			`<a href="/admin/incidents/`+mt.ID+`">Database upgrade</a>`)
		inOrder(t, body, "Open incidents", "API errors", "Maintenance", "Database upgrade", "Components", "API", "Partial Outage", "Website", "Operational")
	})
}

// Every admin page obeys the console's rules; unknown console paths get
// the console's 404 page.
func TestAdminPagesRender(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		admin := signIn(t, h, db, models.RoleAdmin)
		for p, current := range map[string]string{"/admin": "/admin", "/admin/account": "/admin/account",
			"/admin/users": "/admin/users", "/admin/users/new": "/admin/users", "/admin/tokens": "/admin/tokens", "/admin/audit": "/admin/audit"} {
			body := wantAdminPage(t, admin.Get(p), http.StatusOK)
			contains(t, body, `<nav class="admin-nav" aria-label="Console">`, "Sign out", admin.User.Name)
			if !regexp.MustCompile(`<a href="` + regexp.QuoteMeta(current) + `"[^>]* aria-current="page">`).MatchString(body) {
				t.Errorf("%s: %s is not marked current", p, current)
			}
		}
		rec := admin.Get("/admin/")
		if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/admin" {
			t.Errorf("GET /admin/: %d to %q, want 301 to /admin", rec.Code, rec.Header().Get("Location"))
		}
		body := wantAdminPage(t, admin.Get("/admin/nothing-here"), http.StatusNotFound)
		contains(t, body, "Page not found", `class="admin-nav"`)
		rec = admin.Get("/admin")
		for k, want := range map[string]string{"X-Frame-Options": "DENY", "Cache-Control": "no-store"} {
			if got := rec.Header().Get(k); got != want {
				t.Errorf("%s = %q, want %q", k, got, want)
			}
		}
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("Content-Security-Policy = %q", csp)
		}
		wantAdminPage(t, newConsoleClient(t, h).Get("/admin/login"), http.StatusOK)
	})
}
