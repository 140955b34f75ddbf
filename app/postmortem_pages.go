package app

import (
	"context"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/models"
)

// PostmortemsPerPage is the page size of the /postmortems index.
const PostmortemsPerPage = 20

// errNoPostmortem answers a request for a postmortem that is not published.
var errNoPostmortem = echo.NewHTTPError(http.StatusNotFound, "This incident has no published postmortem.")

// publishedIncident loads an incident whose postmortem is published, with
// the view of both; drafts are never public.
func (a *App) publishedIncident(ctx context.Context, id string) (*models.Incident, *IncidentView, error) {
	if !models.ValidID(id) {
		return nil, nil, models.ErrNotFound
	}
	in, err := a.db.GetIncident(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if in.PublishedPostmortem() == nil {
		return nil, nil, errNoPostmortem
	}
	v := a.incidentView(in)
	if err := a.attachPostmortem(ctx, v, in); err != nil {
		return nil, nil, err
	}
	return in, v, nil
}

// attachPostmortem adds the incident's published postmortem, if any, to
// its view.
func (a *App) attachPostmortem(ctx context.Context, v *IncidentView, in *models.Incident) error {
	if in.PublishedPostmortem() == nil {
		return nil
	}
	pm, err := a.db.GetPostmortem(ctx, in.ID)
	if err != nil {
		return err
	}
	v.Postmortem, err = a.postmortemView(ctx, pm)
	return err
}

// ShowPostmortem is /incidents/{id}/postmortem: the published postmortem
// on its own page.
func (a *App) ShowPostmortem(c echo.Context) error {
	in, iv, err := a.publishedIncident(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	v := a.pageView("Postmortem: "+in.Name, c.Request().URL.Path)
	v.Incident = iv
	v.UpdatedAt = a.displayTime(in.Postmortem.UpdatedAt)
	return a.renderPage(c, http.StatusOK, "postmortem.html", v)
}

// ShowPostmortemRevisions is /incidents/{id}/postmortem/revisions: every
// published version of the postmortem, newest first.
func (a *App) ShowPostmortemRevisions(c echo.Context) error {
	ctx := c.Request().Context()
	in, iv, err := a.publishedIncident(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	revs, err := a.db.ListPostmortemRevisions(ctx, in.ID)
	if err != nil {
		return err
	}
	v := a.pageView("Postmortem revisions: "+in.Name, c.Request().URL.Path)
	v.Incident = iv
	for i := range revs {
		rv, err := a.revisionView(&revs[i], i == 0)
		if err != nil {
			return err
		}
		v.Revisions = append(v.Revisions, rv)
	}
	v.UpdatedAt = a.displayTime(in.Postmortem.UpdatedAt)
	return a.renderPage(c, http.StatusOK, "postmortem_revisions.html", v)
}

// ShowPostmortems is /postmortems: published postmortems, the most
// recently published first, PostmortemsPerPage a page (?page=N).
func (a *App) ShowPostmortems(c echo.Context) error {
	page := 1
	if raw := c.QueryParam("page"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 1_000_000 {
			return badRequest("page must be a whole number from 1 up, got %q", raw)
		}
		page = n
	}
	list, total, err := a.db.ListPublishedPostmortems(c.Request().Context(), PostmortemsPerPage, (page-1)*PostmortemsPerPage)
	if err != nil {
		return err
	}
	pages := max(1, int((total+PostmortemsPerPage-1)/PostmortemsPerPage))
	if page > pages {
		return echo.NewHTTPError(http.StatusNotFound, "There is no postmortems page "+strconv.Itoa(page)+": there are "+strconv.Itoa(pages)+".")
	}
	v := a.pageView("Postmortems", "/postmortems")
	v.PageNum, v.NumPages = page, pages
	updated := a.now()
	for i := range list {
		v.Postmortems = append(v.Postmortems, a.postmortemSummary(&list[i]))
		if i == 0 && list[i].PublishedAt != nil {
			updated = *list[i].PublishedAt
		}
	}
	if page > 1 {
		v.PrevURL = "/postmortems"
		if page > 2 {
			v.PrevURL += "?page=" + strconv.Itoa(page-1)
		}
	}
	if page < pages {
		v.NextURL = "/postmortems?page=" + strconv.Itoa(page+1)
	}
	v.UpdatedAt = a.displayTime(updated)
	return a.renderPage(c, http.StatusOK, "postmortems.html", v)
}
