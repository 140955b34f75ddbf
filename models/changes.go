package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// changesChannel is the PostgreSQL NOTIFY channel on which replicas tell
// each other that the public page changed.
const changesChannel = "beacon_page_changes"

// Change is a change to the public page, as replicas announce it to each
// other.
type Change struct {
	// Origin is the announcing replica's id, so it can ignore its own.
	Origin string
	// Incidents are the incidents the change was limited to (an update
	// posted, a postmortem edited); none: it may have touched anything.
	Incidents []string
}

// The NOTIFY payload of a change is its origin alone when it may have
// touched anything (what replicas from before scoped changes send and
// expect), else the origin, a newline, incidentsPrefix and the ids
// separated by commas. A payload that is neither means everything.
const incidentsPrefix = "incidents:"

func (c Change) payload() string {
	if len(c.Incidents) == 0 {
		return c.Origin
	}
	return c.Origin + "\n" + incidentsPrefix + strings.Join(c.Incidents, ",")
}

// ParseChange reads a NOTIFY payload: anything it does not understand is a
// change that may have touched everything.
func ParseChange(payload string) Change {
	origin, scope, ok := strings.Cut(payload, "\n")
	if !ok {
		return Change{Origin: payload}
	}
	list, ok := strings.CutPrefix(scope, incidentsPrefix)
	if !ok || list == "" {
		return Change{Origin: origin}
	}
	ids := strings.Split(list, ",")
	for _, id := range ids {
		if !ValidID(id) {
			return Change{Origin: origin}
		}
	}
	return Change{Origin: origin, Incidents: ids}
}

// AnnounceChange tells the other replicas that the public page changed,
// and what the change touched. SQLite has one process, so there is no one
// to tell.
func (db *DB) AnnounceChange(ctx context.Context, c Change) error {
	if db.Dialect != Postgres {
		return nil
	}
	if err := db.Gorm.WithContext(ctx).Exec("SELECT pg_notify(?, ?)", changesChannel, c.payload()).Error; err != nil {
		return fmt.Errorf("models: announce change: %w", err)
	}
	return nil
}

// ListenForChanges calls changed with every change a replica announces
// (its own included), until ctx ends. It keeps its own connection and
// reconnects when the database goes away and comes back; connected is
// called on each (re)connection, as announcements may have been missed
// meanwhile. On SQLite it only waits for ctx.
func (db *DB) ListenForChanges(ctx context.Context, connected func(), changed func(Change), failed func(error)) {
	if db.Dialect != Postgres {
		<-ctx.Done()
		return
	}
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := db.listen(ctx, func() { backoff = 100 * time.Millisecond; connected() }, changed)
		if ctx.Err() != nil {
			return
		}
		failed(err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func (db *DB) listen(ctx context.Context, connected func(), changed func(Change)) error {
	conn, err := pgx.Connect(ctx, db.gooseDSN)
	if err != nil {
		return fmt.Errorf("models: listen for changes: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+changesChannel); err != nil {
		return fmt.Errorf("models: listen for changes: %w", err)
	}
	connected()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("models: wait for changes: %w", err)
		}
		changed(ParseChange(n.Payload))
	}
}
