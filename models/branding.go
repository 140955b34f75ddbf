package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// BrandingAsset is a file of the page's branding uploaded in the console:
// its logo, favicon or custom stylesheet.
type BrandingAsset struct {
	Kind        string `gorm:"primaryKey"` // BrandLogo, BrandFavicon, BrandStylesheet
	ContentType string
	Body        []byte
	Hash        string // hex SHA-256 of Body
	UpdatedAt   time.Time
}

// Kinds of branding asset.
const (
	BrandLogo       = "logo"
	BrandFavicon    = "favicon"
	BrandStylesheet = "stylesheet"
)

// Settings of the page's branding set in the console (the settings table).
const (
	SettingBrandAccent      = "brand_accent_color"
	SettingBrandSupportURL  = "brand_support_url"
	SettingBrandHeaderLinks = "brand_header_links"
	SettingBrandFooterLinks = "brand_footer_links"
)

// BrandSettingKeys lists the branding's settings.
var BrandSettingKeys = []string{SettingBrandAccent, SettingBrandSupportURL, SettingBrandHeaderLinks, SettingBrandFooterLinks}

// Branding is the page's branding as stored: its settings by key and
// its assets by kind.
type Branding struct {
	Settings map[string]string
	Assets   map[string]BrandingAsset
}

// BrandingChange is what a save of the branding form changes: settings to
// store (an empty value deletes one), assets to store and kinds of asset
// to remove.
type BrandingChange struct {
	Settings map[string]string
	Assets   []BrandingAsset
	Remove   []string
}

// GetBranding loads the stored branding.
func (db *DB) GetBranding(ctx context.Context) (Branding, error) {
	b := Branding{Settings: map[string]string{}, Assets: map[string]BrandingAsset{}}
	var settings []Setting
	if err := db.Gorm.WithContext(ctx).Where("key IN ?", BrandSettingKeys).Find(&settings).Error; err != nil {
		return b, fmt.Errorf("models: load branding: %w", err)
	}
	for _, s := range settings {
		b.Settings[s.Key] = s.Value
	}
	var assets []BrandingAsset
	if err := db.Gorm.WithContext(ctx).Find(&assets).Error; err != nil {
		return b, fmt.Errorf("models: load branding assets: %w", err)
	}
	for _, a := range assets {
		b.Assets[a.Kind] = a
	}
	return b, nil
}

// SaveBranding applies a checked change; call it in a transaction (the
// console's write does), so it is all stored or none of it.
func (db *DB) SaveBranding(ctx context.Context, ch BrandingChange, now time.Time) error {
	now = now.UTC()
	{
		g := db.Gorm.WithContext(ctx)
		for key, value := range ch.Settings {
			if value == "" {
				if err := g.Where("key = ?", key).Delete(&Setting{}).Error; err != nil {
					return fmt.Errorf("models: save branding: %w", err)
				}
				continue
			}
			s := Setting{Key: key, Value: value, UpdatedAt: now}
			if err := g.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "key"}},
				DoUpdates: clause.AssignmentColumns([]string{"value", "updated_at"})}).Create(&s).Error; err != nil {
				return fmt.Errorf("models: save branding: %w", err)
			}
		}
		for _, kind := range ch.Remove {
			if err := g.Where("kind = ?", kind).Delete(&BrandingAsset{}).Error; err != nil {
				return fmt.Errorf("models: remove branding %s: %w", kind, err)
			}
		}
		for _, a := range ch.Assets {
			sum := sha256.Sum256(a.Body)
			a.Hash, a.UpdatedAt = hex.EncodeToString(sum[:]), now
			if err := g.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "kind"}},
				DoUpdates: clause.AssignmentColumns([]string{"content_type", "body", "hash", "updated_at"})}).Create(&a).Error; err != nil {
				return fmt.Errorf("models: save branding %s: %w", a.Kind, err)
			}
		}
	}
	return nil
}
