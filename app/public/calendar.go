package public

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/lang"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// Calendars of scheduled maintenance, as iCalendar (RFC 5545): every
// maintenance whose window has not ended more than calendarPast ago, one
// VEVENT each with a UID that never changes, a SEQUENCE that grows with
// each change, and STATUS:CANCELLED once it is deleted, so subscribed
// calendars update the event in place.

// calendarPast is how far back a calendar lists finished maintenance.
const calendarPast = 30 * 24 * time.Hour

// maintenanceCalendar is /maintenance.ics: the page's scheduled
// maintenance.
func (h *Handler) maintenanceCalendar(c echo.Context) error {
	return h.writeCalendar(c, h.site(c).L().T("calendar_name", "Name", h.Site.Info().Name), nil)
}

// componentCalendar is /components/{id}/maintenance.ics: the maintenance
// of a component, or for a group of any of its members.
func (h *Handler) componentCalendar(c echo.Context) error {
	id := c.Param("id")
	if !models.ValidID(id) {
		return models.ErrNotFound
	}
	comps, err := h.DB.ListComponents(c.Request().Context())
	if err != nil {
		return err
	}
	var comp *models.Component
	ids := []string{id}
	for i := range comps {
		switch {
		case comps[i].ID == id:
			comp = &comps[i]
		case comps[i].GroupID != nil && *comps[i].GroupID == id:
			ids = append(ids, comps[i].ID)
		}
	}
	if comp == nil {
		return echo.NewHTTPError(http.StatusNotFound, "There is no component with this id.")
	}
	return h.writeCalendar(c, h.site(c).L().T("calendar_name_component", "Name", h.Site.Info().Name, "Component", comp.Name), ids)
}

func (h *Handler) writeCalendar(c echo.Context, name string, componentIDs []string) error {
	ctx := c.Request().Context()
	now := h.Now()
	list, err := h.DB.ListMaintenanceCalendar(ctx, componentIDs, now.Add(-calendarPast))
	if err != nil {
		return err
	}
	updated, err := h.DB.LastChange(ctx)
	if err != nil {
		return err
	}
	host := "beacon.invalid"
	if u, err := url.Parse(h.Site.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	body := buildCalendar(calendarDoc{Name: name, Host: host, BaseURL: h.Site.BaseURL, Stamp: updated, List: list, Lang: h.site(c).L()})
	return web.WriteCacheable(c, web.Cacheable{ContentType: "text/calendar; charset=utf-8", Body: body,
		Modified: updated, Cache: web.CacheFeeds})
}

// calendarDoc is what a calendar lists.
type calendarDoc struct {
	Name, Host, BaseURL string
	Stamp               time.Time // DTSTAMP: when the page last changed (the same bytes until it changes again)
	List                []models.Incident
	Lang                *lang.Lang // the words of the descriptions
}

// buildCalendar writes doc as an iCalendar object.
func buildCalendar(doc calendarDoc) []byte {
	var b bytes.Buffer
	line := func(name, value string) { foldLine(&b, name+":"+value) }
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//Beacon//Status page//EN")
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	line("X-WR-CALNAME", icalText(doc.Name))
	line("X-PUBLISHED-TTL", "PT1H")
	line("REFRESH-INTERVAL;VALUE=DURATION", "PT1H")
	stamp := doc.Stamp
	if stamp.IsZero() {
		stamp = time.Unix(0, 0)
	}
	for _, m := range doc.List {
		link := doc.BaseURL + "/incidents/" + m.ID
		line("BEGIN", "VEVENT")
		line("UID", "maintenance-"+m.ID+"@"+doc.Host)
		line("DTSTAMP", icalTime(stamp))
		line("DTSTART", icalTime(*m.ScheduledFor))
		line("DTEND", icalTime(*m.ScheduledUntil))
		line("CREATED", icalTime(m.CreatedAt))
		line("LAST-MODIFIED", icalTime(m.UpdatedAt))
		// The revision grows by one with every change (the deletion
		// included), as SEQUENCE must, even for two within a second.
		line("SEQUENCE", strconv.FormatInt(max(0, m.Revision), 10))
		line("SUMMARY", icalText(m.Name))
		status := m.Status
		if models.IncidentStatusLabel(status) != "" {
			status = doc.Lang.T("incident_" + status)
		}
		desc := doc.Lang.T("calendar_status", "Status", status)
		var names []string
		for _, c := range m.Components {
			names = append(names, c.Name)
		}
		if len(names) > 0 {
			desc += "\n" + doc.Lang.T("calendar_affected", "Names", strings.Join(names, ", "))
		}
		line("DESCRIPTION", icalText(desc+"\n"+link))
		line("URL;VALUE=URI", link)
		switch {
		case m.DeletedAt.Valid:
			line("STATUS", "CANCELLED")
		default:
			line("STATUS", "CONFIRMED")
		}
		line("TRANSP", "OPAQUE")
		line("END", "VEVENT")
	}
	line("END", "VCALENDAR")
	return b.Bytes()
}

// icalTime is a UTC DATE-TIME.
func icalTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// icalText escapes a TEXT value: backslash, semicolon, comma and newline;
// other control characters are dropped.
func icalText(s string) string {
	var b strings.Builder
	for _, r := range strings.ReplaceAll(s, "\r\n", "\n") {
		switch {
		case r == '\\' || r == ';' || r == ',':
			b.WriteRune('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r < 0x20 || r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// foldLine writes a content line folded at 75 octets (never inside a
// UTF-8 sequence), each line ended by CRLF.
func foldLine(b *bytes.Buffer, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}
