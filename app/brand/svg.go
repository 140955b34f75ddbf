package brand

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxImageBytes bounds an uploaded logo or favicon.
const MaxImageBytes = 256 << 10

// Image kinds, by their content type.
const (
	SVG  = "image/svg+xml"
	PNG  = "image/png"
	WebP = "image/webp"
)

// CheckImage reads an uploaded logo or favicon: an SVG (sanitised: see
// SanitizeSVG), a PNG or a WebP (by their signature), at most
// MaxImageBytes. It returns the bytes to store and their content type.
func CheckImage(data []byte) ([]byte, string, error) {
	switch {
	case len(data) == 0:
		return nil, "", errors.New("is empty")
	case len(data) > MaxImageBytes:
		return nil, "", fmt.Errorf("is %d KiB, more than the %d KiB allowed", (len(data)+1023)/1024, MaxImageBytes/1024)
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return data, PNG, nil
	case len(data) > 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return data, WebP, nil
	}
	clean, err := SanitizeSVG(data)
	if err != nil {
		return nil, "", err
	}
	return clean, SVG, nil
}

// svgElements are the SVG elements a logo may use: shapes, paths, text,
// gradients and groups. Anything else (script, foreignObject, image, use
// of another document, animation, style) is refused.
var svgElements = map[string]bool{
	"svg": true, "g": true, "path": true, "rect": true, "circle": true, "ellipse": true, "line": true,
	"polyline": true, "polygon": true, "text": true, "tspan": true, "title": true, "desc": true,
	"defs": true, "lineargradient": true, "radialgradient": true, "stop": true, "clippath": true,
	"mask": true, "symbol": true, "use": true, "metadata": true,
}

// SanitizeSVG checks an SVG logo and returns it as it came (it refuses
// rather than strips, saying what it found, so what is stored is exactly
// what was checked): well-formed XML whose root is <svg>, only the elements of svgElements,
// no event handler attribute (on*), no reference to another document
// (href or xlink:href other than a fragment #id, url() other than
// url(#id)), no style attribute or element (they may load URLs), no DTD
// or entity. It is also served with a CSP that allows no script.
func SanitizeSVG(data []byte) ([]byte, error) {
	if len(data) > MaxImageBytes {
		return nil, fmt.Errorf("is more than the %d KiB allowed", MaxImageBytes/1024)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	depth, roots := 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, errors.New("is not a PNG, WebP or well-formed SVG image")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			if depth == 0 {
				roots++
				if name != "svg" || roots > 1 {
					return nil, errors.New("is not a PNG, WebP or SVG image")
				}
			}
			if !svgElements[name] {
				return nil, fmt.Errorf("has a <%s> element, which a logo may not contain", t.Name.Local)
			}
			for _, a := range t.Attr {
				an, av := strings.ToLower(a.Name.Local), strings.ToLower(strings.TrimSpace(a.Value))
				switch {
				case strings.HasPrefix(an, "on"):
					return nil, fmt.Errorf("has an event handler (%s), which a logo may not contain", a.Name.Local)
				case an == "style":
					return nil, errors.New("has a style attribute; use presentation attributes (fill, stroke) instead")
				case an == "href" && !strings.HasPrefix(av, "#"):
					return nil, fmt.Errorf("refers to another document (%s), which a logo may not", a.Value)
				case strings.Contains(av, "url(") && !onlyLocalURLs(av):
					return nil, fmt.Errorf("refers to another document (%s), which a logo may not", a.Value)
				case strings.Contains(av, "javascript:") || strings.Contains(av, "data:"):
					return nil, fmt.Errorf("has a script or data URL in %s, which a logo may not", a.Name.Local)
				}
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.Directive:
			return nil, errors.New("has a DTD or entity declaration, which a logo may not contain")
		case xml.ProcInst:
			if t.Target != "xml" {
				return nil, fmt.Errorf("has a processing instruction (%s), which a logo may not contain", t.Target)
			}
		}
	}
	if roots == 0 {
		return nil, errors.New("is not a PNG, WebP or SVG image")
	}
	return data, nil
}

// onlyLocalURLs says whether every url(...) in v is a fragment: url(#id).
func onlyLocalURLs(v string) bool {
	for {
		i := strings.Index(v, "url(")
		if i < 0 {
			return true
		}
		v = strings.TrimLeft(v[i+4:], " '\"")
		if !strings.HasPrefix(v, "#") {
			return false
		}
	}
}
