package app_test

// Helpers for tests of the notify path: subscribers inserted with plain
// SQL (the subscriber side has its own models), an App sending through a
// real SMTP server (app/smtptest) and a notifier running until the test
// ends.

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app"
	"github.com/beaconstatus/beacon/app/notify"
	"github.com/beaconstatus/beacon/app/smtptest"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// subscriber is a subscriber row for tests.
type subscriber struct {
	Email      string
	Status     string // default confirmed
	Components []string
	NoIncidents,
	NoMaintenance bool
}

// addSubscriber inserts a subscriber and its component choices with SQL
// and returns its id.
func addSubscriber(t testing.TB, db *models.DB, s subscriber) string {
	t.Helper()
	if s.Status == "" {
		s.Status = "confirmed"
	}
	id := models.NewID()
	now := time.Now().UTC()
	err := db.Gorm.Exec(`INSERT INTO subscribers (id, email, email_normalized, status, all_components,
		notify_incidents, notify_maintenance, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, s.Email, strings.ToLower(s.Email), s.Status, len(s.Components) == 0, !s.NoIncidents, !s.NoMaintenance, now, now).Error
	if err != nil {
		t.Fatalf("add subscriber %s: %v", s.Email, err)
	}
	for _, c := range s.Components {
		if err := db.Gorm.Exec(`INSERT INTO subscriber_components (subscriber_id, component_id) VALUES (?, ?)`, id, c).Error; err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// addSubscribers inserts n confirmed subscribers of the whole page,
// user000@example.test..., and returns their addresses.
func addSubscribers(t testing.TB, db *models.DB, n int) []string {
	t.Helper()
	var emails []string
	for i := range n {
		e := fmt.Sprintf("user%03d@example.test", i)
		addSubscriber(t, db, subscriber{Email: e})
		emails = append(emails, e)
	}
	return emails
}

// fastRetries are tunings for tests: retries after milliseconds, not
// minutes.
var fastRetries = notify.Tuning{PollInterval: 20 * time.Millisecond, RetryBase: 40 * time.Millisecond,
	RetryMax: 200 * time.Millisecond, ClaimBatch: 5, DispatchBatch: 7, Probe: 50 * time.Millisecond}

// mailApp builds an App on db sending through srv (nil: memory mailer mm)
// with tuning t, configured from testEnv and env; its log goes to the
// returned records.
func mailApp(t testing.TB, db *models.DB, srv *smtptest.Server, mm *notify.MemoryMailer, tuning notify.Tuning, env map[string]string) (*app.App, logRecords) {
	t.Helper()
	cfg, err := app.LoadConfig(func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		switch k {
		case "SMTP_URL":
			if srv != nil {
				return srv.URL() + "&timeout=2s"
			}
		case "MAIL_FROM":
			return "Acme Status <status@acme.test>"
		}
		return testEnv[k]
	})
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	cfg.Notify = tuning
	if mm != nil {
		cfg.Mailer = mm
	}
	logs := make(logRecords, 10000)
	a, err := app.New(context.Background(), cfg, db, slog.New(logs))
	if err != nil {
		t.Fatal(err)
	}
	return a, logs
}

// runNotifier runs a's notifier until the returned stop is called (or the
// test ends); stop waits for it to return.
func runNotifier(t testing.TB, a *app.App) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); a.RunNotifier(ctx) }()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	return stop
}

// eventually polls cond until it holds; the test fails if it does not by
// the test's dbtest.WaitDeadline (a guard against hanging, not a timing
// requirement).
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for end := dbtest.WaitDeadline(t); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("still not %s by the test's deadline", what)
		}
	}
}

// settled reports whether every notification is dispatched and no delivery
// is pending or being sent.
func settled(t testing.TB, db *models.DB) bool {
	t.Helper()
	var open int64
	db.Gorm.Model(&models.Notification{}).Where("status <> ?", models.NotificationDispatched).Count(&open)
	st := dbtest.DeliveryStatuses(t, db)
	return open == 0 && st[models.DeliveryPending] == 0 && st[models.DeliverySending] == 0
}

// deliveryOf returns the delivery to email.
func deliveryOf(t testing.TB, db *models.DB, email string) models.Delivery {
	t.Helper()
	var d models.Delivery
	if err := db.Gorm.Take(&d, "email = ?", email).Error; err != nil {
		t.Fatalf("delivery to %s: %v", email, err)
	}
	return d
}

// parsedMail is a received message: its header and its text and HTML
// parts, decoded.
type parsedMail struct {
	Header     mail.Header
	Text, HTML string
}

// parseMail reads a message sent as multipart/alternative (text, HTML).
func parseMail(t testing.TB, m smtptest.Message) parsedMail {
	t.Helper()
	msg, err := m.Parse()
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, m.Data)
	}
	out := parsedMail{Header: msg.Header}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "text/plain":
			out.Text = string(b)
		case "text/html":
			out.HTML = string(b)
		default:
			t.Errorf("unexpected part %s", ct)
		}
	}
	if out.Text == "" || out.HTML == "" {
		t.Errorf("message lacks a text or an HTML part:\n%s", m.Data)
	}
	return out
}

// linkToken decodes what a signed link's token carries: purpose,
// subscriber id, version, expiry (see app/links.go).
func linkToken(t testing.TB, link, base, purpose string) []string {
	t.Helper()
	prefix := base + "/subscriptions/" + purpose + "/"
	if !strings.HasPrefix(link, prefix) {
		t.Fatalf("link %q does not start with %q", link, prefix)
	}
	enc, _, _ := strings.Cut(strings.TrimPrefix(link, prefix), ".")
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	return strings.Split(string(raw), ".")
}
