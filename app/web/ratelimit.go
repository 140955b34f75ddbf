package web

import (
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/models"
)

// TooManyRequests is a 429 with Retry-After (whole seconds, rounded up)
// and msg.
func TooManyRequests(c echo.Context, retry time.Duration, msg string) error {
	c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.Seconds()))))
	return echo.NewHTTPError(http.StatusTooManyRequests, msg+" Please try again in "+HumanWait(retry)+".")
}

// Limits counts hits on rate limits in the database, so they hold across
// every replica sharing it.
type Limits struct {
	db  *models.DB
	now func() time.Time
	log *slog.Logger
}

// NewLimits counts hits in db.
func NewLimits(db *models.DB, now func() time.Time, log *slog.Logger) *Limits {
	return &Limits{db: db, now: now, log: log}
}

// Hit counts a hit on key and answers 429 when it is over limit per
// window; nil when it is within.
func (l *Limits) Hit(c echo.Context, key string, limit int, window time.Duration, msg string) error {
	ctx := c.Request().Context()
	allowed, retry, err := l.db.HitRateLimit(ctx, key, limit, window, l.now())
	if models.Unwritable(err) {
		// A full or read-only database cannot count: let the request
		// through (reads keep working; a write fails on its own with 503)
		// rather than refuse everything.
		Logger(ctx, l.log).Warn("rate limit not counted: the database cannot store changes", "key", key, "error", err)
		return nil
	}
	if err != nil {
		return err
	}
	if !allowed {
		Logger(ctx, l.log).Warn("rate limited", "key", key)
		return TooManyRequests(c, retry, msg)
	}
	return nil
}

// HumanWait says how long to wait, in whole minutes (or seconds under one).
func HumanWait(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d seconds", int(math.Ceil(d.Seconds())))
	}
	m := int(math.Ceil(d.Minutes()))
	if m == 1 {
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", m)
}
