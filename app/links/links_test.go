package links

import (
	"strings"
	"testing"
	"time"
)

func TestSignedLinks(t *testing.T) {
	a := NewSigner([]byte("0123456789abcdef0123456789abcdef"), "")
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	l := Link{Purpose: Confirm, SubscriberID: "abc123def456", Version: 3, Expires: now.Add(time.Hour)}
	token := a.Sign(l)

	got, err := a.Verify(token, Confirm, now)
	if err != nil || got.SubscriberID != l.SubscriberID || got.Version != 3 || !got.Expires.Equal(l.Expires) {
		t.Fatalf("verify = %+v, %v", got, err)
	}
	other := NewSigner([]byte("another secret, just as long as the first"), "")
	enc, mac, _ := strings.Cut(token, ".")
	flip := func(s string) string {
		b := []byte(s)
		if b[len(b)/2] == 'A' {
			b[len(b)/2] = 'B'
		} else {
			b[len(b)/2] = 'A'
		}
		return string(b)
	}
	for name, tc := range map[string]struct {
		app     *Signer
		token   string
		purpose string
		at      time.Time
	}{
		"other purpose":  {a, token, Unsubscribe, now},
		"expired":        {a, token, Confirm, now.Add(time.Hour)},
		"other secret":   {other, token, Confirm, now},
		"altered fields": {a, flip(enc) + "." + mac, Confirm, now},
		"altered mac":    {a, enc + "." + flip(mac), Confirm, now},
		"no mac":         {a, enc, Confirm, now},
		"empty":          {a, "", Confirm, now},
		"garbage":        {a, "%%%.###", Confirm, now},
		"too long":       {a, strings.Repeat("a", 400) + "." + mac, Confirm, now},
	} {
		if _, err := tc.app.Verify(tc.token, tc.purpose, tc.at); err != ErrInvalid {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}
