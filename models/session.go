package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Console sessions live in the sessions table, so they survive restarts
// and every replica sees the same ones. The data is opaque here: the
// console's session manager encodes it, and hands over the token already
// hashed, so the table never holds a usable cookie value.

// FindSession returns the data of the session with token when it has not
// expired at now; found is false for an unknown or expired token.
func (db *DB) FindSession(ctx context.Context, token string, now time.Time) (data []byte, found bool, err error) {
	err = db.Gorm.WithContext(ctx).Raw("SELECT data FROM sessions WHERE token = ? AND expiry > ?", token, now.UTC()).
		Row().Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("models: find session: %w", err)
	}
	return data, true, nil
}

// CommitSession stores a session's data and expiry, replacing what the
// token held before.
func (db *DB) CommitSession(ctx context.Context, token string, data []byte, expiry time.Time) error {
	err := db.Gorm.WithContext(ctx).Exec(`INSERT INTO sessions (token, data, expiry) VALUES (?, ?, ?)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`,
		token, data, expiry.UTC()).Error
	if err != nil {
		return fmt.Errorf("models: store session: %w", err)
	}
	return nil
}

// DeleteSession removes a session; an unknown token is not an error.
func (db *DB) DeleteSession(ctx context.Context, token string) error {
	if err := db.Gorm.WithContext(ctx).Exec("DELETE FROM sessions WHERE token = ?", token).Error; err != nil {
		return fmt.Errorf("models: delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes the sessions that expired before now and
// says how many there were.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res := db.Gorm.WithContext(ctx).Exec("DELETE FROM sessions WHERE expiry <= ?", now.UTC())
	if res.Error != nil {
		return 0, fmt.Errorf("models: delete expired sessions: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// CountSessions returns how many stored sessions have not expired at now.
func (db *DB) CountSessions(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	if err := db.Gorm.WithContext(ctx).Raw("SELECT count(*) FROM sessions WHERE expiry > ?", now.UTC()).Row().Scan(&n); err != nil {
		return 0, fmt.Errorf("models: count sessions: %w", err)
	}
	return n, nil
}
