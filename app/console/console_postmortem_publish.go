package console

import (
	"context"
	"html/template"
	"net/http"
	"strings"

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
	// Incomplete confirms publishing a draft without a summary or root
	// cause; shown while one is empty.
	Incomplete     view.CheckboxView
	ShowIncomplete bool
	// Editor is set in the editor, whose Publish button submits the
	// editor's form (saving it first); the preview has a form of its own.
	Editor bool
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
	p.ShowIncomplete = !pm.Published() && pmIncomplete(pm)
	p.Incomplete = view.Form{}.Checkbox("incomplete", incompleteLabel, "hint=The summary or the root cause is empty.")
	return p, nil
}

// checkPostmortem is the blameless check of the editor's text as typed,
// not saved: admin.js posts the editor form here while the operator types
// and shows the answer, {"warnings": [{"section", "term", "message"}]}.
// The check of the saved text on the editor and the preview stays the
// authority.
func (h *Handler) checkPostmortem(c echo.Context) error {
	_, pm, err := h.loadPostmortem(c)
	if err != nil {
		return err
	}
	users, err := h.DB.ListUsers(c.Request().Context())
	if err != nil {
		return err
	}
	form := view.NewForm(c)
	sections := pm.SectionMap()
	for _, s := range models.PostmortemSections {
		if vals, sent := form.Values[s.Key]; sent {
			sections[s.Key] = normalizeText(vals[0])
		}
	}
	type warning struct {
		Section string `json:"section"`
		Term    string `json:"term"`
		Message string `json:"message"`
	}
	out := []warning{}
	for _, w := range models.BlamelessWarnings(sections, users) {
		out = append(out, warning{w.Section, w.Term, w.Message})
	}
	return c.JSON(http.StatusOK, map[string]any{"warnings": out})
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
// subscribers, once ever); a published one is only notified. The editor's
// Publish button submits the editor form here: what it holds is saved
// first, in the same transaction, so nothing typed is lost. A draft whose
// summary or root cause is empty is published only with "incomplete"
// ticked; an empty postmortem, or a problem in the form, shows the editor
// again with the problem and the text as sent.
func (h *Handler) publishPostmortem(c echo.Context) error {
	in, pm, err := h.loadPostmortem(c)
	if err != nil {
		return err
	}
	ctx, actor := c.Request().Context(), web.ActorOf(c).Name
	form := view.NewForm(c)
	form.Clear("csrf")
	notify := checked(form, "notify")
	wasPublished := pm.Published()
	input, entryErrs, err := h.pmInput(pm, form, false)
	if err == nil {
		err = h.Writes.Do(c, web.Incident(in.ID), "postmortem.publish", "incident", func(tx *models.DB) (string, any, error) {
			saved := false
			if len(input.Sections) > 0 || input.ImpactStartedAt != nil || len(input.Timeline) > 0 {
				if _, err := tx.SavePostmortem(ctx, in.ID, input, actor); err != nil {
					return "", nil, err
				}
				saved = true
			}
			if !wasPublished && !checked(form, "incomplete") {
				if err := checkComplete(ctx, tx, in.ID); err != nil {
					return "", nil, err
				}
			}
			published, err := tx.PublishPostmortem(ctx, in.ID, notify, actor)
			if err != nil {
				return "", nil, err
			}
			return in.ID, map[string]any{"notify_subscribers": notify, "revision": published.Revision, "saved": saved}, nil
		})
	}
	if form.Invalid(err) {
		forms := pmForms{failed: &form, entryErrs: entryErrs}
		if _, sent := form.Values[models.SectionSummary]; sent {
			forms.edit = &form // the editor's text as sent, not lost
		}
		return h.renderPMEditor(c, http.StatusUnprocessableEntity, in, pm, forms)
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

// checkComplete asks for a confirmation ("incomplete") before a
// postmortem without a summary or a root cause is published. An empty one
// is left to PublishPostmortem, which refuses it.
func checkComplete(ctx context.Context, tx *models.DB, incidentID string) error {
	pm, err := tx.GetPostmortem(ctx, incidentID)
	if err != nil {
		return err
	}
	if !pm.HasText() || !pmIncomplete(pm) {
		return nil
	}
	return models.Invalid("incomplete", "must be ticked: the summary or the root cause is empty")
}

// incompleteLabel is the checkbox that confirms publishing without a
// summary or root cause.
const incompleteLabel = "Publish without a summary or root cause"

// pmIncomplete reports whether pm lacks a summary or a root cause.
func pmIncomplete(pm *models.Postmortem) bool {
	return strings.TrimSpace(pm.SectionBody(models.SectionSummary)) == "" ||
		strings.TrimSpace(pm.SectionBody(models.SectionRootCause)) == ""
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
