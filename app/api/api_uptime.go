package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/models"
)

// Uptime in the management API, in Statuspage's shape: GET
// /components/{id}/uptime and /component-groups/{id}/uptime, over
// ?start= and ?end= (dates, or a year, or a year and month), computed
// from the components' status history as the status page's bars are.

// maxUptimeDays bounds an uptime range: Statuspage's six calendar months.
const maxUptimeDays = 184

// jsonUptime is Statuspage's component uptime object.
type jsonUptime struct {
	ID               string       `json:"id"`
	Name             string       `json:"name"`
	RangeStart       string       `json:"range_start"`
	RangeEnd         string       `json:"range_end"`
	UptimePercentage float64      `json:"uptime_percentage"`
	MajorOutage      int64        `json:"major_outage"`   // seconds
	PartialOutage    int64        `json:"partial_outage"` // seconds
	Warnings         []string     `json:"warnings"`
	RelatedEvents    relatedEvent `json:"related_events"`
}

// relatedEvent lists the incidents of a component in the range.
type relatedEvent struct {
	ComponentID string      `json:"component_id,omitempty"`
	Incidents   []idOnlyRef `json:"incidents"`
}

type idOnlyRef struct {
	ID string `json:"id"`
}

// jsonGroupUptime is Statuspage's component group uptime object: the
// members' time together, and each member's incidents.
type jsonGroupUptime struct {
	ID               string         `json:"id"`
	Name             string         `json:"name"`
	RangeStart       string         `json:"range_start"`
	RangeEnd         string         `json:"range_end"`
	UptimePercentage float64        `json:"uptime_percentage"`
	MajorOutage      int64          `json:"major_outage"`
	PartialOutage    int64          `json:"partial_outage"`
	Warnings         []string       `json:"warnings"`
	RelatedEvents    []relatedEvent `json:"related_events"`
}

// uptimeRange reads ?start= and ?end= in the page's time zone: a date
// (2026-11-24), a year and month (2026-11: its first or last day) or a
// year. Absent, the range is the last 90 days (from the component's start
// date when later) up to today.
func (h *Handler) uptimeRange(c echo.Context, now time.Time) (start, end time.Time, warnings []string, err error) {
	loc := h.Site.Zone()
	local := now.In(loc)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	start, end = today.AddDate(0, 0, -(view.UptimeDays-1)), today
	if v := c.QueryParam("start"); v != "" {
		if start, err = partialDate(v, loc, false); err != nil {
			return start, end, nil, fieldError(http.StatusBadRequest, "start", "must be a date such as 2026-11-24, 2026-11 or 2026")
		}
	}
	if v := c.QueryParam("end"); v != "" {
		if end, err = partialDate(v, loc, true); err != nil {
			return start, end, nil, fieldError(http.StatusBadRequest, "end", "must be a date such as 2026-11-24, 2026-11 or 2026")
		}
	}
	if end.After(today) {
		end = today
		warnings = append(warnings, "end is after today: the range ends today")
	}
	if start.After(end) {
		return start, end, nil, fieldError(http.StatusUnprocessableEntity, "start", "must not be after end")
	}
	if days := int(end.Sub(start).Hours()/24+0.5) + 1; days > maxUptimeDays {
		return start, end, nil, fieldError(http.StatusUnprocessableEntity, "start", "must be at most six months before end")
	}
	return start, end, warnings, nil
}

// partialDate reads a date, a year-month or a year; last picks the last
// day of a month or year.
func partialDate(v string, loc *time.Location, last bool) (time.Time, error) {
	for _, f := range []struct {
		layout string
		span   func(time.Time) time.Time
	}{
		{time.DateOnly, func(t time.Time) time.Time { return t }},
		{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, -1) }},
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, -1) }},
	} {
		if t, err := time.ParseInLocation(f.layout, strings.TrimSpace(v), loc); err == nil {
			if t.Year() < 1970 {
				break
			}
			if last {
				t = f.span(t)
			}
			return t, nil
		}
	}
	return time.Time{}, strconv.ErrSyntax
}

// uptimeOf is a component's uptime over [start, end] (days in the page's
// zone): its seconds of major and partial outage and the percentage.
type uptimeSum struct {
	observed, down, major, partial time.Duration
	from, to                       time.Time // the days that had data
}

func (h *Handler) uptimeOf(comp *models.Component, history []models.StatusChange, start, end, now time.Time, warnings *[]string) uptimeSum {
	loc := h.Site.Zone()
	local := now.In(loc)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	days := int(today.Sub(start).Hours()/24+0.5) + 1
	up := models.ComputeUptime(models.HistoryFrom(history, comp.UptimeStart(loc)), days, now, loc, h.Site.PartialOutageWeight)
	var s uptimeSum
	for _, d := range up.Days {
		if d.Day.Before(start) || d.Day.After(end) || d.Observed == 0 {
			continue
		}
		if s.from.IsZero() {
			s.from = d.Day
		}
		s.to = d.Day
		s.observed += d.Observed
		s.down += d.Downtime
		s.major += d.Durations[models.MajorOutage]
		s.partial += d.Durations[models.PartialOutage]
	}
	if s.from.After(start) {
		*warnings = append(*warnings, comp.Name+" has data from "+s.from.Format(time.DateOnly)+" only")
	}
	return s
}

func (s uptimeSum) percent() float64 {
	if s.observed <= 0 {
		return 100
	}
	return roundPercent(100 * (1 - float64(s.down)/float64(s.observed)))
}

// componentUptime is GET /v1/pages/{page_id}/components/{id}/uptime.
func (h *Handler) componentUptime(c echo.Context) error {
	ctx := c.Request().Context()
	comp, err := h.DB.GetComponent(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if comp.IsGroup {
		return echo.NewHTTPError(http.StatusNotFound, "this id is a component group: ask /component-groups/{id}/uptime")
	}
	now := h.Now()
	start, end, warnings, err := h.uptimeRange(c, now)
	if err != nil {
		return err
	}
	history, err := h.DB.StatusHistory(ctx, start)
	if err != nil {
		return err
	}
	affecting, err := h.Site.DB.ListIncidentsAffecting(ctx, start, end.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	sum := h.uptimeOf(comp, history[comp.ID], start, end, now, &warnings)
	out := jsonUptime{ID: comp.ID, Name: comp.Name, RangeStart: start.Format(time.DateOnly), RangeEnd: end.Format(time.DateOnly),
		UptimePercentage: sum.percent(), MajorOutage: int64(sum.major / time.Second), PartialOutage: int64(sum.partial / time.Second),
		Warnings: nonNil(warnings), RelatedEvents: relatedEvent{Incidents: incidentRefs(incidentsOf(comp.ID, affecting))}}
	return c.JSON(http.StatusOK, out)
}

// componentGroupUptime is GET /v1/pages/{page_id}/component-groups/{id}/uptime:
// its members' time together.
func (h *Handler) componentGroupUptime(c echo.Context) error {
	ctx := c.Request().Context()
	group, members, err := h.loadGroup(c, h.DB, c.Param("id"))
	if err != nil {
		return err
	}
	now := h.Now()
	start, end, warnings, err := h.uptimeRange(c, now)
	if err != nil {
		return err
	}
	history, err := h.DB.StatusHistory(ctx, start)
	if err != nil {
		return err
	}
	affecting, err := h.Site.DB.ListIncidentsAffecting(ctx, start, end.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	list, err := h.DB.ListComponents(ctx)
	if err != nil {
		return err
	}
	byID := map[string]*models.Component{}
	for i := range list {
		byID[list[i].ID] = &list[i]
	}
	var total uptimeSum
	related := []relatedEvent{}
	for _, id := range members {
		comp := byID[id]
		if comp == nil {
			continue
		}
		s := h.uptimeOf(comp, history[id], start, end, now, &warnings)
		total.observed += s.observed
		total.down += s.down
		total.major += s.major
		total.partial += s.partial
		related = append(related, relatedEvent{ComponentID: id, Incidents: incidentRefs(incidentsOf(id, affecting))})
	}
	out := jsonGroupUptime{ID: group.ID, Name: group.Name, RangeStart: start.Format(time.DateOnly), RangeEnd: end.Format(time.DateOnly),
		UptimePercentage: total.percent(), MajorOutage: int64(total.major / time.Second), PartialOutage: int64(total.partial / time.Second),
		Warnings: nonNil(warnings), RelatedEvents: related}
	return c.JSON(http.StatusOK, out)
}

func incidentRefs(list []models.Incident) []idOnlyRef {
	out := make([]idOnlyRef, 0, len(list))
	for _, in := range list {
		out = append(out, idOnlyRef{ID: in.ID})
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
