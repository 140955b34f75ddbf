// Package smtptest runs a real SMTP server (github.com/emersion/go-smtp)
// in-process on loopback, for tests and benchmarks of Beacon's mail: it
// keeps what it accepts, and hooks let a test refuse recipients, stall,
// hold a message, drop idle connections or go down and come back.
package smtptest

import (
	"bytes"
	"errors"
	"io"
	"log"
	"net"
	"net/mail"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted.
type Message struct {
	From string
	To   []string
	Data []byte // as received, CRLF line ends
}

// Parse reads the message's header and body.
func (m Message) Parse() (*mail.Message, error) { return mail.ReadMessage(bytes.NewReader(m.Data)) }

// Options configure a Server.
type Options struct {
	// Discard keeps only the total (benchmarks): neither the messages nor
	// the counts per recipient, so the server's memory does not grow.
	Discard bool
	// Username and Password, when set, are required (AUTH PLAIN).
	Username, Password string
	// IdleTimeout, when set, closes a connection that sends no command for
	// that long, as mail servers do: the server answers "421 4.4.2 Idle
	// timeout" and hangs up (go-smtp's ReadTimeout; a message's data must
	// come within it too).
	IdleTimeout time.Duration
}

// Server is an SMTP server on 127.0.0.1.
type Server struct {
	Addr string // host:port, the same across Stop and Start
	opts Options

	mu       sync.Mutex
	srv      *smtp.Server
	ln       net.Listener
	messages []Message
	counts   map[string]int // accepted messages per recipient
	total    int
	sessions int
	open     int // connections open now
	onRcpt   func(to string) error
	onData   func(from string, to []string) error
}

// Start runs a server on a free loopback port until the test ends.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s := &Server{opts: opts, counts: map[string]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("smtptest: listen: %v", err)
	}
	s.Addr = ln.Addr().String()
	s.serve(ln)
	tb.Cleanup(s.Stop)
	return s
}

// URL is SMTP_URL for the server: plain text (it offers no STARTTLS),
// with the credentials when it requires them.
func (s *Server) URL() string {
	auth := ""
	if s.opts.Username != "" {
		auth = s.opts.Username + ":" + s.opts.Password + "@"
	}
	return "smtp://" + auth + s.Addr + "?starttls=optional"
}

// Port is the server's port.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.Addr)
	n, _ := strconv.Atoi(p)
	return n
}

func (s *Server) serve(ln net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.sessions++
		s.open++
		s.mu.Unlock()
		return &session{s: s}, nil
	}))
	srv.Domain = "smtptest.local"
	srv.AllowInsecureAuth = true
	srv.MaxMessageBytes = 10 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout = s.opts.IdleTimeout
	s.mu.Lock()
	s.srv, s.ln = srv, ln
	s.mu.Unlock()
	go srv.Serve(ln)
}

// Stop closes the listener and every connection: the server is down.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.srv, s.ln = nil, nil
	s.mu.Unlock()
	if srv != nil {
		ln.Close() // Serve may not have registered it yet
		srv.Close()
	}
}

// Restart brings a stopped server back on the same address.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		tb.Fatalf("smtptest: listen again on %s: %v", s.Addr, err)
	}
	s.serve(ln)
}

// OnRcpt sets a hook run for each RCPT TO: an error refuses the recipient
// (an *smtp.SMTPError gives its code, as in 550 for a mailbox that does not
// exist).
func (s *Server) OnRcpt(f func(to string) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onRcpt = f
}

// OnData sets a hook run when a message's data has been read, before it is
// accepted: it may block (a slow or stalled server) or refuse it.
func (s *Server) OnData(f func(from string, to []string) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onData = f
}

// Messages returns the accepted messages, in order (none with Discard).
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Received returns how many accepted messages were for addr.
func (s *Server) Received(addr string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[addr]
}

// Counts returns the number of accepted messages per recipient.
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// Total returns how many messages were accepted.
func (s *Server) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// Sessions returns how many SMTP sessions were opened (a client reusing
// its connection opens few).
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// Open returns how many connections are open now (a server that drops
// idle connections closes them).
func (s *Server) Open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open
}

type session struct {
	s      *Server
	authed bool
	from   string
	to     []string
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != ss.s.opts.Username || password != ss.s.opts.Password {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.Username != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	hook := ss.s.onRcpt
	ss.s.mu.Unlock()
	if hook != nil {
		if err := hook(to); err != nil {
			return err
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return err
	}
	ss.s.mu.Lock()
	hook := ss.s.onData
	ss.s.mu.Unlock()
	if hook != nil {
		if err := hook(ss.from, ss.to); err != nil {
			return err
		}
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if ss.s.srv == nil {
		return errors.New("server stopped") // went down while holding the message
	}
	ss.s.total++
	if !ss.s.opts.Discard {
		for _, to := range ss.to {
			ss.s.counts[to]++
		}
		ss.s.messages = append(ss.s.messages, Message{From: ss.from, To: append([]string(nil), ss.to...), Data: buf.Bytes()})
	}
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error {
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	ss.s.open--
	return nil
}
