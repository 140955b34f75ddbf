package app_test

import (
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// staticURLRE finds a content-hashed static file's URL in a page.
var staticURLRE = regexp.MustCompile(`/static/[^"]+\.css`)

// urlAttrs are the attributes whose value a browser follows or runs.
var urlAttrs = map[string]bool{"href": true, "src": true, "action": true, "formaction": true, "data": true,
	"xlink:href": true, "poster": true, "background": true, "srcset": true, "cite": true, "srcdoc": true}

// liveMarkup parses a page (or an email's HTML part, email true) and lists
// what would run or restyle it beyond Beacon's own files: a script that is
// not a file under /static/, an event handler attribute, a javascript:,
// vbscript: or data: URL, a frame, object, embed, base, style block, meta
// refresh. A page may have no style attribute at all (the
// Content-Security-Policy forbids them); an email may, as long as none
// loads anything.
func liveMarkup(t testing.TB, doc string, email bool) []string {
	t.Helper()
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	var problems []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			tag := n.Data
			switch tag {
			case "script":
				src := htmlAttr(n, "src")
				if !strings.HasPrefix(src, "/static/") || n.FirstChild != nil || email {
					problems = append(problems, "a script element: "+renderNode(n))
				}
			case "iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "form", "input", "textarea", "button", "select":
				// Forms are Beacon's own on the pages that have them:
				// checked by where they post.
				if (tag == "form" && strings.HasPrefix(htmlAttr(n, "action"), "/") && !email) ||
					(tag == "input" || tag == "textarea" || tag == "button" || tag == "select") && !email {
					break
				}
				problems = append(problems, "a "+tag+" element: "+renderNode(n))
			case "meta":
				if htmlAttr(n, "http-equiv") != "" {
					problems = append(problems, "a meta http-equiv: "+renderNode(n))
				}
			case "link":
				if email || !strings.HasPrefix(htmlAttr(n, "href"), "/") && htmlAttr(n, "rel") != "alternate" {
					problems = append(problems, "a link element: "+renderNode(n))
				}
			}
			for _, at := range n.Attr {
				key, val := strings.ToLower(at.Key), strings.ToLower(strings.Join(strings.Fields(at.Val), ""))
				switch {
				case strings.HasPrefix(key, "on"):
					problems = append(problems, "an event handler "+at.Key+": "+renderNode(n))
				case key == "style" && !email:
					problems = append(problems, "a style attribute: "+renderNode(n))
				case key == "style" && (strings.Contains(val, "url(") || strings.Contains(val, "expression(") || strings.Contains(val, "javascript:")):
					problems = append(problems, "a style that loads something: "+renderNode(n))
				case urlAttrs[key] && (strings.HasPrefix(val, "javascript:") || strings.HasPrefix(val, "vbscript:") ||
					strings.HasPrefix(val, "data:") || strings.Contains(val, "javascript:")):
					problems = append(problems, "a script URL in "+at.Key+": "+renderNode(n))
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return problems
}
