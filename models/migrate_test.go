package models_test

import (
	"context"
	"errors"
	"io/fs"
	"sort"
	"sync"
	"testing"

	"gorm.io/gorm/schema"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// Both dialects must have the same migration versions, so one number means
// one schema everywhere.
func TestMigrationVersionsMatch(t *testing.T) {
	names := func(d models.Dialect) []string {
		src, err := models.MigrationSource(d)
		if err != nil {
			t.Fatal(err)
		}
		files, err := fs.Glob(src, "*.sql")
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(files)
		return files
	}
	pg, lite := names(models.Postgres), names(models.SQLite)
	if len(pg) == 0 {
		t.Fatal("no migrations found")
	}
	if len(pg) != len(lite) {
		t.Fatalf("postgres has %d migrations, sqlite %d", len(pg), len(lite))
	}
	for i := range pg {
		if pg[i] != lite[i] {
			t.Errorf("migration %d: postgres %s, sqlite %s", i, pg[i], lite[i])
		}
	}
}

// Every column a model reads or writes exists in the migrated schema.
func TestSchemaHasModelColumns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		for _, m := range []any{&models.Component{}, &models.StatusChange{}, &models.Incident{},
			&models.TimelineEvent{}, &models.Setting{}, &models.User{}, &models.APIToken{},
			&models.Postmortem{}, &models.PostmortemSection{}, &models.PostmortemEntry{},
			&models.PostmortemRevision{}, &models.ActionItem{}, &models.Notification{}} {
			s, err := schema.Parse(m, &sync.Map{}, db.Gorm.NamingStrategy)
			if err != nil {
				t.Fatal(err)
			}
			cols, err := db.Gorm.Migrator().ColumnTypes(s.Table)
			if err != nil {
				t.Fatalf("%s: %v", s.Table, err)
			}
			have := map[string]bool{}
			for _, c := range cols {
				have[c.Name()] = true
			}
			for _, f := range s.Fields {
				if f.DBName != "" && !have[f.DBName] {
					t.Errorf("table %s has no column %s (field %s.%s)", s.Table, f.DBName, s.Name, f.Name)
				}
			}
		}
	})
}

// Migrating twice is a no-op, and a migrated database passes the check that
// serve makes.
func TestMigrateTwiceIsNoop(t *testing.T) {
	for _, d := range []models.Dialect{models.SQLite, models.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			var dsn string
			if d == models.Postgres {
				dsn = dbtest.NewEmptyPostgres(t)
			} else {
				dsn = dbtest.NewDSN(t, d)
			}
			db, err := models.Open(ctx, d, dsn, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.CheckMigrations(ctx); !errors.Is(err, models.ErrPendingMigrations) {
				t.Fatalf("fresh database: CheckMigrations = %v, want ErrPendingMigrations", err)
			}
			first, err := db.Migrate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(first.Applied) == 0 || first.From != 0 {
				t.Fatalf("first migrate applied %v from %d", first.Applied, first.From)
			}
			second, err := db.Migrate(ctx)
			if err != nil {
				t.Fatalf("second migrate: %v", err)
			}
			if len(second.Applied) != 0 || second.From != first.To {
				t.Fatalf("second migrate applied %v (from %d), want nothing", second.Applied, second.From)
			}
			if err := db.CheckMigrations(ctx); err != nil {
				t.Fatalf("CheckMigrations after migrate: %v", err)
			}
		})
	}
}

// InTx keeps all of fn's changes or none: a failure after several writes
// (each a transaction of its own) leaves nothing behind.
func TestInTxRollsBackEverything(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := db.InTx(ctx, func(tx *models.DB) error {
			for _, name := range []string{"API", "Web"} {
				if err := tx.CreateComponent(ctx, &models.Component{Name: name}, "test"); err != nil {
					return err
				}
			}
			if _, err := tx.OpenIncident(ctx, models.NewIncident{Name: "Outage", Body: "Down."}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v, want boom", err)
		}
		comps, err := db.ListComponents(ctx)
		if err != nil || len(comps) != 0 {
			t.Fatalf("after a failed InTx: %d components (%v), want none", len(comps), err)
		}
		if _, found, _ := db.OldestIncidentStart(ctx); found {
			t.Fatal("after a failed InTx an incident remains")
		}
		// And a successful one keeps everything.
		err = db.InTx(ctx, func(tx *models.DB) error {
			return tx.CreateComponent(ctx, &models.Component{Name: "API"}, "test")
		})
		if comps, _ := db.ListComponents(ctx); err != nil || len(comps) != 1 {
			t.Fatalf("after a good InTx: %d components (%v), want 1", len(comps), err)
		}
	})
}
