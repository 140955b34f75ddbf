package brand_test

import (
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/app/brand"
)

func TestCheckAccent(t *testing.T) {
	for _, tt := range []struct{ in, want, on, err string }{
		{"#0B5CAD", "#0b5cad", "#ffffff", ""},
		{"#036", "#003366", "#ffffff", ""},
		{"#ffeb3b", "", "", "contrast of 1.14:1"},
		{"#2da44e", "", "", "WCAG AA"},
		{"red", "", "", "must be a colour"},
		{"#12345g", "", "", "must be a colour"},
		{"", "", "", "must be a colour"},
		{"#1234", "", "", "must be a colour"},
	} {
		got, on, err := brand.CheckAccent(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: error %v, want one with %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want || on != tt.on {
			t.Errorf("%q = %q on %q, %v; want %q on %q", tt.in, got, on, err, tt.want, tt.on)
		}
	}
}

const okSVG = `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10"><defs><linearGradient id="g"><stop offset="0" stop-color="#036"/></linearGradient></defs><title>Acme</title><rect width="10" height="10" fill="url(#g)"/><use xlink:href="#g"/></svg>`

func TestCheckImage(t *testing.T) {
	if data, kind, err := brand.CheckImage([]byte(okSVG)); err != nil || kind != brand.SVG || string(data) != okSVG {
		t.Errorf("a plain SVG logo: %s %v", kind, err)
	}
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 32)...)
	if _, kind, err := brand.CheckImage(png); err != nil || kind != brand.PNG {
		t.Errorf("PNG: %s %v", kind, err)
	}
	webp := []byte("RIFF\x10\x00\x00\x00WEBPVP8 xxxx")
	if _, kind, err := brand.CheckImage(webp); err != nil || kind != brand.WebP {
		t.Errorf("WebP: %s %v", kind, err)
	}
	for name, tt := range map[string]struct{ in, err string }{
		"script":          {`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`, "<script>"},
		"event handler":   {`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`, "event handler"},
		"foreignObject":   {`<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>`, "<foreignObject>"},
		"external href":   {`<svg xmlns="http://www.w3.org/2000/svg"><use href="https://evil.test/x.svg#a"/></svg>`, "another document"},
		"external xlink":  {`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><use xlink:href="//evil.test/x.svg#a"/></svg>`, "another document"},
		"external url()":  {`<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(https://evil.test/p)"/></svg>`, "another document"},
		"image":           {`<svg xmlns="http://www.w3.org/2000/svg"><image href="#x"/></svg>`, "<image>"},
		"style attribute": {`<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://e.test)"/></svg>`, "style"},
		"entity":          {`<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>`, "DTD"},
		"javascript url":  {`<svg xmlns="http://www.w3.org/2000/svg"><use href="javascript:alert(1)"/></svg>`, "another document"},
		"not svg":         {`<html><body>hi</body></html>`, "not a PNG, WebP or SVG"},
		"malformed":       {`<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>`, "well-formed"},
		"text":            {`hello`, "not a PNG, WebP or"},
		"empty":           {``, "empty"},
		"oversized":       {"<svg>" + strings.Repeat(" ", brand.MaxImageBytes) + "</svg>", "more than the 256 KiB"},
	} {
		if _, _, err := brand.CheckImage([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: error %v, want one with %q", name, err, tt.err)
		}
	}
}

func TestCheckStylesheet(t *testing.T) {
	if err := brand.CheckStylesheet([]byte(`.brand { color: #036; } .banner { background: url(/static/img/x.svg) }`)); err != nil {
		t.Errorf("a plain stylesheet: %v", err)
	}
	for name, tt := range map[string]struct{ in, err string }{
		"import":            {`@import url("https://fonts.example/x.css");`, "@import"},
		"import bare":       {`@IMPORT "x.css";`, "@import"},
		"cross-origin url":  {`body { background: url(https://tracker.test/p.gif) }`, "another origin"},
		"protocol-relative": {`body { background: url( '//tracker.test/p.gif' ) }`, "another origin"},
		"data url":          {`body { background: url(data:image/png;base64,xx) }`, "another origin"},
		"escape":            {`body { background: u\72l(https://x.test) }`, "backslash"},
		"unclosed":          {`body { background: url(/x.png }`, "unclosed"},
		"not utf-8":         {"body { content: \"\xff\" }", "UTF-8"},
		"oversized":         {strings.Repeat(" ", brand.MaxStylesheetBytes+1), "more than the 64 KiB"},
	} {
		if err := brand.CheckStylesheet([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: error %v, want one with %q", name, err, tt.err)
		}
	}
}

// FuzzSanitizeSVG: whatever the input, an SVG the sanitiser accepts holds
// no script, event handler, foreignObject or external reference.
func FuzzSanitizeSVG(f *testing.F) {
	f.Add([]byte(okSVG))
	f.Add([]byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="x"/>`))
	f.Add([]byte(`<svg><script>x</script></svg>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := brand.SanitizeSVG(data)
		if err != nil {
			return
		}
		low := strings.ToLower(string(out))
		for _, bad := range []string{"<script", "foreignobject", "javascript:", "<!doctype", "<!entity"} {
			if strings.Contains(low, bad) && !strings.Contains(low, "<![cdata[") && !strings.Contains(low, "<!--") {
				t.Fatalf("accepted %q holding %s", data, bad)
			}
		}
	})
}

// FuzzCheckStylesheet: a stylesheet the checker accepts has no @import and
// no url() with a scheme or a host.
func FuzzCheckStylesheet(f *testing.F) {
	f.Add([]byte(`.a { color: red }`))
	f.Add([]byte(`@import "x";`))
	f.Add([]byte(`a { background: url(//x.test/y) }`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if brand.CheckStylesheet(data) != nil {
			return
		}
		low := strings.ToLower(string(data))
		if strings.Contains(low, "@import") || strings.Contains(low, "url(http") || strings.Contains(low, "url(//") {
			t.Fatalf("accepted %q", data)
		}
	})
}
