package app

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/models"
)

// Rate limits beyond sign-in (login.go) and the subscribe form
// (subscribe.go), all counted in the rate_limits table so they hold across
// every replica sharing the database.
const (
	// DefaultAPIRateLimit is API_RATE_LIMIT's default: management API
	// requests per token per minute.
	DefaultAPIRateLimit = 600
	apiWindow           = time.Minute
	// Requests with a wrong or revoked API token, per client address.
	apiBadTokenLimit  = 20
	apiBadTokenWindow = 10 * time.Minute

	// Signed subscriber links (confirm, manage, unsubscribe): forged,
	// altered or expired links per client address, and uses of one
	// subscriber's valid links. The valid ones are not limited per
	// address: a mail provider's one-click unsubscribe (RFC 8058) posts
	// for many subscribers from a few addresses.
	badLinkLimit         = 20
	badLinkWindow        = 10 * time.Minute
	subscriberLinkLimit  = 30
	subscriberLinkWindow = 10 * time.Minute
)

// tooManyRequests is a 429 with Retry-After (whole seconds, rounded up)
// and msg.
func tooManyRequests(c echo.Context, retry time.Duration, msg string) error {
	c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.Seconds()))))
	return echo.NewHTTPError(http.StatusTooManyRequests, msg+" Please try again in "+humanWait(retry)+".")
}

// hitLimit counts a hit on key and answers 429 when it is over limit per
// window; nil when it is within.
func (a *App) hitLimit(c echo.Context, key string, limit int, window time.Duration, msg string) error {
	ctx := c.Request().Context()
	allowed, retry, err := a.db.HitRateLimit(ctx, key, limit, window, a.now())
	if models.Unwritable(err) {
		// A full or read-only database cannot count: let the request
		// through (reads keep working; a write fails on its own with 503)
		// rather than refuse everything.
		a.logger(ctx).Warn("rate limit not counted: the database cannot store changes", "key", key, "error", err)
		return nil
	}
	if err != nil {
		return err
	}
	if !allowed {
		a.logger(ctx).Warn("rate limited", "key", key)
		return tooManyRequests(c, retry, msg)
	}
	return nil
}
