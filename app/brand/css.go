package brand

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxStylesheetBytes bounds a custom stylesheet.
const MaxStylesheetBytes = 64 << 10

// CheckStylesheet reads a custom stylesheet: UTF-8 text of at most
// MaxStylesheetBytes with no @import and no url() that leaves the page's
// origin (a relative path or a fragment is fine), so it loads nothing
// the Content-Security-Policy (style-src 'self') would not allow anyway
// and nothing that tracks readers. Escapes (\) are refused, since they
// could spell either in disguise.
func CheckStylesheet(css []byte) error {
	switch {
	case len(css) > MaxStylesheetBytes:
		return fmt.Errorf("is %d KiB, more than the %d KiB allowed", (len(css)+1023)/1024, MaxStylesheetBytes/1024)
	case !utf8.Valid(css):
		return errors.New("is not UTF-8 text")
	case strings.ContainsRune(string(css), 0):
		return errors.New("is not text")
	}
	s := strings.ToLower(string(css))
	if strings.Contains(s, "\\") {
		return errors.New("has a backslash escape, which a custom stylesheet may not use")
	}
	if strings.Contains(s, "@import") {
		return errors.New("has an @import, which a custom stylesheet may not use: paste the rules in")
	}
	for rest := s; ; {
		i := strings.Index(rest, "url(")
		if i < 0 {
			break
		}
		rest = rest[i+4:]
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return errors.New("has an unclosed url(")
		}
		u := strings.Trim(strings.TrimSpace(rest[:end]), `'"`)
		u = strings.TrimSpace(u)
		if strings.Contains(u, ":") || strings.HasPrefix(u, "//") {
			return fmt.Errorf("loads %q from another origin, which a custom stylesheet may not", u)
		}
	}
	if strings.Contains(s, "image-set(") || strings.Contains(s, "expression(") {
		return errors.New("uses image-set() or expression(), which a custom stylesheet may not")
	}
	return nil
}
