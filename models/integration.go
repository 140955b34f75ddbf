package models

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"database/sql/driver"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Integration kinds: the senders Beacon takes webhooks from.
const (
	IntegrationAlertmanager = "alertmanager" // Prometheus Alertmanager and Grafana alerting (webhook v4)
	IntegrationSlack        = "slack"
	IntegrationPagerDuty    = "pagerduty"
	IntegrationGitHub       = "github"
	IntegrationGitLab       = "gitlab"
)

// IntegrationKinds lists the kinds with their labels, in the console's order.
var IntegrationKinds = []struct{ Kind, Label string }{
	{IntegrationAlertmanager, "Prometheus Alertmanager / Grafana"},
	{IntegrationSlack, "Slack app"},
	{IntegrationPagerDuty, "PagerDuty (webhooks v3)"},
	{IntegrationGitHub, "GitHub issues"},
	{IntegrationGitLab, "GitLab issues"},
}

// IntegrationKindLabel is the label of a kind, "" for an unknown one.
func IntegrationKindLabel(kind string) string {
	for _, k := range IntegrationKinds {
		if k.Kind == kind {
			return k.Label
		}
	}
	return ""
}

// Limits of integrations.
const (
	MaxIntegrationNameLength = 100
	MaxSigningSecretLength   = 200
	DefaultAttachWindow      = 60    // minutes an unattached alert waits for an incident
	MaxAttachWindow          = 10080 // a week
	KeptDeliveries           = 50    // deliveries kept per integration
)

// Integration is a sender of webhooks that write to incidents' timelines:
// its URL carries Token; signed kinds verify each request with the secret,
// stored sealed with SECRET_KEY (see SecretBox).
type Integration struct {
	ID           string `gorm:"primaryKey"`
	Kind         string
	Name         string
	Token        string
	SecretSealed string `gorm:"column:secret_sealed"`
	Settings     IntegrationSettings
	CreatedBy    string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	DeletedAt    gorm.DeletedAt
}

// HasSecret reports whether requests are verified with a secret.
func (i *Integration) HasSecret() bool { return i.SecretSealed != "" }

// IntegrationSettings are a kind's options, stored as JSON.
type IntegrationSettings struct {
	// ComponentLabel is the alert label naming a component by name or id
	// (Alertmanager; default "component").
	ComponentLabel string `json:"component_label,omitempty"`
	// AttachWindow is how many minutes an alert without an incident waits
	// for one covering its component to open (default DefaultAttachWindow).
	AttachWindow int `json:"attach_window_minutes,omitempty"`
	// OpenIncident opens an incident (investigating, nobody notified) for
	// a firing alert whose component has none.
	OpenIncident bool `json:"open_incident,omitempty"`
	// SeverityStatus sets the component's status by the alert's severity
	// label (e.g. {"critical": "major_outage"}); empty: statuses untouched.
	SeverityStatus map[string]string `json:"severity_status,omitempty"`
	// Component names the component (name or id) PagerDuty events are
	// about when their service does not name one.
	Component string `json:"component,omitempty"`
	// UserEmails maps Slack user ids to console users' email addresses,
	// for the commands only editors may use.
	UserEmails map[string]string `json:"user_emails,omitempty"`
}

// Label is the component label, with its default.
func (s IntegrationSettings) Label() string {
	if s.ComponentLabel == "" {
		return "component"
	}
	return s.ComponentLabel
}

// Window is the attach window, with its default.
func (s IntegrationSettings) Window() time.Duration {
	if s.AttachWindow <= 0 {
		return DefaultAttachWindow * time.Minute
	}
	return time.Duration(s.AttachWindow) * time.Minute
}

// Value encodes the settings as JSON text.
func (s IntegrationSettings) Value() (driver.Value, error) {
	b, err := json.Marshal(s)
	return string(b), err
}

// Scan decodes the JSON text.
func (s *IntegrationSettings) Scan(v any) error {
	switch t := v.(type) {
	case string:
		return json.Unmarshal([]byte(t), s)
	case []byte:
		return json.Unmarshal(t, s)
	case nil:
		*s = IntegrationSettings{}
		return nil
	}
	return fmt.Errorf("models: cannot scan %T into IntegrationSettings", v)
}

// validate checks the settings' values.
func (s IntegrationSettings) validate(v *ValidationError) {
	if len(s.ComponentLabel) > 100 {
		v.Add("component_label", "must be at most 100 characters")
	}
	if s.AttachWindow < 0 || s.AttachWindow > MaxAttachWindow {
		v.Add("attach_window_minutes", "must be from 0 (the default, %d) to %d minutes", DefaultAttachWindow, MaxAttachWindow)
	}
	for sev, st := range s.SeverityStatus {
		if ComponentStatusLabel(st) == "" || st == Operational {
			v.Add("severity_status", "the status of severity %q must be degraded_performance, partial_outage, major_outage or under_maintenance", sev)
		}
	}
	if len(s.Component) > 255 {
		v.Add("component", "must be at most 255 characters")
	}
	for id, email := range s.UserEmails {
		if id == "" || !strings.Contains(email, "@") {
			v.Add("user_emails", "must map Slack user ids to email addresses")
			break
		}
	}
}

// SecretBox seals integration secrets with a key derived from SECRET_KEY
// (AES-256-GCM), so a database dump does not hold them in usable form.
type SecretBox struct{ aead cipher.AEAD }

// NewSecretBox derives the sealing key from the server's secret key.
func NewSecretBox(secretKey string) *SecretBox {
	key := sha256.Sum256([]byte("beacon integration secrets\x00" + secretKey))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err) // a 32-byte key always makes a cipher
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return &SecretBox{aead: aead}
}

// Seal encrypts a secret: "v1:" and base64 of nonce and ciphertext.
func (b *SecretBox) Seal(secret string) string {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	return "v1:" + base64.StdEncoding.EncodeToString(b.aead.Seal(nonce, nonce, []byte(secret), []byte("integration")))
}

// ErrSecretKeyChanged is returned when a sealed secret does not open: the
// SECRET_KEY it was sealed with has changed.
var ErrSecretKeyChanged = errors.New("models: the integration secret does not open with this SECRET_KEY")

// Open decrypts a sealed secret.
func (b *SecretBox) Open(sealed string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(sealed, "v1:"))
	if err != nil || !strings.HasPrefix(sealed, "v1:") || len(raw) < b.aead.NonceSize() {
		return "", ErrSecretKeyChanged
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], []byte("integration"))
	if err != nil {
		return "", ErrSecretKeyChanged
	}
	return string(plain), nil
}

// IntegrationInput creates or changes an integration; nil fields stay as
// they are. SigningSecret is the sender's secret (Slack, PagerDuty); GitHub
// gets a generated one on create.
type IntegrationInput struct {
	Kind          *string
	Name          *string
	SigningSecret *string
	Settings      *IntegrationSettings
}

// CreateIntegration adds an integration with a new URL token. It returns
// the secret to show once: the generated one for GitHub, "" otherwise.
func (db *DB) CreateIntegration(ctx context.Context, in IntegrationInput, box *SecretBox, actor string) (*Integration, string, error) {
	v := &ValidationError{}
	kind := ""
	if in.Kind != nil {
		kind = *in.Kind
	}
	if IntegrationKindLabel(kind) == "" {
		v.Add("kind", "must be one of alertmanager, slack, pagerduty, github, gitlab")
	}
	now := time.Now().UTC()
	it := &Integration{ID: NewID(), Kind: kind, Token: RandomHex(24), CreatedBy: actor, CreatedAt: now, UpdatedAt: now}
	shown := ""
	secret := ""
	if in.SigningSecret != nil {
		secret = strings.TrimSpace(*in.SigningSecret)
	}
	switch kind {
	case IntegrationSlack, IntegrationPagerDuty:
		if secret == "" {
			v.Add("signing_secret", "is required: copy it from the %s app's settings", IntegrationKindLabel(kind))
		}
	case IntegrationGitHub, IntegrationGitLab:
		if secret != "" {
			v.Add("signing_secret", "is generated by Beacon for %s: leave it out", IntegrationKindLabel(kind))
		}
		secret = RandomHex(20)
		shown = secret
	case IntegrationAlertmanager:
		// Alertmanager signs nothing: the URL's token is the credential.
		// An optional secret is checked as a bearer token.
	}
	in.SigningSecret = nil
	it.applyInput(v, in)
	if utf8.RuneCountInString(secret) > MaxSigningSecretLength {
		v.Add("signing_secret", "must be at most %d characters", MaxSigningSecretLength)
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	if secret != "" {
		it.SecretSealed = box.Seal(secret)
	}
	if err := db.Gorm.WithContext(ctx).Create(it).Error; err != nil {
		return nil, "", fmt.Errorf("models: create integration: %w", err)
	}
	return it, shown, nil
}

// applyInput validates and writes the name and settings onto it.
func (it *Integration) applyInput(v *ValidationError, in IntegrationInput) {
	if in.Name != nil {
		it.Name = strings.TrimSpace(*in.Name)
	}
	switch {
	case it.Name == "":
		v.Add("name", "must not be empty")
	case utf8.RuneCountInString(it.Name) > MaxIntegrationNameLength:
		v.Add("name", "must be at most %d characters", MaxIntegrationNameLength)
	}
	if in.Settings != nil {
		in.Settings.validate(v)
		it.Settings = *in.Settings
	}
}

// UpdateIntegration changes an integration's name, settings or (Slack,
// PagerDuty) signing secret. Its kind and URL stay.
func (db *DB) UpdateIntegration(ctx context.Context, id string, in IntegrationInput, box *SecretBox) (*Integration, error) {
	it, err := db.GetIntegration(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &ValidationError{}
	if in.Kind != nil && *in.Kind != it.Kind {
		v.Add("kind", "cannot change: create another integration")
	}
	if in.SigningSecret != nil {
		s := strings.TrimSpace(*in.SigningSecret)
		switch {
		case it.Kind == IntegrationGitHub || it.Kind == IntegrationGitLab:
			v.Add("signing_secret", "is generated by Beacon for %s: delete the integration and create another to change it", IntegrationKindLabel(it.Kind))
		case s == "" && it.Kind != IntegrationAlertmanager:
			v.Add("signing_secret", "must not be empty")
		case utf8.RuneCountInString(s) > MaxSigningSecretLength:
			v.Add("signing_secret", "must be at most %d characters", MaxSigningSecretLength)
		case s == "":
			it.SecretSealed = ""
		default:
			it.SecretSealed = box.Seal(s)
		}
	}
	it.applyInput(v, in)
	if err := v.Err(); err != nil {
		return nil, err
	}
	it.UpdatedAt = time.Now().UTC()
	err = db.Gorm.WithContext(ctx).Model(&Integration{}).Where("id = ?", it.ID).Updates(map[string]any{
		"name": it.Name, "settings": it.Settings, "secret_sealed": it.SecretSealed, "updated_at": it.UpdatedAt,
	}).Error
	if err != nil {
		return nil, fmt.Errorf("models: update integration %s: %w", id, err)
	}
	return it, nil
}

// DeleteIntegration deletes an integration: its URL answers 404 from then on.
func (db *DB) DeleteIntegration(ctx context.Context, id string) (*Integration, error) {
	it, err := db.GetIntegration(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := db.Gorm.WithContext(ctx).Delete(&Integration{}, "id = ?", id).Error; err != nil {
		return nil, fmt.Errorf("models: delete integration %s: %w", id, err)
	}
	return it, nil
}

// GetIntegration loads an integration that is not deleted.
func (db *DB) GetIntegration(ctx context.Context, id string) (*Integration, error) {
	var it Integration
	if err := db.Gorm.WithContext(ctx).Take(&it, "id = ?", id).Error; err != nil {
		return nil, notFound(err, "load integration %s", id)
	}
	return &it, nil
}

// FindIntegrationByToken loads the integration of a URL token; a deleted
// one is ErrNotFound.
func (db *DB) FindIntegrationByToken(ctx context.Context, token string) (*Integration, error) {
	if token == "" || len(token) > 100 {
		return nil, ErrNotFound
	}
	var it Integration
	if err := db.Gorm.WithContext(ctx).Take(&it, "token = ?", token).Error; err != nil {
		return nil, notFound(err, "load integration by token")
	}
	return &it, nil
}

// ListIntegrations returns the integrations, oldest first.
func (db *DB) ListIntegrations(ctx context.Context) ([]Integration, error) {
	var list []Integration
	if err := db.Gorm.WithContext(ctx).Order("created_at, id").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: list integrations: %w", err)
	}
	return list, nil
}

// IntegrationDelivery is one request an integration received: accepted or
// rejected, and why.
type IntegrationDelivery struct {
	ID            int64 `gorm:"primaryKey"`
	IntegrationID string
	Accepted      bool
	StatusCode    int
	Reason        string
	Summary       string
	ReceivedAt    time.Time
}

// RecordIntegrationDelivery logs a request an integration received and
// keeps the last KeptDeliveries of them.
func (db *DB) RecordIntegrationDelivery(ctx context.Context, d IntegrationDelivery) error {
	if d.ReceivedAt.IsZero() {
		d.ReceivedAt = time.Now().UTC()
	}
	d.Reason, d.Summary = clip(d.Reason, 500), clip(d.Summary, 500)
	g := db.Gorm.WithContext(ctx)
	if err := g.Create(&d).Error; err != nil {
		return fmt.Errorf("models: record delivery of integration %s: %w", d.IntegrationID, err)
	}
	err := g.Exec(`DELETE FROM integration_deliveries WHERE integration_id = ? AND id < (
		SELECT id FROM integration_deliveries WHERE integration_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
		d.IntegrationID, d.IntegrationID, KeptDeliveries-1).Error
	if err != nil {
		return fmt.Errorf("models: trim deliveries of integration %s: %w", d.IntegrationID, err)
	}
	return nil
}

// ListIntegrationDeliveries returns an integration's last deliveries,
// newest first.
func (db *DB) ListIntegrationDeliveries(ctx context.Context, integrationID string, limit int) ([]IntegrationDelivery, error) {
	var list []IntegrationDelivery
	err := db.Gorm.WithContext(ctx).Where("integration_id = ?", integrationID).Order("id DESC").Limit(limit).Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("models: list deliveries of integration %s: %w", integrationID, err)
	}
	return list, nil
}

// clip cuts s to at most n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}
