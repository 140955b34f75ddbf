package models

import (
	"context"
	"fmt"
	"time"
)

// Rate limits count hits per key (e.g. "login:email:ann@example.com") in
// fixed windows, in the rate_limits table, so a limit holds across every
// replica sharing the database.

// HitRateLimit counts one hit on key and reports whether it is within
// limit hits per window. The first hit after a window has ended starts a
// new one. When the hit is over the limit, retryAfter is how long until
// the window ends (at least a second). The increment is one atomic
// statement: concurrent hits are all counted.
func (db *DB) HitRateLimit(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (allowed bool, retryAfter time.Duration, err error) {
	now = now.UTC()
	expired := now.Add(-window)
	var row struct {
		Count       int
		WindowStart time.Time
	}
	err = db.Gorm.WithContext(ctx).Raw(`INSERT INTO rate_limits (key, count, window_start) VALUES (?, 1, ?)
		ON CONFLICT (key) DO UPDATE SET
			count = CASE WHEN rate_limits.window_start <= ? THEN 1 ELSE rate_limits.count + 1 END,
			window_start = CASE WHEN rate_limits.window_start <= ? THEN excluded.window_start ELSE rate_limits.window_start END
		RETURNING count, window_start`, key, now, expired, expired).Scan(&row).Error
	if err != nil {
		return false, 0, fmt.Errorf("models: count rate limit hit: %w", err)
	}
	if row.Count <= limit {
		return true, 0, nil
	}
	retryAfter = row.WindowStart.Add(window).Sub(now)
	if retryAfter < time.Second {
		retryAfter = time.Second
	}
	return false, retryAfter.Round(time.Second), nil
}

// UndoRateLimitHit takes back one hit on key, for an attempt that turned
// out fine (a successful sign-in counts against no address).
func (db *DB) UndoRateLimitHit(ctx context.Context, key string) error {
	err := db.Gorm.WithContext(ctx).Exec("UPDATE rate_limits SET count = count - 1 WHERE key = ? AND count > 0", key).Error
	if err != nil {
		return fmt.Errorf("models: undo rate limit hit: %w", err)
	}
	return nil
}

// ClearRateLimit forgets every hit on key.
func (db *DB) ClearRateLimit(ctx context.Context, key string) error {
	if err := db.Gorm.WithContext(ctx).Exec("DELETE FROM rate_limits WHERE key = ?", key).Error; err != nil {
		return fmt.Errorf("models: clear rate limit: %w", err)
	}
	return nil
}

// DeleteStaleRateLimits removes the counters whose window started before
// before (pass now minus the longest window in use) and says how many.
func (db *DB) DeleteStaleRateLimits(ctx context.Context, before time.Time) (int64, error) {
	res := db.Gorm.WithContext(ctx).Exec("DELETE FROM rate_limits WHERE window_start < ?", before.UTC())
	if res.Error != nil {
		return 0, fmt.Errorf("models: delete stale rate limits: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// RateLimitState returns key's count and the start of its window (for a
// failure counter, the time of the last failure); 0 and the zero time
// when key has no counter.
func (db *DB) RateLimitState(ctx context.Context, key string) (count int, start time.Time, err error) {
	var rows []struct {
		Count       int
		WindowStart time.Time
	}
	err = db.Gorm.WithContext(ctx).Raw("SELECT count, window_start FROM rate_limits WHERE key = ?", key).Scan(&rows).Error
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("models: read rate limit: %w", err)
	}
	if len(rows) == 0 {
		return 0, time.Time{}, nil
	}
	return rows[0].Count, rows[0].WindowStart, nil
}

// CountFailure counts one failure on key at now and returns how many there
// have been. The count goes on while failures come less than forget apart
// and starts again at 1 after a quieter spell; the counter's window_start
// is the time of the last failure. One atomic statement: concurrent
// failures are all counted.
func (db *DB) CountFailure(ctx context.Context, key string, now time.Time, forget time.Duration) (int, error) {
	now = now.UTC()
	var row struct{ Count int }
	err := db.Gorm.WithContext(ctx).Raw(`INSERT INTO rate_limits (key, count, window_start) VALUES (?, 1, ?)
		ON CONFLICT (key) DO UPDATE SET
			count = CASE WHEN rate_limits.window_start <= ? THEN 1 ELSE rate_limits.count + 1 END,
			window_start = excluded.window_start
		RETURNING count`, key, now, now.Add(-forget)).Scan(&row).Error
	if err != nil {
		return 0, fmt.Errorf("models: count failure: %w", err)
	}
	return row.Count, nil
}
