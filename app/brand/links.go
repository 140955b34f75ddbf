package brand

import (
	"fmt"
	"net/url"
	"strings"
)

// Link is a link of the page's header or footer.
type Link struct {
	Label string
	URL   string
}

// ParseLinks reads header or footer links, one "Label|https://…" each
// (blank ones skipped), at most 8.
func ParseLinks(lines []string) ([]Link, error) {
	var links []Link
	for _, line := range lines {
		if strings.TrimSpace(line) == "" {
			continue
		}
		label, u, ok := strings.Cut(line, "|")
		label, u = strings.TrimSpace(label), strings.TrimSpace(u)
		if !ok || label == "" || len(label) > 60 {
			return nil, fmt.Errorf("must be links written Label|https://… (labels up to 60 characters), got %q", strings.TrimSpace(line))
		}
		if err := CheckLinkURL(u); err != nil {
			return nil, err
		}
		links = append(links, Link{Label: label, URL: u})
	}
	if len(links) > 8 {
		return nil, fmt.Errorf("has %d links, more than the 8 allowed", len(links))
	}
	return links, nil
}

// CheckLinkURL accepts an http(s) or mailto URL, or a path on the page.
func CheckLinkURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil || len(s) > 500 || strings.ContainsAny(s, " \t\r\n"):
		return fmt.Errorf("must be a URL such as https://support.example.com, got %q", s)
	case u.Scheme == "" && strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//"):
		return nil
	case (u.Scheme == "https" || u.Scheme == "http") && u.Host != "":
		return nil
	case u.Scheme == "mailto" && u.Opaque != "":
		return nil
	}
	return fmt.Errorf("must be an http(s) or mailto URL, got %q", s)
}
