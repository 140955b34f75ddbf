package app_test

import (
	"errors"
	"math"
	"net/mail"
	"net/url"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/app"
	"github.com/beaconstatus/beacon/app/notify"
)

// FuzzLoadConfig: any values of the variables an operator sets give a
// usable configuration or errors that each name a variable that was set,
// never a panic, never a password; an accepted configuration holds only
// values the rest of Beacon can use.
func FuzzLoadConfig(f *testing.F) {
	f.Add("smtp://beacon:s3cret-pass@mail.example.com:587?timeout=30s", "10", "4", "Acme Status <status@acme.test>", "8080", "https://status.acme.test", "")
	f.Add("smtps://u:p@[::1]:465", "0.5", "64", "status@acme.test", "1", "http://localhost:8080/", "sqlite:/tmp/beacon.db")
	f.Add("smtp://host?starttls=optional&timeout=2562047h", "1e309", "0", "a@b\r\nBcc: x@y", "65536", "javascript:alert(1)", "postgres://u:hunter22@db/beacon")
	f.Add("smtp://:pass@:0", "NaN", "-1", "<>", "+80", "https://x?y", "file:")
	f.Add("smtp://h/path#frag", "-Inf", "9999999999999999999", "", "0x50", "https://", "postgresql://%zz")
	f.Add("smtp://user:pass@host:99999", "1e-300", " 8 ", "\"\" <a@b.c>", "", "https://[::1]:8443", "mysql://x")
	f.Add("smtp://u\x00:p@host", "2147483648", "99999999999", "nul\x00@acme.test", "\xff\xfe", "https://status\x00.test", "sqlite:/tmp/\x00.db")
	f.Fuzz(func(t *testing.T, smtpURL, rate, workers, from, port, baseURL, dbURL string) {
		env := map[string]string{"SMTP_URL": smtpURL, "MAIL_RATE": rate, "MAIL_WORKERS": workers, "MAIL_FROM": from,
			"PORT": port, "BASE_URL": baseURL, "DATABASE_URL": dbURL}
		cfg, err := app.LoadConfig(func(k string) string { return env[k] })
		if err != nil {
			var problems []error
			if joined, ok := err.(interface{ Unwrap() []error }); ok {
				problems = joined.Unwrap()
			} else {
				problems = []error{err}
			}
			for _, p := range problems {
				var ce *app.ConfigError
				if !errors.As(p, &ce) || strings.TrimSpace(env[ce.Var]) == "" && ce.Var != "MAIL_FROM" || ce.Message == "" {
					t.Fatalf("error %v does not name a variable that was set (%q)", p, env)
				}
			}
			all := strings.Join([]string{smtpURL, rate, workers, from, port, baseURL, dbURL}, "\x00")
			for _, secret := range []string{password(smtpURL), password(dbURL)} {
				// Written once, in its URL's userinfo: the errors must not show it.
				if len(secret) >= 6 && strings.Count(all, secret) == 1 && strings.Contains(err.Error(), secret) {
					t.Fatalf("the errors show a password: %v", err)
				}
			}
			return
		}
		if cfg.Port < 1 || cfg.Port > 65535 {
			t.Fatalf("Port = %d", cfg.Port)
		}
		if u, err := url.Parse(cfg.BaseURL); err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || strings.HasSuffix(cfg.BaseURL, "/") {
			t.Fatalf("BaseURL = %q", cfg.BaseURL)
		}
		if cfg.MailRate < 0 || math.IsNaN(cfg.MailRate) || math.IsInf(cfg.MailRate, 0) {
			t.Fatalf("MailRate = %v", cfg.MailRate)
		}
		if cfg.MailWorkers < 1 || cfg.MailWorkers > 64 {
			t.Fatalf("MailWorkers = %d", cfg.MailWorkers)
		}
		if a, err := mail.ParseAddress(cfg.MailFromAddress); err != nil || a.Address != cfg.MailFromAddress {
			t.Fatalf("MailFromAddress = %q (%v)", cfg.MailFromAddress, err)
		}
		if strings.ContainsAny(cfg.MailFromName+cfg.MailFromAddress, "\r\n") {
			t.Fatalf("a header could be injected through MAIL_FROM: %q %q", cfg.MailFromName, cfg.MailFromAddress)
		}
		if s := cfg.SMTP; s != nil {
			if s.Host == "" || s.Port < 1 || s.Port > 65535 || s.Timeout <= 0 || s.Timeout > notify.MaxSMTPTimeout {
				t.Fatalf("SMTP = %+v", *s)
			}
			if len(s.Password) >= 6 && strings.Contains(s.String(), s.Password) && !strings.Contains(s.Host, s.Password) {
				t.Fatalf("SMTP.String() shows the password: %s", s)
			}
		}
		if cfg.DSN == "" || cfg.Dialect == "" {
			t.Fatalf("no database: %q %q", cfg.Dialect, cfg.DSN)
		}
	})
}

// password is the password in a URL, if it has one.
func password(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.User == nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}
