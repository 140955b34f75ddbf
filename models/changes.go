package models

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// changesChannel is the PostgreSQL NOTIFY channel on which replicas tell
// each other that the public page changed.
const changesChannel = "beacon_page_changes"

// AnnounceChange tells the other replicas that the public page changed;
// origin lets a replica ignore its own announcements. SQLite has one
// process, so there is no one to tell.
func (db *DB) AnnounceChange(ctx context.Context, origin string) error {
	if db.Dialect != Postgres {
		return nil
	}
	if err := db.Gorm.WithContext(ctx).Exec("SELECT pg_notify(?, ?)", changesChannel, origin).Error; err != nil {
		return fmt.Errorf("models: announce change: %w", err)
	}
	return nil
}

// ListenForChanges calls changed with the origin of every change another
// replica announces, until ctx ends. It keeps its own connection and
// reconnects when the database goes away and comes back; connected is
// called on each (re)connection, as announcements may have been missed
// meanwhile. On SQLite it only waits for ctx.
func (db *DB) ListenForChanges(ctx context.Context, connected func(), changed func(origin string), failed func(error)) {
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

func (db *DB) listen(ctx context.Context, connected func(), changed func(string)) error {
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
		changed(n.Payload)
	}
}
