package app

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode/utf8"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/views"
)

// EmailTemplates are the message templates of views/email, parsed once:
// a text and an HTML version of the notification and of the confirmation.
type EmailTemplates struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

// The message templates, by name.
const (
	emailNotification = "notification"
	emailConfirm      = "confirm"
)

// NewEmailTemplates parses the message templates; an error here stops the
// server at boot.
func NewEmailTemplates() (*EmailTemplates, error) {
	t := &EmailTemplates{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	funcs := map[string]any{"join": strings.Join}
	for _, name := range []string{emailNotification, emailConfirm} {
		txt, err := texttemplate.New(name+".txt").Funcs(funcs).ParseFS(views.FS, "email/"+name+".txt")
		if err != nil {
			return nil, fmt.Errorf("email: parse %s.txt: %w", name, err)
		}
		html, err := htmltemplate.New("layout.html").Funcs(funcs).ParseFS(views.FS, "email/layout.html", "email/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("email: parse %s.html: %w", name, err)
		}
		t.text[name], t.html[name] = txt, html
	}
	return t, nil
}

// Email is everything one message says: what EmailTemplates.Build turns
// into a Message.
type Email struct {
	Page                  PageInfo
	TimeZone              *time.Location // the page's, for the times shown
	FromName, FromAddress string
	To                    string
	Kind                  string // a models.Notify... kind
	Content               models.NotificationContent
	IncidentURL           string
	ManageURL             string
	UnsubscribeURL        string
	ConfirmURL            string // for NotifySubscriberConfirm
	MessageID             string
	Date                  time.Time
}

// emailView is what the templates receive.
type emailView struct {
	Email
	Subject  string
	Heading  string            // the subject without the page's name
	When     string            // when the update was posted
	Window   string            // a maintenance's window
	Starts   string            // a reminder's start, e.g. "at Nov 25, 2026 02:00 CET"
	Reminder bool              // a maintenance reminder
	BodyHTML htmltemplate.HTML // the update's message, sanitized when it was saved
}

// MaxSubjectLength bounds a subject, in characters.
const MaxSubjectLength = 200

// Build makes the message: its subject names the page, the incident and
// its status; text and HTML from the templates (every string the HTML
// shows is escaped; the update's HTML was sanitized when saved); the
// unsubscribe headers and the manage link. It is a pure function of e.
func (t *EmailTemplates) Build(e Email) (*Message, error) {
	if e.TimeZone == nil {
		e.TimeZone = time.UTC
	}
	v := emailView{Email: e, Heading: emailHeading(e.Kind, e.Content)}
	v.Subject = headerText("["+e.Page.Name+"] "+v.Heading, MaxSubjectLength)
	if !e.Content.At.IsZero() && e.Kind != models.NotifyMaintenanceReminder {
		v.When = formatEmailTime(e.Content.At, e.TimeZone)
	}
	if f, u := e.Content.ScheduledFor, e.Content.ScheduledUntil; f != nil && u != nil {
		v.Window = formatEmailTime(*f, e.TimeZone) + " – " + formatEmailTime(*u, e.TimeZone)
		v.Starts = "at " + formatEmailTime(*f, e.TimeZone)
	}
	v.Reminder = e.Kind == models.NotifyMaintenanceReminder
	v.BodyHTML = htmltemplate.HTML(e.Content.BodyHTML)
	name := emailNotification
	if e.Kind == models.NotifySubscriberConfirm {
		name = emailConfirm
	}
	var text, html bytes.Buffer
	if err := t.text[name].Execute(&text, v); err != nil {
		return nil, fmt.Errorf("email: %s.txt: %w", name, err)
	}
	if err := t.html[name].ExecuteTemplate(&html, "layout", v); err != nil {
		return nil, fmt.Errorf("email: %s.html: %w", name, err)
	}
	m := &Message{
		FromName: headerText(e.FromName, 100), FromAddress: e.FromAddress, To: e.To,
		Subject: v.Subject, Date: e.Date, MessageID: e.MessageID, ListUnsubscribe: e.UnsubscribeURL,
		Text: text.String(), HTML: html.String(),
	}
	if err := m.Check(); err != nil {
		return nil, err
	}
	return m, nil
}

// emailHeading is what a message is about: "Identified: API errors",
// "Scheduled maintenance: Database upgrade".
func emailHeading(kind string, c models.NotificationContent) string {
	switch kind {
	case models.NotifySubscriberConfirm:
		return "Confirm your subscription"
	case models.NotifyMaintenanceScheduled:
		return "Scheduled maintenance: " + c.Name
	case models.NotifyMaintenanceReminder:
		return "Maintenance reminder: " + c.Name
	case models.NotifyMaintenanceStarted:
		return "Maintenance in progress: " + c.Name
	case models.NotifyMaintenanceCompleted:
		return "Maintenance completed: " + c.Name
	case models.NotifyMaintenanceUpdated:
		return "Maintenance " + strings.ToLower(statusLabel(c.Status)) + ": " + c.Name
	case models.NotifyPostmortemPublished:
		return "Postmortem: " + c.Name
	}
	return statusLabel(c.Status) + ": " + c.Name
}

func statusLabel(s string) string {
	if l := models.IncidentStatusLabel(s); l != "" {
		return l
	}
	return s
}

// headerText makes s fit a header: control characters (line breaks, so
// no header can be injected) become spaces, runs of spaces one, and it is
// cut to max characters.
func headerText(s string, max int) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return isControl(r) || r == ' ' || r == '\u2028' || r == '\u2029' }), " ")
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max-1]) + "…"
	}
	return s
}

func formatEmailTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Jan 2, 2006 15:04 MST")
}
