package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Until the first operator exists, anyone who can reach the console could
// claim it; a one-time setup code, printed in the server's log at start,
// proves they also run the server. Each replica starting with no users
// stores the hash of its own code as a setting "setup_code:<sha256>"; any
// of them is accepted, and all are deleted once the first administrator
// exists.

// setupCodePrefix starts the key of every stored setup code.
const setupCodePrefix = "setup_code:"

// setupAlphabet has no 0/O or 1/I to misread: 32 letters, 5 bits each.
const setupAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// NewSetupCode makes a setup code, stores its hash and returns it, shown
// as four groups of four (80 random bits).
func (db *DB) NewSetupCode(ctx context.Context) (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	var code strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			code.WriteByte('-')
		}
		code.WriteByte(setupAlphabet[int(c)%len(setupAlphabet)])
	}
	s := Setting{Key: setupCodeKey(code.String()), Value: "", UpdatedAt: time.Now().UTC()}
	if err := db.Gorm.WithContext(ctx).Create(&s).Error; err != nil {
		return "", fmt.Errorf("models: store setup code: %w", err)
	}
	return code.String(), nil
}

// setupCodeKey is the settings key a code is stored under: its hash,
// ignoring case, spaces and dashes.
func setupCodeKey(code string) string {
	norm := strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(code)))
	sum := sha256.Sum256([]byte(norm))
	return setupCodePrefix + hex.EncodeToString(sum[:])
}

// DeleteSetupCodes removes every stored setup code. It writes only when
// there is one, so a server starts on a database it may not write.
func (db *DB) DeleteSetupCodes(ctx context.Context) error {
	var n int64
	if err := db.Gorm.WithContext(ctx).Model(&Setting{}).Where("key LIKE ?", setupCodePrefix+"%").Count(&n).Error; err != nil {
		return fmt.Errorf("models: count setup codes: %w", err)
	}
	if n == 0 {
		return nil
	}
	if err := db.Gorm.WithContext(ctx).Where("key LIKE ?", setupCodePrefix+"%").Delete(&Setting{}).Error; err != nil {
		return fmt.Errorf("models: delete setup codes: %w", err)
	}
	return nil
}

// CreateFirstAdmin creates the first administrator, given a live setup
// code, and deletes every setup code. A wrong code is a validation error
// of the field setup_code; once any user exists it is ErrConflict.
func (db *DB) CreateFirstAdmin(ctx context.Context, code, email, name, password string) (*User, error) {
	email, name = strings.TrimSpace(email), strings.TrimSpace(name)
	var created *User
	err := db.InTx(ctx, func(tx *DB) error {
		// Claim every code at once: of two replicas setting up at the same
		// moment, the second finds none left (PostgreSQL makes it wait for
		// the first's rows), so only one administrator is made this way.
		var claimed []string
		err := tx.Gorm.WithContext(ctx).Raw("DELETE FROM settings WHERE key LIKE ? RETURNING key", setupCodePrefix+"%").
			Scan(&claimed).Error
		if err != nil {
			return fmt.Errorf("models: claim setup codes: %w", err)
		}
		n, err := tx.CountUsers(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			return &ErrConflict{Message: "Beacon is already set up: sign in instead"}
		}
		v := &ValidationError{}
		key := setupCodeKey(code)
		valid := false
		for _, k := range claimed {
			valid = valid || k == key
		}
		switch {
		case strings.TrimSpace(code) == "":
			v.Add("setup_code", "must not be empty: copy it from the server log")
		case !valid:
			v.Add("setup_code", "is not a current setup code: copy it from the server log")
		}
		validateNewUser(v, email, name, RoleAdmin, password)
		if err := v.Err(); err != nil {
			return err // and the codes are kept: the transaction rolls back
		}
		created, err = tx.CreateUser(ctx, email, name, RoleAdmin, password)
		return err
	})
	if err != nil {
		return nil, err
	}
	return created, nil
}
