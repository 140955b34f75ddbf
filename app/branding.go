package app

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"

	"github.com/beaconstatus/beacon/app/brand"
	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/models"
)

// branding is the page's branding now: what the console stored over what
// the environment set (BrandingEnv), reloaded after every page-wide change
// here or on another replica.
type branding struct {
	env brandingInput
	cur atomic.Pointer[brandingNow]
}

// brandingNow is one version of the branding: as the pages show it, and
// its files by name.
type brandingNow struct {
	brand  *view.Brand
	assets map[string]brand.Asset
}

// brandingInput is branding before it is built: checked values and files.
type brandingInput struct {
	Accent, Support string
	Header, Footer  []view.Link
	Logo, Favicon   *brand.Asset // Name empty: built later
	Stylesheet      []byte
}

// newBranding checks the environment's branding (files are read here); a
// bad value is an error naming its variable, and the server does not start.
func newBranding(env BrandingEnv) (*branding, error) {
	var in brandingInput
	if env.AccentColor != "" {
		accent, _, err := brand.CheckAccent(env.AccentColor)
		if err != nil {
			return nil, fmt.Errorf("BRAND_ACCENT_COLOR %s", err)
		}
		in.Accent = accent
	}
	if env.SupportURL != "" {
		if err := brand.CheckLinkURL(env.SupportURL); err != nil {
			return nil, fmt.Errorf("BRAND_SUPPORT_URL %s", err)
		}
		in.Support = env.SupportURL
	}
	var err error
	if in.Header, err = brand.ParseLinks(strings.Split(env.HeaderLinks, ",")); err != nil {
		return nil, fmt.Errorf("BRAND_HEADER_LINKS %s", err)
	}
	if in.Footer, err = brand.ParseLinks(strings.Split(env.FooterLinks, ",")); err != nil {
		return nil, fmt.Errorf("BRAND_FOOTER_LINKS %s", err)
	}
	for _, f := range []struct {
		name, path string
		to         **brand.Asset
	}{{"BRAND_LOGO_FILE", env.LogoFile, &in.Logo}, {"BRAND_FAVICON_FILE", env.FaviconFile, &in.Favicon}} {
		if f.path == "" {
			continue
		}
		data, err := readLimited(f.path, brand.MaxImageBytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		body, kind, err := brand.CheckImage(data)
		if err != nil {
			return nil, fmt.Errorf("%s %s", f.name, err)
		}
		*f.to = &brand.Asset{ContentType: kind, Body: body}
	}
	if env.StylesheetFile != "" {
		if in.Stylesheet, err = readLimited(env.StylesheetFile, brand.MaxStylesheetBytes); err != nil {
			return nil, fmt.Errorf("BRAND_STYLESHEET_FILE: %w", err)
		}
		if err := brand.CheckStylesheet(in.Stylesheet); err != nil {
			return nil, fmt.Errorf("BRAND_STYLESHEET_FILE %s", err)
		}
	}
	b := &branding{env: in}
	b.cur.Store(in.build())
	return b, nil
}

// reload builds the branding again from the database over the environment.
func (b *branding) reload(ctx context.Context, db *models.DB) error {
	stored, err := db.GetBranding(ctx)
	if err != nil {
		return err
	}
	in := b.env
	if v := stored.Settings[models.SettingBrandAccent]; v != "" {
		in.Accent = v
	}
	if v := stored.Settings[models.SettingBrandSupportURL]; v != "" {
		in.Support = v
	}
	// Stored links were checked on save.
	if v := stored.Settings[models.SettingBrandHeaderLinks]; v != "" {
		in.Header, _ = brand.ParseLinks(strings.Split(v, "\n"))
	}
	if v := stored.Settings[models.SettingBrandFooterLinks]; v != "" {
		in.Footer, _ = brand.ParseLinks(strings.Split(v, "\n"))
	}
	if a, ok := stored.Assets[models.BrandLogo]; ok {
		in.Logo = &brand.Asset{ContentType: a.ContentType, Body: a.Body}
	}
	if a, ok := stored.Assets[models.BrandFavicon]; ok {
		in.Favicon = &brand.Asset{ContentType: a.ContentType, Body: a.Body}
	}
	if a, ok := stored.Assets[models.BrandStylesheet]; ok {
		in.Stylesheet = a.Body
	}
	b.cur.Store(in.build())
	return nil
}

// build makes the branding the pages show and its files.
func (in brandingInput) build() *brandingNow {
	now := &brandingNow{brand: &view.Brand{Accent: in.Accent, SupportURL: in.Support, HeaderLinks: in.Header, FooterLinks: in.Footer},
		assets: map[string]brand.Asset{}}
	add := func(kind, contentType string, body []byte) string {
		a := brand.NewAsset(kind, contentType, body)
		now.assets[a.Name] = a
		return a.URL()
	}
	if in.Logo != nil {
		now.brand.LogoURL = add("logo", in.Logo.ContentType, in.Logo.Body)
	}
	if in.Favicon != nil {
		now.brand.FaviconURL = add("favicon", in.Favicon.ContentType, in.Favicon.Body)
	}
	if in.Accent != "" {
		if _, on, err := brand.CheckAccent(in.Accent); err == nil {
			now.brand.AccentText = on
		}
	}
	if in.Accent != "" || len(in.Stylesheet) > 0 {
		now.brand.StylesheetURL = add("theme", "text/css; charset=utf-8", brand.Theme(in.Accent, now.brand.AccentText, in.Stylesheet))
	}
	return now
}

// Brand is the branding the pages show now.
func (b *branding) Brand() *view.Brand { return b.cur.Load().brand }

// Asset finds a file of the branding by its name.
func (b *branding) Asset(name string) (brand.Asset, bool) {
	a, ok := b.cur.Load().assets[name]
	return a, ok
}

// readLimited reads a file of at most max bytes.
func readLimited(path string, max int) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s", path)
	}
	if st.Size() > int64(max) {
		return nil, fmt.Errorf("%s is %d KiB, more than the %d KiB allowed", path, (st.Size()+1023)/1024, max/1024)
	}
	return os.ReadFile(path)
}
