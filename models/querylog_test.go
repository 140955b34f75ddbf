package models_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// lockedBuffer is a log destination safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A failed statement is logged with its placeholders, never its values
// (email addresses, token hashes).
func TestQueryLogHidesValues(t *testing.T) {
	for _, dialect := range []models.Dialect{models.SQLite, models.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			var out lockedBuffer
			db, err := models.Open(context.Background(), dialect, dbtest.NewDSN(t, dialect), slog.New(slog.NewTextHandler(&out, nil)))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			const secret = "secret-address@example.test"
			if err := db.Gorm.Exec("SELECT email FROM no_such_table WHERE email = ?", secret).Error; err == nil {
				t.Fatal("a query of a missing table worked")
			}
			log := out.String()
			if !strings.Contains(log, "no_such_table") {
				t.Fatalf("the failed statement was not logged:\n%s", log)
			}
			if strings.Contains(log, secret) {
				t.Errorf("the log carries the statement's value:\n%s", log)
			}
		})
	}
}
