package public

import (
	"context"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/models"
)

// PostmortemsPerPage is the page size of the /postmortems index.
const PostmortemsPerPage = 20

// errNoPostmortem answers a request for a postmortem that is not published.
var errNoPostmortem = echo.NewHTTPError(http.StatusNotFound, "This incident has no published postmortem.")

// publishedIncident loads an incident whose postmortem is published, with
// the view of both; drafts are never public.
func (h *Handler) publishedIncident(ctx context.Context, site *view.Site, id string) (*models.Incident, *view.IncidentView, error) {
	if !models.ValidID(id) {
		return nil, nil, models.ErrNotFound
	}
	in, err := h.DB.GetIncident(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if in.PublishedPostmortem() == nil {
		return nil, nil, errNoPostmortem
	}
	v := site.Incident(in)
	if err := h.attachPostmortem(ctx, site, v, in); err != nil {
		return nil, nil, err
	}
	return in, v, nil
}

// attachPostmortem adds the incident's published postmortem, if any, to
// its view.
func (h *Handler) attachPostmortem(ctx context.Context, site *view.Site, v *view.IncidentView, in *models.Incident) error {
	if in.PublishedPostmortem() == nil {
		return nil
	}
	pm, err := h.DB.GetPostmortem(ctx, in.ID)
	if err != nil {
		return err
	}
	v.Postmortem, err = site.Postmortem(ctx, pm)
	return err
}

// showPostmortem is /incidents/{id}/postmortem: the published postmortem
// on its own page.
func (h *Handler) showPostmortem(c echo.Context) error {
	in, iv, err := h.publishedIncident(c.Request().Context(), h.site(c), c.Param("id"))
	if err != nil {
		return err
	}
	v := h.site(c).Page(h.site(c).L().T("postmortem")+": "+in.Name, c.Request().URL.Path)
	v.Incident = iv
	v.UpdatedAt = h.site(c).Time(in.Postmortem.UpdatedAt)
	return h.Render.Page(c, http.StatusOK, "postmortem.html", v)
}

// showPostmortemRevisions is /incidents/{id}/postmortem/revisions: every
// published version of the postmortem, newest first.
func (h *Handler) showPostmortemRevisions(c echo.Context) error {
	ctx := c.Request().Context()
	in, iv, err := h.publishedIncident(ctx, h.site(c), c.Param("id"))
	if err != nil {
		return err
	}
	revs, err := h.DB.ListPostmortemRevisions(ctx, in.ID)
	if err != nil {
		return err
	}
	v := h.site(c).Page(h.site(c).L().T("pm_revisions")+": "+in.Name, c.Request().URL.Path)
	v.Incident = iv
	for i := range revs {
		rv, err := h.site(c).Revision(&revs[i], i == 0)
		if err != nil {
			return err
		}
		v.Revisions = append(v.Revisions, rv)
	}
	v.UpdatedAt = h.site(c).Time(in.Postmortem.UpdatedAt)
	return h.Render.Page(c, http.StatusOK, "postmortem_revisions.html", v)
}

// showPostmortems is /postmortems: published postmortems, the most
// recently published first, PostmortemsPerPage a page (?page=N).
func (h *Handler) showPostmortems(c echo.Context) error {
	page, err := pageNumber(c.QueryParam("page"))
	if err != nil {
		return err
	}
	list, total, err := h.DB.ListPublishedPostmortems(c.Request().Context(), PostmortemsPerPage, (page-1)*PostmortemsPerPage)
	if err != nil {
		return err
	}
	pages := max(1, int((total+PostmortemsPerPage-1)/PostmortemsPerPage))
	if page > pages {
		return echo.NewHTTPError(http.StatusNotFound, "There is no postmortems page "+strconv.Itoa(page)+": there are "+strconv.Itoa(pages)+".")
	}
	v := h.site(c).Page(h.site(c).L().T("postmortems"), "/postmortems")
	v.PageNum, v.NumPages = page, pages
	updated := h.Now()
	for i := range list {
		v.Postmortems = append(v.Postmortems, h.site(c).PostmortemCard(&list[i]))
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
	v.UpdatedAt = h.site(c).Time(updated)
	return h.Render.Page(c, http.StatusOK, "postmortems.html", v)
}
