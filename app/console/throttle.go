package console

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// Failed sign-ins slow down the address they come from, for the account
// they tried, never the account for everyone: a stranger's guesses must
// not keep the on-call operator out. The counters live in the database
// (rate_limits) so they hold across replicas.
//
//   - Per account and address: loginFreeFailures failures go unhindered
//     (typos); after that the address waits loginFirstDelay before its
//     next try at that account, twice as long after each further failure,
//     at most loginMaxDelay. A success from the address clears its count;
//     failures loginForget apart are not counted together.
//   - Per address, whatever the account: loginIPLimit attempts per
//     loginWindow (successes are taken back). This also bounds guesses
//     sent in parallel, which all pass the per-account check at once.
//   - Per account, from every address: past loginAccountCeiling failures
//     in loginAccountWindow, only addresses with no failures of their own
//     for the account may try (so a correct password from a clean address
//     always gets through).
const (
	loginFreeFailures   = 5
	loginFirstDelay     = time.Minute
	loginMaxDelay       = time.Hour
	loginForget         = 24 * time.Hour
	loginWindow         = 15 * time.Minute
	loginIPLimit        = 20
	loginAccountWindow  = time.Hour
	loginAccountCeiling = 100
)

// signInKeys are the rate-limit counters of a sign-in attempt.
type signInKeys struct {
	addr    string // attempts from the address, any account
	pair    string // failures for the account from the address
	account string // failures for the account, every address
}

// signInKeysOf are the counters of an attempt at email from ip. The email
// as typed (any case): an unknown email is throttled like a known one.
func signInKeysOf(email, ip string) signInKeys {
	e := limitKey(email)
	return signInKeys{addr: "login:ip:" + ip, pair: "login:fail:" + e + "|" + ip, account: "login:account:" + e}
}

// failureDelay is how long an address waits after its n-th failure in a
// row for an account.
func failureDelay(n int) time.Duration {
	if n < loginFreeFailures {
		return 0
	}
	d := loginFirstDelay
	for i := loginFreeFailures; i < n && d < loginMaxDelay; i++ {
		d *= 2
	}
	return min(d, loginMaxDelay)
}

// signInWait is how long the address of k must wait before it may try
// the account of k again; 0 when it may now.
func (h *Handler) signInWait(ctx context.Context, k signInKeys, now time.Time) (time.Duration, error) {
	n, last, err := h.DB.RateLimitState(ctx, k.pair)
	if err != nil || n == 0 || !last.After(now.Add(-loginForget)) {
		return 0, err
	}
	if wait := last.Add(failureDelay(n)).Sub(now); wait > 0 {
		return wait, nil
	}
	total, start, err := h.DB.RateLimitState(ctx, k.account)
	if err != nil {
		return 0, err
	}
	if end := start.Add(loginAccountWindow); total > loginAccountCeiling && end.After(now) {
		return end.Sub(now), nil
	}
	return 0, nil
}

// signInFailed counts a failure for the account from the address.
func (h *Handler) signInFailed(ctx context.Context, k signInKeys, now time.Time) error {
	if _, err := h.DB.CountFailure(ctx, k.pair, now, loginForget); err != nil {
		return err
	}
	_, _, err := h.DB.HitRateLimit(ctx, k.account, loginAccountCeiling, loginAccountWindow, now)
	return err
}

// signInSucceeded forgets the address's failures for the account and
// takes back its attempt.
func (h *Handler) signInSucceeded(ctx context.Context, k signInKeys) error {
	if err := h.DB.ClearRateLimit(ctx, k.pair); err != nil {
		return err
	}
	return h.DB.UndoRateLimitHit(ctx, k.addr)
}

// setRetryAfter sets Retry-After to wait, in whole seconds (at least 1).
func setRetryAfter(c echo.Context, wait time.Duration) {
	c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
}
