package console

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// The console's postmortem of a resolved incident: the panel on the
// incident's page that starts it, and the editor (sections, impact start,
// timeline entries, durations). Saving and autosave are in
// console_postmortem_save.go; preview, publish, unpublish and delete in
// console_postmortem_publish.go; the action items in console_action_items.go.

// pmEditorView is the postmortem editor.
type pmEditorView struct {
	AdminView
	Incident   adminIncident
	Postmortem pmState
	EditForm   view.Form         // sections, impact start, timeline
	Sections   []view.FieldView  // one textarea per section, with its hint
	Milestones []view.FieldView  // datetime-local in the page's time zone, impact start first
	Entries    []pmEntryField    // the drafted timeline, oldest first
	NewEntry   pmNewEntry        // add an entry by hand
	Facts      []pmFact          // durations computed from the timeline
	Components []string          // affected components
	Items      []pmItemRow       // action items
	ItemForm   view.Form         // add an action item
	ItemFields []view.FieldView  // its fields
	ItemPublic view.CheckboxView // its "show the link publicly"
	Publish    pmPublishPanel    // warnings, publish, unpublish
	Revisions  []pmRevisionRow   // published versions, newest first
	TimeZone   string
}

// pmState is where a postmortem stands.
type pmState struct {
	URL              string // the editor
	Published        bool
	StatusLabel      string // "Draft" or "Published"
	PublishedAt      view.DisplayTime
	FirstPublishedAt view.DisplayTime
	UpdatedAt        view.DisplayTime
	Revision         int
	Notified         bool
	Written          int    // sections with text
	Autosave         string // where admin.js autosaves a draft; "" for a published one
}

// pmEntryField is one timeline entry in the editor: its time, text and
// whether it is public, or a tick to remove it.
type pmEntryField struct {
	N              int    // its place in the timeline, from 1
	EntryID        string // the models.PostmortemEntry
	KindLabel      string // "Update", "Internal note", "Added by hand"...
	StatusLabel    string
	At, Text       view.FieldView
	Milestone      view.FieldView // the milestone the entry is
	Public, Remove view.CheckboxView
	Error          string // its problem after a failed save
}

// pmNewEntry is the form's fields that add a timeline entry.
type pmNewEntry struct {
	At, Text view.FieldView
	Public   view.CheckboxView
}

// pmFact is a milestone (At) or a duration (Value) computed from the
// timeline.
type pmFact struct {
	Label string
	Value string
	At    view.DisplayTime
}

// pmPanelView is the Postmortem panel of a resolved incident's page.
type pmPanelView struct {
	URL       string // the editor
	Started   bool
	Published bool
	Status    string
	Written   int
	Choices   []pmEventChoice // internal notes and external events to draft from
}

// pmEventChoice is an internal note or external event the operator may
// include in the drafted timeline.
type pmEventChoice struct {
	ID, Label string
	BodyHTML  template.HTML
	At        view.DisplayTime
	Checked   bool
}

// pmURL is the console's postmortem editor of an incident.
func pmURL(incidentID string) string { return consoleIncidentURL(incidentID) + "/postmortem" }

// pmPanel is the Postmortem panel of in's page; nil while it is not
// resolved.
func (h *Handler) pmPanel(in *models.Incident) *pmPanelView {
	if in.ResolvedAt == nil {
		return nil
	}
	p := &pmPanelView{URL: pmURL(in.ID)}
	if pm := in.Postmortem; pm != nil {
		p.Started, p.Published, p.Status = true, pm.Published(), pmStatusLabel(pm)
		p.Written = len(pm.Sections)
		return p
	}
	for i := range in.Events {
		e := &in.Events[i]
		if e.Kind != models.EventNote && e.Kind != models.EventExternal {
			continue
		}
		label := eventKindLabels[e.Kind]
		if e.Source != "" {
			label += " · " + e.Source
		}
		p.Choices = append(p.Choices, pmEventChoice{ID: e.ID, Label: label, BodyHTML: template.HTML(e.BodyHTML), // sanitized on save
			At: h.Site.Time(e.OccurredAt), Checked: e.Kind == models.EventExternal && e.Visibility == models.Public})
	}
	return p
}

func pmStatusLabel(pm *models.Postmortem) string {
	if pm.Published() {
		return "Published"
	}
	return "Draft"
}

// startPostmortem drafts the postmortem of a resolved incident from
// its timeline, including the internal notes and external events ticked
// ("include"); an unresolved incident is a 409.
func (h *Handler) startPostmortem(c echo.Context) error {
	in, err := h.loadIncident(c)
	if err != nil {
		return err
	}
	if in.Postmortem != nil {
		h.flash(c, "The postmortem was already started.")
		return c.Redirect(http.StatusSeeOther, pmURL(in.ID))
	}
	form := view.NewForm(c)
	include := map[string]bool{}
	for _, id := range form.Values["include"] {
		include[id] = true
	}
	offered, shown := map[string]bool{}, 0
	for _, e := range in.Events {
		if e.Kind == models.EventNote || e.Kind == models.EventExternal {
			offered[e.ID] = true
			if include[e.ID] {
				shown++
			}
		}
	}
	ctx, actor := c.Request().Context(), web.ActorOf(c).Name
	err = h.Writes.Do(c, web.Incident(in.ID), "postmortem.start", "incident", func(tx *models.DB) (string, any, error) {
		pm, err := tx.StartPostmortem(ctx, in.ID, actor)
		if err != nil {
			return "", nil, err
		}
		var entries []models.EntryInput
		for _, e := range pm.Timeline {
			if e.EventID != nil && offered[*e.EventID] && include[*e.EventID] != e.Included {
				entries = append(entries, models.EntryInput{ID: e.ID, Included: ptrTo(include[*e.EventID])})
			}
		}
		if len(entries) > 0 {
			if _, err := tx.SavePostmortem(ctx, in.ID, models.PostmortemInput{Timeline: entries}, actor); err != nil {
				return "", nil, err
			}
		}
		return in.ID, map[string]int{"notes_and_events_shown": shown}, nil
	})
	if err != nil {
		return err
	}
	h.flash(c, "Drafted the postmortem from the timeline.")
	return c.Redirect(http.StatusSeeOther, pmURL(in.ID))
}

func ptrTo[T any](v T) *T { return &v }

// loadPostmortem loads the incident of :id and its postmortem.
func (h *Handler) loadPostmortem(c echo.Context) (*models.Incident, *models.Postmortem, error) {
	in, err := h.loadIncident(c)
	if err != nil {
		return nil, nil, err
	}
	pm, err := h.DB.GetPostmortem(c.Request().Context(), in.ID)
	if err != nil {
		return in, nil, err
	}
	return in, pm, nil
}

// editPostmortem is the postmortem editor; an incident without one is
// sent to its page, where the postmortem starts.
func (h *Handler) editPostmortem(c echo.Context) error {
	in, pm, err := h.loadPostmortem(c)
	if errors.Is(err, models.ErrNotFound) && in != nil {
		if in.ResolvedAt != nil {
			h.flash(c, "Start the postmortem first.")
		}
		return c.Redirect(http.StatusSeeOther, consoleIncidentURL(in.ID)+"#postmortem")
	}
	if err != nil {
		return err
	}
	return h.renderPMEditor(c, http.StatusOK, in, pm, pmForms{})
}

// pmForms are the editor's forms as submitted; nil ones show the
// postmortem as it is.
type pmForms struct {
	edit, item *view.Form
	entryErrs  map[string]string // timeline entry id → its problem
	failed     *view.Form        // the form whose problems the page lists
}

// renderPMEditor shows the editor of pm.
func (h *Handler) renderPMEditor(c echo.Context, code int, in *models.Incident, pm *models.Postmortem, forms pmForms) error {
	ctx := c.Request().Context()
	v := pmEditorView{AdminView: h.adminView(c, "Postmortem: "+in.Name, incidentSection(in)), Incident: h.adminIncident(in),
		Postmortem: h.pmState(pm), TimeZone: h.Site.Info().TimeZone}
	v.EditForm = h.pmEditValues(pm)
	if forms.edit != nil {
		v.EditForm = *forms.edit
	}
	if forms.failed != nil {
		v.Form = *forms.failed
	}
	for _, s := range models.PostmortemSections {
		v.Sections = append(v.Sections, v.EditForm.Field(s.Key, s.Label, "type=textarea", "hint="+s.Hint))
	}
	v.Milestones = h.pmMilestoneFields(pm, v.EditForm)
	for i, e := range pm.Timeline {
		v.Entries = append(v.Entries, h.pmEntryField(i+1, &e, v.EditForm, forms.entryErrs[e.ID]))
	}
	v.NewEntry = pmNewEntry{
		At:     v.EditForm.Field("new_at", "Time", "type=datetime-local", "hint=In "+h.Site.Info().TimeZone+"."),
		Text:   v.EditForm.Field("new_text", "Text", "type=textarea", "hint=Markdown."),
		Public: v.EditForm.Checkbox("new_public", "Public"),
	}
	v.Facts = h.pmFacts(pm.Milestones(), true)
	if pm.Incident != nil {
		for _, comp := range pm.Incident.Components {
			v.Components = append(v.Components, comp.Name)
		}
	}
	now := h.Now().In(h.Site.Zone())
	for i := range pm.ActionItems {
		v.Items = append(v.Items, pmItemRowOf(in.ID, &pm.ActionItems[i], now))
	}
	v.ItemForm = view.FormOf(map[string]string{"status": models.ActionOpen})
	if forms.item != nil {
		v.ItemForm = *forms.item
	}
	v.ItemFields = actionItemFields(v.ItemForm)
	v.ItemPublic = actionItemPublic(v.ItemForm)
	var err error
	if v.Publish, err = h.pmPublishPanel(ctx, pm); err != nil {
		return err
	}
	v.Publish.Editor = true
	v.Publish.Notify.Form, v.Publish.Incomplete.Form = "pm-form", "pm-form"
	if f := forms.failed; f != nil && f.Values != nil {
		// The publish box as it was sent.
		v.Publish.Notify.Checked = checked(*f, "notify")
		v.Publish.Incomplete.Checked = checked(*f, "incomplete")
		if msg := f.Error("incomplete"); msg != "" {
			v.Publish.Incomplete.Error, v.Publish.ShowIncomplete = msg, true
		}
	}
	if v.Revisions, err = h.pmRevisions(ctx, in.ID); err != nil {
		return err
	}
	return h.Render.Admin(c, code, "postmortem_edit.html", v)
}

// pmState is where pm stands, for the editor and the preview.
func (h *Handler) pmState(pm *models.Postmortem) pmState {
	s := pmState{URL: pmURL(pm.IncidentID), Published: pm.Published(), StatusLabel: pmStatusLabel(pm),
		PublishedAt: h.Site.TimePtr(pm.PublishedAt), FirstPublishedAt: h.Site.TimePtr(pm.FirstPublishedAt),
		UpdatedAt: h.Site.Time(pm.UpdatedAt), Revision: pm.Revision, Notified: pm.NotifiedSubscribers, Written: len(pm.Sections)}
	if !pm.Published() {
		// Drafts autosave; a published postmortem changes in public only
		// when saved on purpose (each save is a revision).
		s.Autosave = s.URL + "/save"
	}
	return s
}

// Editor field names of a timeline entry.
func entryAt(id string) string     { return "entry_at_" + id }
func entryText(id string) string   { return "entry_text_" + id }
func entryPublic(id string) string { return "entry_public_" + id }
func entryRemove(id string) string { return "entry_remove_" + id }
func entryMilestone(id string) string {
	return "entry_milestone_" + id
}

// pmEditValues is the editor form holding the postmortem as it is.
func (h *Handler) pmEditValues(pm *models.Postmortem) view.Form {
	values := map[string]string{"new_public": "1"}
	for _, s := range models.PostmortemSections {
		values[s.Key] = pm.SectionBody(s.Key)
	}
	m := pm.Milestones()
	for _, spec := range models.MilestoneSpecs {
		values[spec.Field] = h.localTimeValue(m.Get(spec.Key))
	}
	for _, e := range pm.Timeline {
		values[entryMilestone(e.ID)] = e.Milestone
		values[entryAt(e.ID)] = h.localTimeValue(&e.OccurredAt)
		values[entryText(e.ID)] = e.Body
		values[entryPublic(e.ID)] = checkbox(e.Included)
	}
	return view.FormOf(values)
}

// pmEntryField is entry n of the timeline as the editor shows it.
func (h *Handler) pmEntryField(n int, e *models.PostmortemEntry, f view.Form, problem string) pmEntryField {
	kind := eventKindLabels[e.Kind]
	if e.Kind == models.EntryManual {
		kind = "Added by hand"
	}
	ef := pmEntryField{N: n, EntryID: e.ID, KindLabel: kind, StatusLabel: models.IncidentStatusLabel(e.Status),
		Error:  problem,
		At:     f.Field(entryAt(e.ID), "Time", "type=datetime-local", "required"),
		Text:   f.Field(entryText(e.ID), "Text", "type=textarea", "required"),
		Public: f.Checkbox(entryPublic(e.ID), "Public"),
		Remove: f.Checkbox(entryRemove(e.ID), "Remove"),
	}
	options := []string{"=None"}
	for _, spec := range models.MilestoneSpecs {
		options = append(options, spec.Key+"="+spec.Label)
	}
	ef.Milestone = f.Select(entryMilestone(e.ID), "Milestone", options...)
	ef.Milestone.Required = false
	return ef
}

// pmMilestoneFields are the milestones' fields, each showing the milestone
// in use and where it comes from.
func (h *Handler) pmMilestoneFields(pm *models.Postmortem, f view.Form) []view.FieldView {
	marked := map[string]int{}
	for i, e := range pm.Timeline {
		if e.Milestone != "" {
			marked[e.Milestone] = i + 1
		}
	}
	var out []view.FieldView
	for _, spec := range models.MilestoneSpecs {
		hint := "Read from the timeline; set a time, or mark an entry, to change it. Empty it to go back to the timeline's."
		switch {
		case pm.MilestoneSet(spec.Key) != nil:
			hint = "Set by hand. Empty it to go back to the timeline's."
		case marked[spec.Key] > 0:
			hint = fmt.Sprintf("Entry %d of the timeline is marked as it.", marked[spec.Key])
		}
		out = append(out, f.Field(spec.Field, spec.Label, "type=datetime-local", "hint="+hint+" In "+h.Site.Info().TimeZone+"."))
	}
	return out
}

// pmFacts lists the impact start and the figures counted from the
// milestones m; all adds the unknown ones (the editor shows every one).
func (h *Handler) pmFacts(m models.Milestones, all bool) []pmFact {
	var out []pmFact
	if !m.ImpactStarted.IsZero() {
		out = append(out, pmFact{Label: "Impact began", At: h.Site.Time(m.ImpactStarted)})
	}
	for _, f := range models.Figures {
		if v, ok := f.Of(m); ok {
			out = append(out, pmFact{Label: f.Label, Value: view.HumanDuration(v)})
		} else if all {
			out = append(out, pmFact{Label: f.Label, Value: "not known"})
		}
	}
	return out
}
