package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// Operator roles.
const (
	RoleAdmin  = "admin"
	RoleEditor = "editor"
)

// User is an operator who signs in to the console.
type User struct {
	ID                string `gorm:"primaryKey"`
	Email             string
	Name              string
	Role              string
	PasswordHash      string
	CreatedAt         time.Time
	UpdatedAt         time.Time
	PasswordChangedAt *time.Time
	LastLoginAt       *time.Time
	DisabledAt        *time.Time
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// CreateUser validates and adds an operator with an argon2id password hash.
func (db *DB) CreateUser(ctx context.Context, email, name, role, password string) (*User, error) {
	v := &ValidationError{}
	email = strings.TrimSpace(email)
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email || len(email) > 254 {
		v.Add("email", "must be a valid email address")
	}
	if role != RoleAdmin && role != RoleEditor {
		v.Add("role", "must be admin or editor")
	}
	if len(password) < MinPasswordLength {
		v.Add("password", "must be at least %d characters", MinPasswordLength)
	}
	if len(password) > 1024 {
		v.Add("password", "must be at most 1024 characters")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var n int64
	if err := db.Gorm.WithContext(ctx).Model(&User{}).Where("lower(email) = lower(?)", email).Count(&n).Error; err != nil {
		return nil, fmt.Errorf("models: look up user: %w", err)
	}
	if n > 0 {
		return nil, &ErrConflict{Message: "a user with this email already exists"}
	}
	now := time.Now().UTC()
	u := &User{ID: NewID(), Email: email, Name: name, Role: role, PasswordHash: HashPassword(password),
		CreatedAt: now, UpdatedAt: now, PasswordChangedAt: &now}
	if err := db.Gorm.WithContext(ctx).Create(u).Error; err != nil {
		return nil, fmt.Errorf("models: create user: %w", err)
	}
	return u, nil
}

// CountUsers returns how many operators exist.
func (db *DB) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	if err := db.Gorm.WithContext(ctx).Model(&User{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("models: count users: %w", err)
	}
	return n, nil
}

// argon2id parameters (OWASP's recommended minimum: m=19 MiB, t=2, p=1).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string) string {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic(err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// CheckPassword reports whether password matches an argon2id hash made by
// HashPassword, in constant time.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var memory uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, memory, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// APIToken is a credential for the management API; only its hash is stored.
type APIToken struct {
	ID         string `gorm:"primaryKey"`
	Name       string
	Prefix     string
	TokenHash  string
	Role       string
	UserID     *string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// TokenPrefix starts every API token, so leaked ones are easy to find.
const TokenPrefix = "bcn_"

// CreateAPIToken makes a new token and returns it in clear, once; the
// database keeps its SHA-256.
func (db *DB) CreateAPIToken(ctx context.Context, name, role string) (string, *APIToken, error) {
	v := &ValidationError{}
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		v.Add("name", "must not be empty")
	case len(name) > MaxNameLength:
		v.Add("name", "must be at most %d characters", MaxNameLength)
	}
	if role == "" {
		role = RoleAdmin
	}
	if role != RoleAdmin && role != RoleEditor {
		v.Add("role", "must be admin or editor")
	}
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	secret := TokenPrefix + RandomHex(24)
	t := &APIToken{ID: NewID(), Name: name, Prefix: secret[:len(TokenPrefix)+6], TokenHash: HashToken(secret),
		Role: role, CreatedAt: time.Now().UTC()}
	if err := db.Gorm.WithContext(ctx).Create(t).Error; err != nil {
		return "", nil, fmt.Errorf("models: create API token: %w", err)
	}
	return secret, t, nil
}

// HashToken is the stored form of an API token.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
