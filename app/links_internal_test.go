package app

import (
	"strings"
	"testing"
	"time"
)

func TestSignedLinks(t *testing.T) {
	a := &App{secret: []byte("0123456789abcdef0123456789abcdef")}
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	l := SignedLink{Purpose: LinkConfirm, SubscriberID: "abc123def456", Version: 3, Expires: now.Add(time.Hour)}
	token := a.signLink(l)

	got, err := a.verifyLink(token, LinkConfirm, now)
	if err != nil || got.SubscriberID != l.SubscriberID || got.Version != 3 || !got.Expires.Equal(l.Expires) {
		t.Fatalf("verify = %+v, %v", got, err)
	}
	other := &App{secret: []byte("another secret, just as long as the first")}
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
		app     *App
		token   string
		purpose string
		at      time.Time
	}{
		"other purpose":  {a, token, LinkUnsubscribe, now},
		"expired":        {a, token, LinkConfirm, now.Add(time.Hour)},
		"other secret":   {other, token, LinkConfirm, now},
		"altered fields": {a, flip(enc) + "." + mac, LinkConfirm, now},
		"altered mac":    {a, enc + "." + flip(mac), LinkConfirm, now},
		"no mac":         {a, enc, LinkConfirm, now},
		"empty":          {a, "", LinkConfirm, now},
		"garbage":        {a, "%%%.###", LinkConfirm, now},
		"too long":       {a, strings.Repeat("a", 400) + "." + mac, LinkConfirm, now},
	} {
		if _, err := tc.app.verifyLink(tc.token, tc.purpose, tc.at); err != ErrBadLink {
			t.Errorf("%s: err = %v, want ErrBadLink", name, err)
		}
	}
}
