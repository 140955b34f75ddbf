package api

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// The public API: Atlassian Statuspage's v2 endpoints with its shapes, so
// widgets and clients written for Statuspage read Beacon unchanged. Only
// public timeline content is shown. Each document is built from data by a
// pure function (v2*Doc) and sent with ETag, Last-Modified and CORS.

// v2Status is the page's overall status.
type v2Status struct {
	Indicator   string `json:"indicator"`
	Description string `json:"description"`
}

// v2SummaryDoc is /api/v2/summary.json.
type v2SummaryDoc struct {
	Page                  jsonPage        `json:"page"`
	Status                v2Status        `json:"status"`
	Components            []jsonComponent `json:"components"`
	Incidents             []v2Incident    `json:"incidents"`
	ScheduledMaintenances []v2Incident    `json:"scheduled_maintenances"`
}

// v2StatusDoc is /api/v2/status.json.
type v2StatusDoc struct {
	Page   jsonPage `json:"page"`
	Status v2Status `json:"status"`
}

// v2ComponentsDoc is /api/v2/components.json.
type v2ComponentsDoc struct {
	Page       jsonPage        `json:"page"`
	Components []jsonComponent `json:"components"`
}

// v2IncidentsDoc is /api/v2/incidents.json and incidents/unresolved.json.
type v2IncidentsDoc struct {
	Page      jsonPage     `json:"page"`
	Incidents []v2Incident `json:"incidents"`
}

// v2MaintenancesDoc is /api/v2/scheduled-maintenances.json and its
// upcoming and active lists.
type v2MaintenancesDoc struct {
	Page                  jsonPage     `json:"page"`
	ScheduledMaintenances []v2Incident `json:"scheduled_maintenances"`
}

// v2SummaryDocOf builds the summary: page, status, every component, the
// unresolved incidents (newest first) and the upcoming or in-progress
// maintenance (soonest first).
func (h *Handler) v2SummaryDocOf(st view.State) v2SummaryDoc {
	incidents, maintenance := splitKinds(st.Unresolved)
	return v2SummaryDoc{
		Page: h.v2PageOf(st.Updated), Status: v2StatusOf(st),
		Components: h.jsonComponentsOf(st.Components),
		Incidents:  h.v2IncidentsOf(incidents), ScheduledMaintenances: h.v2IncidentsOf(soonestFirst(maintenance)),
	}
}

func v2StatusOf(st view.State) v2Status {
	s := models.ComputePageStatus(st.Components, st.Unresolved)
	return v2Status{Indicator: s.Indicator, Description: s.Description}
}

// splitKinds separates incidents from maintenance, keeping the order.
func splitKinds(list []models.Incident) (incidents, maintenance []models.Incident) {
	for _, in := range list {
		if in.Kind == models.KindMaintenance {
			maintenance = append(maintenance, in)
		} else {
			incidents = append(incidents, in)
		}
	}
	return incidents, maintenance
}

// soonestFirst orders maintenance by the start of its window.
func soonestFirst(list []models.Incident) []models.Incident {
	sort.SliceStable(list, func(i, j int) bool { return list[i].HappenedAt().Before(list[j].HappenedAt()) })
	return list
}

// writeJSONDoc sends a public API document, conditionally.
func writeJSONDoc(c echo.Context, doc any, updated time.Time) error {
	return writeJSONDocCached(c, doc, updated, web.CacheAPI)
}

// writeJSONDocCached is writeJSONDoc with the cache policy given.
func writeJSONDocCached(c echo.Context, doc any, updated time.Time, cache web.CachePolicy) error {
	body, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return web.WriteCacheable(c, web.Cacheable{ContentType: echo.MIMEApplicationJSON, Body: body, Modified: updated, Cache: cache})
}

// v2Summary is GET /api/v2/summary.json.
func (h *Handler) v2Summary(c echo.Context) error {
	st, err := h.Site.State(c.Request().Context())
	if err != nil {
		return err
	}
	return writeJSONDoc(c, h.v2SummaryDocOf(st), st.Updated)
}

// v2Status is GET /api/v2/status.json: the page and its overall status.
func (h *Handler) v2Status(c echo.Context) error {
	st, err := h.Site.State(c.Request().Context())
	if err != nil {
		return err
	}
	return writeJSONDoc(c, v2StatusDoc{Page: h.v2PageOf(st.Updated), Status: v2StatusOf(st)}, st.Updated)
}

// v2Components is GET /api/v2/components.json: every component and group.
func (h *Handler) v2Components(c echo.Context) error {
	st, err := h.Site.State(c.Request().Context())
	if err != nil {
		return err
	}
	return writeJSONDoc(c, v2ComponentsDoc{Page: h.v2PageOf(st.Updated), Components: h.jsonComponentsOf(st.Components)}, st.Updated)
}

// v2Incidents is GET /api/v2/incidents.json: the 50 most recent incidents,
// as Statuspage; ?page=N&per_page=M (at most 100) reach the whole history.
func (h *Handler) v2Incidents(c echo.Context) error {
	return h.v2List(c, models.IncidentFilter{Kind: models.KindIncident}, true)
}

// v2UnresolvedIncidents is GET /api/v2/incidents/unresolved.json.
func (h *Handler) v2UnresolvedIncidents(c echo.Context) error {
	return h.v2List(c, models.IncidentFilter{Kind: models.KindIncident, Unresolved: true}, false)
}

// v2Maintenances is GET /api/v2/scheduled-maintenances.json: the 50 most
// recent maintenances, with the same paging as incidents.json.
func (h *Handler) v2Maintenances(c echo.Context) error {
	return h.v2List(c, models.IncidentFilter{Kind: models.KindMaintenance}, true)
}

// v2UpcomingMaintenances is GET /api/v2/scheduled-maintenances/upcoming.json:
// maintenance scheduled in the future, soonest first.
func (h *Handler) v2UpcomingMaintenances(c echo.Context) error {
	return h.v2List(c, models.IncidentFilter{Kind: models.KindMaintenance, Upcoming: true}, false)
}

// v2ActiveMaintenances is GET /api/v2/scheduled-maintenances/active.json:
// maintenance in progress or verifying, soonest first.
func (h *Handler) v2ActiveMaintenances(c echo.Context) error {
	return h.v2List(c, models.IncidentFilter{Kind: models.KindMaintenance, Unresolved: true}, false, func(in *models.Incident) bool {
		return in.Status == models.InProgress || in.Status == models.Verifying
	})
}

// v2List answers an incident or maintenance list. A paged list reads
// ?page and ?per_page, says the total in X-Total-Count and links the next
// and previous pages; the others hold every match (at most 100).
func (h *Handler) v2List(c echo.Context, f models.IncidentFilter, paged bool, keep ...func(*models.Incident) bool) error {
	ctx := c.Request().Context()
	f.Limit = models.MaxIncidentLimit
	if paged {
		var err error
		if f.Limit, f.Offset, err = paging(c, models.DefaultIncidentLimit, models.MaxIncidentLimit); err != nil {
			return err
		}
	}
	list, total, err := h.Site.DB.ListIncidents(ctx, f)
	if err != nil {
		return err
	}
	updated, err := h.Site.DB.LastChange(ctx)
	if err != nil {
		return err
	}
	kept := list[:0]
	for i := range list {
		if len(keep) == 0 || keep[0](&list[i]) {
			kept = append(kept, list[i])
		}
	}
	cache := web.CacheAPI
	if paged && f.Offset > 0 && int64(f.Offset) >= total {
		// A page past the last is empty, as Statuspage's, and kept by
		// no one (the snapshot neither), so asking for page after page of
		// nothing fills no memory.
		cache = web.CachePolicy{Browser: "no-store"}
	}
	if paged {
		c.Response().Header().Set("X-Total-Count", strconv.FormatInt(total, 10))
		if links := pageLinks(c, f.Limit, f.Offset, total); links != "" {
			c.Response().Header().Set("Link", links)
		}
	}
	page := h.v2PageOf(updated)
	if f.Kind == models.KindMaintenance {
		if !paged {
			kept = soonestFirst(kept)
		}
		return writeJSONDocCached(c, v2MaintenancesDoc{Page: page, ScheduledMaintenances: h.v2IncidentsOf(kept)}, updated, cache)
	}
	return writeJSONDocCached(c, v2IncidentsDoc{Page: page, Incidents: h.v2IncidentsOf(kept)}, updated, cache)
}

// pageLinks is the Link header of a paged list: its next and previous
// pages, with the request's per_page.
func pageLinks(c echo.Context, limit, offset int, total int64) string {
	link := func(page int, rel string) string {
		q := url.Values{}
		q.Set("page", strconv.Itoa(page))
		q.Set("per_page", strconv.Itoa(limit))
		return `<` + c.Request().URL.Path + "?" + q.Encode() + `>; rel="` + rel + `"`
	}
	page := offset/limit + 1
	var out string
	if int64(offset+limit) < total {
		out = link(page+1, "next")
	}
	if page > 1 {
		if out != "" {
			out += ", "
		}
		out += link(page-1, "prev")
	}
	return out
}

// v2UptimeDoc is /api/v2/components/{id}/uptime.json (Beacon's own): a
// component's daily uptime over the last 90 days, as the page's bars show
// it.
type v2UptimeDoc struct {
	Page             jsonPage      `json:"page"`
	Component        jsonComponent `json:"component"`
	UptimePercentage *float64      `json:"uptime_percentage"` // null when the component did not exist in the window
	Since            *string       `json:"since"`             // first day with data when it is not the window's first; null otherwise
	Days             []v2UptimeDay `json:"days"`              // oldest first
}

// v2UptimeDay is one day of uptime, cut at midnight in the page's zone.
type v2UptimeDay struct {
	Date             string             `json:"date"`
	Status           *string            `json:"status"`            // worst status that day; null before the component existed or its start date
	UptimePercentage *float64           `json:"uptime_percentage"` // null before the component existed
	DowntimeSeconds  int64              `json:"downtime_seconds"`  // major outage in full, partial outage at its weight
	OutageSeconds    map[string]int64   `json:"outage_seconds"`    // time in each status other than operational
	Description      string             `json:"description"`       // "Major outage for 1 hr", "No downtime", "No data"
	Incidents        []v2UptimeIncident `json:"incidents"`         // incidents open on the component that day
}

// v2UptimeIncident is an incident on a day of uptime.
type v2UptimeIncident struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Impact    string `json:"impact"`
	Shortlink string `json:"shortlink"`
}

// v2ComponentUptime is GET /api/v2/components/{id}/uptime.json.
func (h *Handler) v2ComponentUptime(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	if !models.ValidID(id) {
		return echo.NewHTTPError(http.StatusNotFound, "There is no component with this id.")
	}
	comp, err := h.DB.GetComponent(ctx, id)
	if err != nil {
		return err
	}
	if comp.IsGroup {
		return echo.NewHTTPError(http.StatusNotFound, "This id is a component group; uptime is kept per component.")
	}
	now := h.Now()
	windowStart := h.Site.UptimeWindowStart(now)
	history, err := h.DB.StatusHistory(ctx, windowStart)
	if err != nil {
		return err
	}
	affecting, err := h.Site.DB.ListIncidentsAffecting(ctx, windowStart, now)
	if err != nil {
		return err
	}
	updated, err := h.Site.DB.LastChange(ctx)
	if err != nil {
		return err
	}
	up := h.Site.Uptime(comp, history[comp.ID], now)
	return writeJSONDoc(c, h.v2UptimeDocOf(comp, up, incidentsOf(comp.ID, affecting), now, updated), updated)
}

// v2UptimeDocOf builds a component's uptime document.
func (h *Handler) v2UptimeDocOf(comp *models.Component, up models.Uptime, incidents []models.Incident, now, updated time.Time) v2UptimeDoc {
	doc := v2UptimeDoc{Page: h.v2PageOf(updated), Component: h.jsonComponentOf(comp, nil), Days: make([]v2UptimeDay, 0, len(up.Days))}
	if up.HasData {
		p := roundPercent(up.Percent)
		doc.UptimePercentage = &p
	}
	if !up.Since.IsZero() {
		since := up.Since.Format(time.DateOnly)
		doc.Since = &since
	}
	for _, d := range up.Days {
		day := v2UptimeDay{
			Date: d.Day.Format(time.DateOnly), DowntimeSeconds: int64(d.Downtime / time.Second),
			OutageSeconds: map[string]int64{}, Description: view.DayLabel(d), Incidents: []v2UptimeIncident{},
		}
		if d.Worst != "" {
			worst := d.Worst
			p := roundPercent(100 * (1 - float64(d.Downtime)/float64(d.Observed)))
			day.Status, day.UptimePercentage = &worst, &p
		}
		for status, dur := range d.Durations {
			day.OutageSeconds[status] = int64(dur / time.Second)
		}
		for _, in := range view.IncidentsOnDay(incidents, d.Day, now) {
			day.Incidents = append(day.Incidents, v2UptimeIncident{ID: in.ID, Name: in.Name, Impact: in.Impact,
				Shortlink: h.Site.BaseURL + view.IncidentURL(in.ID)})
		}
		doc.Days = append(doc.Days, day)
	}
	return doc
}

// incidentsOf keeps the incidents that affect the component.
func incidentsOf(componentID string, list []models.Incident) []models.Incident {
	var out []models.Incident
	for _, in := range list {
		for _, c := range in.Components {
			if c.ID == componentID {
				out = append(out, in)
				break
			}
		}
	}
	return out
}

// roundPercent keeps four decimals of a percentage (99.9796).
func roundPercent(p float64) float64 { return math.Round(p*1e4) / 1e4 }
