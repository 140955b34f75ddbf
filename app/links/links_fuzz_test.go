package links

import (
	"math"
	"strings"
	"testing"
	"time"
)

// FuzzSignedLink: a link signed for a subscriber verifies as exactly what
// was signed (or not at all, when the id could not be told apart from the
// other fields), and a token that was not made by signLink never
// verifies: whatever verifies is the one canonical token of what it
// carries, so it cannot be altered and still work.
func FuzzSignedLink(f *testing.F) {
	a := NewSigner([]byte("fuzzing secret, 32 bytes or more!"), "")
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	valid := a.Sign(Link{Purpose: Manage, SubscriberID: "s0a1b2c3d4e5", Version: 1, Expires: now.Add(time.Hour)})
	f.Add(Manage, "s0a1b2c3d4e5", 1, now.Add(time.Hour).Unix(), valid)
	f.Add(Confirm, "x", -7, int64(0), "")
	f.Add(Unsubscribe, "a.b", 2, now.Unix()+1, "bWFuYWdlLnMwYTFiMmMzZDRlNS4xLnNqaXk4.AAAA")
	f.Add("other", "id", 0, int64(math.MaxInt64), valid+"x")
	f.Add(Manage, "", math.MaxInt, int64(math.MinInt64), strings.Repeat("A", 301))
	f.Add(Manage, "nul\x00id", 1, now.Unix()+60, "bad\xff\xfe."+valid)
	f.Fuzz(func(t *testing.T, purpose, id string, version int, expires int64, token string) {
		// A token from the outside: only a canonical token verifies.
		for _, p := range []string{Confirm, Manage, Unsubscribe} {
			if l, err := a.Verify(token, p, now); err == nil {
				if again := a.Sign(l); again != token || l.Purpose != p {
					t.Fatalf("token %q verified as %+v, whose token is %q", token, l, again)
				}
			}
		}

		// A link made here verifies as itself until it expires.
		if expires == math.MinInt64 {
			expires++
		}
		l := Link{Purpose: purpose, SubscriberID: id, Version: version, Expires: time.Unix(expires, 0)}
		tok := a.Sign(l)
		at := time.Unix(expires-1, 0)
		got, err := a.Verify(tok, purpose, at)
		clean := !strings.Contains(purpose, ".") && !strings.Contains(id, ".") && purpose != ""
		switch {
		case err == nil && got != l:
			t.Fatalf("signed %+v, verified as %+v", l, got)
		case err != nil && clean && len(tok) <= 300:
			t.Fatalf("signed %+v: token %q does not verify: %v", l, tok, err)
		}
		if _, err := a.Verify(tok, purpose, time.Unix(expires, 0)); err == nil {
			t.Fatalf("token %q verifies when it expires", tok)
		}
		// Every other spelling of the token's fields is refused.
		enc, mac, _ := strings.Cut(tok, ".")
		for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
			for _, alt := range []string{enc[:len(enc)-1] + string(c) + "." + mac, enc + "." + mac[:len(mac)-1] + string(c)} {
				if alt == tok {
					continue
				}
				if _, err := a.Verify(alt, purpose, at); err == nil {
					t.Fatalf("token %q, altered to %q, still verifies", tok, alt)
				}
			}
		}
	})
}
