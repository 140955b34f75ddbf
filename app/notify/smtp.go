package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
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
	Idle               time.Duration // ?idle=: a connection unused this long is replaced before the next message (default 30s)
}

// DefaultSMTPIdle is how long a connection may stay unused and still be
// used for the next message, when SMTP_URL sets no idle limit. Mail servers
// close idle connections after a while (some after seconds, some without
// a word, and firewalls drop them silently); a new connection costs a few
// round trips, a dead one an SMTP timeout.
const DefaultSMTPIdle = 30 * time.Second

// DefaultSMTPTimeout bounds connecting and sending one message when
// SMTP_URL sets no timeout.
const DefaultSMTPTimeout = 10 * time.Second

// MaxSMTPTimeout is the longest timeout SMTP_URL may set: the notifier's
// leases are a few times the timeout, and a longer wait on one message
// would hold its deliveries back for as long.
const MaxSMTPTimeout = 10 * time.Minute

// ParseSMTPURL reads SMTP_URL: smtp://user:pass@host:587 (STARTTLS
// required unless ?starttls=optional or the host is this machine's
// loopback; ?starttls=required requires it there too) or
// smtps://user:pass@host:465
// (implicit TLS); ?timeout=30s sets the timeout, ?idle=30s the idle limit.
func ParseSMTPURL(raw string) (*SMTPConfig, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" || u.Opaque != "" {
		return nil, errors.New("must be smtp://user:password@host:587 or smtps://user:password@host:465")
	}
	if u.Path != "" && u.Path != "/" || u.Fragment != "" {
		return nil, errors.New("must have no path: smtp://user:password@host:587")
	}
	c := &SMTPConfig{Host: u.Hostname(), ImplicitTLS: u.Scheme == "smtps", Port: 587, Timeout: DefaultSMTPTimeout,
		Idle: DefaultSMTPIdle}
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
	required := false // ?starttls=required: STARTTLS even on loopback
	for k, v := range u.Query() {
		switch {
		case k == "starttls" && len(v) == 1 && v[0] == "optional" && !c.ImplicitTLS:
			c.StartTLSOptional = true
		case k == "starttls" && len(v) == 1 && v[0] == "required" && !c.ImplicitTLS:
			required = true
		case k == "timeout" && len(v) == 1:
			d, err := time.ParseDuration(v[0])
			if err != nil || d <= 0 || d > MaxSMTPTimeout {
				return nil, fmt.Errorf("timeout must be a positive duration of at most %s, such as 30s, got %q", MaxSMTPTimeout, v[0])
			}
			c.Timeout = d
		case k == "idle" && len(v) == 1:
			d, err := time.ParseDuration(v[0])
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("idle must be a positive duration, such as 30s, got %q", v[0])
			}
			c.Idle = d
		default:
			return nil, fmt.Errorf("unknown option %q (known: starttls=optional or starttls=required for smtp://, timeout=30s, idle=30s)", k)
		}
	}
	if isLoopback(c.Host) && !c.ImplicitTLS && !required {
		// A mail catcher on this machine (mailpit, MailHog) offers no
		// STARTTLS, and nothing crosses a network: plain text is fine.
		c.StartTLSOptional = true
	}
	return c, nil
}

// isLoopback reports whether host names this machine: localhost or a
// loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
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

// go-mail sets its timeout on a connection only after the server's
// greeting (and after the TLS handshake of smtps://): a server that accepts
// the connection and says nothing would hold a worker, or the probe of an
// outage, forever. Its dial hook gives the connection a deadline at once.
func init() { gomail.NetDialTimeout = dialWithDeadline }

// dialWithDeadline connects within timeout and gives the connection a
// deadline as far away.
func dialWithDeadline(network, address string, timeout time.Duration) (net.Conn, error) {
	conn, err := net.DialTimeout(network, address, timeout)
	if err != nil || timeout <= 0 {
		return conn, err
	}
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
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
	d.RetryFailure = false // a stale connection is replaced here (see Send), for every kind of failure
	idle := m.cfg.Idle
	if idle <= 0 {
		idle = DefaultSMTPIdle
	}
	return &smtpSender{dialer: d, idle: idle}
}

type smtpSender struct {
	dialer *gomail.Dialer // one per sender: Dial keeps the chosen auth in it
	idle   time.Duration  // a connection unused this long is replaced before a message
	conn   gomail.SendCloser
	used   bool      // conn has carried a message: the server may have closed it since
	last   time.Time // when conn was opened or last carried a message
}

// Connect opens a connection unless one is open and was used within the
// idle limit.
func (s *smtpSender) Connect(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return &SendError{Err: err}
	}
	if s.conn != nil && time.Since(s.last) > s.idle {
		s.Close() // servers drop idle connections, some without a word
	}
	if s.conn != nil {
		return nil
	}
	conn, err := s.dialer.Dial()
	if err != nil {
		return dialProblem(err)
	}
	s.conn, s.used, s.last = conn, false, time.Now()
	return nil
}

// Send sends m on the sender's connection. A connection that has carried
// messages before may have been closed by the server since (it drops idle
// ones, or answers 421): when it fails before the message was accepted,
// m is sent once more on a new connection, and only that try counts. A
// connection failure on a new connection is the server's, not the
// message's: Unreachable.
func (s *smtpSender) Send(ctx context.Context, m *Message) error {
	if err := m.Check(); err != nil {
		return &SendError{Permanent: true, Err: err}
	}
	if err := s.Connect(ctx); err != nil {
		return err
	}
	stale := s.used
	lost, err := s.send(m)
	if err != nil && lost && stale {
		if err := s.Connect(ctx); err != nil {
			return err
		}
		lost, err = s.send(m)
	}
	if err == nil {
		return nil
	}
	var answer *textproto.Error
	switch {
	case lost:
		return &SendError{Unreachable: true, Err: smtpError(err)}
	case errors.As(err, &answer):
		return &SendError{Permanent: answer.Code >= 500, Err: smtpError(err)}
	}
	return &SendError{Err: err}
}

// send sends m on the open connection. After an error the connection is
// closed, and lost says whether the message was certainly not accepted
// because the connection failed: it broke (or timed out) before the
// message's content began, or the server answered 421 (it is closing the
// connection). A failure after the content began may come after the server
// accepted the message (its answer lost): that is an attempt.
func (s *smtpSender) send(m *Message) (lost bool, err error) {
	body := &messageBody{msg: goMailMessage(m)}
	err = s.conn.Send(m.FromAddress, []string{m.To}, body)
	s.used, s.last = true, time.Now()
	if err == nil {
		return false, nil
	}
	// After an error the connection may be in any state: start afresh.
	s.Close()
	var answer *textproto.Error
	if errors.As(err, &answer) {
		return answer.Code == 421, err
	}
	return !body.began, err
}

// messageBody is a message's content, noting whether its writing began
// (the server had agreed to DATA).
type messageBody struct {
	msg   *gomail.Message
	began bool
}

func (b *messageBody) WriteTo(w io.Writer) (int64, error) {
	b.began = true
	return b.msg.WriteTo(w)
}

// dialProblem is why a connection could not be opened: the server is
// unreachable; Permanent too when it answered and refused us (a 5xx
// answer, as to a wrong password, or no STARTTLS offered), which is a
// problem of the configuration, not an outage.
func dialProblem(err error) *SendError {
	var answer *textproto.Error
	var noTLS gomail.StartTLSUnsupportedError
	refused := errors.As(err, &noTLS) || errors.As(err, &answer) && answer.Code >= 500
	return &SendError{Unreachable: true, Permanent: refused, Err: smtpError(err)}
}

// smtpError is err with the server's answer, if it is one, as the server
// gave it.
func smtpError(err error) error {
	var answer *textproto.Error
	if errors.As(err, &answer) {
		return &smtpAnswer{answer.Code, answer.Msg}
	}
	return err
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
