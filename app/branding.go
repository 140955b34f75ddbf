package app

import (
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/beaconstatus/beacon/app/brand"
	"github.com/beaconstatus/beacon/app/view"
)

// loadBranding checks the branding the environment sets (BrandingEnv)
// and returns it as the pages show it, with its files as assets. A bad
// value is an error naming its variable: the server does not start.
func loadBranding(env BrandingEnv) (*view.Brand, []brand.Asset, error) {
	b := &view.Brand{}
	var assets []brand.Asset
	if env.AccentColor != "" {
		accent, on, err := brand.CheckAccent(env.AccentColor)
		if err != nil {
			return nil, nil, fmt.Errorf("BRAND_ACCENT_COLOR %s", err)
		}
		b.Accent, b.AccentText = accent, on
	}
	if env.SupportURL != "" {
		if err := checkLinkURL(env.SupportURL); err != nil {
			return nil, nil, fmt.Errorf("BRAND_SUPPORT_URL %s", err)
		}
		b.SupportURL = env.SupportURL
	}
	var err error
	if b.HeaderLinks, err = parseLinks(env.HeaderLinks); err != nil {
		return nil, nil, fmt.Errorf("BRAND_HEADER_LINKS %s", err)
	}
	if b.FooterLinks, err = parseLinks(env.FooterLinks); err != nil {
		return nil, nil, fmt.Errorf("BRAND_FOOTER_LINKS %s", err)
	}
	for _, f := range []struct {
		name, path, kind string
		url              *string
	}{{"BRAND_LOGO_FILE", env.LogoFile, "logo", &b.LogoURL}, {"BRAND_FAVICON_FILE", env.FaviconFile, "favicon", &b.FaviconURL}} {
		if f.path == "" {
			continue
		}
		data, err := readLimited(f.path, brand.MaxImageBytes)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f.name, err)
		}
		body, kind, err := brand.CheckImage(data)
		if err != nil {
			return nil, nil, fmt.Errorf("%s %s", f.name, err)
		}
		a := brand.NewAsset(f.kind, kind, body)
		assets, *f.url = append(assets, a), a.URL()
	}
	var custom []byte
	if env.StylesheetFile != "" {
		if custom, err = readLimited(env.StylesheetFile, brand.MaxStylesheetBytes); err != nil {
			return nil, nil, fmt.Errorf("BRAND_STYLESHEET_FILE: %w", err)
		}
		if err := brand.CheckStylesheet(custom); err != nil {
			return nil, nil, fmt.Errorf("BRAND_STYLESHEET_FILE %s", err)
		}
	}
	if b.Accent != "" || len(custom) > 0 {
		a := brand.NewAsset("theme", "text/css; charset=utf-8", brand.Theme(b.Accent, b.AccentText, custom))
		assets, b.StylesheetURL = append(assets, a), a.URL()
	}
	return b, assets, nil
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

// parseLinks reads "Label|https://…" pairs separated by commas.
func parseLinks(s string) ([]view.Link, error) {
	var links []view.Link
	for _, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		label, u, ok := strings.Cut(part, "|")
		label, u = strings.TrimSpace(label), strings.TrimSpace(u)
		if !ok || label == "" || len(label) > 60 {
			return nil, fmt.Errorf("must be Label|https://… pairs separated by commas (labels up to 60 characters), got %q", part)
		}
		if err := checkLinkURL(u); err != nil {
			return nil, err
		}
		links = append(links, view.Link{Label: label, URL: u})
	}
	if len(links) > 8 {
		return nil, fmt.Errorf("has %d links, more than the 8 allowed", len(links))
	}
	return links, nil
}

// checkLinkURL accepts an http(s) or mailto URL, or a path on the page.
func checkLinkURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil || len(s) > 500:
		return fmt.Errorf("must be a URL such as https://support.example.com, got %q", s)
	case u.Scheme == "" && strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//"):
		return nil
	case (u.Scheme == "https" || u.Scheme == "http") && u.Host != "":
		return nil
	case u.Scheme == "mailto" && u.Opaque != "":
		return nil
	}
	return fmt.Errorf("must be an http(s) or mailto URL, got %q", s)
}
