// Package links signs and checks the links of subscriber emails (confirm,
// manage, unsubscribe): an HMAC over their fields with the page's secret,
// so they need no database row and die with the subscriber's token version.
package links

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
	Confirm     = "confirm"     // confirm a subscription (double opt-in)
	Manage      = "manage"      // change components and event kinds
	Unsubscribe = "unsubscribe" // one-click unsubscribe (RFC 8058)
)

// How long signed links stay valid.
const (
	ConfirmLinkLifetime = 7 * 24 * time.Hour
	// Manage and unsubscribe links are in every email and must keep working
	// from an old message; they die with the subscriber's token version.
	ManageLinkLifetime = 5 * 365 * 24 * time.Hour
)

// ErrInvalid is a forged, altered, expired or revoked signed link.
var ErrInvalid = errors.New("this link is not valid: it may have expired or been replaced by a newer one")

// Link is what a signed token carries.
type Link struct {
	Purpose      string
	SubscriberID string
	Version      int // the subscriber's token_version: bumping it revokes every link
	Expires      time.Time
}

// Signer makes and checks signed links with one secret.
type Signer struct {
	secret  []byte
	baseURL string // BASE_URL, for absolute links
}

// NewSigner is a Signer of links under baseURL.
func NewSigner(secret []byte, baseURL string) *Signer {
	return &Signer{secret: secret, baseURL: baseURL}
}

// Sign makes the token of a signed link: its fields and an HMAC-SHA256
// over them with the secret, URL-safe.
func (s *Signer) Sign(l Link) string {
	payload := strings.Join([]string{l.Purpose, l.SubscriberID, strconv.Itoa(l.Version), strconv.FormatInt(l.Expires.Unix(), 36)}, ".")
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + s.mac(payload)
}

// Verify checks a token for purpose at now and returns what it carries.
// The caller still compares Version with the subscriber's current one.
func (s *Signer) Verify(token, purpose string, now time.Time) (Link, error) {
	enc, mac, ok := strings.Cut(token, ".")
	if !ok || len(token) > 300 {
		return Link{}, ErrInvalid
	}
	// Strict: trailing bits must be zero, so a token has one spelling.
	raw, err := base64.RawURLEncoding.Strict().DecodeString(enc)
	if err != nil {
		return Link{}, ErrInvalid
	}
	payload := string(raw)
	if !hmac.Equal([]byte(mac), []byte(s.mac(payload))) {
		return Link{}, ErrInvalid
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 4 || parts[0] != purpose {
		return Link{}, ErrInvalid
	}
	version, err1 := strconv.Atoi(parts[2])
	expires, err2 := strconv.ParseInt(parts[3], 36, 64)
	if err1 != nil || err2 != nil {
		return Link{}, ErrInvalid
	}
	l := Link{Purpose: parts[0], SubscriberID: parts[1], Version: version, Expires: time.Unix(expires, 0)}
	if !now.Before(l.Expires) {
		return Link{}, ErrInvalid
	}
	return l, nil
}

func (s *Signer) mac(payload string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("beacon link\x00" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// SubscriberURL is the absolute URL of a signed subscriber link, e.g.
// BASE_URL/subscriptions/confirm/{token}.
func (s *Signer) SubscriberURL(purpose, subscriberID string, version int, now time.Time) string {
	life := ManageLinkLifetime
	if purpose == Confirm {
		life = ConfirmLinkLifetime
	}
	token := s.Sign(Link{Purpose: purpose, SubscriberID: subscriberID, Version: version, Expires: now.Add(life)})
	return s.baseURL + "/subscriptions/" + purpose + "/" + token
}
