package models

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Channels a subscriber hears by.
const (
	ChannelEmail   = "email"   // a message to Email
	ChannelWebhook = "webhook" // Statuspage's webhook payload, signed, POSTed to Endpoint
	ChannelSlack   = "slack"   // a Slack incoming webhook (Block Kit)
	ChannelDiscord = "discord" // a Discord webhook (embeds)
	ChannelTeams   = "teams"   // a Microsoft Teams Workflows webhook (an Adaptive Card)
)

// HookChannels are the channels whose messages are HTTP requests.
var HookChannels = []string{ChannelWebhook, ChannelSlack, ChannelDiscord, ChannelTeams}

// ValidChannel reports whether c is a channel.
func ValidChannel(c string) bool {
	switch c {
	case ChannelEmail, ChannelWebhook, ChannelSlack, ChannelDiscord, ChannelTeams:
		return true
	}
	return false
}

// ChannelLabel is how pages name a channel.
func ChannelLabel(c string) string {
	switch c {
	case ChannelWebhook:
		return "Webhook"
	case ChannelSlack:
		return "Slack"
	case ChannelDiscord:
		return "Discord"
	case ChannelTeams:
		return "Microsoft Teams"
	}
	return "Email"
}

// MaxEndpointLength bounds a subscriber's endpoint URL.
const MaxEndpointLength = 2000

// DefaultQuarantineAfter is how many consecutive failed attempts quarantine
// an endpoint when WEBHOOK_QUARANTINE_AFTER is unset.
const DefaultQuarantineAfter = 10

// NotifySubscriberQuarantined is the email to a webhook's contact that its
// endpoint failed too often and gets nothing more until reactivated.
const NotifySubscriberQuarantined = "subscriber.quarantined"

// Target is where a subscriber hears: an email address, or a channel's
// endpoint (checked by the caller against the SSRF guard, app/egress) with
// a contact address: required for webhooks, optional for chat.
type Target struct {
	Channel  string // "" is ChannelEmail
	Endpoint string
	Email    string

	normalized string // set by with
}

func (to Target) channel() string {
	if to.Channel == "" {
		return ChannelEmail
	}
	return to.Channel
}

// chat reports whether the target is a chat channel (added by operators,
// without confirmation).
func (to Target) chat() bool {
	c := to.channel()
	return c == ChannelSlack || c == ChannelDiscord || c == ChannelTeams
}

// check validates the target and returns its address and its unique key:
// the normalized address for email, "<channel>:<endpoint>" otherwise.
func (to Target) check() (addr, norm string, err error) {
	c := to.channel()
	if c == ChannelEmail {
		return ParseEmail("email", to.Email)
	}
	v := &ValidationError{}
	if !ValidChannel(c) {
		v.Add("channel", "must be email, webhook, slack, discord or teams")
	}
	ep := strings.TrimSpace(to.Endpoint)
	switch {
	case ep == "":
		v.Add("endpoint", "must not be empty")
	case utf8.RuneCountInString(ep) > MaxEndpointLength:
		v.Add("endpoint", "must be at most %d characters", MaxEndpointLength)
	case !strings.HasPrefix(ep, "http://") && !strings.HasPrefix(ep, "https://"):
		v.Add("endpoint", "must be an http:// or https:// URL")
	}
	if to.Email != "" || c == ChannelWebhook {
		a, _, err := ParseEmail("email", to.Email)
		if ve, ok := err.(*ValidationError); ok {
			v.Fields = append(v.Fields, ve.Fields...)
		}
		addr = a
	}
	return addr, c + ":" + ep, v.Err()
}

// with is the target with its checked address and key.
func (to Target) with(addr, norm string) Target {
	to.Email, to.normalized, to.Endpoint = addr, norm, strings.TrimSpace(to.Endpoint)
	return to
}

// subscriber is a new pending subscriber of the target, with a secret for
// a webhook.
func (to Target) subscriber(source string, now time.Time) *Subscriber {
	s := &Subscriber{ID: NewID(), Email: to.Email, EmailNormalized: to.normalized, Status: SubscriberPending,
		TokenVersion: 1, Source: source, CreatedAt: now, UpdatedAt: now, Channel: to.channel()}
	if s.Channel != ChannelEmail {
		s.Endpoint = to.Endpoint
	}
	if s.Channel == ChannelWebhook {
		s.Secret = "whsec_" + RandomHex(24)
	}
	return s
}

// Address is what identifies the subscriber to people: its email address,
// or its channel's endpoint.
func (s *Subscriber) Address() string {
	if s.Channel == "" || s.Channel == ChannelEmail {
		return s.Email
	}
	return s.Endpoint
}

// newSecret gives a webhook subscriber a new secret (its old one stops
// signing), returned in s.Secret.
func (db *DB) newSecret(ctx context.Context, s *Subscriber) error {
	if s.Channel != ChannelWebhook {
		return nil
	}
	s.Secret = "whsec_" + RandomHex(24)
	if err := db.Gorm.WithContext(ctx).Model(&Subscriber{}).Where("id = ?", s.ID).Update("secret", s.Secret).Error; err != nil {
		return fmt.Errorf("models: new secret of %s: %w", s.ID, err)
	}
	return nil
}

// ReactivateSubscriber ends the quarantine of a subscriber's endpoint: it
// is sent the next notifications again, its failures counted afresh.
// ErrNotFound when there is no such subscriber; no error when it was not
// quarantined.
func (db *DB) ReactivateSubscriber(ctx context.Context, id string, now time.Time) (*Subscriber, error) {
	var s *Subscriber
	err := db.InTx(ctx, func(tx *DB) error {
		var err error
		if s, err = tx.lockSubscriber(ctx, "id = ?", id); err != nil {
			return err
		}
		s.QuarantinedAt, s.Failures, s.UpdatedAt = nil, 0, now.UTC()
		err = tx.Gorm.WithContext(ctx).Model(&Subscriber{}).Where("id = ?", id).
			Updates(map[string]any{"quarantined_at": nil, "failures": 0, "updated_at": now.UTC()}).Error
		if err != nil {
			return fmt.Errorf("models: reactivate %s: %w", id, err)
		}
		return nil
	})
	return s, err
}

// HookFailure is a failed attempt to post a delivery to its endpoint.
type HookFailure struct {
	ID           int64
	Worker       string
	SubscriberID string
	Reason       string
	Next         time.Time // when to try again; zero: failed for good (out of attempts)
	// QuarantineAfter: the subscriber's consecutive failures that
	// quarantine its endpoint.
	QuarantineAfter int
	Now             time.Time
}

// HookAttemptFailed records a failed attempt (retried at f.Next, or failed
// for good) and counts it against the subscriber. At f.QuarantineAfter
// consecutive failures the endpoint is quarantined: its deliveries not yet
// sent are skipped, and its contact (if any) is emailed, all in one
// transaction. It reports whether this failure quarantined it.
func (db *DB) HookAttemptFailed(ctx context.Context, f HookFailure) (quarantined bool, err error) {
	err = db.InTx(ctx, func(tx *DB) error {
		var err error
		if f.Next.IsZero() {
			err = tx.FailDelivery(ctx, f.ID, f.Worker, f.Reason)
		} else {
			err = tx.RetryDelivery(ctx, f.ID, f.Worker, f.Reason, f.Next)
		}
		if err != nil {
			return err
		}
		var rows []struct {
			Failures    int
			Quarantined bool
			Email       string
			Endpoint    string
		}
		err = tx.Gorm.WithContext(ctx).Raw(`UPDATE subscribers SET failures = failures + 1 WHERE id = ?
			RETURNING failures, (quarantined_at IS NOT NULL) AS quarantined, email, endpoint`, f.SubscriberID).Scan(&rows).Error
		if err != nil {
			return fmt.Errorf("models: count the failure of %s: %w", f.SubscriberID, err)
		}
		if len(rows) == 0 || rows[0].Quarantined || f.QuarantineAfter <= 0 || rows[0].Failures < f.QuarantineAfter {
			return nil
		}
		quarantined = true
		now := f.Now.UTC()
		g := tx.Gorm.WithContext(ctx)
		if err := g.Exec(`UPDATE subscribers SET quarantined_at = ?, updated_at = ? WHERE id = ?`, now, now, f.SubscriberID).Error; err != nil {
			return fmt.Errorf("models: quarantine %s: %w", f.SubscriberID, err)
		}
		reason := fmt.Sprintf("quarantined after %d consecutive failures", rows[0].Failures)
		if err := g.Exec(`UPDATE deliveries SET status = 'skipped', last_error = ?
			WHERE subscriber_id = ? AND status = 'pending' AND channel <> 'email'`, reason, f.SubscriberID).Error; err != nil {
			return fmt.Errorf("models: skip deliveries of %s: %w", f.SubscriberID, err)
		}
		if rows[0].Email == "" {
			return nil
		}
		id := f.SubscriberID
		return tx.Enqueue(ctx, &Notification{Kind: NotifySubscriberQuarantined, SubscriberID: &id, Subject: reason, CreatedAt: now},
			nil, NotificationContent{Name: rows[0].Endpoint, Body: f.Reason, At: now})
	})
	return quarantined, err
}

// ReactivateQuarantined ends the quarantine of the subscribers sel names
// (or all) that are quarantined, and returns how many.
func (db *DB) ReactivateQuarantined(ctx context.Context, sel SubscriberIDs, now time.Time) (int, error) {
	q := db.Gorm.WithContext(ctx).Model(&Subscriber{}).Where("quarantined_at IS NOT NULL")
	if !sel.All {
		q = q.Where("id IN ?", sel.IDs)
	}
	res := q.Updates(map[string]any{"quarantined_at": nil, "failures": 0, "updated_at": now.UTC()})
	if res.Error != nil {
		return 0, fmt.Errorf("models: reactivate subscribers: %w", res.Error)
	}
	return int(res.RowsAffected), nil
}
