package view

import (
	"html/template"
	"strings"
)

// uptimeBars writes the day bars of a component's uptime bar (the
// children of views/partials/uptime.html's group) in Go rather than in a
// template loop: with 25 components of 90 days, html/template's reflective
// calls and escapers made up most of a cold render of the large page.
//
// Each day is one element, so the large page stays light (2,250 days):
// an <i role="img"> whose aria-label says everything about the day
// ("Nov 20, 2026: Partial outage for 2 hrs"), which the stylesheet also
// shows as the tooltip on hover and focus (no JavaScript). A day with
// downtime is a tab stop; quiet days are not, so a keyboard user does not
// tab through hundreds of them. A day with incidents is a focusable group
// labelled the same way, holding its tooltip: the label and a link to
// each incident, shown on hover and while focus is inside it. Every
// string goes through the escaping html/template would apply in its place
// (htmlEscape for text and attribute values, safeURL for the links);
// uptimebars_test.go renders both and compares.
func uptimeBars(days []DayView) template.HTML {
	var b strings.Builder
	b.Grow(len(days) * 80)
	for i := range days {
		d := &days[i]
		if len(d.Incidents) > 0 {
			b.WriteString(`<span class="day-`)
			htmlEscape(&b, d.Level)
			b.WriteString(`" tabindex="0" role="group" aria-label="`)
			htmlEscape(&b, d.Date)
			b.WriteString(": ")
			htmlEscape(&b, d.Label)
			b.WriteString(`"><span class="tip">`)
			htmlEscape(&b, d.Date)
			b.WriteString(": ")
			htmlEscape(&b, d.Label)
			for _, in := range d.Incidents {
				b.WriteString(`<a href="`)
				htmlEscape(&b, safeURL(in.URL))
				b.WriteString(`">`)
				htmlEscape(&b, in.Name)
				b.WriteString(`</a>`)
			}
			b.WriteString(`</span></span>`)
			continue
		}
		b.WriteString(`<i class="day-`)
		htmlEscape(&b, d.Level)
		if d.Level != "operational" && d.Level != "nodata" {
			b.WriteString(`" tabindex="0`)
		}
		b.WriteString(`" role="img" aria-label="`)
		htmlEscape(&b, d.Date)
		b.WriteString(": ")
		htmlEscape(&b, d.Label)
		b.WriteString(`"></i>`)
	}
	return template.HTML(b.String())
}

// htmlEscape writes s escaped as html/template escapes a value in text or
// in a quoted attribute: & < > " ' + as entities, NUL as U+FFFD.
func htmlEscape(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var repl string
		switch s[i] {
		case 0:
			repl = "\uFFFD"
		case '"':
			repl = "&#34;"
		case '&':
			repl = "&amp;"
		case '\'':
			repl = "&#39;"
		case '+':
			repl = "&#43;"
		case '<':
			repl = "&lt;"
		case '>':
			repl = "&gt;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(repl)
		last = i + 1
	}
	b.WriteString(s[last:])
}

// safeURL is what html/template makes of a value in an href before its
// attribute escaping: a URL with a scheme other than http, https or mailto
// becomes "#ZgotmplZ", and bytes that may not appear in a URL are
// percent-encoded (existing escapes are kept).
func safeURL(s string) string {
	if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") &&
		!strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
		return "#ZgotmplZ"
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			continue
		}
		switch c {
		case '!', '#', '$', '&', '*', '+', ',', '/', ':', ';', '=', '?', '@', '[', ']', '-', '.', '_', '~':
			continue
		case '%':
			if i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2]) {
				continue // an escape already
			}
		}
		if last == 0 {
			b.Grow(len(s) + 16)
		}
		b.WriteString(s[last:i])
		b.WriteByte('%')
		b.WriteByte("0123456789abcdef"[c>>4])
		b.WriteByte("0123456789abcdef"[c&15])
		last = i + 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
