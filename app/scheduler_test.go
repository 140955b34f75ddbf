package app_test

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// logRecords is a slog handler that hands every record's message to the
// test; records the test does not read in time are dropped, never blocking
// the code under test.
type logRecords chan string

func (l logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (l logRecords) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l logRecords) WithGroup(string) slog.Handler            { return l }
func (l logRecords) Handle(_ context.Context, r slog.Record) error {
	select {
	case l <- r.Message:
	default:
	}
	return nil
}

// waitFor reads log messages until msg has come n times.
func (l logRecords) waitFor(t *testing.T, msg string, n int) {
	t.Helper()
	for seen := 0; seen < n; {
		if <-l == msg {
			seen++
		}
	}
}

// schedulerApp builds an App on db that logs to the returned records.
func schedulerApp(t *testing.T, db *models.DB, every time.Duration) (*app.App, logRecords) {
	t.Helper()
	cfg, err := app.LoadConfig(func(k string) string { return testEnv[k] })
	if err != nil {
		t.Fatal(err)
	}
	cfg.SchedulerInterval = every
	cfg.Port = 0
	logs := make(logRecords, 1000)
	a, err := app.New(context.Background(), cfg, db, slog.New(logs))
	if err != nil {
		t.Fatal(err)
	}
	return a, logs
}

// dueMaintenance schedules a maintenance with automatic transitions over
// [now+from, now+until).
func dueMaintenance(t *testing.T, db *models.DB, from, until time.Duration, componentID string) string {
	t.Helper()
	now := time.Now()
	start, end := now.Add(from), now.Add(until)
	in := openIncident(t, db, models.NewIncident{
		Kind: models.KindMaintenance, Name: "Database upgrade", ComponentIDs: []string{componentID},
		StartedAt: start.Add(-time.Hour), ScheduledFor: &start, ScheduledUntil: &end,
		AutoInProgress: true, AutoComplete: true,
	})
	return in.ID
}

func incidentStatus(t *testing.T, db *models.DB, id string) string {
	t.Helper()
	in, err := db.GetIncident(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return in.Status
}

// RunScheduler runs a round at once, signals the page changed after it,
// and returns when its context is cancelled.
func TestRunSchedulerRoundAndStop(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := addComponent(t, db, models.Component{Name: "API"})
		ongoing := dueMaintenance(t, db, -time.Hour, time.Hour, c.ID)
		over := dueMaintenance(t, db, -3*time.Hour, -2*time.Hour, c.ID)
		later := dueMaintenance(t, db, time.Hour, 2*time.Hour, c.ID)
		a, logs := schedulerApp(t, db, time.Hour)

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); a.RunScheduler(ctx) }()
		logs.waitFor(t, "scheduler: maintenance transitions", 1)
		logs.waitFor(t, "page changed", 1)
		cancel()
		<-done

		for id, want := range map[string]string{ongoing: models.InProgress, over: models.Completed, later: models.Scheduled} {
			if got := incidentStatus(t, db, id); got != want {
				t.Errorf("maintenance %s is %s, want %s", id, got, want)
			}
		}
		comp, err := db.GetComponent(context.Background(), c.ID)
		if err != nil || comp.Status != models.UnderMaintenance {
			t.Errorf("component is %+v (%v), want under maintenance", comp, err)
		}
	})
}

// A round that fails (here: the database is gone) is logged and the loop
// goes on until its context is cancelled.
func TestRunSchedulerSurvivesDatabaseErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		a, logs := schedulerApp(t, db, time.Millisecond)
		db.Close()

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); a.RunScheduler(ctx) }()
		logs.waitFor(t, "scheduler: maintenance round failed", 3)
		select {
		case <-done:
			t.Fatal("RunScheduler returned after a failed round")
		default:
		}
		cancel()
		<-done
	})
}

// Serving runs the scheduler and stops it, after its round, before
// returning: the caller may close the database then.
func TestServeRunsScheduler(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		c := addComponent(t, db, models.Component{Name: "API"})
		id := dueMaintenance(t, db, -time.Hour, time.Hour, c.ID)
		a, logs := schedulerApp(t, db, time.Hour)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- a.ServeListener(ctx, ln) }()
		logs.waitFor(t, "scheduler: maintenance transitions", 1)
		cancel()
		if err := <-served; err != nil {
			t.Fatalf("ServeListener: %v", err)
		}
		finished := false
		for len(logs) > 0 {
			if <-logs == "scheduler finished" {
				finished = true
			}
		}
		if !finished {
			t.Error("ServeListener returned before the scheduler finished")
		}
		if got := incidentStatus(t, db, id); got != models.InProgress {
			t.Errorf("maintenance is %s, want in_progress", got)
		}
	})
}

// Shutdown lets a round that has begun finish instead of aborting its
// transaction, and Serve returns only after it. PostgreSQL only: there a
// round can be held mid-way, on a locked component row, and seen waiting.
func TestShutdownFinishesTheSchedulerRound(t *testing.T) {
	ctx := context.Background()
	db := dbtest.MustOpenDB(t, models.Postgres)
	c := addComponent(t, db, models.Component{Name: "API"})
	id := dueMaintenance(t, db, -time.Hour, time.Hour, c.ID)
	a, logs := schedulerApp(t, db, time.Hour)

	blocker, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback()
	if _, err := blocker.ExecContext(ctx, "SELECT id FROM components WHERE id = $1 FOR UPDATE", c.ID); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveCtx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.ServeListener(serveCtx, ln) }()
	// Wait for the round to wait for the component's lock.
	for {
		var waiting int
		err := db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	logs.waitFor(t, "shutting down: finishing in-flight requests", 1)
	if err := blocker.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Fatalf("ServeListener: %v", err)
	}
	if got := incidentStatus(t, db, id); got != models.InProgress {
		t.Errorf("maintenance is %s after shutdown, want in_progress: the round was cut short", got)
	}
}
