package public

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// Status badges: small SVG images (shields.io's flat style) for READMEs and
// dashboards, cached like the feeds.

// badge is what a badge says and in which colour.
type badge struct {
	Label   string // left, grey: "status" or the component's name
	Message string // right, coloured: "All Systems Operational", "Partial Outage"
	Color   string // the message's background
	// LabelColor is the label's background: the page's accent colour
	// when it has one (it contrasts with white text), else grey.
	LabelColor string
}

// Badge colours by level.
const (
	badgeGreen  = "#2e7d32"
	badgeYellow = "#b26a00"
	badgeOrange = "#d84315"
	badgeRed    = "#c62828"
	badgeBlue   = "#1565c0"
	badgeGrey   = "#555"
)

// badgeColor is the colour of a page indicator or a component status.
func badgeColor(status string) string {
	switch status {
	case models.ImpactNone, models.Operational:
		return badgeGreen
	case models.ImpactMinor, models.DegradedPerformance:
		return badgeYellow
	case models.ImpactMajor, models.PartialOutage:
		return badgeOrange
	case models.ImpactCritical, models.MajorOutage:
		return badgeRed
	case models.ImpactMaintenance, models.UnderMaintenance:
		return badgeBlue
	}
	return badgeGrey
}

// badge is GET /badge.svg: the page's overall status.
func (h *Handler) badge(c echo.Context) error {
	st, err := h.site(c).State(c.Request().Context())
	if err != nil {
		return err
	}
	s := models.ComputePageStatus(st.Components, st.Unresolved)
	site := h.site(c)
	return writeBadge(c, badge{Label: "status", Message: site.L().T("page_" + s.Indicator), Color: badgeColor(s.Indicator),
		LabelColor: accentOf(site)}, st)
}

// componentBadge is GET /components/{id}/badge.svg: one component's (or
// group's) status.
func (h *Handler) componentBadge(c echo.Context) error {
	id := c.Param("id")
	if !models.ValidID(id) {
		return echo.NewHTTPError(http.StatusNotFound, "There is no component with this id.")
	}
	st, err := h.site(c).State(c.Request().Context())
	if err != nil {
		return err
	}
	for _, comp := range st.Components {
		if comp.ID == id {
			site := h.site(c)
			return writeBadge(c, badge{Label: comp.Name, Message: site.StatusLabel(comp.Status),
				Color: badgeColor(comp.Status), LabelColor: accentOf(site)}, st)
		}
	}
	return echo.NewHTTPError(http.StatusNotFound, "There is no component with this id.")
}

func writeBadge(c echo.Context, b badge, st view.State) error {
	return web.WriteCacheable(c, web.Cacheable{ContentType: "image/svg+xml; charset=utf-8", Body: b.SVG(),
		Modified: st.Updated, Cache: web.CacheBadge})
}

// SVG draws the badge: a grey label and a coloured message, each as wide
// as its text in 11px Verdana.
func (b badge) SVG() []byte {
	const pad = 6
	// XML has no place for control characters (a component's name may
	// hold one): each becomes a space.
	b.Label, b.Message = xmlText(b.Label), xmlText(b.Message)
	lw, mw := textWidth(b.Label)+2*pad, textWidth(b.Message)+2*pad
	w := lw + mw
	label, msg := html.EscapeString(b.Label), html.EscapeString(b.Message)
	var s strings.Builder
	fmt.Fprintf(&s, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="20" role="img" aria-label="%s: %s">`, w, label, msg)
	fmt.Fprintf(&s, `<title>%s: %s</title>`, label, msg)
	s.WriteString(`<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>`)
	fmt.Fprintf(&s, `<clipPath id="r"><rect width="%d" height="20" rx="3" fill="#fff"/></clipPath>`, w)
	fmt.Fprintf(&s, `<g clip-path="url(#r)"><rect width="%d" height="20" fill="%s"/><rect x="%d" width="%d" height="20" fill="%s"/><rect width="%d" height="20" fill="url(#s)"/></g>`,
		lw, cmp.Or(b.LabelColor, badgeGrey), lw, mw, b.Color, w)
	s.WriteString(`<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">`)
	for _, t := range []struct {
		x    int
		text string
	}{{lw / 2, label}, {lw + mw/2, msg}} {
		fmt.Fprintf(&s, `<text x="%d" y="15" fill="#010101" fill-opacity=".3" aria-hidden="true">%s</text><text x="%d" y="14">%s</text>`,
			t.x, t.text, t.x, t.text)
	}
	s.WriteString(`</g></svg>`)
	s.WriteString("\n")
	return []byte(s.String())
}

// textWidth estimates the width in pixels of text in 11px Verdana.
func textWidth(text string) int {
	w := 0.0
	for _, r := range text {
		switch {
		case strings.ContainsRune("ijlI.,:;!|' ", r):
			w += 3.7
		case strings.ContainsRune("frt()[]-/", r):
			w += 4.6
		case strings.ContainsRune("mwMW%", r):
			w += 10.5
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			w += 7.6
		default:
			w += 6.6
		}
	}
	return int(w + 0.5)
}

// widget is GET /widget.js: the embeddable banner script
// (static/js/widget.js) at a URL that does not change, for customers'
// sites to load.
func (h *Handler) widget(c echo.Context) error {
	asset, ok := h.Assets.Get(h.Assets.URL("js/widget.js"))
	if !ok {
		return echo.ErrNotFound
	}
	// The widget's words in the reader's language, and the accent colour.
	site := h.site(c)
	l := site.L()
	words := map[string]string{"view_status": l.T("widget_view_status"), "dismiss": l.T("widget_dismiss"), "accent": accentOf(site)}
	for _, s := range []string{"investigating", "identified", "monitoring", "resolved", "in_progress", "verifying"} {
		words[s] = site.IncidentStatusLabel(s)
	}
	js, err := json.Marshal(words)
	if err != nil {
		return err
	}
	body := asset.Body
	if i, j := bytes.Index(body, []byte("/*words*/")), bytes.Index(body, []byte("/*end*/")); i >= 0 && j > i {
		body = slices.Concat(body[:i], js, body[j+len("/*end*/"):])
	}
	return web.WriteCacheable(c, web.Cacheable{ContentType: asset.ContentType, Body: body, Cache: web.CacheWidget})
}

// xmlText is s with every character XML 1.0 does not allow in a document
// (control characters but tab and newlines, U+FFFE, U+FFFF) made a space.
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f || r == 0xfffe || r == 0xffff {
			return ' '
		}
		return r
	}, s)
}

// accentOf is the page's accent colour, "" when it has none.
func accentOf(site *view.Site) string {
	if site.Branding == nil {
		return ""
	}
	if b := site.Branding(); b != nil {
		return b.Accent
	}
	return ""
}
