package main_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

const testLogo = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 32"><title>Acme Cloud</title>` +
	`<rect width="32" height="32" rx="6" fill="#0b5cad"/><path d="M8 24l8-16 8 16z" fill="#fff"/>` +
	`<text x="40" y="22" font-family="sans-serif" font-size="16" fill="#0b5cad">Acme</text></svg>`

// TestBrandedPageInBrowser serves the demo page branded from the
// environment (logo, accent colour, stylesheet, support, header and footer
// links) and reads it in German and Korean, chosen with the page's
// language switch (no JavaScript needed: a link and a cookie), on a phone
// and on a desktop. Screenshots go to $BROWSER_ARTIFACTS/branded (the
// ones in docs/screenshots were taken so).
func TestBrandedPageInBrowser(t *testing.T) {
	chromiumPath(t)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dir := t.TempDir()
			logo, css := filepath.Join(dir, "logo.svg"), filepath.Join(dir, "brand.css")
			if err := os.WriteFile(logo, []byte(testLogo), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(css, []byte(".site-footer { border-top: 2px solid #0b5cad; }\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			s, _ := demoServer(t, dialect, "BRAND_ACCENT_COLOR=#0b5cad", "BRAND_LOGO_FILE="+logo, "BRAND_STYLESHEET_FILE="+css,
				"BRAND_SUPPORT_URL=mailto:support@acme.test", "BRAND_HEADER_LINKS=Acme|https://acme.test/,Docs|https://docs.acme.test/",
				"BRAND_FOOTER_LINKS=Privacy|https://acme.test/privacy")
			shots := artifacts(t, "branded")
			for _, device := range []struct {
				name string
				size chromedp.EmulateAction
			}{
				{"phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)},
				{"desktop", chromedp.EmulateViewport(1280, 900)},
			} {
				b := newBrowser(t)
				b.run(t, "size the "+device.name, device.size)
				b.run(t, "open the page", chromedp.Navigate(s.URL+"/"), chromedp.WaitVisible(".lang-switch", chromedp.ByQuery))
				for _, tt := range []struct {
					code, name string
					wants      []string
				}{
					{"de", "Deutsch", []string{"Systemstatus", "Frühere Störungen", "Per E-Mail informiert werden", "Verfügbarkeit", "Heute", "Support", "Privacy", "Docs"}},
					{"ko", "한국어", []string{"시스템 상태", "지난 장애", "이메일로 업데이트 받기", "가동률", "오늘", "지원", "Privacy", "Docs"}},
				} {
					relative := map[string]*regexp.Regexp{"de": regexp.MustCompile(`\((vor |jetzt|in )`), "ko": regexp.MustCompile(`(전|지금|후)\)`)}[tt.code]
					b.run(t, "switch to "+tt.name,
						chromedp.Click(`.lang-switch a[hreflang="`+tt.code+`"]`, chromedp.ByQuery),
						chromedp.WaitVisible(`html[lang="`+tt.code+`"] .lang-switch [aria-current][lang="`+tt.code+`"]`, chromedp.ByQuery))
					mustContain(t, tt.name+" page on the "+device.name, b.text(t), tt.wants...)
					// Dates and relative times in the page's language.
					var updated string
					b.run(t, "read when the page was updated", chromedp.Text("#updated-at", &updated, chromedp.ByQuery))
					if !relative.MatchString(updated) {
						t.Errorf("%s on the %s: %q has no relative time in %s", tt.name, device.name, updated, tt.name)
					}
					var logoOK bool
					var border, footer string
					b.run(t, "read the branding",
						chromedp.WaitVisible(`.brand-logo`, chromedp.ByQuery),
						chromedp.Evaluate(`(() => { const i = document.querySelector(".brand-logo"); return i.complete && i.naturalWidth > 0 && i.alt === "Acme Cloud"; })()`, &logoOK),
						chromedp.Evaluate(`getComputedStyle(document.querySelector(".site-header")).borderTopColor`, &border),
						chromedp.Evaluate(`getComputedStyle(document.querySelector(".site-footer")).borderTopColor`, &footer))
					if !logoOK {
						t.Errorf("%s on the %s: the logo did not load", tt.name, device.name)
					}
					if border != "rgb(11, 92, 173)" || footer != "rgb(11, 92, 173)" {
						t.Errorf("%s on the %s: header border %s, footer border %s, want the accent rgb(11, 92, 173)", tt.name, device.name, border, footer)
					}
					// The language sticks from page to page.
					b.run(t, "open the history", chromedp.Navigate(s.URL+"/history"), chromedp.WaitVisible(`html[lang="`+tt.code+`"] h1`, chromedp.ByQuery))
					b.run(t, "back to the page", chromedp.Navigate(s.URL+"/"), chromedp.WaitVisible(`html[lang="`+tt.code+`"] .banner`, chromedp.ByQuery))
					shots.save(t, b, "branded-"+tt.code+"-"+device.name)
				}
				if device.name == "desktop" {
					// The uptime bars with a day's tooltip opened by the
					// keyboard, and the footer with the language switch.
					b.run(t, "focus a day with downtime",
						chromedp.ScrollIntoView(`.bars > [tabindex="0"]`, chromedp.ByQuery),
						chromedp.Focus(`.bars > [tabindex="0"]`, chromedp.ByQuery),
						chromedp.WaitVisible(`.bars > [tabindex="0"]:focus`, chromedp.ByQuery))
					shots.save(t, b, "uptime-tooltip-ko-desktop")
					b.run(t, "scroll to the footer", chromedp.ScrollIntoView(".lang-switch", chromedp.ByQuery))
					shots.save(t, b, "footer-ko-desktop")
				}
				if !strings.Contains(b.location(t), s.URL) {
					t.Errorf("left the page: %s", b.location(t))
				}
				b.noErrors(t)
			}
		})
	}
}
