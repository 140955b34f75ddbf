package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// Setting is one key/value pair of the page's stored settings.
type Setting struct {
	Key       string `gorm:"primaryKey"`
	Value     string
	UpdatedAt time.Time
}

// Keys of stored settings.
const (
	SettingSecretKey = "secret_key"
	SettingPageID    = "page_id"
)

// GetSetting returns a stored setting, or ErrNotFound.
func (db *DB) GetSetting(ctx context.Context, key string) (string, error) {
	var s Setting
	if err := db.Gorm.WithContext(ctx).Take(&s, "key = ?", key).Error; err != nil {
		return "", notFound(err, "load setting %s", key)
	}
	return s.Value, nil
}

// SetSetting stores a setting, replacing any earlier value.
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	s := Setting{Key: key, Value: value, UpdatedAt: time.Now().UTC()}
	err := db.Gorm.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "key"}},
		DoUpdates: clause.AssignmentColumns([]string{"value", "updated_at"}),
	}).Create(&s).Error
	if err != nil {
		return fmt.Errorf("models: store setting %s: %w", key, err)
	}
	return nil
}

// EnsureSetting returns the stored value of key; when there is none it
// stores generate()'s value first. Replicas racing to do so agree on one.
// A stored value is only read, so a server starts on a database it may
// not write (a read-only file) and serves it.
func (db *DB) EnsureSetting(ctx context.Context, key string, generate func() string) (string, error) {
	if v, err := db.GetSetting(ctx, key); !errors.Is(err, ErrNotFound) {
		return v, err
	}
	s := Setting{Key: key, Value: generate(), UpdatedAt: time.Now().UTC()}
	err := db.Gorm.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&s).Error
	if err != nil {
		return "", fmt.Errorf("models: store setting %s: %w", key, err)
	}
	return db.GetSetting(ctx, key)
}

// RandomHex returns n random bytes, hex-encoded.
func RandomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}
