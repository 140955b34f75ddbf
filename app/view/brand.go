package view

import "github.com/beaconstatus/beacon/app/brand"

// Brand is the page's branding as the pages, emails, badges and the
// widget show it: the logo, the favicon and the stylesheet (URLs under
// content-hashed paths, "" when none), the accent colour and the links of
// the header and footer.
type Brand struct {
	LogoURL       string // e.g. /brand/logo.1a2b3c4d5e.svg
	FaviconURL    string
	StylesheetURL string
	Accent        string // "#0b5cad"; "" keeps the default
	AccentText    string // the text colour on the accent: "#ffffff" or "#000000"
	SupportURL    string
	HeaderLinks   []Link
	FooterLinks   []Link
}

// Link is a link of the page's header or footer.
type Link = brand.Link
