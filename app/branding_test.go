package app_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

const brandLogo = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><title>Acme</title><rect width="32" height="32" fill="#0b5cad"/></svg>`

// postBranding posts the branding form as a browser does: multipart, with
// the session's CSRF token; files maps a field to its file's content.
func postBranding(t *testing.T, c *consoleClient, fields map[string]string, files map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("csrf", c.CSRF())
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for k, v := range files {
		fw, err := w.CreateFormFile(k, k+".bin")
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(fw, v)
	}
	w.Close()
	req := httptest.NewRequest(http.MethodPost, "/admin/branding", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.Do(req)
}

var brandAssetRE = regexp.MustCompile(`/brand/(logo|theme)\.[0-9a-f]{10}\.(svg|css)`)

// An administrator brands the page: the logo and the accent's theme are
// served under content-hashed URLs with a long cache, the page links them
// with its support and footer links, and a shared link's card shows the
// logo.
func TestBrandingInConsole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		a := newTestApp(t, db, nil)
		h := a.Handler()
		admin := signIn(t, h, db, models.RoleAdmin)
		if rec := admin.Get("/admin/branding"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `name="accent_color"`) {
			t.Fatalf("branding page: %d", rec.Code)
		}
		rec := postBranding(t, admin, map[string]string{
			"accent_color": "#0B5CAD", "support_url": "mailto:help@acme.test",
			"header_links": "Home|https://acme.test/\r\nDocs|https://docs.acme.test/", "footer_links": "Privacy|https://acme.test/privacy",
		}, map[string]string{"logo": brandLogo, "stylesheet": ".banner { border-radius: 0; }"})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("save branding: %d %s", rec.Code, rec.Body)
		}
		page := get(t, h, "/").Body.String()
		contains(t, page, `class="brand-logo"`, `alt="Acme Cloud"`, `href="mailto:help@acme.test"`, ">Privacy<", ">Docs<",
			`<meta property="og:image" content="https://status.acme.test/brand/logo.`)
		urls := brandAssetRE.FindAllString(page, -1)
		if len(urls) < 2 {
			t.Fatalf("the page links %v, want the logo and the theme", urls)
		}
		for _, u := range urls {
			res := get(t, h, u)
			if res.Code != http.StatusOK || !strings.Contains(res.Header().Get("Cache-Control"), "immutable") {
				t.Errorf("%s: %d %q", u, res.Code, res.Header().Get("Cache-Control"))
			}
			if strings.HasSuffix(u, ".css") && (!strings.Contains(res.Body.String(), "--link: #0b5cad") || !strings.Contains(res.Body.String(), "border-radius: 0")) {
				t.Errorf("theme %s lacks the accent or the stylesheet:\n%s", u, res.Body)
			}
		}
		if rec := get(t, h, "/brand/logo.0000000000.svg"); rec.Code != http.StatusNotFound {
			t.Errorf("an unknown asset: %d", rec.Code)
		}
		// An editor may not change the branding.
		editor := signIn(t, h, db, models.RoleEditor)
		if rec := postBranding(t, editor, map[string]string{"accent_color": "#000000"}, nil); rec.Code != http.StatusForbidden {
			t.Errorf("an editor saved the branding: %d", rec.Code)
		}
	})
}

// Bad branding input is refused with a 422 naming each field, and nothing
// of the form is stored, not even its good fields.
func TestBrandingBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		a := newTestApp(t, db, nil)
		admin := signIn(t, a.Handler(), db, models.RoleAdmin)
		cases := []struct {
			name   string
			fields map[string]string
			files  map[string]string
			field  string
			says   string
		}{
			{"a colour that is not one", map[string]string{"accent_color": "blue-ish"}, nil, "accent_color", "must be a colour"},
			{"a colour failing AA", map[string]string{"accent_color": "#ffeb3b"}, nil, "accent_color", "WCAG AA"},
			{"a support URL that is not one", map[string]string{"support_url": "javascript:alert(1)"}, nil, "support_url", "http(s) or mailto"},
			{"a malformed link", map[string]string{"footer_links": "Privacy https://acme.test"}, nil, "footer_links", "Label|https://"},
			{"an SVG with a script", nil, map[string]string{"logo": `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`}, "logo", "&lt;script&gt;"},
			{"an SVG with an event handler", nil, map[string]string{"logo": `<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>`}, "logo", "event handler"},
			{"an SVG with foreignObject", nil, map[string]string{"favicon": `<svg xmlns="http://www.w3.org/2000/svg"><foreignObject/></svg>`}, "favicon", "foreignObject"},
			{"an SVG with an external reference", nil, map[string]string{"logo": `<svg xmlns="http://www.w3.org/2000/svg"><use href="https://evil.test/a.svg#x"/></svg>`}, "logo", "another document"},
			{"a malformed upload", nil, map[string]string{"logo": "GIF89a not an image we take"}, "logo", "not a PNG, WebP"},
			{"an oversized upload", nil, map[string]string{"logo": "<svg>" + strings.Repeat(" ", 300<<10) + "</svg>"}, "logo", "larger than the 256 KiB"},
			{"CSS with a cross-origin @import", nil, map[string]string{"stylesheet": `@import url("https://fonts.example/x.css");`}, "stylesheet", "@import"},
			{"CSS with a cross-origin url()", nil, map[string]string{"stylesheet": `body { background: url(https://tracker.test/p.gif) }`}, "stylesheet", "another origin"},
		}
		for _, tt := range cases {
			fields := map[string]string{"support_url": "https://help.acme.test/"} // a good field beside the bad one
			for k, v := range tt.fields {
				fields[k] = v
			}
			rec := postBranding(t, admin, fields, tt.files)
			body := rec.Body.String()
			if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#f-`+tt.field+`"`) || !strings.Contains(body, tt.says) {
				t.Errorf("%s: %d, want 422 naming %s with %q:\n%s", tt.name, rec.Code, tt.field, tt.says, body)
			}
			stored, err := db.GetBranding(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(stored.Settings) > 0 || len(stored.Assets) > 0 {
				t.Errorf("%s: stored %v and %d assets", tt.name, stored.Settings, len(stored.Assets))
			}
		}
	})
}
