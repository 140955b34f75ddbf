package console

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// Console sessions are scs sessions kept in the database (sessionStore),
// so they survive restarts and every replica shares them. Only /admin
// loads them (withSession); the public pages never touch the store.

const (
	sessionCookieName = "beacon_session"
	sessionIdle       = 12 * time.Hour     // signed out after this long without a request
	sessionLifetime   = 7 * 24 * time.Hour // and after this long in any case
	sweepInterval     = 10 * time.Minute   // how often expired sessions are deleted
	staleRateLimits   = 24 * time.Hour     // rate-limit counters older than this are deleted
)

// Keys of the values a console session holds.
const (
	sessionUserID = "user_id" // the signed-in user's id
	sessionEpoch  = "epoch"   // the user's SessionEpoch at sign-in (int64)
	sessionCSRF   = "csrf"    // the token every form must send back
	sessionFlash  = "flash"   // a message for the next page shown
)

// sessionLoadedKey marks a request whose session withSession loaded.
const sessionLoadedKey = "beacon.session"

// hasSession reports whether the request's session is loaded: the session
// manager's methods panic on a request without one.
func hasSession(c echo.Context) bool { return c.Get(sessionLoadedKey) == true }

// NewSessions configures scs for the console: cookie beacon_session on
// /admin, HttpOnly, SameSite=Lax, Secure when baseURL is https; the store
// (the sessions table of db) keeps only hashes of the tokens.
func NewSessions(db *models.DB, now func() time.Time, baseURL string) *scs.SessionManager {
	sm := scs.New()
	sm.Store = sessionStore{db: db, now: now}
	sm.HashTokenInStore = true
	sm.IdleTimeout = sessionIdle
	sm.Lifetime = sessionLifetime
	sm.Cookie.Name = sessionCookieName
	sm.Cookie.Path = "/admin"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = strings.HasPrefix(baseURL, "https://")
	return sm
}

// sessionStore is scs's store (scs.CtxStore) over the sessions table.
type sessionStore struct {
	db  *models.DB
	now func() time.Time
}

var _ scs.CtxStore = sessionStore{}

// FindCtx returns a live session's data.
func (s sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	return s.db.FindSession(ctx, token, s.now())
}

// CommitCtx stores a session.
func (s sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return s.db.CommitSession(ctx, token, b, expiry)
}

// DeleteCtx removes a session.
func (s sessionStore) DeleteCtx(ctx context.Context, token string) error {
	return s.db.DeleteSession(ctx, token)
}

// Find is FindCtx without a context.
func (s sessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit is CommitCtx without a context.
func (s sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete is DeleteCtx without a context.
func (s sessionStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

// withSession is scs's LoadAndSave done the echo way: it loads the
// request's session and saves it (and sets the cookie) just before the
// response is written. Errors become their page here, inside the session,
// so what the error page does to the session is saved too.
func (h *Handler) withSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		var token string
		if ck, err := req.Cookie(h.Sessions.Cookie.Name); err == nil {
			token = ck.Value
		}
		ctx, err := h.Sessions.Load(req.Context(), token)
		if err != nil {
			return fmt.Errorf("app: load session: %w", err)
		}
		c.SetRequest(req.WithContext(ctx))
		c.Set(sessionLoadedKey, true)
		res := c.Response()
		res.Header().Add(echo.HeaderVary, "Cookie")

		var once sync.Once
		var saveErr error
		save := func() { once.Do(func() { saveErr = h.saveSession(ctx, res) }) }
		res.Before(func() {
			if save(); saveErr != nil {
				web.Logger(ctx, h.Log).Error("save session", "error", saveErr)
			}
		})
		if err := next(c); err != nil {
			c.Error(err)
		}
		if !res.Committed {
			if save(); saveErr != nil {
				return saveErr
			}
		}
		return nil
	}
}

// saveSession stores a changed session and sets its cookie, or clears the
// cookie of a destroyed one.
func (h *Handler) saveSession(ctx context.Context, res *echo.Response) error {
	switch h.Sessions.Status(ctx) {
	case scs.Modified:
		token, expiry, err := h.Sessions.Commit(ctx)
		if err != nil {
			return fmt.Errorf("app: save session: %w", err)
		}
		h.setSessionCookie(res, token, expiry)
	case scs.Destroyed:
		h.setSessionCookie(res, "", time.Time{})
	}
	return nil
}

// setSessionCookie writes the session cookie; an empty token deletes it.
func (h *Handler) setSessionCookie(res *echo.Response, token string, expiry time.Time) {
	ck := h.Sessions.Cookie
	cookie := &http.Cookie{Name: ck.Name, Value: token, Path: ck.Path, HttpOnly: ck.HttpOnly,
		SameSite: ck.SameSite, Secure: ck.Secure}
	if token == "" {
		cookie.Expires, cookie.MaxAge = time.Unix(1, 0), -1
	} else {
		cookie.Expires = expiry.Truncate(time.Second).Add(time.Second)
		cookie.MaxAge = int(time.Until(expiry).Seconds()) + 1
	}
	res.Header().Add("Set-Cookie", cookie.String())
}

// flash keeps a message in the session for the next page shown, typically
// the one a redirect leads to.
func (h *Handler) flash(c echo.Context, format string, args ...any) {
	h.Sessions.Put(c.Request().Context(), sessionFlash, fmt.Sprintf(format, args...))
}

// noticeCookieName keeps a message for someone no longer signed in (see
// notice): nothing is stored for them.
const noticeCookieName = "beacon_notice"

// notices are the messages notice may leave, by key. The cookie holds the
// key, never the text, so another site that sets it can only pick one of
// these.
var notices = map[string]string{
	"signed-out":    "You are signed out.",
	"session-ended": "Your session has ended. Please sign in again.",
}

// notice leaves notices[key] for the next page shown to someone not signed
// in (a flash would store a session just for it).
func (h *Handler) notice(c echo.Context, key string) {
	c.Set(noticeCookieName, key)
	h.setCookie(c, noticeCookieName, key)
}

// popNotice returns the message notice left, on an earlier request or
// this one, and deletes it; "" when none.
func (h *Handler) popNotice(c echo.Context) string {
	key, _ := c.Get(noticeCookieName).(string)
	if key == "" {
		ck, err := c.Cookie(noticeCookieName)
		if err != nil {
			return ""
		}
		key = ck.Value
	}
	h.setCookie(c, noticeCookieName, "")
	return notices[key]
}

// StartSweeper deletes expired sessions and stale rate-limit counters now
// and every sweepInterval, until ctx ends or stop is called; stop waits
// for a sweep in progress to finish.
func (h *Handler) StartSweeper(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(sweepInterval)
		defer t.Stop()
		for {
			h.sweep(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() { cancel(); <-done }
}

// sweep deletes expired sessions, stale rate-limit counters and
// unconfirmed subscribers past models.UnconfirmedLifetime, once.
func (h *Handler) sweep(ctx context.Context) {
	now := h.Now()
	if n, err := h.DB.DeleteExpiredSessions(ctx, now); err != nil && ctx.Err() == nil {
		h.Log.Warn("delete expired sessions", "error", err)
	} else if n > 0 {
		h.Log.Debug("deleted expired sessions", "count", n)
	}
	if _, err := h.DB.DeleteStaleRateLimits(ctx, now.Add(-staleRateLimits)); err != nil && ctx.Err() == nil {
		h.Log.Warn("delete stale rate limits", "error", err)
	}
	if n, err := h.DB.ExpireUnconfirmedSubscribers(ctx, now); err != nil && ctx.Err() == nil {
		h.Log.Warn("expire unconfirmed subscribers", "error", err)
	} else if n > 0 {
		h.Log.Info("expired unconfirmed subscribers", "count", n)
	}
}
