package public

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
)

// showAPIPage is GET /api: what the public API, the feeds, the badges and
// the widget offer, with URLs to copy (the page's and each component's).
func (h *Handler) showAPIPage(c echo.Context) error {
	comps, err := h.DB.ListComponents(c.Request().Context())
	if err != nil {
		return err
	}
	site := h.site(c)
	v := site.Page(site.L().T("api_title"), "/api")
	var ungrouped view.GroupView
	for _, comp := range comps {
		if comp.IsGroup {
			continue
		}
		ungrouped.Components = append(ungrouped.Components, view.ComponentView{ID: comp.ID, Name: comp.Name})
	}
	if len(ungrouped.Components) > 0 {
		v.Groups = []view.GroupView{ungrouped}
	}
	return h.Render.Page(c, http.StatusOK, "api.html", v)
}
