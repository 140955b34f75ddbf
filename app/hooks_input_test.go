package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/app/notify"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// badEndpoints are endpoints refused when a subscriber is saved (with
// WEBHOOK_ALLOW_PRIVATE unset), and part of the reason.
var badEndpoints = []struct{ endpoint, want string }{
	{"not a url", "must not contain spaces"},
	{"example.com/hook", "must be a URL"},
	{"ftp://203.0.113.7/hook", "http:// or https://"},
	{"javascript:alert(1)", "must be a URL"},
	{"https://user:secret@203.0.113.7/hook", "user name or password"},
	{"http://127.0.0.1:8080/hook", "loopback"},
	{"http://localhost/hook", "loopback"},
	{"http://[::1]/hook", "loopback"},
	{"http://10.0.0.7/hook", "private network"},
	{"http://192.168.1.1/hook", "private network"},
	{"http://169.254.169.254/latest/meta-data/", "cloud metadata"},
	{"http://[fd00:ec2::254]/", "cloud metadata"},
	{"http://100.64.1.1/", "CGNAT"},
	{"http://0.0.0.0/", "unspecified"},
	{"https://203.0.113.7:70000/", "port"},
	{"https://" + strings.Repeat("a", 2000) + ".example/", "at most 2000"},
}

// A bad endpoint is a 422 naming the endpoint field, through the API, the
// public subscribe form and the console, and nothing is written.
func TestHookBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		mm := &notify.MemoryMailer{}
		a, c := hookApp(t, db, mm, map[string]string{"WEBHOOK_ALLOW_PRIVATE": "false"})
		editor := signIn(t, a.Handler(), db, models.RoleEditor)
		for i, bad := range badEndpoints {
			var e apiErr
			rec := c.do("POST", "/subscribers", map[string]any{"subscriber": map[string]any{"endpoint": bad.endpoint, "email": "ops@example.com"}}, &e)
			if rec.Code != http.StatusUnprocessableEntity || len(e.Fields) == 0 || e.Fields[0].Field != "endpoint" || !strings.Contains(e.Fields[0].Message, bad.want) {
				t.Errorf("API %q = %d %s, want 422 on endpoint with %q", bad.endpoint, rec.Code, rec.Body, bad.want)
			}

			form := url.Values{"email": {fmt.Sprintf("ops%d@example.com", i)}, "endpoint": {bad.endpoint}}
			rec = httpPostForm(a.Handler(), "/subscribe", form)
			body := rec.Body.String()
			if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-endpoint-error"`) || !strings.Contains(body, "Webhook URL ") {
				t.Errorf("subscribe form %q = %d, want 422 naming the webhook URL", bad.endpoint, rec.Code)
			}

			rec = editor.PostForm("/admin/subscribers", url.Values{"channel": {"slack"}, "endpoint": {bad.endpoint}, "kinds": {"incidents"}})
			if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(fieldErrorOf(rec.Body.String(), "endpoint"), bad.want) {
				t.Errorf("console %q = %d (%q), want 422 on endpoint", bad.endpoint, rec.Code, fieldErrorOf(rec.Body.String(), "endpoint"))
			}
		}
		// A webhook needs its contact; a channel must be one.
		var e apiErr
		c.want(c.do("POST", "/subscribers", map[string]any{"subscriber": map[string]any{"endpoint": "https://203.0.113.7/hook"}}, &e), 422)
		if len(e.Fields) == 0 || e.Fields[0].Field != "email" {
			t.Errorf("webhook without email: %+v", e)
		}
		c.want(c.do("POST", "/subscribers", map[string]any{"subscriber": map[string]any{"endpoint": "https://203.0.113.7/hook", "channel": "pager"}}, &e), 422)
		if len(e.Fields) == 0 || e.Fields[0].Field != "channel" {
			t.Errorf("unknown channel: %+v", e)
		}
		var n int64
		db.Gorm.Model(&models.Subscriber{}).Where("channel <> 'email'").Count(&n)
		if n != 0 {
			t.Errorf("%d channel subscribers written by refused requests", n)
		}
		var outbox int64
		db.Gorm.Model(&models.Notification{}).Count(&outbox)
		if outbox != 0 {
			t.Errorf("%d notifications queued by refused requests", outbox)
		}

		// A good one through the public form: pending, its contact asked to
		// confirm, the secret shown once.
		rec := httpPostForm(a.Handler(), "/subscribe", url.Values{"email": {"ops@example.com"}, "endpoint": {"https://203.0.113.7/hook"}})
		body := wantPage(t, rec, 200)
		s, err := db.FindSubscriber(t.Context(), "webhook:https://203.0.113.7/hook")
		if err != nil || s.Status != models.SubscriberPending || s.Email != "ops@example.com" || s.Channel != models.ChannelWebhook {
			t.Fatalf("stored %+v, %v", s, err)
		}
		contains(t, body, s.Secret, "X-Beacon-Signature")
		db.Gorm.Model(&models.Notification{}).Where("kind = ? AND subscriber_id = ?", models.NotifySubscriberConfirm, s.ID).Count(&outbox)
		if outbox != 1 {
			t.Errorf("%d confirmations queued", outbox)
		}
		runNotifier(t, a)
		eventually(t, "the contact asked to confirm", func() bool { return len(mm.Messages()) == 1 })
		m := mm.Messages()[0]
		if m.To != "ops@example.com" || !strings.Contains(m.Text, "posted to the webhook https://203.0.113.7/hook, with ops@example.com as its contact") ||
			!strings.Contains(m.HTML, "the webhook <strong>https://203.0.113.7/hook</strong>") {
			t.Errorf("confirmation to %s:\n%s", m.To, m.Text)
		}
	})
}
