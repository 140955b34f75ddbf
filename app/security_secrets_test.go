package app_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/app"
	"github.com/beaconstatus/beacon/app/links"
	"github.com/beaconstatus/beacon/app/notify"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

var (
	newSecretRE = regexp.MustCompile(`id="new-token" class="secret" type="text" value="([^"]+)"`)
	linkRE      = regexp.MustCompile(`https://status\.acme\.test/subscriptions/(confirm|manage|unsubscribe)/([A-Za-z0-9_.-]+)`)
)

// Nothing secret reaches the log, at debug level, through a whole run:
// the setup code (printed once at the first start, by design, and never
// again), passwords typed at sign-in and at a password change, session
// and CSRF tokens, an API token's secret (created, used, mistyped), and
// the signed links of the subscription emails (opened, used, forged).
// The database keeps only hashes of the API token, the setup code and the
// session tokens.
func TestNoSecretsInLogs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		cfg, err := app.LoadConfig(func(k string) string { return testEnv[k] })
		if err != nil {
			t.Fatal(err)
		}
		mm := &notify.MemoryMailer{}
		cfg.Mailer, cfg.Notify = mm, fastRetries
		logs := &app.SyncBuffer{}
		a, err := app.New(ctx, cfg, db, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
		if err != nil {
			t.Fatal(err)
		}
		h := a.Handler()
		code := setupCode(t, logs)
		var secrets []string // what must not be in the log
		var settings []struct{ Key, Value string }
		if err := db.Gorm.Raw("SELECT key, value FROM settings").Scan(&settings).Error; err != nil {
			t.Fatal(err)
		}
		for _, s := range settings {
			if strings.Contains(s.Key+s.Value, code) || strings.Contains(s.Key+s.Value, strings.ReplaceAll(code, "-", "")) {
				t.Errorf("the setup code is stored as it is: %s", s.Key)
			}
		}

		// Setup, a mistyped password, sign-in, a password change.
		c := newConsoleClient(t, h)
		c.Get("/admin/setup") // learns the CSRF token
		wantRedirect(t, c.PostForm("/admin/setup", url.Values{"setup_code": {code}, "email": {"ann@example.com"},
			"name": {"Ann"}, "password": {testPassword}}), "/admin")
		wantRedirect(t, c.PostForm("/admin/logout", nil), "/admin/login")
		wrong := "Wrong-Horse-Battery-9"
		if rec := c.PostForm("/admin/login", url.Values{"email": {"ann@example.com"}, "password": {wrong}}); rec.Code != http.StatusUnauthorized && rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("wrong password: %d", rec.Code)
		}
		c.Login("ann@example.com", testPassword)
		newPassword := "a-new-passphrase-for-ann-42"
		rec := c.PostForm("/admin/account/password", url.Values{"current_password": {testPassword}, "password": {newPassword}, "password_confirm": {newPassword}})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("change password: %d %s", rec.Code, rec.Body)
		}
		c.Login("ann@example.com", newPassword)
		secrets = append(secrets, testPassword, wrong, newPassword, c.Cookie("beacon_session").Value, c.CSRF())

		// An API token: created, used, and one mistyped.
		page := c.PostForm("/admin/tokens", url.Values{"name": {"deploy"}, "role": {models.RoleEditor}})
		m := newSecretRE.FindStringSubmatch(page.Body.String())
		if m == nil {
			t.Fatalf("no new token on the page: %d %s", page.Code, page.Body)
		}
		secret := m[1]
		secrets = append(secrets, secret)
		for _, tok := range []string{secret, secret + "x"} {
			req := httptest.NewRequest(http.MethodGet, "/v1/pages", nil)
			req.Header.Set("Authorization", "OAuth "+tok)
			serve(h, req)
		}
		var hashes []string
		db.Gorm.Raw("SELECT token_hash FROM api_tokens").Scan(&hashes)
		for _, hsh := range hashes {
			if strings.Contains(hsh, secret) || strings.Contains(secret, hsh) {
				t.Error("the API token is stored as it is")
			}
		}
		var sessionTokens []string
		db.Gorm.Raw("SELECT token FROM sessions").Scan(&sessionTokens)
		for _, st := range sessionTokens {
			if st == c.Cookie("beacon_session").Value {
				t.Error("the session token is stored as it is")
			}
		}

		// A visitor subscribes, confirms from the email, manages,
		// unsubscribes; someone tries a forged link.
		if rec := httpPostForm(h, "/subscribe", url.Values{"email": {"visitor@example.test"}}); rec.Code != http.StatusOK {
			t.Fatalf("subscribe: %d", rec.Code)
		}
		stop := runNotifier(t, a)
		eventually(t, "the confirmation sent", func() bool { return len(mm.Messages()) > 0 })
		stop()
		found := linkRE.FindAllStringSubmatch(mm.Messages()[0].Text, -1)
		if len(found) == 0 {
			t.Fatalf("no signed links in the email:\n%s", mm.Messages()[0].Text)
		}
		for _, l := range found {
			secrets = append(secrets, l[2])
			path := strings.TrimPrefix(l[0], "https://status.acme.test")
			get(t, h, path)
			if l[1] == links.Confirm {
				httpPostForm(h, path, nil)
			}
		}
		for _, l := range found {
			if l[1] == links.Unsubscribe {
				httpPostForm(h, strings.TrimPrefix(l[0], "https://status.acme.test"), url.Values{"List-Unsubscribe": {"One-Click"}})
			}
		}
		get(t, h, "/subscriptions/confirm/Zm9yZ2Vk.Zm9yZ2Vk")

		out := logs.String()
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("the log holds a secret %.12s…:\n%s", s, out)
			}
		}
		if n := strings.Count(out, code); n != 1 {
			t.Errorf("the setup code is in the log %d times, want once (at start)", n)
		}
		// The run was logged (so the test looked at something).
		for _, want := range []string{"path=/admin/login", "path=/subscriptions/confirm/:token", "path=/v1/pages", "status=401"} {
			if !strings.Contains(out, want) {
				t.Errorf("the log lacks %q", want)
			}
		}
	})
}
