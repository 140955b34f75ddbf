package main_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// killedFanOut is the setting shared by the tests that kill 'beacon serve'
// (SIGKILL) in the middle of a fan-out and start it again
// (TestNotifyKilledMidFanOut, TestHooksKilledMidFanOut): a migrated
// database with an editor's API token and n confirmed subscribers, which
// the test also opens.
type killedFanOut struct {
	env   []string
	token string
	db    *models.DB
	n     int
}

// newKilledFanOut migrates the database of env, adds an editor's token,
// opens dsn and inserts n subscribers in one transaction, insert adding
// the i-th at now.
func newKilledFanOut(t *testing.T, env []string, dialect models.Dialect, dsn string, n int,
	insert func(tx *models.DB, i int, now time.Time) error) *killedFanOut {
	t.Helper()
	if out, errOut, code := runBeacon(t, env, "", "migrate"); code != 0 {
		t.Fatalf("beacon migrate: exit %d, %s %s", code, out, errOut)
	}
	out, errOut, code := runBeacon(t, env, "", "token", "add", "--name", "alerts", "--role", "editor")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]
	if code != 0 || !strings.HasPrefix(token, "bcn_") {
		t.Fatalf("token add: exit %d, %q %q", code, out, errOut)
	}
	ctx := context.Background()
	db, err := models.Open(ctx, dialect, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	err = db.InTx(ctx, func(tx *models.DB) error {
		now := time.Now().UTC()
		for i := range n {
			if err := insert(tx, i, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return &killedFanOut{env: env, token: token, db: db, n: n}
}

// killAndRestart starts the server, opens an incident with notifications
// through the API, kills the server once received() (what the receiving
// end has got, counted in unit) reaches a quarter of the subscribers,
// lets the killed workers' leases run out, starts the server again and
// waits until every delivery is sent. It returns received() at the kill.
func (k *killedFanOut) killAndRestart(t *testing.T, dialect models.Dialect, unit string, received func() int) (atKill int) {
	t.Helper()
	t0 := time.Now()
	first := startServer(t, k.env)
	t.Logf("started after %s", time.Since(t0))
	var pages []struct{ ID string }
	if code := apiCall(t, "GET", first.URL+"/v1/pages", k.token, nil, &pages); code != 200 || len(pages) != 1 {
		t.Fatalf("GET /v1/pages = %d", code)
	}
	if code := apiCall(t, "POST", first.URL+"/v1/pages/"+pages[0].ID+"/incidents", k.token, map[string]any{"incident": map[string]any{
		"name": "API errors", "status": "investigating", "body": "We are looking into it.", "deliver_notifications": true,
	}}, nil); code != 201 {
		t.Fatalf("open incident = %d", code)
	}
	if !waitFor(t, func() bool { return received() >= k.n/4 }) {
		t.Fatalf("only %d %s by the test's deadline:\n%s", received(), unit, first.Logs)
	}
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-first.exited
	atKill = received()
	t.Logf("%s: killed with %d %s received; deliveries %v", dialect, atKill, unit, dbtest.DeliveryStatuses(t, k.db))
	if atKill >= k.n {
		t.Fatalf("the fan-out finished before the kill (%d %s): nothing was tested", atKill, unit)
	}
	// The killed workers' leases run out (the test moves the clock for
	// this one step instead of waiting out the lease).
	if _, err := k.db.ReleaseExpired(context.Background(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	t.Logf("killed after %s", time.Since(t0))
	second := startServer(t, k.env)
	t.Logf("restarted after %s", time.Since(t0))
	if !waitFor(t, func() bool { return dbtest.DeliveryStatuses(t, k.db)[models.DeliverySent] == k.n }) {
		t.Fatalf("not all sent after the restart: %v\n%s", dbtest.DeliveryStatuses(t, k.db), second.Logs)
	}
	t.Logf("all sent after %s", time.Since(t0))
	return atKill
}
