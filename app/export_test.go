package app

import (
	"net/url"
	"time"

	"github.com/beaconstatus/beacon/app/snapshot"
	"github.com/labstack/echo/v4"
)

// SubscriberLinkPath is the path of a signed subscriber link made at now,
// for the black-box tests (which cannot read the email the dispatcher sends).
func (a *App) SubscriberLinkPath(purpose, subscriberID string, version int, now time.Time) string {
	u, err := url.Parse(a.public.Links.SubscriberURL(purpose, subscriberID, version, now))
	if err != nil {
		panic(err)
	}
	return u.Path
}

// SnapshotBuilds is how many times the snapshot has rendered key, and its
// current rendition (nil when it has none), to tell a rebuilt page from
// one left as it was.
func (a *App) SnapshotBuilds(key string) (builds uint64, rendition any) {
	n, r := a.snapshot.Builds(key)
	if r == nil {
		return n, nil
	}
	return n, r
}

// SnapshotMaxAge is how old a rendition gets before it is rebuilt without
// any change: a replica that never heard of a change shows it by then.
// Tests of what replicas hear wait well within it.
const SnapshotMaxAge = snapshot.MaxAge

// Router is the App's echo router, to walk its routes (Handler answers
// snapshot hits before it).
func (a *App) Router() *echo.Echo { return a.echo }

// SyncBuffer is a log destination safe for concurrent writes.
type SyncBuffer = syncBuffer

// SnapshotGeneration counts the changes the snapshot has been told of: a
// write that touched nothing public leaves it as it was.
func (a *App) SnapshotGeneration() uint64 { return a.snapshot.Generation() }

// SnapshotEntries is how many renditions (and keys waiting for their
// first) the snapshot holds: what its memory is proportional to.
func (a *App) SnapshotEntries() int { return a.snapshot.Len() }

// InvalidateSnapshot marks every rendition stale, as a change announced by
// another replica does.
func (a *App) InvalidateSnapshot() { a.snapshot.Invalidate() }

// WakeNotifier wakes the notifier, as a write with mail effects does.
func (a *App) WakeNotifier() { a.notifier.Wake() }

// SnapshotCurrent reports whether the snapshot holds a rendition of key
// that no change has made stale, without asking for it (a request would
// build it).
func (a *App) SnapshotCurrent(key string) bool { return a.snapshot.Current(key) }
