package public

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// showStatusPage is the public status page: banner, incidents, maintenance
// and components with their uptime bars.
func (h *Handler) showStatusPage(c echo.Context) error {
	v, err := h.site(c).StatusPage(c.Request().Context(), h.Now())
	if err != nil {
		return err
	}
	return h.Render.Page(c, http.StatusOK, "index.html", v)
}

// showIncident is one incident or maintenance with its public timeline.
func (h *Handler) showIncident(c echo.Context) error {
	id := c.Param("id")
	if !models.ValidID(id) {
		return models.ErrNotFound
	}
	in, err := h.DB.GetIncident(c.Request().Context(), id)
	if err != nil {
		return err
	}
	v := h.site(c).Page(in.Name, c.Request().URL.Path)
	v.Incident = h.site(c).Incident(in)
	if err := h.attachPostmortem(c.Request().Context(), h.site(c), v.Incident, in); err != nil {
		return err
	}
	v.UpdatedAt = h.site(c).Time(in.UpdatedAt)
	return h.Render.Page(c, http.StatusOK, "incident.html", v)
}

// maxPageNumber is the largest ?page=N a paged page takes.
const maxPageNumber = 1_000_000

// pageNumber is the page number of ?page=N on a paged page (history,
// postmortems): 1 without it, a 400 when it is not a whole number from 1
// to maxPageNumber. A number beyond the last page is the handler's 404.
func pageNumber(raw string) (int, error) {
	if raw == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > maxPageNumber {
		return 0, web.BadRequest("page must be a whole number from 1 up, got %q", raw)
	}
	return n, nil
}

// pageQuery is the snapshot's web.CachedQuery of a paged page: ?page=N in
// one form (page=02 is page=2; page 1 is the page without it), every other
// parameter dropped.
func pageQuery(q url.Values) (string, bool) {
	n, err := pageNumber(q.Get("page"))
	if err != nil {
		return "", false
	}
	if n == 1 {
		return "", true
	}
	return "page=" + strconv.Itoa(n), true
}

// HistoryMonthsPerPage is how many calendar months one history page covers.
const HistoryMonthsPerPage = 3

// showHistory lists past incidents and maintenance by month, newest first,
// three months a page (?page=N).
func (h *Handler) showHistory(c echo.Context) error {
	page, err := pageNumber(c.QueryParam("page"))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	now := h.Now().In(h.site(c).Zone())
	thisMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, h.site(c).Zone())

	pages := 1
	if oldest, ok, err := h.DB.OldestIncidentStart(ctx); err != nil {
		return err
	} else if ok {
		o := oldest.In(h.site(c).Zone())
		months := (thisMonth.Year()-o.Year())*12 + int(thisMonth.Month()-o.Month()) + 1
		pages = max(1, (months+HistoryMonthsPerPage-1)/HistoryMonthsPerPage)
	}
	if page > pages {
		return echo.NewHTTPError(http.StatusNotFound, "There is no history page "+strconv.Itoa(page)+": the history has "+strconv.Itoa(pages)+".")
	}

	// The newest month of this page, and the first day after it.
	top := thisMonth.AddDate(0, -(page-1)*HistoryMonthsPerPage, 0)
	from := top.AddDate(0, -(HistoryMonthsPerPage - 1), 0)
	list, err := h.DB.ListIncidentsBetween(ctx, from, top.AddDate(0, 1, 0))
	if err != nil {
		return err
	}
	v := h.site(c).Page(h.site(c).L().T("incident_history"), "/history")
	v.PageNum, v.NumPages = page, pages
	for m := 0; m < HistoryMonthsPerPage; m++ {
		start := top.AddDate(0, -m, 0)
		end := start.AddDate(0, 1, 0)
		mv := view.MonthView{Label: h.site(c).L().Format(start, "format_month")}
		for i := range list {
			if list[i].Kind == models.KindMaintenance && list[i].Unresolved() {
				continue // upcoming maintenance is on the status page, not in history
			}
			t := list[i].HappenedAt()
			if !t.Before(start) && t.Before(end) {
				mv.Incidents = append(mv.Incidents, h.site(c).Summary(&list[i]))
			}
		}
		v.Months = append(v.Months, mv)
	}
	if page > 1 {
		v.PrevURL = "/history"
		if page > 2 {
			v.PrevURL += "?page=" + strconv.Itoa(page-1)
		}
	}
	if page < pages {
		v.NextURL = "/history?page=" + strconv.Itoa(page+1)
	}
	// When the incidents it shows last changed, not when it was rendered:
	// the page's bytes (and its copies on disk and in a mirror) stay the
	// same until something changes.
	var updated time.Time
	for i := range list {
		updated = view.MaxTime(updated, list[i].UpdatedAt)
	}
	if updated.IsZero() {
		updated = h.Now()
	}
	v.UpdatedAt = h.site(c).Time(updated)
	return h.Render.Page(c, http.StatusOK, "history.html", v)
}
