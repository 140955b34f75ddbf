package app_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/beaconstatus/beacon/app"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// With SECRET_KEY unset, the first start generates a key and keeps it; later
// starts (and other replicas) reuse it. The page id is kept the same way.
func TestSecretKeyGeneratedOnceAndKept(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		cfg, err := app.LoadConfig(func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.New(ctx, cfg, db, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
		key, err := db.GetSetting(ctx, models.SettingSecretKey)
		if err != nil {
			t.Fatalf("no secret key stored after first start: %v", err)
		}
		if len(key) < app.MinSecretKeyLength {
			t.Fatalf("generated key has %d characters, want at least %d", len(key), app.MinSecretKeyLength)
		}
		pageID, err := db.GetSetting(ctx, models.SettingPageID)
		if err != nil || !models.ValidID(pageID) {
			t.Fatalf("page id %q, %v", pageID, err)
		}
		if _, err := app.New(ctx, cfg, db, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
		again, _ := db.GetSetting(ctx, models.SettingSecretKey)
		againID, _ := db.GetSetting(ctx, models.SettingPageID)
		if again != key || againID != pageID {
			t.Fatal("a second start changed the stored secret key or page id")
		}
	})
}

// A SECRET_KEY from the environment is used as is, and none is stored.
func TestSecretKeyFromEnvironmentIsNotStored(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		env := map[string]string{"SECRET_KEY": "0123456789abcdef0123456789abcdef-from-env"}
		cfg, err := app.LoadConfig(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.New(ctx, cfg, db, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.GetSetting(ctx, models.SettingSecretKey); err != models.ErrNotFound {
			t.Fatalf("GetSetting(secret_key) = %v, want ErrNotFound", err)
		}
	})
}
