package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"time"
)

// Sender sends email messages one at a time, reusing its connection. Each
// notification worker has its own; a Sender is not shared between
// goroutines.
type Sender interface {
	// Send delivers m. A *SendError says whether trying again may help.
	Send(ctx context.Context, m *Message) error
	// Connect opens the connection if none is open (a probe of the
	// server); a *SendError says why it cannot.
	Connect(ctx context.Context) error
	// Close ends the connection, if any.
	Close() error
}

// Mailer opens a Sender per worker: the mail driver (SMTP, log or memory).
type Mailer interface {
	NewSender() Sender
}

// SendError is a message the mail server did not accept: its answer (or
// the connection's problem), and whether it is final.
type SendError struct {
	Permanent bool // refused for good (a 5xx answer): trying again will not help
	// Unreachable: no connection to the server, or it failed before the
	// message was accepted; nothing is wrong with the message. With
	// Permanent, the server answered but refuses the connection (a wrong
	// password, no STARTTLS).
	Unreachable bool
	Err         error
}

func (e *SendError) Error() string {
	if e.Unreachable {
		return "cannot reach the mail server: " + e.Err.Error()
	}
	return e.Err.Error()
}

func (e *SendError) Unwrap() error { return e.Err }

// Message is one email, built by EmailTemplates.Build and sent by a Sender.
type Message struct {
	FromName, FromAddress string
	To                    string // the recipient's address
	Subject               string
	Date                  time.Time
	MessageID             string // "<id@host>"
	// ListUnsubscribe is the one-click unsubscribe URL (RFC 8058): the
	// List-Unsubscribe and List-Unsubscribe-Post headers.
	ListUnsubscribe string
	// ThreadID (References and In-Reply-To) and ListID (List-Id): see
	// Email.
	ThreadID, ListID string
	Text, HTML       string
}

// Headers are the message's header fields besides From and To, in order.
func (m *Message) Headers() [][2]string {
	h := [][2]string{
		{"Subject", m.Subject},
		{"Date", m.Date.Format(time.RFC1123Z)},
		{"Message-ID", m.MessageID},
		{"Auto-Submitted", "auto-generated"},
	}
	if m.ThreadID != "" {
		h = append(h, [2]string{"References", m.ThreadID}, [2]string{"In-Reply-To", m.ThreadID})
	}
	if m.ListID != "" {
		h = append(h, [2]string{"List-Id", m.ListID})
	}
	if m.ListUnsubscribe != "" {
		h = append(h, [2]string{"List-Unsubscribe", "<" + m.ListUnsubscribe + ">"},
			[2]string{"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"})
	}
	return h
}

// Check refuses a message that could not be sent as it is: an address
// that does not parse, or a line break or control character in a header
// (header injection).
func (m *Message) Check() error {
	for _, addr := range []string{m.FromAddress, m.To} {
		a, err := mail.ParseAddress(addr)
		if err != nil || a.Address != addr {
			return fmt.Errorf("mail: invalid address %q", addr)
		}
	}
	fields := append(m.Headers(), [2]string{"From", m.FromName})
	for _, f := range fields {
		if strings.ContainsFunc(f[1], isControl) {
			return fmt.Errorf("mail: control character in the %s header", f[0])
		}
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// LogMailer is the driver used when SMTP_URL is unset: messages are
// written to log, not sent.
func LogMailer(log *slog.Logger) Mailer { return logMailer{log: log} }

// logMailer is the driver used when SMTP_URL is unset: it writes each
// message to the log instead of sending it, so Beacon runs without a mail
// server.
type logMailer struct{ log *slog.Logger }

func (l logMailer) NewSender() Sender { return l }

func (l logMailer) Send(_ context.Context, m *Message) error {
	if err := m.Check(); err != nil {
		return &SendError{Permanent: true, Err: err}
	}
	l.log.Info("mail (log driver: set SMTP_URL to send it)", "to", m.To, "subject", m.Subject,
		"message_id", m.MessageID, "list_unsubscribe", m.ListUnsubscribe, "text", m.Text)
	return nil
}

func (l logMailer) Connect(context.Context) error { return nil }

func (l logMailer) Close() error { return nil }

// MemoryMailer keeps the messages it is given, for tests.
type MemoryMailer struct {
	mu       sync.Mutex
	messages []*Message
}

// NewSender returns a Sender that appends to the MemoryMailer.
func (mm *MemoryMailer) NewSender() Sender { return memorySender{mm} }

// Messages returns the messages sent so far, in order.
func (mm *MemoryMailer) Messages() []*Message {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	return append([]*Message(nil), mm.messages...)
}

type memorySender struct{ mm *MemoryMailer }

func (s memorySender) Send(_ context.Context, m *Message) error {
	if err := m.Check(); err != nil {
		return &SendError{Permanent: true, Err: err}
	}
	s.mm.mu.Lock()
	defer s.mm.mu.Unlock()
	s.mm.messages = append(s.mm.messages, m)
	return nil
}

func (s memorySender) Connect(context.Context) error { return nil }

func (s memorySender) Close() error { return nil }

// sendProblem classifies a send error: permanent, the server unreachable,
// or worth another try later.
func sendProblem(err error) (permanent, unreachable bool) {
	var se *SendError
	if errors.As(err, &se) {
		return se.Permanent, se.Unreachable
	}
	return false, false
}
