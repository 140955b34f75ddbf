package app_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app"
	"github.com/beaconstatus/beacon/app/notify"
)

// Without SMTP_URL mail goes to the log, from the page's name; the rest of
// the mail settings have their defaults.
func TestLoadConfigMailDefaults(t *testing.T) {
	cfg, err := app.LoadConfig(envOf(map[string]string{"PAGE_NAME": "Acme", "BASE_URL": "https://status.acme.test"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SMTP != nil || cfg.MailFromName != "Acme" || cfg.MailFromAddress != "noreply@status.acme.test" ||
		cfg.MailRate != 0 || cfg.MailWorkers != notify.DefaultMailWorkers {
		t.Errorf("mail config = %+v %q %q %v %d", cfg.SMTP, cfg.MailFromName, cfg.MailFromAddress, cfg.MailRate, cfg.MailWorkers)
	}
	cfg, _ = app.LoadConfig(envOf(nil))
	if cfg.MailFromAddress != "noreply@localhost" {
		t.Errorf("MailFromAddress on localhost = %q", cfg.MailFromAddress)
	}
}

func TestLoadConfigMailValues(t *testing.T) {
	tests := []struct {
		url  string
		want notify.SMTPConfig
	}{
		{"smtp://user:p%40ss@mail.example.com", notify.SMTPConfig{Host: "mail.example.com", Port: 587, Username: "user",
			Password: "p@ss", Timeout: notify.DefaultSMTPTimeout, Idle: notify.DefaultSMTPIdle}},
		{"smtp://mail.example.com:2525?starttls=optional&timeout=30s&idle=5s", notify.SMTPConfig{Host: "mail.example.com",
			Port: 2525, StartTLSOptional: true, Timeout: 30 * time.Second, Idle: 5 * time.Second}},
		{"smtps://u:hunter2@mail.example.com", notify.SMTPConfig{Host: "mail.example.com", Port: 465, Username: "u",
			Password: "hunter2", ImplicitTLS: true, Timeout: notify.DefaultSMTPTimeout, Idle: notify.DefaultSMTPIdle}},
		// A mail catcher on this machine needs no STARTTLS, unless asked.
		{"smtp://localhost:1025", notify.SMTPConfig{Host: "localhost", Port: 1025, StartTLSOptional: true,
			Timeout: notify.DefaultSMTPTimeout, Idle: notify.DefaultSMTPIdle}},
		{"smtp://127.0.0.1:1025", notify.SMTPConfig{Host: "127.0.0.1", Port: 1025, StartTLSOptional: true,
			Timeout: notify.DefaultSMTPTimeout, Idle: notify.DefaultSMTPIdle}},
		{"smtp://[::1]:1025", notify.SMTPConfig{Host: "::1", Port: 1025, StartTLSOptional: true,
			Timeout: notify.DefaultSMTPTimeout, Idle: notify.DefaultSMTPIdle}},
		{"smtp://127.0.0.1:1025?starttls=required", notify.SMTPConfig{Host: "127.0.0.1", Port: 1025,
			Timeout: notify.DefaultSMTPTimeout, Idle: notify.DefaultSMTPIdle}},
		{"smtp://10.0.0.5:25", notify.SMTPConfig{Host: "10.0.0.5", Port: 25,
			Timeout: notify.DefaultSMTPTimeout, Idle: notify.DefaultSMTPIdle}},
	}
	for _, tt := range tests {
		cfg, err := app.LoadConfig(envOf(map[string]string{"SMTP_URL": tt.url, "MAIL_FROM": "Acme Status <status@acme.test>",
			"MAIL_RATE": "2.5", "MAIL_WORKERS": "8"}))
		if err != nil {
			t.Errorf("%s: %v", tt.url, err)
			continue
		}
		if cfg.SMTP == nil || *cfg.SMTP != tt.want {
			t.Errorf("%s: SMTP = %+v, want %+v", tt.url, cfg.SMTP, tt.want)
		}
		if cfg.MailFromName != "Acme Status" || cfg.MailFromAddress != "status@acme.test" || cfg.MailRate != 2.5 || cfg.MailWorkers != 8 {
			t.Errorf("%s: from %q %q, rate %v, workers %d", tt.url, cfg.MailFromName, cfg.MailFromAddress, cfg.MailRate, cfg.MailWorkers)
		}
		if s := cfg.SMTP.String(); tt.want.Password != "" && strings.Contains(s, tt.want.Password) {
			t.Errorf("SMTPConfig.String shows the password: %s", s)
		}
	}
}

// Each wrong mail setting is an error naming its variable.
func TestLoadConfigMailInvalid(t *testing.T) {
	from := "status@acme.test"
	tests := []struct {
		env  map[string]string
		want []string
	}{
		{map[string]string{"SMTP_URL": "http://mail.example.com", "MAIL_FROM": from}, []string{"SMTP_URL"}},
		{map[string]string{"SMTP_URL": "smtp://", "MAIL_FROM": from}, []string{"SMTP_URL"}},
		{map[string]string{"SMTP_URL": "smtp://mail.example.com:99999", "MAIL_FROM": from}, []string{"SMTP_URL"}},
		{map[string]string{"SMTP_URL": "smtp://mail.example.com?starttls=never", "MAIL_FROM": from}, []string{"SMTP_URL"}},
		{map[string]string{"SMTP_URL": "smtps://mail.example.com?starttls=optional", "MAIL_FROM": from}, []string{"SMTP_URL"}},
		{map[string]string{"SMTP_URL": "smtp://mail.example.com?timeout=soon", "MAIL_FROM": from}, []string{"SMTP_URL"}},
		{map[string]string{"SMTP_URL": "smtp://mail.example.com?idle=0s", "MAIL_FROM": from}, []string{"SMTP_URL"}},
		{map[string]string{"SMTP_URL": "smtp://mail.example.com/path", "MAIL_FROM": from}, []string{"SMTP_URL"}},
		{map[string]string{"SMTP_URL": "smtp://mail.example.com"}, []string{"MAIL_FROM"}},
		{map[string]string{"MAIL_FROM": "not an address"}, []string{"MAIL_FROM"}},
		{map[string]string{"MAIL_FROM": "a@b.test\r\nBcc: c@d.test"}, []string{"MAIL_FROM"}},
		{map[string]string{"MAIL_RATE": "0"}, []string{"MAIL_RATE"}},
		{map[string]string{"MAIL_RATE": "fast"}, []string{"MAIL_RATE"}},
		{map[string]string{"MAIL_RATE": "-1"}, []string{"MAIL_RATE"}},
		{map[string]string{"MAIL_RATE": "NaN"}, []string{"MAIL_RATE"}},
		{map[string]string{"MAIL_WORKERS": "0"}, []string{"MAIL_WORKERS"}},
		{map[string]string{"MAIL_WORKERS": "100"}, []string{"MAIL_WORKERS"}},
		{map[string]string{"MAIL_RATE": "x", "MAIL_WORKERS": "x"}, []string{"MAIL_RATE", "MAIL_WORKERS"}},
	}
	for _, tt := range tests {
		_, err := app.LoadConfig(envOf(tt.env))
		if got := configErrorVars(err); !slices.Equal(got, tt.want) {
			t.Errorf("%v: errors name %v, want %v (%v)", tt.env, got, tt.want, err)
		}
	}
}
