// Package dbtest gives tests fresh, migrated Beacon databases: SQLite in a
// temporary directory and PostgreSQL on a real server, so every test that
// touches the database runs on both.
//
// PostgreSQL is found through TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable). Each test gets
// its own database, copied from a migrated template made once per test
// binary (the next test's copy is made while a test runs), and dropped
// after, in the background. When no server answers but PostgreSQL's
// binaries are installed, a throwaway cluster is started for the run. When
// there is no PostgreSQL at all the PostgreSQL half is skipped with a loud
// notice, or fails when CI is set.
package dbtest

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for admin statements

	"github.com/beaconstatus/beacon/models"
)

// DefaultURL is the PostgreSQL server tests use when TEST_DATABASE_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Main runs a test binary's tests and removes what dbtest made for them
// (the databases it is still dropping, the template database, a throwaway
// cluster). Call it from TestMain. A test database it could not drop fails
// the run.
func Main(m interface{ Run() int }) int {
	code := m.Run()
	if err := pg.cleanup(); err != nil {
		fmt.Fprintf(os.Stderr, "dbtest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// WaitDeadline bounds a test's waits for something to happen (a server
// to answer, a message to arrive, a replica to hear of a change, a step in
// a browser): the test binary's deadline (go test -timeout) less a margin,
// so that a wait that never ends fails with the test's own message before
// the binary panics; 10 minutes from now without a -timeout, and for
// benchmarks. Tests wait for conditions until then rather than for fixed
// short timeouts: the machine may be small and shared, and a step that
// takes a second alone can take minutes beside another test run.
func WaitDeadline(tb testing.TB) time.Time {
	var d time.Time
	if t, ok := tb.(interface{ Deadline() (time.Time, bool) }); ok {
		d, _ = t.Deadline()
	}
	return waitDeadline(d)
}

// waitDeadline is WaitDeadline for the test binary's deadline d (zero:
// none).
func waitDeadline(d time.Time) time.Time {
	if d.IsZero() {
		return time.Now().Add(10 * time.Minute)
	}
	return d.Add(-min(time.Until(d)/10, 30*time.Second))
}

// Each runs fn once on a fresh SQLite database and once on a fresh
// PostgreSQL database, as subtests named "sqlite" and "postgres".
func Each(t *testing.T, fn func(t *testing.T, db *models.DB)) {
	t.Helper()
	for _, d := range []models.Dialect{models.SQLite, models.Postgres} {
		t.Run(string(d), func(t *testing.T) { fn(t, MustOpenDB(t, d)) })
	}
}

// MustOpenDB opens a fresh, migrated database of the dialect, closed and
// removed when the test ends.
func MustOpenDB(t testing.TB, dialect models.Dialect) *models.DB {
	t.Helper()
	dsn := NewDSN(t, dialect)
	db, err := models.Open(context.Background(), dialect, dsn, nil)
	if err != nil {
		t.Fatalf("open %s test database: %v", dialect, err)
	}
	t.Cleanup(func() { db.Close() })
	if dialect == models.SQLite {
		if _, err := db.Migrate(context.Background()); err != nil {
			t.Fatalf("migrate sqlite test database: %v", err)
		}
	}
	return db
}

// NewDSN makes an empty database for the test and returns its DSN: for
// SQLite a file in a temporary directory (not migrated), for PostgreSQL a
// database copied from the migrated template (migrated), dropped after the
// test.
func NewDSN(t testing.TB, dialect models.Dialect) string {
	t.Helper()
	if dialect == models.SQLite {
		return models.SQLiteDSN(filepath.Join(t.TempDir(), "beacon.db"))
	}
	return pg.newDatabase(t, true)
}

// NewEmptyPostgres makes an empty, unmigrated PostgreSQL database for the
// test and returns its URL; it is dropped after the test.
func NewEmptyPostgres(t testing.TB) string {
	t.Helper()
	return pg.newDatabase(t, false)
}

// postgresServer is the PostgreSQL server of this test binary.
//
// Making a test's database and dropping it take about half a second
// between them, mostly the server writing and syncing files: while a test
// runs, the next test's copy of the template is made ahead, and the
// databases of tests that ended are dropped, in the background. (Not for
// benchmarks, which would measure that work.)
type postgresServer struct {
	once     sync.Once
	err      error     // why there is no server
	adminURL string    // URL of a database to run CREATE/DROP DATABASE in
	template string    // name of the migrated template database
	cluster  string    // data directory of a throwaway cluster, if one was started
	deadline time.Time // of the test binary (go test -timeout; zero: none)
	mu       sync.Mutex

	fillOnce   sync.Once
	ready      chan string    // migrated databases made ahead, one at a time
	stop       chan struct{}  // closed by cleanup: make no more
	background sync.WaitGroup // fill and the drops
	bgMu       sync.Mutex
	bgErrs     []error // of the background work, for cleanup to report
}

var pg = postgresServer{ready: make(chan string), stop: make(chan struct{})}

func (p *postgresServer) newDatabase(t testing.TB, migrated bool) string {
	t.Helper()
	p.once.Do(func() { p.start(t) })
	if p.err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL is required when CI is set: %v", p.err)
		}
		fmt.Fprintf(os.Stderr, "\n!!! SKIPPING PostgreSQL tests: %v\n!!! Set TEST_DATABASE_URL or start PostgreSQL to run them.\n\n", p.err)
		t.Skipf("PostgreSQL unavailable: %v", p.err)
	}
	_, bench := t.(*testing.B)
	var name string
	if migrated && !bench {
		p.fillOnce.Do(func() { p.background.Go(p.fill) })
		name = <-p.ready // "" once fill has stopped
	}
	if name == "" {
		var err error
		if name, err = p.create(WaitDeadline(t), migrated); err != nil {
			t.Fatalf("create PostgreSQL test database: %v", err)
		}
	}
	t.Cleanup(func() {
		if bench {
			if err := p.drop(WaitDeadline(t), name); err != nil {
				t.Errorf("%v", err)
			}
			return
		}
		p.background.Go(func() {
			if err := p.drop(waitDeadline(p.deadline), name); err != nil {
				p.backgroundFailed(err)
			}
		})
	})
	return withDatabase(p.adminURL, name)
}

// create makes a database, a copy of the template when migrated, and
// returns its name.
func (p *postgresServer) create(deadline time.Time, migrated bool) (string, error) {
	name := fmt.Sprintf("beacon_t_%d_%s", os.Getpid(), models.NewID())
	stmt := "CREATE DATABASE " + name
	if migrated {
		stmt += " TEMPLATE " + p.template
	}
	// Copies of one template must not run at once.
	p.mu.Lock()
	defer p.mu.Unlock()
	return name, p.exec(deadline, stmt)
}

func (p *postgresServer) drop(deadline time.Time, name string) error {
	if err := p.exec(deadline, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop PostgreSQL test database %s: %w", name, err)
	}
	return nil
}

// fill makes the next test's migrated database while the current test
// runs, until cleanup stops it; on an error it stops, and tests make
// their own (and fail with the error).
func (p *postgresServer) fill() {
	defer close(p.ready)
	for {
		select {
		case <-p.stop:
			return
		default:
		}
		name, err := p.create(waitDeadline(p.deadline), true)
		if err != nil {
			return
		}
		select {
		case p.ready <- name:
		case <-p.stop:
			if err := p.drop(waitDeadline(p.deadline), name); err != nil {
				p.backgroundFailed(err)
			}
			return
		}
	}
}

func (p *postgresServer) backgroundFailed(err error) {
	p.bgMu.Lock()
	defer p.bgMu.Unlock()
	p.bgErrs = append(p.bgErrs, err)
}

// start finds or starts the server and makes the template, as part of
// the first test that asks for a database (and within its WaitDeadline).
func (p *postgresServer) start(tb testing.TB) {
	p.adminURL = os.Getenv("TEST_DATABASE_URL")
	if p.adminURL == "" {
		p.adminURL = DefaultURL
	}
	if err := p.ping(); err != nil {
		if os.Getenv("TEST_DATABASE_URL") != "" {
			p.err = fmt.Errorf("TEST_DATABASE_URL does not answer: %w", err)
			return
		}
		if cerr := p.startCluster(); cerr != nil {
			p.err = fmt.Errorf("no server at %s (%v) and no throwaway cluster (%v)", DefaultURL, err, cerr)
			return
		}
	}
	// One migrated template per test binary; each test copies it.
	p.template = fmt.Sprintf("beacon_tmpl_%d_%s", os.Getpid(), models.NewID())
	if t, ok := tb.(interface{ Deadline() (time.Time, bool) }); ok {
		p.deadline, _ = t.Deadline()
	}
	deadline := WaitDeadline(tb)
	if err := p.exec(deadline, "CREATE DATABASE "+p.template); err != nil {
		p.err = fmt.Errorf("create template database: %w", err)
		return
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	db, err := models.Open(ctx, models.Postgres, withDatabase(p.adminURL, p.template), nil)
	if err != nil {
		p.err = err
		return
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		p.err = fmt.Errorf("migrate template database: %w", err)
	}
}

// cleanup waits for the background work, drops the template and stops
// a throwaway cluster; it returns the errors of dropping test databases.
func (p *postgresServer) cleanup() error {
	close(p.stop)
	p.background.Wait()
	if p.template != "" && p.err == nil {
		p.exec(time.Now().Add(time.Minute), "DROP DATABASE IF EXISTS "+p.template+" WITH (FORCE)")
	}
	if p.cluster != "" {
		pgCommand(filepath.Dir(p.cluster), "pg_ctl", "-D", p.cluster, "-m", "immediate", "stop").Run()
		os.RemoveAll(filepath.Dir(p.cluster))
	}
	return errors.Join(p.bgErrs...)
}

func (p *postgresServer) ping() error {
	db, err := sql.Open("pgx", p.adminURL)
	if err != nil {
		return err
	}
	defer db.Close()
	// A server that is there answers at once, if slowly on a loaded
	// machine; one that is not refuses the connection at once.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// exec runs an administrative statement (CREATE or DROP DATABASE) by the
// deadline.
func (p *postgresServer) exec(deadline time.Time, stmt string) error {
	db, err := sql.Open("pgx", p.adminURL)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	_, err = db.ExecContext(ctx, stmt)
	return err
}

// startCluster starts the throwaway cluster of the test binary, when no
// server answers.
func (p *postgresServer) startCluster() error {
	c, err := newCluster()
	if err != nil {
		return err
	}
	p.cluster = c.data
	p.adminURL = c.URL
	return p.ping()
}

// Cluster is a throwaway PostgreSQL server of one test, for tests that
// stop and start PostgreSQL under a running Beacon (never the shared
// server the other tests use).
type Cluster struct {
	URL    string // postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
	dir    string // the temporary directory: socket, log, data/
	data   string
	binDir string
	port   int
}

// StartCluster runs initdb and pg_ctl from the installed PostgreSQL in a
// temporary directory, on a free loopback port; the cluster is stopped and
// removed when the test ends. Without PostgreSQL's binaries the test is
// skipped, or fails when CI is set.
func StartCluster(tb testing.TB) *Cluster {
	tb.Helper()
	c, err := newCluster()
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("throwaway PostgreSQL cluster: %v", err)
		}
		fmt.Fprintf(os.Stderr, "\n!!! SKIPPING a test that needs its own PostgreSQL cluster: %v\n\n", err)
		tb.Skipf("no throwaway PostgreSQL cluster: %v", err)
	}
	tb.Cleanup(func() {
		pgCommand(c.dir, filepath.Join(c.binDir, "pg_ctl"), "-D", c.data, "-m", "immediate", "stop").Run()
		os.RemoveAll(c.dir)
	})
	return c
}

// Database returns the URL of database name on the cluster.
func (c *Cluster) Database(name string) string { return withDatabase(c.URL, name) }

// Stop shuts the server down (pg_ctl stop -m fast: connections are cut,
// no new ones are accepted).
func (c *Cluster) Stop(tb testing.TB) {
	tb.Helper()
	if err := c.pgctl("-D", c.data, "-m", "fast", "-w", "stop"); err != nil {
		tb.Fatal(err)
	}
}

// Start starts the stopped server again on the same port.
func (c *Cluster) Start(tb testing.TB) {
	tb.Helper()
	if err := c.start(); err != nil {
		tb.Fatal(err)
	}
}

func (c *Cluster) start() error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", c.port, c.dir)
	return c.pgctl("-D", c.data, "-o", opts, "-w", "-l", filepath.Join(c.dir, "log"), "start")
}

func (c *Cluster) pgctl(args ...string) error {
	cmd := pgCommand(c.dir, filepath.Join(c.binDir, "pg_ctl"), args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// newCluster runs initdb and starts the server.
func newCluster() (*Cluster, error) {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		path, err := exec.LookPath("initdb")
		if err != nil {
			return nil, fmt.Errorf("PostgreSQL binaries not installed")
		}
		bins = []string{path}
	}
	c := &Cluster{binDir: filepath.Dir(bins[len(bins)-1])}
	var err error
	if c.dir, err = os.MkdirTemp("", "beacon-pg-"); err != nil {
		return nil, err
	}
	c.data = filepath.Join(c.dir, "data")
	if c.port, err = freePort(); err != nil {
		return nil, err
	}
	cmd := pgCommand(c.dir, filepath.Join(c.binDir, "initdb"), "-D", c.data, "-U", "postgres", "--auth=trust", "--no-sync")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(c.dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, strings.TrimSpace(string(out)))
	}
	if err := c.start(); err != nil {
		os.RemoveAll(c.dir)
		return nil, err
	}
	c.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
	return c, nil
}

// pgCommand runs a PostgreSQL binary, as the postgres user when we are root
// (initdb refuses to run as root).
func pgCommand(dir, name string, args ...string) *exec.Cmd {
	if os.Geteuid() == 0 {
		if u, err := user.Lookup("postgres"); err == nil {
			os.Chown(dir, atoi(u.Uid), atoi(u.Gid))
			return exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
		}
	}
	return exec.Command(name, args...)
}

func atoi(s string) int {
	n := 0
	fmt.Sscan(s, &n)
	return n
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// withDatabase returns the URL with its database name replaced.
func withDatabase(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + name
	return u.String()
}

// FuzzDialects are the databases a fuzz target runs on: both for the seed
// corpus (go test), SQLite alone while fuzzing (go test -fuzz), whose
// worker processes may be stopped before they could drop a PostgreSQL
// database.
func FuzzDialects() []models.Dialect {
	if f := flag.Lookup("test.fuzz"); f != nil && f.Value.String() != "" {
		return []models.Dialect{models.SQLite}
	}
	return []models.Dialect{models.SQLite, models.Postgres}
}

// SeedConfirmedSubscribers inserts n confirmed subscribers of the whole
// page in one statement (the fan-out benchmarks' lists).
func SeedConfirmedSubscribers(tb testing.TB, db *models.DB, n int) {
	tb.Helper()
	now := time.Now().UTC()
	q := `INSERT INTO subscribers (id, email, email_normalized, status, created_at, updated_at)
		SELECT 'sub' || substr('0000000' || g, -7), 'user' || g || '@example.test', 'user' || g || '@example.test',
		       'confirmed', ?, ? FROM seq`
	if db.Dialect == models.Postgres {
		q = `WITH seq AS (SELECT g FROM generate_series(1, ?) g) ` + q
	} else {
		q = `WITH RECURSIVE seq(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM seq WHERE g < ?) ` + q
	}
	if err := db.Gorm.Exec(q, n, now, now).Error; err != nil {
		tb.Fatal(err)
	}
}

// DeliveryStatuses counts the deliveries by status.
func DeliveryStatuses(tb testing.TB, db *models.DB) map[string]int {
	tb.Helper()
	var rows []struct {
		Status string
		N      int
	}
	if err := db.Gorm.Raw(`SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status`).Scan(&rows).Error; err != nil {
		tb.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out
}
