package app

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Purposes of signed subscriber links: a token made for one purpose does
// not work for another.
const (
	LinkConfirm     = "confirm"     // confirm a subscription (double opt-in)
	LinkManage      = "manage"      // change components and event kinds
	LinkUnsubscribe = "unsubscribe" // one-click unsubscribe (RFC 8058)
)

// How long signed links stay valid.
const (
	ConfirmLinkLifetime = 7 * 24 * time.Hour
	// Manage and unsubscribe links are in every email and must keep working
	// from an old message; they die with the subscriber's token version.
	ManageLinkLifetime = 5 * 365 * 24 * time.Hour
)

// ErrBadLink is a forged, altered, expired or revoked signed link.
var ErrBadLink = errors.New("this link is not valid: it may have expired or been replaced by a newer one")

// SignedLink is what a signed token carries.
type SignedLink struct {
	Purpose      string
	SubscriberID string
	Version      int // the subscriber's token_version: bumping it revokes every link
	Expires      time.Time
}

// signLink makes the token of a signed link: its fields and an HMAC-SHA256
// over them with the App's secret, URL-safe.
func (a *App) signLink(l SignedLink) string {
	payload := strings.Join([]string{l.Purpose, l.SubscriberID, strconv.Itoa(l.Version), strconv.FormatInt(l.Expires.Unix(), 36)}, ".")
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + a.linkMAC(payload)
}

// verifyLink checks a token for purpose at now and returns what it carries.
// The caller still compares Version with the subscriber's current one.
func (a *App) verifyLink(token, purpose string, now time.Time) (SignedLink, error) {
	enc, mac, ok := strings.Cut(token, ".")
	if !ok || len(token) > 300 {
		return SignedLink{}, ErrBadLink
	}
	// Strict: trailing bits must be zero, so a token has one spelling.
	raw, err := base64.RawURLEncoding.Strict().DecodeString(enc)
	if err != nil {
		return SignedLink{}, ErrBadLink
	}
	payload := string(raw)
	if !hmac.Equal([]byte(mac), []byte(a.linkMAC(payload))) {
		return SignedLink{}, ErrBadLink
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 4 || parts[0] != purpose {
		return SignedLink{}, ErrBadLink
	}
	version, err1 := strconv.Atoi(parts[2])
	expires, err2 := strconv.ParseInt(parts[3], 36, 64)
	if err1 != nil || err2 != nil {
		return SignedLink{}, ErrBadLink
	}
	l := SignedLink{Purpose: parts[0], SubscriberID: parts[1], Version: version, Expires: time.Unix(expires, 0)}
	if !now.Before(l.Expires) {
		return SignedLink{}, ErrBadLink
	}
	return l, nil
}

func (a *App) linkMAC(payload string) string {
	m := hmac.New(sha256.New, a.secret)
	m.Write([]byte("beacon link\x00" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// subscriberURL is the absolute URL of a signed subscriber link, e.g.
// BASE_URL/subscriptions/confirm/{token}.
func (a *App) subscriberURL(purpose, subscriberID string, version int, now time.Time) string {
	life := ManageLinkLifetime
	if purpose == LinkConfirm {
		life = ConfirmLinkLifetime
	}
	token := a.signLink(SignedLink{Purpose: purpose, SubscriberID: subscriberID, Version: version, Expires: now.Add(life)})
	return a.cfg.BaseURL + "/subscriptions/" + purpose + "/" + token
}
