package view

import (
	"html/template"
	"strings"
	"sync"
)

// uptimeBars writes the day bars of a component's uptime bar (the <li>
// items of views/partials/uptime.html's list) in Go rather than in a
// template loop: with 25 components of 90 days, html/template's reflective
// calls and escapers made up most of a cold render of the large page. The
// output is byte for byte what the template loop it replaces wrote: every
// string goes through the same escaping html/template would apply in its
// place (htmlEscape for text and attribute values, safeURL for the
// incident links); uptimebars_internal_test.go renders both and compares.
func uptimeBars(days []DayView) template.HTML {
	n := len(days)
	classes := barClasses(n)
	var b strings.Builder
	b.Grow(n * 420)
	for i := range days {
		d := &days[i]
		b.WriteString("\n<li class=\"day ")
		htmlEscape(&b, classes[i])
		b.WriteString("\"><span class=\"bar day-")
		htmlEscape(&b, d.Level)
		b.WriteByte('"')
		if len(d.Incidents) > 0 || (d.Level != "operational" && d.Level != "nodata") {
			b.WriteString(` tabindex="0"`)
		}
		b.WriteString(` role="img" aria-label="`)
		htmlEscape(&b, d.Date)
		b.WriteString(": ")
		htmlEscape(&b, d.Label)
		for _, in := range d.Incidents {
			b.WriteString("; ")
			htmlEscape(&b, in.Name)
		}
		b.WriteString(`"></span><div class="tip"><div class="tip-box"><p class="tip-date"><time datetime="`)
		htmlEscape(&b, d.ISODate)
		b.WriteString(`">`)
		htmlEscape(&b, d.Date)
		b.WriteString(`</time></p><p class="tip-label">`)
		htmlEscape(&b, d.Label)
		b.WriteString("</p>")
		if len(d.Incidents) > 0 {
			b.WriteString(`<ul class="tip-incidents">`)
			for _, in := range d.Incidents {
				b.WriteString(`<li><a href="`)
				htmlEscape(&b, safeURL(in.URL))
				b.WriteString(`">`)
				htmlEscape(&b, in.Name)
				b.WriteString("</a></li>")
			}
			b.WriteString("</ul>")
		}
		b.WriteString("</div></div></li>")
	}
	return template.HTML(b.String())
}

// barClassCache holds barClass for every day of a bar of a given length
// (in practice only UptimeDays): the classes depend on nothing else.
var barClassCache sync.Map // int -> []string

func barClasses(n int) []string {
	if v, ok := barClassCache.Load(n); ok {
		return v.([]string)
	}
	classes := make([]string, n)
	for i := range classes {
		classes[i] = barClass(i, n)
	}
	barClassCache.Store(n, classes)
	return classes
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
