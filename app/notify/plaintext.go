package notify

import (
	"strings"

	"golang.org/x/net/html"
)

// plainText is the text part of a message from an update's sanitized
// HTML: paragraphs and list items on lines of their own, a link's address
// after its text, no Markdown syntax and no tags.
func plainText(body string) string {
	if body == "" {
		return ""
	}
	var b strings.Builder
	var hrefs []string // of the links open at this point
	space := false     // whitespace seen after the last text written
	z := html.NewTokenizer(strings.NewReader(body))
	newline := func(n int) {
		space = false
		s := b.String()
		have := len(s) - len(strings.TrimRight(s, "\n"))
		if len(s) > 0 && have < n {
			b.WriteString(strings.Repeat("\n", n-have))
		}
	}
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.TrimSpace(b.String())
		case html.TextToken:
			raw := string(z.Text())
			text := strings.Join(strings.Fields(raw), " ")
			lead := raw != "" && strings.ContainsRune(" \t\r\n", rune(raw[0]))
			trail := raw != "" && strings.ContainsRune(" \t\r\n", rune(raw[len(raw)-1]))
			if text == "" {
				space = space || lead
				continue
			}
			if s := b.String(); (lead || space) && s != "" && !strings.HasSuffix(s, "\n") && !strings.HasSuffix(s, " ") {
				b.WriteByte(' ')
			}
			b.WriteString(text)
			space = trail
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "p", "div", "pre", "blockquote", "table", "h1", "h2", "h3", "h4", "h5", "h6":
				newline(2)
			case "ul", "ol":
				newline(2)
			case "li":
				newline(1)
				b.WriteString("- ")
			case "br", "tr":
				newline(1)
			case "a":
				href := ""
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "href" {
						href = string(v)
					}
				}
				hrefs = append(hrefs, href)
			case "img":
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "alt" && len(v) > 0 {
						b.WriteString("[" + string(v) + "]")
					}
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "p", "div", "pre", "blockquote", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6":
				newline(2)
			case "a":
				if n := len(hrefs); n > 0 {
					if href := hrefs[n-1]; href != "" && !strings.HasSuffix(b.String(), href) {
						b.WriteString(" (" + href + ")")
					}
					hrefs = hrefs[:n-1]
				}
			}
		}
	}
}
