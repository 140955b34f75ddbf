// Package egress is how Beacon makes requests to addresses its users give
// (webhook, Slack, Discord and Teams subscribers): the one place that
// refuses addresses on this machine or its private networks (SSRF), when
// an endpoint is saved and again when a connection is made (so a name that
// resolves elsewhere later, DNS rebinding, is refused too), and the HTTP
// client that applies it.
package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/beaconstatus/beacon/models"
)

// MaxEndpointLength bounds an endpoint URL.
const MaxEndpointLength = 2000

// Guard decides which addresses Beacon may connect to.
type Guard struct {
	// AllowPrivate lets endpoints on private networks through
	// (WEBHOOK_ALLOW_PRIVATE=true, for on-premises receivers; the tests'
	// receivers listen on loopback). Metadata addresses stay refused.
	AllowPrivate bool
	// Resolver looks names up (nil: net.DefaultResolver).
	Resolver *net.Resolver
}

// ErrForbiddenAddress is a connection refused by the guard.
var ErrForbiddenAddress = errors.New("egress: address not allowed")

// metadata are the cloud providers' instance metadata services, refused
// even with AllowPrivate: they hand out credentials.
var metadata = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"),
	netip.MustParseAddr("fd00:ec2::254"),
	netip.MustParseAddr("100.100.100.200"), // Alibaba
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// Allowed reports whether a connection to ip may be made, and if not why.
func (g *Guard) Allowed(ip netip.Addr) (bool, string) {
	ip = ip.Unmap()
	for _, m := range metadata {
		if ip == m {
			return false, "a cloud metadata address"
		}
	}
	switch {
	case !ip.IsValid() || ip.IsUnspecified():
		return false, "an unspecified address"
	case ip.IsMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsLinkLocalMulticast():
		return false, "a multicast address"
	case g.AllowPrivate:
		return true, ""
	case ip.IsLoopback():
		return false, "a loopback address"
	case ip.IsLinkLocalUnicast():
		return false, "a link-local address"
	case ip.IsPrivate():
		return false, "a private network address"
	case cgnat.Contains(ip):
		return false, "a shared (CGNAT) address"
	case ip.Is4() && ip.As4()[0] == 0:
		return false, "a reserved address"
	}
	return true, ""
}

// ParseEndpoint checks the form of an endpoint URL (no lookup): absolute
// http or https, a host, no user name or password, at most
// MaxEndpointLength characters, no control characters. Problems are a
// models.ValidationError on field.
func ParseEndpoint(field, raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		return nil, models.InvalidKind(field, "empty", "must not be empty")
	case utf8.RuneCountInString(raw) > MaxEndpointLength:
		return nil, models.InvalidKind(field, "too_long", "must be at most %d characters", MaxEndpointLength)
	case strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return nil, models.InvalidKind(field, "spaces", "must not contain spaces or control characters")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || !u.IsAbs() {
		return nil, models.InvalidKind(field, "url", "must be a URL such as https://example.com/hooks/status")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, models.InvalidKind(field, "scheme", "must be an http:// or https:// URL")
	}
	if u.User != nil {
		return nil, models.InvalidKind(field, "userinfo", "must not contain a user name or password")
	}
	if u.Hostname() == "" {
		return nil, models.InvalidKind(field, "host", "must name a host")
	}
	if p := u.Port(); p != "" {
		var n int
		if _, err := fmt.Sscan(p, &n); err != nil || n < 1 || n > 65535 {
			return nil, models.InvalidKind(field, "port", "must have a port from 1 to 65535")
		}
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// CheckEndpoint is ParseEndpoint, then a lookup of its host: every address
// it resolves to must be Allowed. It returns the URL as it will be
// stored.
func (g *Guard) CheckEndpoint(ctx context.Context, field, raw string) (string, error) {
	u, err := ParseEndpoint(field, raw)
	if err != nil {
		return "", err
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if ok, why := g.Allowed(ip); !ok {
			return "", models.InvalidKind(field, "blocked", "must not point to %s", why)
		}
		return u.String(), nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := g.resolver().LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return "", models.InvalidKind(field, "unresolved", "has a host name that does not resolve")
	}
	for _, ip := range addrs {
		if ok, why := g.Allowed(ip); !ok {
			return "", models.InvalidKind(field, "blocked", "must not point to %s (%s resolves to %s)", why, host, ip.Unmap())
		}
	}
	return u.String(), nil
}

func (g *Guard) resolver() *net.Resolver {
	if g.Resolver != nil {
		return g.Resolver
	}
	return net.DefaultResolver
}

// control is the dialer's check of the address it is about to connect to,
// after the lookup: the last word, whatever the name resolved to when it
// was saved.
func (g *Guard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	if ok, why := g.Allowed(ap.Addr()); !ok {
		return fmt.Errorf("%w: %s is %s", ErrForbiddenAddress, ap.Addr().Unmap(), why)
	}
	return nil
}

// MaxRedirects is how many redirects a request follows, each to an
// address the guard allows.
const MaxRedirects = 3

// Client is an HTTP client whose every connection the guard checks: no
// proxy from the environment (it would be the one checked), redirects
// followed only to http(s) URLs without credentials, at most MaxRedirects.
// conns bounds the idle connections kept per host. Timeouts are the
// caller's, by context.
func (g *Guard) Client(conns int) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: g.control}
	tr := &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           4 * conns,
		MaxIdleConnsPerHost:    conns,
		IdleConnTimeout:        60 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ResponseHeaderTimeout:  0, // the caller's context bounds the whole exchange
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= MaxRedirects {
			return fmt.Errorf("egress: more than %d redirects", MaxRedirects)
		}
		if _, err := ParseEndpoint("location", req.URL.String()); err != nil {
			return fmt.Errorf("egress: redirect to a refused URL: %w", err)
		}
		return nil
	}}
}
