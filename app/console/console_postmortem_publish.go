package console

import (
	"context"
	"html/template"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// The postmortem's way to the public: the preview, the blameless check,
// publish (notifying subscribers once, when asked), unpublish, delete,
// and the revisions a published postmortem keeps.

// pmPublishPanel is the editor's and the preview's publish box.
type pmPublishPanel struct {
	URL       string // the editor
	Published bool
	Notified  bool              // subscribers were notified (once ever)
	Notify    view.CheckboxView // "notify subscribers"; on by default the first time
	Warnings  []models.Warning  // the blameless check: it warns, it does not block
	Empty     bool              // no section has text: it cannot be published
}

// pmPublishPanel builds the publish box of pm, with the blameless check
// against the operators' names and emails.
func (h *Handler) pmPublishPanel(ctx context.Context, pm *models.Postmortem) (pmPublishPanel, error) {
	users, err := h.DB.ListUsers(ctx)
	if err != nil {
		return pmPublishPanel{}, err
	}
	p := pmPublishPanel{URL: pmURL(pm.IncidentID), Published: pm.Published(), Notified: pm.NotifiedSubscribers,
		Warnings: models.BlamelessWarnings(pm.SectionMap(), users), Empty: !pm.HasText()}
	// Subscribers hear of the first publication unless told otherwise.
	p.Notify = view.FormOf(map[string]string{"notify": checkbox(pm.FirstPublishedAt == nil)}).Checkbox("notify", "Notify subscribers",
		"hint=Once: later edits notify no one.")
	return p, nil
}

// pmRevisionRow is one published version of a postmortem.
type pmRevisionRow struct {
	Number   int
	At       view.DisplayTime
	EditedBy string
	Latest   bool
	Sections []view.SectionView
}

// pmRevisions lists the published versions of an incident's postmortem,
// newest first.
func (h *Handler) pmRevisions(ctx context.Context, incidentID string) ([]pmRevisionRow, error) {
	revs, err := h.DB.ListPostmortemRevisions(ctx, incidentID)
	if err != nil {
		return nil, err
	}
	out := make([]pmRevisionRow, 0, len(revs))
	for i := range revs {
		content, err := revs[i].Decode()
		if err != nil {
			return nil, err
		}
		row := pmRevisionRow{Number: revs[i].Number, At: h.Site.Time(revs[i].CreatedAt), EditedBy: revs[i].EditedBy, Latest: i == 0}
		for _, s := range content.Sections {
			row.Sections = append(row.Sections, view.SectionView{Key: s.Key, Label: models.SectionLabel(s.Key),
				BodyHTML: template.HTML(s.BodyHTML)}) // sanitized on save
		}
		out = append(out, row)
	}
	return out, nil
}

// pmPreviewView is the preview of a postmortem as the public sees it.
type pmPreviewView struct {
	AdminView
	Incident   adminIncident
	Postmortem pmState
	Preview    *view.PostmortemView // the public view itself (postmortem_view.go)
	Publish    pmPublishPanel
}

// previewPostmortem shows the postmortem exactly as the public will
// see it, with the blameless check and the publish box.
func (h *Handler) previewPostmortem(c echo.Context) error {
	in, pm, err := h.loadPostmortem(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v := pmPreviewView{AdminView: h.adminView(c, "Preview: "+in.Name, incidentSection(in)), Incident: h.adminIncident(in),
		Postmortem: h.pmState(pm)}
	if v.Preview, err = h.Site.Postmortem(ctx, pm); err != nil {
		return err
	}
	if v.Publish, err = h.pmPublishPanel(ctx, pm); err != nil {
		return err
	}
	return h.Render.Admin(c, http.StatusOK, "postmortem_preview.html", v)
}

// publishPostmortem publishes the postmortem ("notify": tell the
// subscribers, once ever); a published one is only notified. An empty
// postmortem shows the editor again with the problem.
func (h *Handler) publishPostmortem(c echo.Context) error {
	in, pm, err := h.loadPostmortem(c)
	if err != nil {
		return err
	}
	form := view.NewForm(c)
	form.Clear("csrf")
	notify := checked(form, "notify")
	wasPublished := pm.Published()
	err = h.Writes.Do(c, web.Incident(in.ID), "postmortem.publish", "incident", func(tx *models.DB) (string, any, error) {
		published, err := tx.PublishPostmortem(c.Request().Context(), in.ID, notify, web.ActorOf(c).Name)
		if err != nil {
			return "", nil, err
		}
		return in.ID, map[string]any{"notify_subscribers": notify, "revision": published.Revision}, nil
	})
	if form.Invalid(err) {
		return h.renderPMEditor(c, http.StatusUnprocessableEntity, in, pm, pmForms{failed: &form})
	}
	if err != nil {
		return err
	}
	switch {
	case wasPublished && notify && !pm.NotifiedSubscribers:
		h.flash(c, "Subscribers will be notified of the postmortem.")
	case wasPublished:
		h.flash(c, "The postmortem was already published.")
	case notify && !pm.NotifiedSubscribers:
		h.flash(c, "Published the postmortem; subscribers will be notified.")
	default:
		h.flash(c, "Published the postmortem.")
	}
	return c.Redirect(http.StatusSeeOther, pmURL(in.ID))
}

// unpublishPostmortem takes a published postmortem back to draft:
// it leaves the status page and the incident is "resolved" again.
func (h *Handler) unpublishPostmortem(c echo.Context) error {
	in, err := h.loadIncident(c)
	if err != nil {
		return err
	}
	err = h.Writes.Do(c, web.Incident(in.ID), "postmortem.unpublish", "incident", func(tx *models.DB) (string, any, error) {
		_, err := tx.UnpublishPostmortem(c.Request().Context(), in.ID, web.ActorOf(c).Name)
		return in.ID, nil, err
	})
	if err != nil {
		return err
	}
	h.flash(c, "Unpublished the postmortem: it is a draft again, off the status page.")
	return c.Redirect(http.StatusSeeOther, pmURL(in.ID))
}

// pmDeleteView is the page that asks before deleting a postmortem.
type pmDeleteView struct {
	AdminView
	Incident   adminIncident
	Postmortem pmState
	Items      int
}

// confirmDeletePostmortem asks before deleting a postmortem.
func (h *Handler) confirmDeletePostmortem(c echo.Context) error {
	in, pm, err := h.loadPostmortem(c)
	if err != nil {
		return err
	}
	v := pmDeleteView{AdminView: h.adminView(c, "Delete the postmortem of “"+in.Name+"”?", incidentSection(in)),
		Incident: h.adminIncident(in), Postmortem: h.pmState(pm), Items: len(pm.ActionItems)}
	return h.Render.Admin(c, http.StatusOK, "postmortem_delete.html", v)
}

// deletePostmortem deletes a postmortem with its timeline,
// revisions and action items; the incident stays.
func (h *Handler) deletePostmortem(c echo.Context) error {
	in, pm, err := h.loadPostmortem(c)
	if err != nil {
		return err
	}
	err = h.Writes.Do(c, web.Incident(in.ID), "postmortem.delete", "incident", func(tx *models.DB) (string, any, error) {
		return in.ID, map[string]any{"status": pm.Status, "revision": pm.Revision}, tx.DeletePostmortem(c.Request().Context(), in.ID)
	})
	if err != nil {
		return err
	}
	h.flash(c, "Deleted the postmortem of “%s”.", in.Name)
	return c.Redirect(http.StatusSeeOther, consoleIncidentURL(in.ID)+"#postmortem")
}
