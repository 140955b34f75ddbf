// Package brand checks and holds the page's branding: the accent colour
// (refused when text on it, or it as text, fails WCAG AA), the logo and
// favicon (SVG sanitised, PNG and WebP checked by their signature), the
// custom stylesheet (no @import or url() of another origin) and the
// links of the header and footer.
package brand

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// PageBackground and CardBackground are the page's light backgrounds
// (static/css/app.css --bg and --card) an accent colour is checked against.
const (
	PageBackground = "#f6f8fa"
	CardBackground = "#ffffff"
)

// MinContrast is WCAG 2 AA's contrast for normal text.
const MinContrast = 4.5

// ParseColor reads a colour as #rgb or #rrggbb and returns it as #rrggbb.
func ParseColor(s string) (string, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if !strings.HasPrefix(s, "#") || (len(s) != 4 && len(s) != 7) {
		return "", fmt.Errorf("must be a colour such as #0b5cad")
	}
	hex := s[1:]
	if len(hex) == 3 {
		hex = string([]byte{hex[0], hex[0], hex[1], hex[1], hex[2], hex[2]})
	}
	if _, err := strconv.ParseUint(hex, 16, 32); err != nil {
		return "", fmt.Errorf("must be a colour such as #0b5cad")
	}
	return "#" + hex, nil
}

// luminance is the relative luminance of a #rrggbb colour (WCAG 2).
func luminance(c string) float64 {
	v, _ := strconv.ParseUint(c[1:], 16, 32)
	ch := func(x uint64) float64 {
		s := float64(x) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(v>>16&0xff) + 0.7152*ch(v>>8&0xff) + 0.0722*ch(v&0xff)
}

// Contrast is the WCAG 2 contrast ratio of two #rrggbb colours.
func Contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// CheckAccent reads an accent colour: links and buttons are drawn in it on
// the page's backgrounds, so it must reach MinContrast against both. It
// returns the colour and the text colour to put on it (black or white,
// whichever contrasts more).
func CheckAccent(s string) (accent, onAccent string, err error) {
	c, err := ParseColor(s)
	if err != nil {
		return "", "", err
	}
	for _, bg := range []string{PageBackground, CardBackground} {
		if r := Contrast(c, bg); r < MinContrast {
			return "", "", fmt.Errorf("has a contrast of %.2f:1 against the page background %s; WCAG AA needs at least %.1f:1 for text, so choose a darker colour", math.Floor(r*100)/100, bg, MinContrast)
		}
	}
	onAccent = "#ffffff"
	if Contrast(c, "#000000") > Contrast(c, onAccent) {
		onAccent = "#000000"
	}
	return c, onAccent, nil
}
