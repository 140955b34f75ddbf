package brand

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Asset is a branding file served under a content-hashed URL.
type Asset struct {
	Name        string // e.g. logo.1a2b3c4d5e.svg, as in its URL /brand/{Name}
	ContentType string
	Body        []byte
}

// NewAsset names body by kind (logo, favicon, theme) and its content hash.
func NewAsset(kind, contentType string, body []byte) Asset {
	sum := sha256.Sum256(body)
	ext := map[string]string{SVG: "svg", PNG: "png", WebP: "webp", "text/css; charset=utf-8": "css"}[contentType]
	return Asset{Name: fmt.Sprintf("%s.%s.%s", kind, hex.EncodeToString(sum[:5]), ext), ContentType: contentType, Body: body}
}

// URL is the asset's path.
func (a Asset) URL() string { return "/brand/" + a.Name }

// Theme is the stylesheet that follows the page's own: the accent colour
// as the links', focus rings' and buttons' colour, then the custom
// stylesheet as given.
func Theme(accent, onAccent string, custom []byte) []byte {
	var b strings.Builder
	if accent != "" {
		fmt.Fprintf(&b, ":root { --link: %s; --focus: %s; --accent: %s; --on-accent: %s; }\n", accent, accent, accent, onAccent)
		b.WriteString("@media (prefers-color-scheme: dark) { :root { --link: #4493f8; --focus: #4493f8; } }\n")
		b.WriteString(".site-header { border-top: 4px solid var(--accent); }\n")
	}
	b.Write(custom)
	return []byte(b.String())
}
