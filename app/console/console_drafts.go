package console

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// publishDraft makes a draft incident public: it appears on every public
// page with its held component changes, and subscribers hear of it when
// "notify" is checked, as of any new incident.
func (h *Handler) publishDraft(c echo.Context) error {
	in, err := h.loadIncident(c)
	if err != nil {
		return err
	}
	form := view.NewForm(c)
	notify := form.Value("notify") != ""
	err = h.Writes.Do(c, web.Everything, "incident.publish", "incident", func(tx *models.DB) (string, any, error) {
		_, err := tx.PublishDraft(c.Request().Context(), in.ID, notify, web.ActorOf(c).Name)
		return in.ID, map[string]any{"name": in.Name, "notify": notify}, err
	})
	if err != nil {
		return err
	}
	if notify {
		h.flash(c, "Published “%s”: it is on the status page and subscribers will hear of it.", in.Name)
	} else {
		h.flash(c, "Published “%s”: it is on the status page; nobody was notified.", in.Name)
	}
	return c.Redirect(http.StatusSeeOther, consoleIncidentURL(in.ID))
}

// discardDraft deletes a draft incident that was never public.
func (h *Handler) discardDraft(c echo.Context) error {
	in, err := h.loadIncident(c)
	if err != nil {
		return err
	}
	err = h.Writes.Do(c, web.Incident(in.ID), "incident.discard", "incident", func(tx *models.DB) (string, any, error) {
		return in.ID, map[string]string{"name": in.Name}, tx.DiscardDraft(c.Request().Context(), in.ID)
	})
	if err != nil {
		return err
	}
	h.flash(c, "Discarded the draft “%s”.", in.Name)
	return c.Redirect(http.StatusSeeOther, "/admin/incidents?tab=all")
}
