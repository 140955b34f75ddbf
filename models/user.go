package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
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
	SessionEpoch      int64 // moves on to end every console session of the user
}

// DisplayName is the user's name, or their email when they have none.
func (u *User) DisplayName() string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// Disabled reports whether the user may no longer sign in.
func (u *User) Disabled() bool { return u.DisabledAt != nil }

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// CreateUser validates and adds an operator with an argon2id password hash.
func (db *DB) CreateUser(ctx context.Context, email, name, role, password string) (*User, error) {
	email, name = strings.TrimSpace(email), strings.TrimSpace(name)
	v := &ValidationError{}
	validateNewUser(v, email, name, role, password)
	if err := v.Err(); err != nil {
		return nil, err
	}
	var n int64
	if err := db.Gorm.WithContext(ctx).Model(&User{}).Where("lower(email) = lower(?)", email).Count(&n).Error; err != nil {
		return nil, fmt.Errorf("models: look up user: %w", err)
	}
	if n > 0 {
		return nil, errUserExists
	}
	now := time.Now().UTC()
	u := &User{ID: NewID(), Email: email, Name: name, Role: role, PasswordHash: HashPassword(password),
		CreatedAt: now, UpdatedAt: now, PasswordChangedAt: &now}
	if err := db.Gorm.WithContext(ctx).Create(u).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return nil, errUserExists // created at the same moment by someone else
		}
		return nil, fmt.Errorf("models: create user: %w", err)
	}
	return u, nil
}

var errUserExists = &ErrConflict{Message: "a user with this email already exists"}

// validateNewUser checks the fields of a user to be created.
func validateNewUser(v *ValidationError, email, name, role, password string) {
	if email == "" {
		v.Add("email", "must not be empty")
	} else if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email || len(email) > 254 {
		v.Add("email", "must be a valid email address")
	}
	if utf8.RuneCountInString(name) > MaxNameLength {
		v.Add("name", "must be at most %d characters", MaxNameLength)
	}
	if role != RoleAdmin && role != RoleEditor {
		v.Add("role", "must be admin or editor")
	}
	validatePassword(v, "password", password)
}

// validatePassword checks a new password's length.
func validatePassword(v *ValidationError, field, password string) {
	if utf8.RuneCountInString(password) < MinPasswordLength {
		v.Add(field, "must be at least %d characters", MinPasswordLength)
	}
	if utf8.RuneCountInString(password) > MaxPasswordLength {
		v.Add(field, "must be at most %d characters", MaxPasswordLength)
	}
}

// MaxPasswordLength is the longest password accepted.
const MaxPasswordLength = 1024

// CountUsers returns how many operators exist.
func (db *DB) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	if err := db.Gorm.WithContext(ctx).Model(&User{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("models: count users: %w", err)
	}
	return n, nil
}

// ErrBadCredentials is Authenticate's answer to a wrong email or password,
// or a disabled user: one answer for all, so none can be told apart.
var ErrBadCredentials = errors.New("models: wrong email or password")

// dummyHash is checked against when the email is unknown, so an unknown
// email costs as much time as a wrong password.
var dummyHash = sync.OnceValue(func() string { return HashPassword(RandomHex(16)) })

// Authenticate returns the enabled user with this email (any case) and
// password. Every failure is ErrBadCredentials and costs one password
// check, whether or not the email exists.
func (db *DB) Authenticate(ctx context.Context, email, password string) (*User, error) {
	var u User
	err := db.Gorm.WithContext(ctx).Take(&u, "lower(email) = lower(?)", strings.TrimSpace(email)).Error
	if err != nil && !isNotFound(err) {
		return nil, fmt.Errorf("models: look up user: %w", err)
	}
	found := err == nil
	tooLong := len(password) > MaxPasswordLength
	if tooLong {
		password = ""
	}
	hash := dummyHash()
	if found {
		hash = u.PasswordHash
	}
	if ok := CheckPassword(hash, password); !ok || !found || tooLong || u.Disabled() {
		return nil, ErrBadCredentials
	}
	return &u, nil
}

// FindUserByEmail returns the user with this email (any case), or
// ErrNotFound.
func (db *DB) FindUserByEmail(ctx context.Context, email string) (*User, error) {
	var u User
	if err := db.Gorm.WithContext(ctx).Take(&u, "lower(email) = lower(?)", strings.TrimSpace(email)).Error; err != nil {
		return nil, notFound(err, "look up user")
	}
	return &u, nil
}

// GetUser returns a user by id, or ErrNotFound.
func (db *DB) GetUser(ctx context.Context, id string) (*User, error) {
	var u User
	if err := db.Gorm.WithContext(ctx).Take(&u, "id = ?", id).Error; err != nil {
		return nil, notFound(err, "load user %s", id)
	}
	return &u, nil
}

// ListUsers returns every operator, by email.
func (db *DB) ListUsers(ctx context.Context) ([]User, error) {
	var list []User
	if err := db.Gorm.WithContext(ctx).Order("lower(email), id").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: list users: %w", err)
	}
	return list, nil
}

// NoteLogin records when the user last signed in.
func (db *DB) NoteLogin(ctx context.Context, id string, at time.Time) error {
	err := db.Gorm.WithContext(ctx).Model(&User{}).Where("id = ?", id).Update("last_login_at", at.UTC()).Error
	if err != nil {
		return fmt.Errorf("models: note sign-in of user %s: %w", id, err)
	}
	return nil
}

// SetUserRole changes a user's role. The last enabled administrator
// cannot stop being one (ErrConflict).
func (db *DB) SetUserRole(ctx context.Context, id, role string) (*User, error) {
	if role != RoleAdmin && role != RoleEditor {
		return nil, Invalid("role", "must be admin or editor")
	}
	return db.updateUser(ctx, id, func(tx *DB, u *User) (map[string]any, error) {
		if u.Role == RoleAdmin && role != RoleAdmin {
			if err := tx.keepAnAdmin(ctx, u, "change the role of"); err != nil {
				return nil, err
			}
		}
		u.Role = role
		return map[string]any{"role": role}, nil
	})
}

// SetUserDisabled disables a user, ending their sessions, or enables them
// again. The last enabled administrator cannot be disabled (ErrConflict).
func (db *DB) SetUserDisabled(ctx context.Context, id string, disabled bool) (*User, error) {
	return db.updateUser(ctx, id, func(tx *DB, u *User) (map[string]any, error) {
		if !disabled {
			u.DisabledAt = nil
			return map[string]any{"disabled_at": nil}, nil
		}
		if u.Disabled() {
			return nil, nil
		}
		if err := tx.keepAnAdmin(ctx, u, "disable"); err != nil {
			return nil, err
		}
		now := time.Now().UTC()
		u.DisabledAt = &now
		u.SessionEpoch++
		return map[string]any{"disabled_at": now, "session_epoch": u.SessionEpoch}, nil
	})
}

// ChangePassword sets a new password and ends every session of the user.
func (db *DB) ChangePassword(ctx context.Context, id, password string) (*User, error) {
	v := &ValidationError{}
	validatePassword(v, "password", password)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return db.updateUser(ctx, id, func(tx *DB, u *User) (map[string]any, error) {
		now := time.Now().UTC()
		u.PasswordHash, u.PasswordChangedAt = HashPassword(password), &now
		u.SessionEpoch++
		return map[string]any{"password_hash": u.PasswordHash, "password_changed_at": now, "session_epoch": u.SessionEpoch}, nil
	})
}

// RevokeSessions ends every console session of the user.
func (db *DB) RevokeSessions(ctx context.Context, id string) (*User, error) {
	return db.updateUser(ctx, id, func(tx *DB, u *User) (map[string]any, error) {
		u.SessionEpoch++
		return map[string]any{"session_epoch": u.SessionEpoch}, nil
	})
}

// DeleteUser removes a user, which ends their sessions. The last enabled
// administrator cannot be removed (ErrConflict).
func (db *DB) DeleteUser(ctx context.Context, id string) (*User, error) {
	var deleted *User
	err := db.InTx(ctx, func(tx *DB) error {
		u, err := tx.lockUser(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.keepAnAdmin(ctx, u, "remove"); err != nil {
			return err
		}
		if err := tx.Gorm.WithContext(ctx).Delete(&User{}, "id = ?", id).Error; err != nil {
			return fmt.Errorf("models: delete user %s: %w", id, err)
		}
		deleted = u
		return nil
	})
	return deleted, err
}

// updateUser loads and locks a user, lets change decide the new column
// values (none: nothing to do) and writes them, in one transaction.
func (db *DB) updateUser(ctx context.Context, id string, change func(tx *DB, u *User) (map[string]any, error)) (*User, error) {
	var updated *User
	err := db.InTx(ctx, func(tx *DB) error {
		u, err := tx.lockUser(ctx, id)
		if err != nil {
			return err
		}
		cols, err := change(tx, u)
		if err != nil || len(cols) == 0 {
			updated = u
			return err
		}
		u.UpdatedAt = time.Now().UTC()
		cols["updated_at"] = u.UpdatedAt
		if err := tx.Gorm.WithContext(ctx).Model(&User{}).Where("id = ?", id).Updates(cols).Error; err != nil {
			return fmt.Errorf("models: update user %s: %w", id, err)
		}
		updated = u
		return nil
	})
	return updated, err
}

// lockUser loads a user for update: on PostgreSQL the row stays locked
// until the transaction ends (SQLite's write transactions are exclusive).
func (db *DB) lockUser(ctx context.Context, id string) (*User, error) {
	// Changes to users take turns (on PostgreSQL; SQLite's write lock
	// already does this): keepAnAdmin then locks every administrator's row,
	// and two transactions each holding one administrator's row and
	// waiting for the other's would deadlock.
	if db.Dialect == Postgres {
		if err := db.Gorm.WithContext(ctx).Exec("SELECT pg_advisory_xact_lock(?)", userChangesLock).Error; err != nil {
			return nil, fmt.Errorf("models: wait for other changes to users: %w", err)
		}
	}
	var u User
	if err := db.forUpdate(ctx).Take(&u, "id = ?", id).Error; err != nil {
		return nil, notFound(err, "load user %s", id)
	}
	return &u, nil
}

// userChangesLock is the PostgreSQL advisory lock changes to users take.
const userChangesLock = 0x6265_6163_6f6e_7573 // "beaconus"

// keepAnAdmin refuses (ErrConflict) when u is the only enabled
// administrator. It locks every administrator's row first, so two
// administrators removing each other at once cannot both succeed.
func (db *DB) keepAnAdmin(ctx context.Context, u *User, verb string) error {
	if u.Role != RoleAdmin || u.Disabled() {
		return nil
	}
	var ids []string
	err := db.forUpdate(ctx).Model(&User{}).Where("role = ? AND disabled_at IS NULL", RoleAdmin).
		Pluck("id", &ids).Error
	if err != nil {
		return fmt.Errorf("models: count administrators: %w", err)
	}
	for _, id := range ids {
		if id != u.ID {
			return nil
		}
	}
	return &ErrConflict{Message: fmt.Sprintf("cannot %s %s: they are the last administrator; make someone else an administrator first", verb, u.Email)}
}

// forUpdate is a query whose rows are locked until the transaction ends
// (FOR UPDATE on PostgreSQL; SQLite locks the whole database instead).
func (db *DB) forUpdate(ctx context.Context) *gorm.DB {
	q := db.Gorm.WithContext(ctx)
	if db.Dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return q
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
	case utf8.RuneCountInString(name) > MaxNameLength:
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
