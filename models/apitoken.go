package models

import (
	"context"
	"crypto/subtle"
	"fmt"
	"strings"
	"time"
)

// FindAPIToken returns the live (not revoked) token whose secret is given,
// and notes its use. A wrong or revoked secret is ErrNotFound.
func (db *DB) FindAPIToken(ctx context.Context, secret string) (*APIToken, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 200 {
		return nil, ErrNotFound
	}
	hash := HashToken(secret)
	var t APIToken
	err := db.Gorm.WithContext(ctx).Take(&t, "token_hash = ? AND revoked_at IS NULL", hash).Error
	if err != nil {
		return nil, notFound(err, "find API token")
	}
	// The lookup is by hash; compare again in constant time all the same.
	if subtle.ConstantTimeCompare([]byte(t.TokenHash), []byte(hash)) != 1 {
		return nil, ErrNotFound
	}
	now := time.Now().UTC()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		// At most one write a minute per token: the API stays cheap.
		if err := db.Gorm.WithContext(ctx).Model(&APIToken{}).Where("id = ?", t.ID).
			Update("last_used_at", now).Error; err != nil && !Unwritable(err) {
			// A database that cannot store changes still serves reads.
			return nil, fmt.Errorf("models: note API token use: %w", err)
		}
		t.LastUsedAt = &now
	}
	return &t, nil
}

// ListAPITokens returns every token, live ones first, newest first.
func (db *DB) ListAPITokens(ctx context.Context) ([]APIToken, error) {
	var list []APIToken
	err := db.Gorm.WithContext(ctx).Order("revoked_at IS NOT NULL, created_at DESC, id").Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("models: list API tokens: %w", err)
	}
	return list, nil
}

// RevokeAPIToken stops a token from working. Revoking a revoked token is
// not an error.
func (db *DB) RevokeAPIToken(ctx context.Context, id string) (*APIToken, error) {
	var t APIToken
	if err := db.Gorm.WithContext(ctx).Take(&t, "id = ?", id).Error; err != nil {
		return nil, notFound(err, "load API token %s", id)
	}
	if t.RevokedAt == nil {
		now := time.Now().UTC()
		if err := db.Gorm.WithContext(ctx).Model(&APIToken{}).Where("id = ?", id).
			Update("revoked_at", now).Error; err != nil {
			return nil, fmt.Errorf("models: revoke API token %s: %w", id, err)
		}
		t.RevokedAt = &now
	}
	return &t, nil
}
