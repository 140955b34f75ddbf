package models_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// Fuzz targets for the parsers of outside input in models. `go test` runs
// their seeds (f.Add and testdata/fuzz); `make fuzz` fuzzes each a while.

// FuzzRenderMarkdown: whatever an operator writes, the HTML is safe to put
// in a page or an email: no script, style, frame, object, embed, form or
// base element, no on* attribute, no style attribute, and no link or
// source with a scheme that runs code.
func FuzzRenderMarkdown(f *testing.F) {
	for _, s := range []string{
		"We are **investigating** errors on the [API](https://example.com).",
		"<script>alert(1)</script>",
		"<img src=x onerror=alert(1)>",
		"[x](javascript:alert(1))",
		"[x](JaVaScRiPt&#58;alert(1))",
		"[x](  java\tscript:alert(1))",
		"![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
		"<a href=\"vbscript:msgbox(1)\">x</a>",
		"<svg><script>alert(1)</script></svg>",
		"<iframe src=//evil.example></iframe>",
		"<div style=\"background:url(javascript:alert(1))\">x</div>",
		"| a | b |\n|---|---|\n| <b onmouseover=alert(1)>x</b> | ~~y~~ |",
		"www.example.com/<script>",
		"<form action=//evil><input name=q></form>",
		"```\n<script>alert(1)</script>\n```",
		"[x]: javascript:alert(1)\n\n[y][x]",
		"NUL\x00in **markdown**", "bad \xff\xfe utf-8",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		out, err := models.RenderMarkdown(src)
		if err != nil {
			t.Fatalf("RenderMarkdown(%q): %v", src, err)
		}
		if problem := unsafeHTML(out); problem != "" {
			t.Fatalf("RenderMarkdown(%q) = %q: %s", src, out, problem)
		}
	})
}

// unsafeHTML parses out as a browser would and names the first thing in
// it that could run code or restyle the page, or "" when there is none.
func unsafeHTML(out string) string {
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "style", "iframe", "frame", "frameset", "object", "embed", "form", "base", "meta", "link", "svg", "math", "applet":
				return "a <" + tok.Data + "> element"
			}
			for _, a := range tok.Attr {
				key := strings.ToLower(a.Key)
				if strings.HasPrefix(key, "on") || key == "style" || key == "srcdoc" || key == "formaction" {
					return "a " + key + " attribute"
				}
				if key == "href" || key == "src" || key == "action" || key == "xlink:href" || key == "background" || key == "cite" {
					v := strings.Map(func(r rune) rune {
						if r <= ' ' || r == 0x7f {
							return -1
						}
						return r
					}, strings.ToLower(a.Val))
					for _, scheme := range []string{"javascript:", "vbscript:", "data:", "livescript:"} {
						if strings.HasPrefix(v, scheme) {
							return "a " + scheme + " " + key
						}
					}
				}
			}
		}
	}
}

// FuzzParseEmail: an accepted address is a bare address that cannot add a
// header, its normalized form is its lower case, and accepting is stable
// (the accepted address is accepted again as itself).
func FuzzParseEmail(f *testing.F) {
	for _, s := range []string{
		"ann@example.com", " Ann.Lee+status@Example.COM ", "ann", "@example.com", "ann@", "ann@localhost",
		"Ann <ann@example.com>", "ann@example.com\r\nBcc: evil@example.com", "\"a b\"@example.com",
		"a..b@example.com", ".a@example.com", "ann@-example-.com", "ann@exa_mple.com", "ann@example.com.",
		"ann@[127.0.0.1]", "ann(comment)@example.com", "ann@xn--bcher-kva.example", "ännä@example.com",
		strings.Repeat("a", 65) + "@example.com", "ann@" + strings.Repeat("a", 300) + ".com",
		"ann\x00@example.com", "ann\xff@example.com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		email, norm, err := models.ParseEmail("email", s)
		if err != nil {
			var ve *models.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Field != "email" {
				t.Fatalf("ParseEmail(%q): error %v is not a validation error on email", s, err)
			}
			return
		}
		if !utf8.ValidString(email) || len(email) > models.MaxEmailLength || strings.ContainsAny(email, "\r\n\x00<>,;: \t\"") {
			t.Fatalf("ParseEmail(%q) accepted %q", s, email)
		}
		if strings.Count(email, "@") != 1 || norm != strings.ToLower(email) {
			t.Fatalf("ParseEmail(%q) = %q, %q", s, email, norm)
		}
		again, norm2, err := models.ParseEmail("email", email)
		if err != nil || again != email || norm2 != norm {
			t.Fatalf("ParseEmail(%q) = %q, but that parses as %q, %q, %v", s, email, again, norm2, err)
		}
	})
}

// FuzzImportSubscribers: a CSV file of any shape is imported or refused
// as a whole with a "file" error, never a crash or an internal error;
// every data row is accounted for (added, skipped or reported); only
// valid addresses are stored; and the export of the list imports back as
// nothing new.
func FuzzImportSubscribers(f *testing.F) {
	for _, s := range []string{
		"email\nann@example.com\n",
		"\ufeffEmail,Components,Incidents,Maintenance,Postmortems\nann@example.com,API,yes,no,yes\nbob@example.com,,,,\n",
		"email,components\nann@example.com,nowhere\n\"unterminated,\n",
		"name\nann@example.com\n",
		"",
		"email\n'=cmd|' /C calc'!A0@example.com\n'=ann@example.com\n",
		"email,email\nann@example.com,bob@example.com\n",
		"email\n\"ann@example.com\r\nBcc: x@example.com\"\n",
		"email,incidents,maintenance,postmortems\nann@example.com,no,no,no\n",
		"email;components\nann@example.com;x\n",
		"email\n\n\n ann@example.com \nANN@EXAMPLE.COM\n",
		"email,components\nann\x00@example.com,API\x00\nbob@example.com,\xff\xfe\n",
	} {
		f.Add(s)
	}
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	var dbs []*models.DB
	for _, d := range dbtest.FuzzDialects() {
		db := dbtest.MustOpenDB(f, d)
		if err := db.CreateComponent(ctx, &models.Component{Name: "API"}, "fuzz"); err != nil {
			f.Fatal(err)
		}
		dbs = append(dbs, db)
	}
	count := func(t *testing.T, db *models.DB) int64 {
		var n int64
		if err := db.Gorm.Model(&models.Subscriber{}).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	f.Fuzz(func(t *testing.T, file string) {
		for _, db := range dbs {
			before := count(t, db)
			rep, err := db.ImportSubscribers(ctx, strings.NewReader(file), true, now)
			if err != nil {
				var ve *models.ValidationError
				if !errors.As(err, &ve) || ve.Fields[0].Field != "file" {
					t.Fatalf("%s: import %q: %v, want a validation error on file", db.Dialect, file, err)
				}
				if n := count(t, db); n != before {
					t.Fatalf("%s: a refused file changed the list: %d → %d subscribers", db.Dialect, before, n)
				}
				continue
			}
			if rep.Rows != rep.Added+rep.Skipped+len(rep.Errors) {
				t.Fatalf("%s: import %q: %d rows but %d added, %d skipped, %d errors", db.Dialect, file, rep.Rows, rep.Added, rep.Skipped, len(rep.Errors))
			}
			if n := count(t, db); n != before+int64(rep.Added) {
				t.Fatalf("%s: import %q reported %d added, the list grew by %d", db.Dialect, file, rep.Added, n-before)
			}
			var stored []models.Subscriber
			if err := db.Gorm.Find(&stored).Error; err != nil {
				t.Fatal(err)
			}
			for _, s := range stored {
				if e, norm, err := models.ParseEmail("email", s.Email); err != nil || e != s.Email || norm != s.EmailNormalized {
					t.Fatalf("%s: import %q stored %q (%q): %v", db.Dialect, file, s.Email, s.EmailNormalized, err)
				}
			}
			var export bytes.Buffer
			if err := db.ExportSubscribers(ctx, &export, models.SubscriberFilter{}); err != nil {
				t.Fatal(err)
			}
			again, err := db.ImportSubscribers(ctx, bytes.NewReader(export.Bytes()), true, now)
			if err != nil || again.Added != 0 || again.Skipped != len(stored) || len(again.Errors) != 0 {
				t.Fatalf("%s: the export of %d subscribers imports back as %+v, %v:\n%s", db.Dialect, len(stored), again, err, export.String())
			}
			if len(stored) > 500 { // keep each input cheap while fuzzing
				db.Gorm.Exec("DELETE FROM subscriber_components")
				db.Gorm.Exec("DELETE FROM subscribers")
			}
		}
	})
}
