package egress_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/app/egress"
	"github.com/beaconstatus/beacon/models"
)

// The guard's verdict on addresses, with and without private networks.
func TestAllowed(t *testing.T) {
	for _, c := range []struct {
		ip             string
		strict, onPrem bool
	}{
		{"203.0.113.7", true, true},
		{"2001:db8::1", true, true},
		{"8.8.8.8", true, true},
		{"127.0.0.1", false, true},
		{"::1", false, true},
		{"::ffff:127.0.0.1", false, true},
		{"10.1.2.3", false, true},
		{"172.16.0.1", false, true},
		{"192.168.0.1", false, true},
		{"fd12::1", false, true},
		{"169.254.1.1", false, true},
		{"fe80::1", false, true},
		{"100.64.0.1", false, true},
		{"169.254.169.254", false, false},
		{"::ffff:169.254.169.254", false, false},
		{"fd00:ec2::254", false, false},
		{"0.0.0.0", false, false},
		{"::", false, false},
		{"224.0.0.1", false, false},
	} {
		ip := netip.MustParseAddr(c.ip)
		if ok, why := (&egress.Guard{}).Allowed(ip); ok != c.strict {
			t.Errorf("%s: allowed %v (%s), want %v", c.ip, ok, why, c.strict)
		}
		if ok, why := (&egress.Guard{AllowPrivate: true}).Allowed(ip); ok != c.onPrem {
			t.Errorf("%s with private networks allowed: %v (%s), want %v", c.ip, ok, why, c.onPrem)
		}
	}
}

// The client refuses at connect time what the guard refuses, whatever the
// URL said, and follows no redirect to such an address.
func TestClientRefusesAtConnect(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	_, err := (&egress.Guard{}).Client(1).Get(srv.URL)
	if !errors.Is(err, egress.ErrForbiddenAddress) {
		t.Errorf("loopback: %v, want ErrForbiddenAddress", err)
	}
	resp, err := (&egress.Guard{AllowPrivate: true}).Client(1).Get(srv.URL)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("loopback allowed: %v", err)
	}
	resp.Body.Close()
	_, err = (&egress.Guard{AllowPrivate: true}).Client(1).Get(srv.URL + "/redirect")
	if !errors.Is(err, egress.ErrForbiddenAddress) {
		t.Errorf("redirect to metadata: %v, want ErrForbiddenAddress", err)
	}
}

// CheckEndpoint names the field and says why.
func TestCheckEndpoint(t *testing.T) {
	g := &egress.Guard{}
	for raw, want := range map[string]string{
		"https://user@203.0.113.7/":   "user name or password",
		"gopher://203.0.113.7/":       "http:// or https://",
		"http://localhost:8080/":      "loopback",
		"https://[fd00:ec2::254]/x":   "cloud metadata",
		"https://203.0.113.7:0/":      "port",
		"":                            "must not be empty",
		"https://exa mple.com/":       "spaces",
		"https://203.0.113.7/ok#frag": "",
	} {
		got, err := g.CheckEndpoint(context.Background(), "endpoint", raw)
		var ve *models.ValidationError
		switch {
		case want == "" && (err != nil || got != "https://203.0.113.7/ok"):
			t.Errorf("%q: %q, %v", raw, got, err)
		case want != "" && (!errors.As(err, &ve) || ve.Fields[0].Field != "endpoint" || !strings.Contains(ve.Fields[0].Message, want)):
			t.Errorf("%q: %v, want a problem on endpoint with %q", raw, err, want)
		}
	}
}

// FuzzParseEndpoint: whatever is typed, ParseEndpoint either refuses it
// with a problem on the field or returns an absolute http(s) URL without
// credentials that parses back to itself.
func FuzzParseEndpoint(f *testing.F) {
	for _, s := range []string{"https://example.com/hook", "http://[::1]:80/x?y=z", "https://u:p@h/", "javascript:x", "//h/x",
		"https://h:99999/", "https://h/\x00", "HTTPS://EXAMPLE.COM/%zz", "https://h/" + strings.Repeat("a", 2100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := egress.ParseEndpoint("endpoint", raw)
		if err != nil {
			var ve *models.ValidationError
			if !errors.As(err, &ve) || ve.Fields[0].Field != "endpoint" {
				t.Fatalf("%q: %v", raw, err)
			}
			return
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || u.Hostname() == "" {
			t.Fatalf("%q accepted as %q", raw, u)
		}
		again, err := egress.ParseEndpoint("endpoint", u.String())
		if err != nil || again.String() != u.String() {
			t.Fatalf("%q → %q does not parse back (%v)", raw, u, err)
		}
	})
}
