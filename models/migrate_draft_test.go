package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// Migration 00015 (drafts, the jira kind) keeps every integration row: on
// SQLite it rebuilds the integration tables, so a database at 00011 with
// an integration, its deliveries, receipts, alerts and channels keeps them
// all, their foreign keys still hold (a delivery of no integration is
// refused, deleting an integration cascades), a jira integration is
// allowed, and incidents are not drafts.
func TestMigrationToDraftsKeepsIntegrations(t *testing.T) {
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
			src, err := models.MigrationSource(d)
			if err != nil {
				t.Fatal(err)
			}
			gd := goose.DialectSQLite3
			if d == models.Postgres {
				gd = goose.DialectPostgres
			}
			p, err := goose.NewProvider(gd, db.SQL, src)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.UpTo(ctx, 11); err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC()
			exec := func(q string, args ...any) {
				t.Helper()
				if err := db.Gorm.Exec(q, args...).Error; err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			exec(`INSERT INTO components (id, name, status, position, created_at, updated_at) VALUES ('c1', 'API', 'operational', 0, ?, ?)`, now, now)
			exec(`INSERT INTO incidents (id, kind, name, status, impact, started_at, created_at, updated_at) VALUES ('i1', 'incident', 'Down', 'investigating', 'major', ?, ?, ?)`, now, now, now)
			exec(`INSERT INTO integrations (id, kind, name, token, created_at, updated_at) VALUES ('g1', 'slack', 'Slack', 'tok', ?, ?)`, now, now)
			exec(`INSERT INTO integration_deliveries (integration_id, accepted, status_code, received_at) VALUES ('g1', true, 200, ?)`, now)
			exec(`INSERT INTO integration_receipts (integration_id, key, received_at) VALUES ('g1', 'k1', ?)`, now)
			exec(`INSERT INTO integration_alerts (id, integration_id, fingerprint, status, component_id, occurred_at, attach_until, received_at) VALUES ('a1', 'g1', 'fp', 'alert', 'c1', ?, ?, ?)`, now, now, now)
			exec(`INSERT INTO integration_channels (integration_id, channel_id, incident_id, linked_at) VALUES ('g1', 'C1', 'i1', ?)`, now)

			if _, err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrate to the drafts: %v", err)
			}
			count := func(table string) int64 {
				var n int64
				if err := db.Gorm.Table(table).Count(&n).Error; err != nil {
					t.Fatal(err)
				}
				return n
			}
			for _, table := range []string{"integrations", "integration_deliveries", "integration_receipts", "integration_alerts", "integration_channels"} {
				if n := count(table); n != 1 {
					t.Errorf("%s: %d rows after the migration, want 1", table, n)
				}
			}
			var draft []bool
			if err := db.Gorm.Table("incidents").Pluck("draft", &draft).Error; err != nil || len(draft) != 1 || draft[0] {
				t.Errorf("incident draft = %v %v, want false", draft, err)
			}
			if err := db.Gorm.Exec(`INSERT INTO integration_deliveries (integration_id, accepted, status_code, received_at) VALUES ('nobody', true, 200, ?)`, now).Error; err == nil {
				t.Error("a delivery of no integration was accepted: the foreign key is gone")
			}
			exec(`INSERT INTO integrations (id, kind, name, token, created_at, updated_at) VALUES ('g2', 'jira', 'Jira', 'tok2', ?, ?)`, now, now)
			if err := db.Gorm.Exec(`INSERT INTO integrations (id, kind, name, token, created_at, updated_at) VALUES ('g3', 'nagios', 'N', 'tok3', ?, ?)`, now, now).Error; err == nil {
				t.Error("an unknown kind was accepted: the check is gone")
			}
			exec(`DELETE FROM integrations WHERE id = 'g1'`)
			for _, table := range []string{"integration_deliveries", "integration_receipts", "integration_alerts", "integration_channels"} {
				if n := count(table); n != 0 {
					t.Errorf("%s: %d rows after deleting their integration, want 0 (cascade)", table, n)
				}
			}
		})
	}
}
