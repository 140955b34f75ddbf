package notify

import (
	"bytes"
	"fmt"
	stdhtml "html"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode/utf8"

	"github.com/beaconstatus/beacon/app/lang"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/views"
)

// EmailTemplates are the message templates of views/email, parsed once:
// a text and an HTML version of the notification and of the confirmation.
type EmailTemplates struct {
	langs map[string]*emailLang // by language code
	def   *emailLang            // the default language's
}

// emailLang is the message templates worded in one language.
type emailLang struct {
	lang *lang.Lang
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

// The message templates, by name.
const (
	emailNotification = "notification"
	emailConfirm      = "confirm"
	emailQuarantined  = "quarantined"
)

// NewEmailTemplates parses the message templates once per language of the
// catalog (none: English); an error here stops the server at boot.
func NewEmailTemplates(catalog ...*lang.Catalog) (*EmailTemplates, error) {
	c := catalog0(catalog)
	t := &EmailTemplates{langs: map[string]*emailLang{}}
	for _, l := range c.Langs() {
		el, err := parseEmails(l)
		if err != nil {
			return nil, err
		}
		t.langs[l.Code] = el
	}
	t.def = t.langs[c.Default().Code]
	return t, nil
}

// lang is the page's default language (English without templates).
func (t *EmailTemplates) lang() *lang.Lang {
	if t == nil || t.def == nil {
		return catalog0(nil).Default()
	}
	return t.def.lang
}

// langOf is the language of code, or the page's default when code is ""
// or not enabled.
func (t *EmailTemplates) langOf(code string) *lang.Lang {
	if t != nil {
		if tl := t.langs[code]; tl != nil {
			return tl.lang
		}
	}
	return t.lang()
}

// catalog0 is the catalog given, or English alone.
func catalog0(catalog []*lang.Catalog) *lang.Catalog {
	if len(catalog) > 0 && catalog[0] != nil {
		return catalog[0]
	}
	c, err := lang.NewCatalog([]string{lang.Default}, lang.Default)
	if err != nil {
		panic(err) // the embedded English catalog is broken: a test fails first
	}
	return c
}

// parseEmails parses the message templates worded in l.
func parseEmails(l *lang.Lang) (*emailLang, error) {
	t := &emailLang{lang: l, text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	funcs := map[string]any{"join": strings.Join, "t": l.T, "langCode": func() string { return l.Code },
		"tb": func(id string, args ...any) htmltemplate.HTML { return strongIn(l, id, args) }}
	for _, name := range []string{emailNotification, emailConfirm, emailQuarantined} {
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

// Page is the status page a message is from, as its templates show it.
type Page struct {
	Name    string // PAGE_NAME
	URL     string // BASE_URL
	LogoURL string // the branding's logo, absolute; "" for none
	Accent  string // the branding's accent colour for links and buttons; "" for the default
}

// Email is everything one message says: what EmailTemplates.Build turns
// into a Message.
type Email struct {
	Page                  Page           // the status page the message is from
	TimeZone              *time.Location // the page's, for the times shown
	FromName, FromAddress string
	To                    string
	Kind                  string // a models.Notify... kind
	Content               models.NotificationContent
	IncidentURL           string
	ManageURL             string
	UnsubscribeURL        string
	ConfirmURL            string // for NotifySubscriberConfirm
	Language              string // the subscriber's language code; "" or an unknown one: the default
	MessageID             string
	Date                  time.Time
	// ThreadID is the id every message about one incident refers to
	// (References, In-Reply-To), so mail clients thread them; "" for none.
	ThreadID string
	// ListID is the List-Id header (RFC 2919): the page's mailing list.
	ListID string
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
	BodyText string            // the same as plain text, for the text part
	Changes  []string          // component status changes: "API: Operational → Partial outage"
}

// MaxSubjectLength bounds a subject, in characters.
const MaxSubjectLength = 200

// Build makes the message: its subject names the page, the incident and
// its status; text and HTML from the templates (every string the HTML
// shows is escaped; the update's HTML was sanitized when saved); the
// unsubscribe headers and the manage link. It is a pure function of e:
// Prepare then For.
func (t *EmailTemplates) Build(e Email) (*Message, error) {
	p, err := t.Prepare(e)
	if err != nil {
		return nil, err
	}
	return p.For(Recipient{To: e.To, ManageURL: e.ManageURL, UnsubscribeURL: e.UnsubscribeURL,
		ConfirmURL: e.ConfirmURL, MessageID: e.MessageID, Date: e.Date})
}

// Recipient is what differs between the messages of one notification.
type Recipient struct {
	To                                    string
	ManageURL, UnsubscribeURL, ConfirmURL string
	MessageID                             string
	Date                                  time.Time
}

// PreparedEmail is a notification's message rendered once for all its
// recipients, with markers where each one's own strings go; For fills them
// in. Rendering the templates per recipient would cost more than sending.
type PreparedEmail struct {
	subject, fromName, fromAddress string
	threadID, listID               string // see Email
	text, html                     string
	marks                          [4]string // To, ManageURL, UnsubscribeURL, ConfirmURL
}

// Prepare renders e's message with markers in place of its Recipient
// fields (which it ignores). The markers carry a random nonce, so no text
// of the notification can pass for one.
func (t *EmailTemplates) Prepare(e Email) (*PreparedEmail, error) {
	if e.TimeZone == nil {
		e.TimeZone = time.UTC
	}
	p := &PreparedEmail{fromName: headerText(e.FromName, 100), fromAddress: e.FromAddress,
		threadID: e.ThreadID, listID: e.ListID}
	nonce := models.RandomHex(8)
	for i, name := range []string{"to", "manage", "unsubscribe", "confirm"} {
		p.marks[i] = "beacon-" + nonce + "-" + name
	}
	e.To, e.ManageURL, e.UnsubscribeURL, e.ConfirmURL = p.marks[0], p.marks[1], p.marks[2], p.marks[3]
	tl := t.langs[e.Language]
	if tl == nil {
		tl = t.def
	}
	l := tl.lang
	v := emailView{Email: e, Heading: emailHeading(l, e.Kind, e.Content)}
	v.Subject = headerText("["+e.Page.Name+"] "+v.Heading, MaxSubjectLength)
	if !e.Content.At.IsZero() && e.Kind != models.NotifyMaintenanceReminder {
		v.When = formatEmailTime(l, e.Content.At, e.TimeZone)
	}
	if f, u := e.Content.ScheduledFor, e.Content.ScheduledUntil; f != nil && u != nil {
		v.Window = formatEmailTime(l, *f, e.TimeZone) + " – " + formatEmailTime(l, *u, e.TimeZone)
		v.Starts = formatEmailTime(l, *f, e.TimeZone)
	}
	v.Reminder = e.Kind == models.NotifyMaintenanceReminder
	v.BodyHTML = htmltemplate.HTML(e.Content.BodyHTML)
	v.BodyText = plainText(e.Content.BodyHTML)
	for _, c := range e.Content.Changes {
		v.Changes = append(v.Changes, c.Name+": "+componentStatus(l, c.From)+" → "+componentStatus(l, c.To))
	}
	name := emailNotification
	switch e.Kind {
	case models.NotifySubscriberConfirm:
		name = emailConfirm
	case models.NotifySubscriberQuarantined:
		name = emailQuarantined
	}
	var text, html bytes.Buffer
	if err := tl.text[name].Execute(&text, v); err != nil {
		return nil, fmt.Errorf("email: %s.txt: %w", name, err)
	}
	if err := tl.html[name].ExecuteTemplate(&html, "layout", v); err != nil {
		return nil, fmt.Errorf("email: %s.html: %w", name, err)
	}
	p.subject, p.text, p.html = v.Subject, text.String(), html.String()
	return p, nil
}

// For is the message to one recipient.
func (p *PreparedEmail) For(r Recipient) (*Message, error) {
	values := [4]string{r.To, r.ManageURL, r.UnsubscribeURL, r.ConfirmURL}
	text, html := make([]string, 0, 8), make([]string, 0, 8)
	for i, mark := range p.marks {
		text = append(text, mark, values[i])
		html = append(html, mark, stdhtml.EscapeString(values[i]))
	}
	m := &Message{
		FromName: p.fromName, FromAddress: p.fromAddress, To: r.To,
		Subject: p.subject, Date: r.Date, MessageID: r.MessageID, ListUnsubscribe: r.UnsubscribeURL,
		ThreadID: p.threadID, ListID: p.listID,
		Text: strings.NewReplacer(text...).Replace(p.text), HTML: strings.NewReplacer(html...).Replace(p.html),
	}
	if err := m.Check(); err != nil {
		return nil, err
	}
	return m, nil
}

// emailHeading is what a message is about: "Identified: API errors",
// "Scheduled maintenance: Database upgrade".
func emailHeading(l *lang.Lang, kind string, c models.NotificationContent) string {
	switch kind {
	case models.NotifySubscriberConfirm:
		return l.T("email_confirm_heading")
	case models.NotifySubscriberQuarantined:
		return l.T("email_quarantined_heading")
	case models.NotifyMaintenanceScheduled:
		return l.T("email_heading_scheduled", "Name", c.Name)
	case models.NotifyMaintenanceReminder:
		return l.T("email_heading_reminder", "Name", c.Name)
	case models.NotifyMaintenanceStarted:
		return l.T("email_heading_started", "Name", c.Name)
	case models.NotifyMaintenanceCompleted:
		return l.T("email_heading_completed", "Name", c.Name)
	case models.NotifyMaintenanceUpdated:
		status := statusLabel(l, c.Status)
		if l.Code == lang.Default {
			status = strings.ToLower(status)
		}
		return l.T("email_heading_maintenance", "Name", c.Name, "Status", status)
	case models.NotifyPostmortemPublished:
		return l.T("email_heading_postmortem", "Name", c.Name)
	}
	return l.T("email_heading_update", "Name", c.Name, "Status", statusLabel(l, c.Status))
}

// statusLabel is an incident status worded in l.
func statusLabel(l *lang.Lang, s string) string {
	if models.IncidentStatusLabel(s) != "" {
		return l.T("incident_" + s)
	}
	return s
}

// componentStatus is a component status worded in l.
func componentStatus(l *lang.Lang, s string) string {
	if models.ComponentStatusLabel(s) != "" {
		return l.T("status_" + s)
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

func formatEmailTime(l *lang.Lang, t time.Time, loc *time.Location) string {
	return l.Format(t.In(loc), "format_datetime")
}

// strongIn is the message id worded in l for an HTML part, everything
// escaped, with the values of its placeholders Email and Endpoint (what
// the message repeats back) in <strong>.
func strongIn(l *lang.Lang, id string, args []any) htmltemplate.HTML {
	marked := append([]any(nil), args...)
	values := map[string]string{}
	for i := 1; i < len(marked); i += 2 {
		if k := fmt.Sprint(marked[i-1]); k != "Email" && k != "Endpoint" {
			continue
		}
		m := fmt.Sprintf("\x01%d\x02", i)
		values[m] = fmt.Sprint(marked[i])
		marked[i] = m
	}
	out := htmltemplate.HTMLEscapeString(l.T(id, marked...))
	for m, v := range values {
		out = strings.ReplaceAll(out, m, "<strong>"+htmltemplate.HTMLEscapeString(v)+"</strong>")
	}
	return htmltemplate.HTML(out)
}
