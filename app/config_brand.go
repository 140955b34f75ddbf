package app

// BrandingEnv is the page's branding as the environment sets it, for
// deployments configured as code: BRAND_ACCENT_COLOR, BRAND_SUPPORT_URL,
// BRAND_HEADER_LINKS and BRAND_FOOTER_LINKS ("Label|https://…" pairs
// separated by commas), BRAND_LOGO_FILE, BRAND_FAVICON_FILE and
// BRAND_STYLESHEET_FILE (files read and checked at start).
type BrandingEnv struct {
	AccentColor                           string
	SupportURL                            string
	HeaderLinks, FooterLinks              string
	LogoFile, FaviconFile, StylesheetFile string
}

// brandingFromEnv reads the BRAND_* variables; App.New checks them (files are read there).
func brandingFromEnv(env func(string) string) BrandingEnv {
	return BrandingEnv{
		AccentColor: env("BRAND_ACCENT_COLOR"), SupportURL: env("BRAND_SUPPORT_URL"),
		HeaderLinks: env("BRAND_HEADER_LINKS"), FooterLinks: env("BRAND_FOOTER_LINKS"),
		LogoFile: env("BRAND_LOGO_FILE"), FaviconFile: env("BRAND_FAVICON_FILE"), StylesheetFile: env("BRAND_STYLESHEET_FILE"),
	}
}
