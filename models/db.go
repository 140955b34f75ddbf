// Package models holds Beacon's domain types and the queries on them. It knows
// nothing of HTTP: it returns ErrNotFound, *ValidationError and wrapped errors.
package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/ncruces/go-sqlite3/driver"
	"github.com/ncruces/go-sqlite3/gormlite"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/beaconstatus/beacon/migrations"
)

// Dialect names the SQL database behind a DB.
type Dialect string

// The two databases Beacon runs on.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// DB is an open Beacon database: gorm for the queries, the *sql.DB beneath
// it for migrations and session stores.
type DB struct {
	Gorm    *gorm.DB
	SQL     *sql.DB
	Dialect Dialect

	// gooseDSN opens SQLite for goose with the driver's default time format:
	// goose's version table stores SQLite-style timestamps.
	gooseDSN string

	// failedAt is when a ping last failed (UnixNano): see shouldPing. It
	// is shared by the views of one database (see WithDrafts).
	failedAt *atomic.Int64

	// drafts: this view sees draft incidents (the console, the management
	// API, integrations); the default view, the public one, does not.
	drafts bool
}

// WithDrafts returns a view of the database that sees draft incidents: the
// console's, the management API's and the integrations'. The DB Open
// returns is the public view: no read of incidents it makes shows a draft
// (see visibleIncidents).
func (db *DB) WithDrafts() *DB {
	return &DB{Gorm: db.Gorm, SQL: db.SQL, Dialect: db.Dialect, gooseDSN: db.gooseDSN, failedAt: db.failedAt, drafts: true}
}

// SeesDrafts reports whether this view sees draft incidents.
func (db *DB) SeesDrafts() bool { return db.drafts }

// reconnectWindow is how long after a failed ping every pooled PostgreSQL
// connection is checked before reuse.
const reconnectWindow = 30 * time.Second

// shouldPing decides whether a pooled PostgreSQL connection is pinged before
// it is reused: when it sat idle over a second (pgx's default), and always for
// a while after the database failed to answer. A connection that died in a
// short outage is then dropped for a new one, instead of failing the first
// query after the database's return.
func (db *DB) shouldPing(_ context.Context, p stdlib.ShouldPingParams) bool {
	return p.IdleDuration > time.Second || time.Since(time.Unix(0, db.failedAt.Load())) < reconnectWindow
}

const sqliteTimeFormat = "&_timefmt=2006-01-02T15:04:05.000"

// SQLiteDSN turns a file path into the DSN Beacon opens SQLite with: WAL,
// foreign keys, a busy timeout, immediate write transactions and times
// stored as sortable UTC text with milliseconds.
func SQLiteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)" +
		"&_pragma=foreign_keys(on)&_pragma=synchronous(normal)&_txlock=immediate" + sqliteTimeFormat
}

// sqliteAccess opens a SQLite file Beacon may not write read-only, so the
// pages are served from it (and writes refused) instead of the server not
// starting: a file without write permission opens with mode=ro; one on a
// read-only file system, where SQLite cannot make the WAL's shared-memory
// file beside it, opens immutable as well (nothing can change it there).
func sqliteAccess(dsn string) string {
	path, query, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	if path == "" || path == ":memory:" || strings.Contains(query, "mode=") || strings.Contains(query, "immutable=") {
		return dsn
	}
	if _, err := os.Stat(path); err != nil || syscall.Access(path, 2 /* W_OK */) == nil {
		return dsn // missing (created) or writable
	}
	dsn += "&mode=ro"
	if err := syscall.Access(filepath.Dir(path), 2); errors.Is(err, syscall.EROFS) {
		dsn += "&immutable=1"
	}
	return dsn
}

// Open connects to the database and checks that it answers. It does not
// migrate.
func Open(ctx context.Context, dialect Dialect, dsn string, log *slog.Logger) (*DB, error) {
	db := &DB{Dialect: dialect, gooseDSN: strings.Replace(dsn, sqliteTimeFormat, "", 1), failedAt: new(atomic.Int64)}
	var dialector gorm.Dialector
	switch dialect {
	case Postgres:
		dialector = postgres.New(postgres.Config{DSN: dsn, OptionOpenDB: []stdlib.OptionOpenDB{stdlib.OptionShouldPing(db.shouldPing)}})
	case SQLite:
		dsn = sqliteAccess(dsn)
		db.gooseDSN = strings.Replace(dsn, sqliteTimeFormat, "", 1)
		dialector = gormlite.Open(dsn)
	default:
		return nil, fmt.Errorf("models: unknown dialect %q", dialect)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g, err := gorm.Open(dialector, &gorm.Config{
		TranslateError: true,
		// Open's own failure is returned, not logged (gorm's message would
		// repeat it, unformatted); the query logger is set once open.
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		SkipDefaultTransaction: true,
	})
	if err != nil {
		return nil, fmt.Errorf("models: open %s database: %w", dialect, err)
	}
	// Slow and failed statements are logged with their placeholders, not
	// their values: those are token hashes, email addresses, passwords'
	// hashes.
	g.Logger = logger.NewSlogLogger(log, logger.Config{
		SlowThreshold:             500 * time.Millisecond,
		LogLevel:                  logger.Warn,
		IgnoreRecordNotFoundError: true,
		ParameterizedQueries:      true,
	})
	sqlDB, err := g.DB()
	if err != nil {
		return nil, fmt.Errorf("models: open %s database: %w", dialect, err)
	}
	if dialect == Postgres {
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	db.Gorm, db.SQL = g, sqlDB
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.Ping(pingCtx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	return db, nil
}

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.SQL.PingContext(ctx); err != nil {
		db.failedAt.Store(time.Now().UnixNano())
		return fmt.Errorf("models: database unreachable: %w", err)
	}
	return nil
}

// Close closes the connection pool.
func (db *DB) Close() error { return db.SQL.Close() }

// Transaction runs fn in one database transaction: everything or nothing.
func (db *DB) Transaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return db.Gorm.WithContext(ctx).Transaction(fn)
}

// InTx runs fn with a DB whose every call joins one transaction (the
// methods' own transactions become savepoints): all of fn's changes are
// kept, or none.
func (db *DB) InTx(ctx context.Context, fn func(tx *DB) error) error {
	return db.Gorm.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		return fn(&DB{Gorm: g, SQL: db.SQL, Dialect: db.Dialect, gooseDSN: db.gooseDSN, failedAt: db.failedAt, drafts: db.drafts})
	})
}

// MigrationSource returns the embedded migrations of a dialect.
func MigrationSource(dialect Dialect) (fs.FS, error) {
	return fs.Sub(migrations.FS, string(dialect))
}

// migrationProvider returns goose's provider and a function to call when
// done with it.
func (db *DB) migrationProvider() (*goose.Provider, func(), error) {
	src, err := MigrationSource(db.Dialect)
	if err != nil {
		return nil, nil, err
	}
	var opts []goose.ProviderOption
	gooseDialect := goose.DialectSQLite3
	conn, done := db.SQL, func() {}
	if db.Dialect == SQLite {
		if conn, err = driver.Open(db.gooseDSN); err != nil {
			return nil, nil, err
		}
		done = func() { conn.Close() }
	}
	if db.Dialect == Postgres {
		gooseDialect = goose.DialectPostgres
		// Replicas started at once must not migrate at once.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(gooseDialect, conn, src, opts...)
	if err != nil {
		done()
		return nil, nil, err
	}
	return p, done, nil
}

// MigrationResult says what Migrate did.
type MigrationResult struct {
	From, To int64
	Applied  []int64
}

// Migrate applies every pending migration, each in its own transaction.
// Running it again when nothing is pending is a no-op.
func (db *DB) Migrate(ctx context.Context) (MigrationResult, error) {
	p, done, err := db.migrationProvider()
	if err != nil {
		return MigrationResult{}, fmt.Errorf("models: migrations: %w", err)
	}
	defer done()
	from, err := p.GetDBVersion(ctx)
	if err != nil {
		return MigrationResult{}, fmt.Errorf("models: read schema version: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return MigrationResult{}, fmt.Errorf("models: migrate: %w", err)
	}
	res := MigrationResult{From: from, To: from}
	for _, r := range results {
		res.Applied = append(res.Applied, r.Source.Version)
		res.To = r.Source.Version
	}
	return res, nil
}

// ErrPendingMigrations is returned by CheckMigrations when the schema is
// older than this binary.
var ErrPendingMigrations = errors.New("models: database has pending migrations")

// SchemaVersion returns the database's schema version and the newest one
// this binary knows.
func (db *DB) SchemaVersion(ctx context.Context) (current, latest int64, err error) {
	p, done, err := db.migrationProvider()
	if err != nil {
		return 0, 0, fmt.Errorf("models: migrations: %w", err)
	}
	defer done()
	current, latest, err = p.GetVersions(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("models: read schema version: %w", err)
	}
	return current, latest, nil
}

// CheckMigrations returns ErrPendingMigrations (wrapped, with the versions)
// when migrations are pending, and an error newer than the binary when the
// database is ahead of it.
func (db *DB) CheckMigrations(ctx context.Context) error {
	current, latest, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if current < latest {
		return fmt.Errorf("%w (database at version %d, this binary needs %d)", ErrPendingMigrations, current, latest)
	}
	if current > latest {
		return fmt.Errorf("models: database schema version %d is newer than this binary's %d: upgrade beacon", current, latest)
	}
	return nil
}
