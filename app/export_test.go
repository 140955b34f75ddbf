package app

import (
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
)

// SubscriberLinkPath is the path of a signed subscriber link made at now,
// for the black-box tests (which cannot read the email the dispatcher sends).
func (a *App) SubscriberLinkPath(purpose, subscriberID string, version int, now time.Time) string {
	u, err := url.Parse(a.subscriberURL(purpose, subscriberID, version, now))
	if err != nil {
		panic(err)
	}
	return u.Path
}

// SnapshotBuilds is how many times the snapshot has rendered key, and its
// current rendition (nil when it has none), to tell a rebuilt page from
// one left as it was.
func (a *App) SnapshotBuilds(key string) (builds uint64, rendition any) {
	a.snapshot.mu.RLock()
	e := a.snapshot.entries[key]
	a.snapshot.mu.RUnlock()
	if e == nil {
		return 0, nil
	}
	return e.builds.Load(), e.current.Load()
}

// SnapshotMaxAge is how old a rendition gets before it is rebuilt without
// any change: a replica that never heard of a change shows it by then.
// Tests of what replicas hear wait well within it.
const SnapshotMaxAge = snapshotMaxAge

// Router is the App's echo router, to walk its routes (Handler answers
// snapshot hits before it).
func (a *App) Router() *echo.Echo { return a.echo }

// SyncBuffer is a log destination safe for concurrent writes.
type SyncBuffer = syncBuffer
