package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app/notify"
	"github.com/beaconstatus/beacon/models"
)

func testEmail(kind string, c models.NotificationContent) notify.Email {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	return notify.Email{
		Page:     notify.Page{Name: "Acme Cloud", URL: "https://status.acme.test"},
		TimeZone: berlin, FromName: "Acme Status", FromAddress: "status@acme.test", To: "ann@example.test",
		Kind: kind, Content: c, IncidentURL: "https://status.acme.test/incidents/abc",
		ManageURL: "https://status.acme.test/subscriptions/manage/TOKEN-M", UnsubscribeURL: "https://status.acme.test/subscriptions/unsubscribe/TOKEN-U",
		ConfirmURL: "https://status.acme.test/subscriptions/confirm/TOKEN-C",
		MessageID:  "<beacon.1.2@status.acme.test>", Date: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC),
	}
}

// Build names the page, the incident and its status in the subject of each
// kind, and puts the manage and unsubscribe links in every message.
func TestBuildEmailSubjectsAndLinks(t *testing.T) {
	tpl, err := notify.NewEmailTemplates()
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	until := from.Add(2 * time.Hour)
	incident := models.NotificationContent{IncidentKind: models.KindIncident, Name: "API errors", Status: models.Identified,
		Body: "Found it.", BodyHTML: "<p>Found it.</p>", Components: []string{"API", "Web"}, At: from}
	maint := models.NotificationContent{IncidentKind: models.KindMaintenance, Name: "DB upgrade", Status: models.Scheduled,
		ScheduledFor: &from, ScheduledUntil: &until, Components: []string{"DB"}}
	verifying := maint
	verifying.Status = models.Verifying
	tests := []struct {
		kind    string
		content models.NotificationContent
		subject string
		texts   []string
	}{
		{models.NotifyIncidentOpened, incident, "[Acme Cloud] Identified: API errors", []string{"Affected: API, Web", "Found it.", "Posted: Nov 26, 2026 02:00 CET"}},
		{models.NotifyIncidentResolved, func() models.NotificationContent { c := incident; c.Status = models.Resolved; return c }(),
			"[Acme Cloud] Resolved: API errors", []string{"Found it."}},
		{models.NotifyMaintenanceScheduled, maint, "[Acme Cloud] Scheduled maintenance: DB upgrade",
			[]string{"Scheduled: Nov 26, 2026 02:00 CET – Nov 26, 2026 04:00 CET"}},
		{models.NotifyMaintenanceReminder, maint, "[Acme Cloud] Maintenance reminder: DB upgrade",
			[]string{"This maintenance begins at Nov 26, 2026 02:00 CET."}},
		{models.NotifyMaintenanceStarted, maint, "[Acme Cloud] Maintenance in progress: DB upgrade", nil},
		{models.NotifyMaintenanceUpdated, verifying, "[Acme Cloud] Maintenance verifying: DB upgrade", nil},
		{models.NotifyMaintenanceCompleted, maint, "[Acme Cloud] Maintenance completed: DB upgrade", nil},
		{models.NotifySubscriberConfirm, models.NotificationContent{}, "[Acme Cloud] Confirm your subscription",
			[]string{"https://status.acme.test/subscriptions/confirm/TOKEN-C", "ann@example.test"}},
	}
	for _, tt := range tests {
		m, err := tpl.Build(testEmail(tt.kind, tt.content))
		if err != nil {
			t.Errorf("%s: %v", tt.kind, err)
			continue
		}
		if m.Subject != tt.subject {
			t.Errorf("%s: subject %q, want %q", tt.kind, m.Subject, tt.subject)
		}
		contains(t, m.Text, append(tt.texts, "https://status.acme.test/subscriptions/manage/TOKEN-M")...)
		contains(t, m.HTML, "https://status.acme.test/subscriptions/manage/TOKEN-M")
		if m.ListUnsubscribe != "https://status.acme.test/subscriptions/unsubscribe/TOKEN-U" || m.MessageID != "<beacon.1.2@status.acme.test>" ||
			m.To != "ann@example.test" || m.FromAddress != "status@acme.test" || !m.Date.Equal(testEmail("", incident).Date) {
			t.Errorf("%s: message = %+v", tt.kind, m)
		}
		if tt.kind != models.NotifySubscriberConfirm {
			contains(t, m.Text, "https://status.acme.test/incidents/abc", "https://status.acme.test/subscriptions/unsubscribe/TOKEN-U")
		}
	}
}

// Headers take no line breaks whatever the strings hold; a bad address or
// a header with a control character is refused, not sent.
func TestBuildEmailHeaderInjection(t *testing.T) {
	tpl, _ := notify.NewEmailTemplates()
	c := models.NotificationContent{Name: "A\r\nBcc: evil@example.test\x00", Status: models.Investigating}
	e := testEmail(models.NotifyIncidentOpened, c)
	e.FromName = "Acme\nX-Evil: 1"
	m, err := tpl.Build(e)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "[Acme Cloud] Investigating: A Bcc: evil@example.test" || m.FromName != "Acme X-Evil: 1" {
		t.Errorf("subject %q, from %q", m.Subject, m.FromName)
	}
	long := testEmail(models.NotifyIncidentOpened, models.NotificationContent{Name: strings.Repeat("é", 300), Status: models.Investigating})
	if m, err := tpl.Build(long); err != nil || len([]rune(m.Subject)) != notify.MaxSubjectLength {
		t.Errorf("a long subject is not cut to %d characters (%v)", notify.MaxSubjectLength, err)
	}
	for _, to := range []string{"ann@example.test\r\nBcc: evil@example.test", "Ann <ann@example.test>", "not an address", ""} {
		e := testEmail(models.NotifyIncidentOpened, c)
		e.To = to
		if _, err := tpl.Build(e); err == nil {
			t.Errorf("recipient %q accepted", to)
		}
	}
	bad := &notify.Message{FromAddress: "a@b.test", To: "c@d.test", Subject: "x", MessageID: "<a\nb>"}
	if err := bad.Check(); err == nil {
		t.Error("a Message-ID with a line break passes Check")
	}
}

// Without SMTP_URL the message is written to the log, so Beacon runs
// without a mail server; the delivery counts as sent.

// contains fails the test for each of wants that body lacks.
func contains(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("message lacks %q", w)
		}
	}
}

// The text part is plain text, not the update's Markdown; a notification
// names its component changes; the thread and list headers are set.
func TestBuildEmailTextChangesAndThread(t *testing.T) {
	tpl, err := notify.NewEmailTemplates()
	if err != nil {
		t.Fatal(err)
	}
	e := testEmail(models.NotifyIncidentUpdated, models.NotificationContent{IncidentKind: models.KindIncident, Name: "API errors",
		Status: models.Identified, Body: "We **rolled back** the [deploy](https://example.com/d).\n\n- caches\n- queues",
		BodyHTML:   `<p>We <strong>rolled back</strong> the <a href="https://example.com/d">deploy</a>.</p>` + "\n<ul>\n<li>caches</li>\n<li>queues</li>\n</ul>",
		Components: []string{"API"}, Changes: []models.ComponentChange{{Name: "API", From: models.Operational, To: models.PartialOutage}}})
	e.ThreadID, e.ListID = "<beacon.p1.incident.abc@status.acme.test>", "Acme Cloud status <p1.status.status.acme.test>"
	m, err := tpl.Build(e)
	if err != nil {
		t.Fatal(err)
	}
	contains(t, m.Text, "We rolled back the deploy (https://example.com/d).", "- caches\n- queues", "API: Operational → Partial Outage")
	for _, markdown := range []string{"**", "](", "<p>", "<strong>"} {
		if strings.Contains(m.Text, markdown) {
			t.Errorf("the text part has %q:\n%s", markdown, m.Text)
		}
	}
	contains(t, m.HTML, "API: Operational → Partial Outage")
	headers := map[string]string{}
	for _, h := range m.Headers() {
		headers[h[0]] = h[1]
	}
	if headers["References"] != e.ThreadID || headers["In-Reply-To"] != e.ThreadID || headers["List-Id"] != e.ListID {
		t.Errorf("headers = %v", headers)
	}
}
