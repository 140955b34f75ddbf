package models

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm/clause"
)

// Subscriber statuses: only confirmed subscribers are notified.
const (
	SubscriberPending      = "pending"      // asked to subscribe, has not confirmed yet
	SubscriberConfirmed    = "confirmed"    // confirmed by the link in the confirmation email
	SubscriberUnsubscribed = "unsubscribed" // opted out; kept so an import cannot sign them up again
)

// Where a subscriber came from (Subscriber.Source).
const (
	SourceWeb     = "web"     // the public subscribe form
	SourceConsole = "console" // added by an operator
	SourceAPI     = "api"     // added through the management API
	SourceImport  = "import"  // imported from CSV
)

// Limits and timings of subscriptions.
const (
	MaxEmailLength          = 254 // RFC 5321's limit on a forward path, less the brackets
	MaxSubscriberComponents = 500
	// ConfirmationResendInterval is the least time between two confirmation
	// emails to one address, however often it is subscribed.
	ConfirmationResendInterval = 10 * time.Minute
	// UnconfirmedLifetime is how long a pending subscriber waits for
	// confirmation (from the last confirmation email) before being deleted.
	UnconfirmedLifetime = 7 * 24 * time.Hour
)

// Subscriber is an email subscriber of the page. AllComponents means the
// whole page; otherwise ComponentIDs are the components and groups chosen,
// a group standing for its members, present and future.
type Subscriber struct {
	ID                 string `gorm:"primaryKey"`
	Email              string // as entered; mail goes here
	EmailNormalized    string // lower case, unique
	Status             string // SubscriberPending, SubscriberConfirmed, SubscriberUnsubscribed
	AllComponents      bool
	NotifyIncidents    bool
	NotifyMaintenance  bool
	NotifyPostmortems  bool
	TokenVersion       int // signed links carry it; moving it on revokes them all
	Source             string
	Language           string // the page's language where they subscribed ("" for the default); their emails use it
	CreatedAt          time.Time
	UpdatedAt          time.Time
	ConfirmationSentAt *time.Time
	ConfirmedAt        *time.Time
	UnsubscribedAt     *time.Time
	// Channel is how it hears: ChannelEmail (Email is where mail goes), or
	// a webhook or chat channel (Endpoint is where it is posted; Email the
	// contact told when it is quarantined, '' for chat).
	Channel  string
	Endpoint string
	// Secret signs a webhook's requests (shown once, when it is made).
	Secret        string
	Failures      int        // consecutive failed attempts to its endpoint
	QuarantinedAt *time.Time // set after too many failures: nothing is sent until reactivated

	ComponentIDs []string `gorm:"-"` // from subscriber_components, sorted
}

// subscriberComponent is a row of subscriber_components.
type subscriberComponent struct {
	SubscriberID string
	ComponentID  string
}

func (subscriberComponent) TableName() string { return "subscriber_components" }

// Choices returns what the subscriber chose to hear about.
func (s *Subscriber) Choices() SubscriberChoices {
	return SubscriberChoices{ComponentIDs: slices.Clone(s.ComponentIDs),
		Incidents: s.NotifyIncidents, Maintenance: s.NotifyMaintenance, Postmortems: s.NotifyPostmortems}
}

// PurgeAt is when a pending subscriber is deleted unless they confirm;
// nil for the others.
func (s *Subscriber) PurgeAt() *time.Time {
	if s.Status != SubscriberPending {
		return nil
	}
	from := s.CreatedAt
	if s.ConfirmationSentAt != nil {
		from = *s.ConfirmationSentAt
	}
	t := from.Add(UnconfirmedLifetime)
	return &t
}

// SubscriberChoices is what a subscriber hears about: the components (none
// means the whole page) and the kinds of event.
type SubscriberChoices struct {
	ComponentIDs []string // component or group ids
	Incidents    bool     // incidents opened, updated, resolved
	Maintenance  bool     // maintenance scheduled, reminded, started, completed
	Postmortems  bool     // postmortems published
	Language     string   // the page's language they chose in; "" keeps the one stored
}

// EveryNotification is the default choice: the whole page, every kind.
func EveryNotification() SubscriberChoices {
	return SubscriberChoices{Incidents: true, Maintenance: true, Postmortems: true}
}

// ParseEmail checks a subscriber's address and returns it trimmed, and its
// normalized (lower-case) form, the one that is unique. It must be a bare
// address (no name, comment or angle brackets) of at most MaxEmailLength
// characters with no control characters (so it cannot inject a header),
// a dot-atom local part and a domain name with a dot. Problems are
// reported as a ValidationError on field.
func ParseEmail(field, s string) (email, normalized string, err error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", "", InvalidKind(field, "empty", "must not be empty")
	case utf8.RuneCountInString(s) > MaxEmailLength:
		return "", "", InvalidKind(field, "too_long", "must be at most %d characters", MaxEmailLength)
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "", "", InvalidKind(field, "control", "must not contain line breaks or other control characters")
	}
	addr, perr := mail.ParseAddress(s)
	at := strings.LastIndexByte(s, '@')
	if perr != nil || addr.Name != "" || addr.Address != s || at < 0 || !validLocalPart(s[:at]) || !validDomain(s[at+1:]) {
		return "", "", InvalidKind(field, "email", "must be an email address such as name@example.com")
	}
	return s, strings.ToLower(s), nil
}

// validLocalPart accepts RFC 5322's dot-atom: atext separated by single dots.
func validLocalPart(local string) bool {
	if local == "" || len(local) > 64 {
		return false
	}
	for _, atom := range strings.Split(local, ".") {
		if atom == "" {
			return false
		}
		for i := 0; i < len(atom); i++ {
			c := atom[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0) {
				return false
			}
		}
	}
	return true
}

// validDomain accepts a host name of two or more ASCII labels (IDNs in
// their xn-- form) whose last label is not a number.
func validDomain(domain string) bool {
	labels := strings.Split(domain, ".")
	if len(domain) > 253 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

// checkChoices cleans ch (component ids sorted, each once) and reports
// unknown components and a choice of no kind at all into v.
func (db *DB) checkChoices(ctx context.Context, v *ValidationError, ch *SubscriberChoices) error {
	ids := slices.Clone(ch.ComponentIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	ch.ComponentIDs = ids
	if len(ids) > MaxSubscriberComponents {
		v.AddKind("component_ids", "too_many", "must list at most %d components", MaxSubscriberComponents)
		return nil
	}
	var known []string
	if len(ids) > 0 {
		if err := db.Gorm.WithContext(ctx).Model(&Component{}).Where("id IN ?", ids).Pluck("id", &known).Error; err != nil {
			return fmt.Errorf("models: load components: %w", err)
		}
	}
	for _, id := range ids {
		if !slices.Contains(known, id) {
			if len(id) > 64 {
				id = id[:64] + "…"
			}
			v.AddKind("component_ids", "unknown", "has no component or group with id %q", id)
			break
		}
	}
	if !ch.Incidents && !ch.Maintenance && !ch.Postmortems {
		v.AddKind("kinds", "none", "must include at least one of incidents, maintenance and postmortems (or unsubscribe)")
	}
	return nil
}

// checkSubscription validates an address and choices together, so every
// problem is reported at once.
func (db *DB) checkSubscription(ctx context.Context, to Target, ch *SubscriberChoices) (string, string, error) {
	v := &ValidationError{}
	addr, norm, err := to.check()
	if ve, ok := err.(*ValidationError); ok {
		v.Fields = append(v.Fields, ve.Fields...)
	}
	if err := db.checkChoices(ctx, v, ch); err != nil {
		return "", "", err
	}
	return addr, norm, v.Err()
}

// SubscribeOutcome says what Subscribe did. The public form answers the
// same whatever it is, so nobody learns whether an address is subscribed.
type SubscribeOutcome string

// What Subscribe can do.
const (
	SubscribeCreated          SubscribeOutcome = "created"           // a new pending subscriber; confirmation queued
	SubscribeResent           SubscribeOutcome = "resent"            // still pending: choices replaced, confirmation queued again
	SubscribeThrottled        SubscribeOutcome = "throttled"         // still pending: choices replaced; a confirmation went out too recently to send another
	SubscribeResubscribed     SubscribeOutcome = "resubscribed"      // had unsubscribed: pending again, old links revoked, confirmation queued
	SubscribeAlreadyConfirmed SubscribeOutcome = "already_confirmed" // confirmed: nothing changed, nothing sent
)

// Subscribe is a request, from someone unknown, to subscribe email with
// ch. A new address becomes a pending subscriber and a confirmation email
// is queued (NotifySubscriberConfirm) in the same transaction. A pending
// one gets the new choices and another confirmation, at most one per
// ConfirmationResendInterval. A confirmed one is left exactly as it is:
// whoever asks may not be its owner, who changes choices through the
// manage link in every email. An unsubscribed one is pending again, with
// its old links revoked and a new confirmation.
func (db *DB) Subscribe(ctx context.Context, email string, ch SubscriberChoices, source string, now time.Time) (*Subscriber, SubscribeOutcome, error) {
	return db.SubscribeTarget(ctx, Target{Email: email}, ch, source, now)
}

// SubscribeTarget is Subscribe for any channel: a webhook subscribes with
// its endpoint (checked by the caller against the SSRF guard) and a
// contact address, which gets the confirmation. A new or pending webhook
// gets a new Secret, returned once here.
func (db *DB) SubscribeTarget(ctx context.Context, to Target, ch SubscriberChoices, source string, now time.Time) (*Subscriber, SubscribeOutcome, error) {
	now = now.UTC()
	var s *Subscriber
	var outcome SubscribeOutcome
	err := db.InTx(ctx, func(tx *DB) error {
		addr, norm, err := tx.checkSubscription(ctx, to, &ch)
		if err != nil {
			return err
		}
		if s, err = tx.createPending(ctx, to.with(addr, norm), ch, source, now); err != nil || s != nil {
			outcome = SubscribeCreated
			return err
		}
		if s, err = tx.lockSubscriber(ctx, "email_normalized = ?", norm); err != nil {
			return err
		}
		switch s.Status {
		case SubscriberConfirmed:
			outcome = SubscribeAlreadyConfirmed
			return nil
		case SubscriberUnsubscribed:
			outcome = SubscribeResubscribed
			return tx.resubscribe(ctx, s, ch, source, now)
		}
		if err := tx.setChoices(ctx, s, ch, now); err != nil {
			return err
		}
		if s.ConfirmationSentAt != nil && now.Sub(*s.ConfirmationSentAt) < ConfirmationResendInterval {
			outcome = SubscribeThrottled
			return nil
		}
		outcome = SubscribeResent
		if err := tx.newSecret(ctx, s); err != nil {
			return err
		}
		return tx.sendConfirmation(ctx, s, now)
	})
	if err != nil {
		return nil, "", err
	}
	return s, outcome, nil
}

// createPending inserts a pending subscriber and queues its confirmation;
// it returns nil (and does nothing) when the address is already known,
// even if another transaction has just added it.
func (db *DB) createPending(ctx context.Context, to Target, ch SubscriberChoices, source string, now time.Time) (*Subscriber, error) {
	s := to.subscriber(source, now)
	s.ConfirmationSentAt = &now
	if inserted, err := db.insertSubscriber(ctx, s, ch); err != nil || !inserted {
		return nil, err
	}
	return s, db.enqueueConfirmation(ctx, s, now)
}

// insertSubscriber inserts s with ch unless its address is taken, and
// reports whether it did.
func (db *DB) insertSubscriber(ctx context.Context, s *Subscriber, ch SubscriberChoices) (bool, error) {
	applyChoices(s, ch)
	res := db.Gorm.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "email_normalized"}}, DoNothing: true,
	}).Create(s)
	if res.Error != nil {
		return false, fmt.Errorf("models: add subscriber: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return false, nil
	}
	return true, db.writeComponents(ctx, s.ID, s.ComponentIDs)
}

// resubscribe makes an unsubscribed subscriber pending again: new choices,
// a new token version (links from before they left stop working) and a
// confirmation.
func (db *DB) resubscribe(ctx context.Context, s *Subscriber, ch SubscriberChoices, source string, now time.Time) error {
	s.Status, s.TokenVersion, s.Source = SubscriberPending, s.TokenVersion+1, source
	s.ConfirmedAt, s.UnsubscribedAt = nil, nil
	err := db.Gorm.WithContext(ctx).Model(&Subscriber{}).Where("id = ?", s.ID).Updates(map[string]any{
		"status": s.Status, "token_version": s.TokenVersion, "source": source,
		"confirmed_at": nil, "unsubscribed_at": nil,
	}).Error
	if err != nil {
		return fmt.Errorf("models: resubscribe %s: %w", s.ID, err)
	}
	if err := db.setChoices(ctx, s, ch, now); err != nil {
		return err
	}
	if err := db.newSecret(ctx, s); err != nil {
		return err
	}
	return db.sendConfirmation(ctx, s, now)
}

// sendConfirmation queues the confirmation email of s and notes when.
func (db *DB) sendConfirmation(ctx context.Context, s *Subscriber, now time.Time) error {
	s.ConfirmationSentAt = &now
	err := db.Gorm.WithContext(ctx).Model(&Subscriber{}).Where("id = ?", s.ID).
		Update("confirmation_sent_at", now).Error
	if err != nil {
		return fmt.Errorf("models: note confirmation of %s: %w", s.ID, err)
	}
	return db.enqueueConfirmation(ctx, s, now)
}

// enqueueConfirmation queues the confirmation email of subscriber id: the
// dispatcher sends it whatever their status, with a confirm link.
func (db *DB) enqueueConfirmation(ctx context.Context, s *Subscriber, now time.Time) error {
	id := s.ID
	var payload any
	if s.Channel == ChannelWebhook {
		payload = NotificationContent{Name: s.Endpoint} // the message says where updates will go
	}
	return db.Enqueue(ctx, &Notification{Kind: NotifySubscriberConfirm, SubscriberID: &id, CreatedAt: now}, nil, payload)
}

// applyChoices sets the choice fields of s.
func applyChoices(s *Subscriber, ch SubscriberChoices) {
	s.AllComponents = len(ch.ComponentIDs) == 0
	s.ComponentIDs = ch.ComponentIDs
	s.NotifyIncidents, s.NotifyMaintenance, s.NotifyPostmortems = ch.Incidents, ch.Maintenance, ch.Postmortems
	if ch.Language != "" {
		s.Language = ch.Language
	}
}

// setChoices replaces the stored choices of s with ch (already checked).
func (db *DB) setChoices(ctx context.Context, s *Subscriber, ch SubscriberChoices, now time.Time) error {
	applyChoices(s, ch)
	s.UpdatedAt = now
	err := db.Gorm.WithContext(ctx).Model(&Subscriber{}).Where("id = ?", s.ID).Updates(map[string]any{
		"all_components": s.AllComponents, "notify_incidents": s.NotifyIncidents,
		"notify_maintenance": s.NotifyMaintenance, "notify_postmortems": s.NotifyPostmortems, "updated_at": now,
		"language": s.Language,
	}).Error
	if err != nil {
		return fmt.Errorf("models: save choices of %s: %w", s.ID, err)
	}
	if err := db.Gorm.WithContext(ctx).Where("subscriber_id = ?", s.ID).Delete(&subscriberComponent{}).Error; err != nil {
		return fmt.Errorf("models: save choices of %s: %w", s.ID, err)
	}
	return db.writeComponents(ctx, s.ID, s.ComponentIDs)
}

func (db *DB) writeComponents(ctx context.Context, id string, componentIDs []string) error {
	if len(componentIDs) == 0 {
		return nil
	}
	rows := make([]subscriberComponent, len(componentIDs))
	for i, c := range componentIDs {
		rows[i] = subscriberComponent{SubscriberID: id, ComponentID: c}
	}
	if err := db.Gorm.WithContext(ctx).Create(&rows).Error; err != nil {
		return fmt.Errorf("models: save components of %s: %w", id, err)
	}
	return nil
}

// lockSubscriber loads the subscriber matching where, locked until the
// transaction ends (see forUpdate), with its components.
func (db *DB) lockSubscriber(ctx context.Context, where string, args ...any) (*Subscriber, error) {
	var s Subscriber
	if err := db.forUpdate(ctx).Where(where, args...).Take(&s).Error; err != nil {
		return nil, notFound(err, "load subscriber")
	}
	list := []Subscriber{s}
	if err := db.loadSubscriberComponents(ctx, list); err != nil {
		return nil, err
	}
	return &list[0], nil
}

// lockLinked loads and locks the subscriber a signed link of version
// points to (any version when version is 0): ErrNotFound when there is no
// such subscriber, or the link has been revoked.
func (db *DB) lockLinked(ctx context.Context, id string, version int) (*Subscriber, error) {
	s, err := db.lockSubscriber(ctx, "id = ?", id)
	if err != nil {
		return nil, err
	}
	if version != 0 && s.TokenVersion != version {
		return nil, ErrNotFound
	}
	return s, nil
}

// ConfirmSubscriber confirms the subscription a confirmation link of
// version points to; confirming twice is no error. ErrNotFound when the
// subscriber is gone (expired, deleted) or the link revoked; ErrConflict
// when they have unsubscribed since.
func (db *DB) ConfirmSubscriber(ctx context.Context, id string, version int, now time.Time) (*Subscriber, error) {
	now = now.UTC()
	var s *Subscriber
	err := db.InTx(ctx, func(tx *DB) error {
		var err error
		if s, err = tx.lockLinked(ctx, id, version); err != nil {
			return err
		}
		switch s.Status {
		case SubscriberConfirmed:
			return nil
		case SubscriberUnsubscribed:
			return &ErrConflict{Message: "This address has unsubscribed since this link was sent. To hear from us again, subscribe again."}
		}
		s.Status, s.ConfirmedAt, s.UpdatedAt = SubscriberConfirmed, &now, now
		err = tx.Gorm.WithContext(ctx).Model(&Subscriber{}).Where("id = ?", id).
			Updates(map[string]any{"status": s.Status, "confirmed_at": now, "updated_at": now}).Error
		if err != nil {
			return fmt.Errorf("models: confirm subscriber %s: %w", id, err)
		}
		return nil
	})
	return s, err
}

// UpdateSubscriberChoices replaces the components and kinds of event of
// the subscriber a manage link of version points to (version 0: any).
// ErrNotFound as for ConfirmSubscriber; ErrConflict once unsubscribed.
func (db *DB) UpdateSubscriberChoices(ctx context.Context, id string, version int, ch SubscriberChoices, now time.Time) (*Subscriber, error) {
	now = now.UTC()
	var s *Subscriber
	err := db.InTx(ctx, func(tx *DB) error {
		v := &ValidationError{}
		if err := tx.checkChoices(ctx, v, &ch); err != nil {
			return err
		}
		var err error
		if s, err = tx.lockLinked(ctx, id, version); err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		if s.Status == SubscriberUnsubscribed {
			return &ErrConflict{Message: "This address has unsubscribed. To hear from us again, subscribe again."}
		}
		return tx.setChoices(ctx, s, ch, now)
	})
	return s, err
}

// Unsubscribe stops all mail to the subscriber a link of version points to
// (version 0: any), now: it is marked unsubscribed and its deliveries not
// yet sent are skipped. Unsubscribing twice is no error. ErrNotFound as
// for ConfirmSubscriber.
func (db *DB) Unsubscribe(ctx context.Context, id string, version int, now time.Time) (*Subscriber, error) {
	now = now.UTC()
	var s *Subscriber
	err := db.InTx(ctx, func(tx *DB) error {
		var err error
		if s, err = tx.lockLinked(ctx, id, version); err != nil || s.Status == SubscriberUnsubscribed {
			return err
		}
		s.Status, s.UnsubscribedAt, s.UpdatedAt = SubscriberUnsubscribed, &now, now
		g := tx.Gorm.WithContext(ctx)
		err = g.Model(&Subscriber{}).Where("id = ?", id).
			Updates(map[string]any{"status": s.Status, "unsubscribed_at": now, "updated_at": now}).Error
		if err != nil {
			return fmt.Errorf("models: unsubscribe %s: %w", id, err)
		}
		err = g.Exec("UPDATE deliveries SET status = 'skipped', last_error = ? WHERE subscriber_id = ? AND status = 'pending'",
			"unsubscribed", id).Error
		if err != nil {
			return fmt.Errorf("models: skip deliveries of %s: %w", id, err)
		}
		return nil
	})
	return s, err
}
