package notify

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/go-mail/mail"
)

// SMTPConfig is the mail server Beacon sends through, from SMTP_URL.
type SMTPConfig struct {
	Host               string
	Port               int
	Username, Password string
	ImplicitTLS        bool          // smtps://: TLS from the first byte
	StartTLSOptional   bool          // ?starttls=optional: plain text when the server offers no STARTTLS
	Timeout            time.Duration // ?timeout=: bounds connecting and each message (default 10s)
}

// DefaultSMTPTimeout bounds connecting and sending one message when
// SMTP_URL sets no timeout.
const DefaultSMTPTimeout = 10 * time.Second

// MaxSMTPTimeout is the longest timeout SMTP_URL may set: the notifier's
// leases are a few times the timeout, and a longer wait on one message
// would hold its deliveries back for as long.
const MaxSMTPTimeout = 10 * time.Minute

// ParseSMTPURL reads SMTP_URL: smtp://user:pass@host:587 (STARTTLS
// required unless ?starttls=optional) or smtps://user:pass@host:465
// (implicit TLS); ?timeout=30s sets the timeout.
func ParseSMTPURL(raw string) (*SMTPConfig, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" || u.Opaque != "" {
		return nil, errors.New("must be smtp://user:password@host:587 or smtps://user:password@host:465")
	}
	if u.Path != "" && u.Path != "/" || u.Fragment != "" {
		return nil, errors.New("must have no path: smtp://user:password@host:587")
	}
	c := &SMTPConfig{Host: u.Hostname(), ImplicitTLS: u.Scheme == "smtps", Port: 587, Timeout: DefaultSMTPTimeout}
	if c.ImplicitTLS {
		c.Port = 465
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("port must be from 1 to 65535, got %q", p)
		}
		c.Port = n
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	for k, v := range u.Query() {
		switch {
		case k == "starttls" && len(v) == 1 && v[0] == "optional" && !c.ImplicitTLS:
			c.StartTLSOptional = true
		case k == "timeout" && len(v) == 1:
			d, err := time.ParseDuration(v[0])
			if err != nil || d <= 0 || d > MaxSMTPTimeout {
				return nil, fmt.Errorf("timeout must be a positive duration of at most %s, such as 30s, got %q", MaxSMTPTimeout, v[0])
			}
			c.Timeout = d
		default:
			return nil, fmt.Errorf("unknown option %q (known: starttls=optional for smtp://, timeout=30s)", k)
		}
	}
	return c, nil
}

// String is the server's address and mode, without the password.
func (c *SMTPConfig) String() string {
	mode := "STARTTLS required"
	switch {
	case c.ImplicitTLS:
		mode = "implicit TLS"
	case c.StartTLSOptional:
		mode = "STARTTLS optional"
	}
	return fmt.Sprintf("%s:%d (%s)", c.Host, c.Port, mode)
}

// smtpMailer is the SMTP driver (go-mail/mail): each Sender keeps one
// connection open across messages and opens a new one after an error.
type smtpMailer struct{ cfg SMTPConfig }

// NewSMTPMailer is the SMTP driver for the server of cfg (what SMTP_URL
// chooses).
func NewSMTPMailer(cfg SMTPConfig) Mailer { return smtpMailer{cfg: cfg} }

func (m smtpMailer) NewSender() Sender {
	d := gomail.NewDialer(m.cfg.Host, m.cfg.Port, m.cfg.Username, m.cfg.Password)
	d.SSL = m.cfg.ImplicitTLS
	d.StartTLSPolicy = gomail.MandatoryStartTLS
	if m.cfg.StartTLSOptional {
		d.StartTLSPolicy = gomail.OpportunisticStartTLS
	}
	d.Timeout = m.cfg.Timeout
	return &smtpSender{dialer: d}
}

type smtpSender struct {
	dialer *gomail.Dialer // one per sender: Dial keeps the chosen auth in it
	conn   gomail.SendCloser
}

func (s *smtpSender) Send(ctx context.Context, m *Message) error {
	if err := m.Check(); err != nil {
		return &SendError{Permanent: true, Err: err}
	}
	if err := ctx.Err(); err != nil {
		return &SendError{Err: err}
	}
	if s.conn == nil {
		conn, err := s.dialer.Dial()
		if err != nil {
			return &SendError{Unreachable: true, Err: err}
		}
		s.conn = conn
	}
	err := gomail.Send(s.conn, goMailMessage(m))
	if err == nil {
		return nil
	}
	// After an error the connection may be in any state: start afresh.
	s.Close()
	var se *gomail.SendError
	if errors.As(err, &se) {
		err = se.Cause
	}
	var answer *textproto.Error
	if errors.As(err, &answer) {
		return &SendError{Permanent: answer.Code >= 500, Err: &smtpAnswer{answer.Code, answer.Msg}}
	}
	return &SendError{Err: err}
}

// smtpAnswer is the mail server's answer as it gave it: "550 5.1.1 No
// such user" (textproto quotes the text).
type smtpAnswer struct {
	Code int
	Msg  string
}

func (a *smtpAnswer) Error() string { return fmt.Sprintf("%03d %s", a.Code, a.Msg) }

func (s *smtpSender) Close() error {
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}

// goMailMessage is m as go-mail writes it: multipart/alternative, text
// then HTML, quoted-printable, headers encoded where they are not ASCII.
func goMailMessage(m *Message) *gomail.Message {
	gm := gomail.NewMessage()
	gm.SetAddressHeader("From", m.FromAddress, m.FromName)
	gm.SetHeader("To", m.To)
	for _, h := range m.Headers() {
		if h[0] == "Date" {
			gm.SetDateHeader("Date", m.Date)
			continue
		}
		gm.SetHeader(h[0], h[1])
	}
	gm.SetBody("text/plain", m.Text)
	if m.HTML != "" {
		gm.AddAlternative("text/html", m.HTML)
	}
	return gm
}
