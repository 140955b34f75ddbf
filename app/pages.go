package app

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/models"
)

// renderPage renders a public page template as the response.
func (a *App) renderPage(c echo.Context, code int, page string, view PageView) error {
	h := c.Response().Header()
	if h.Get("Cache-Control") == "" {
		cachePages.set(h)
	}
	return writeHTML(c, code, func(w io.Writer) error { return a.render.Render(w, page, view) })
}

// writeHTML renders a page fully into a pooled buffer before sending
// anything, so a failing template can still become an error page.
func writeHTML(c echo.Context, code int, render func(io.Writer) error) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	buf := getBuffer()
	defer putBuffer(buf)
	if err := render(buf); err != nil {
		return err
	}
	c.Response().WriteHeader(code)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	_, err := c.Response().Write(buf.Bytes())
	return err
}

// ShowStatusPage is the public status page: banner, incidents, maintenance
// and components with their uptime bars.
func (a *App) ShowStatusPage(c echo.Context) error {
	v, err := a.buildStatusPage(c.Request().Context(), a.now())
	if err != nil {
		return err
	}
	return a.renderPage(c, http.StatusOK, "index.html", v)
}

// ShowIncident is one incident or maintenance with its public timeline.
func (a *App) ShowIncident(c echo.Context) error {
	id := c.Param("id")
	if !models.ValidID(id) {
		return models.ErrNotFound
	}
	in, err := a.db.GetIncident(c.Request().Context(), id)
	if err != nil {
		return err
	}
	v := a.pageView(in.Name, c.Request().URL.Path)
	v.Incident = a.incidentView(in)
	if err := a.attachPostmortem(c.Request().Context(), v.Incident, in); err != nil {
		return err
	}
	v.UpdatedAt = a.displayTime(in.UpdatedAt)
	return a.renderPage(c, http.StatusOK, "incident.html", v)
}

// HistoryMonthsPerPage is how many calendar months one history page covers.
const HistoryMonthsPerPage = 3

// ShowHistory lists past incidents and maintenance by month, newest first,
// three months a page (?page=N).
func (a *App) ShowHistory(c echo.Context) error {
	page := 1
	if raw := c.QueryParam("page"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return badRequest("page must be a whole number from 1 up, got %q", raw)
		}
		page = n
	}
	ctx := c.Request().Context()
	now := a.now().In(a.cfg.TimeZone)
	thisMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, a.cfg.TimeZone)

	pages := 1
	if oldest, ok, err := a.db.OldestIncidentStart(ctx); err != nil {
		return err
	} else if ok {
		o := oldest.In(a.cfg.TimeZone)
		months := (thisMonth.Year()-o.Year())*12 + int(thisMonth.Month()-o.Month()) + 1
		pages = max(1, (months+HistoryMonthsPerPage-1)/HistoryMonthsPerPage)
	}
	if page > pages {
		return echo.NewHTTPError(http.StatusNotFound, "There is no history page "+strconv.Itoa(page)+": the history has "+strconv.Itoa(pages)+".")
	}

	// The newest month of this page, and the first day after it.
	top := thisMonth.AddDate(0, -(page-1)*HistoryMonthsPerPage, 0)
	from := top.AddDate(0, -(HistoryMonthsPerPage - 1), 0)
	list, err := a.db.ListIncidentsBetween(ctx, from, top.AddDate(0, 1, 0))
	if err != nil {
		return err
	}
	v := a.pageView("Incident history", "/history")
	v.PageNum, v.NumPages = page, pages
	for m := 0; m < HistoryMonthsPerPage; m++ {
		start := top.AddDate(0, -m, 0)
		end := start.AddDate(0, 1, 0)
		mv := MonthView{Label: start.Format("January 2006")}
		for i := range list {
			if list[i].Kind == models.KindMaintenance && list[i].Unresolved() {
				continue // upcoming maintenance is on the status page, not in history
			}
			t := list[i].HappenedAt()
			if !t.Before(start) && t.Before(end) {
				mv.Incidents = append(mv.Incidents, a.incidentSummary(&list[i]))
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
	v.UpdatedAt = a.displayTime(a.now())
	return a.renderPage(c, http.StatusOK, "history.html", v)
}
