package console

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/models"
)

// An incident's (or maintenance's) console page: its header, its whole
// timeline, internal notes included, and the forms that act on it. The
// handlers that take those forms are in console_timeline.go.

// incidentPageView is an incident's console page.
type incidentPageView struct {
	AdminView
	Incident    incidentDetail
	Timeline    []timelineItem // newest first
	Statuses    []view.Option  // the update form's status view.Radios
	Components  componentPicker
	Impacts     []view.Option
	UpdateForm  view.Form // post an update
	NoteForm    view.Form // add an internal note
	DetailsForm view.Form // rename, impact, schedule
	Preview     previewView
	PickerOpen  bool         // the component changes start unfolded
	Postmortem  *pmPanelView // resolved incidents only
	TimeZone    string
	MaxMessage  int
	BackURL     string
	Templates   []templateChoice // the templates the update form may start from
}

// incidentDetail is the header of an incident's page.
type incidentDetail struct {
	adminIncident
	Maintenance    bool
	ImpactOverride bool
	Backfilled     bool
	CreatedBy      string
	ScheduledFor   view.DisplayTime
	ScheduledUntil view.DisplayTime
	AutoInProgress bool
	AutoComplete   bool
	RemindPrior    bool
	Reminder       string           // "will", "sent" or "" (see models.Incident.Reminder)
	Affected       []adminComponent // with their status now
	RestoreLabel   string           // the label of the update form's restore checkbox
	Notes          int              // internal notes on the timeline
}

// timelineItem is one event of an incident's timeline as the console shows
// it.
type timelineItem struct {
	ID, Kind            string
	KindLabel           string // "Update", "Internal note", "Component status"...
	Internal            bool   // not on the status page
	Status, StatusLabel string
	BodyHTML            template.HTML
	Source              string // an external event's origin
	Actor               string
	At                  view.DisplayTime
	Changes             []view.ComponentChange
	Notified            bool // subscribers were to be told
	Edited              bool
	EditURL             string // "" when its text cannot be edited
}

// incidentForms are the forms an incident's page shows; the zero value of
// each is its defaults.
type incidentForms struct {
	update, note, details *view.Form
	failed                *view.Form // the form whose problems the page lists
}

// showIncident is an incident's (or maintenance's) page.
func (h *Handler) showIncident(c echo.Context) error {
	in, err := h.loadIncident(c)
	if err != nil {
		return err
	}
	// ?template= fills the update form from a template.
	fromTemplate, err := h.templateValues(c, in.Kind, false)
	if err != nil {
		return err
	}
	var forms incidentForms
	if fromTemplate != nil {
		values := map[string]string{"status": in.Status, "notify": "1", "restore_components": "1"}
		for k, v := range fromTemplate {
			values[k] = v
		}
		f := view.FormOf(values)
		forms.update = &f
	}
	return h.renderIncidentPage(c, http.StatusOK, in, forms)
}

// renderIncidentPage shows an incident's page with the forms given (or
// their defaults).
func (h *Handler) renderIncidentPage(c echo.Context, code int, in *models.Incident, forms incidentForms) error {
	comps, err := h.DB.ListComponents(c.Request().Context())
	if err != nil {
		return err
	}
	section, back := incidentSection(in), "/admin/incidents"
	if in.Kind == models.KindMaintenance {
		back = "/admin/maintenance"
	}
	v := incidentPageView{AdminView: h.adminView(c, in.Name, section), Incident: h.incidentDetail(in, comps),
		TimeZone: h.Site.Info().TimeZone, MaxMessage: models.MaxMessageLength, BackURL: back}
	for i := len(in.Events) - 1; i >= 0; i-- {
		v.Timeline = append(v.Timeline, h.timelineItem(in, &in.Events[i]))
	}
	v.UpdateForm = view.FormOf(map[string]string{"status": in.Status, "notify": "1", "restore_components": "1"})
	if forms.update != nil {
		v.UpdateForm = *forms.update
	}
	if v.Preview, err = previewOf(v.UpdateForm, "body"); err != nil {
		return err
	}
	if forms.note != nil {
		v.NoteForm = *forms.note
	}
	v.DetailsForm = view.FormOf(map[string]string{"name": in.Name, "impact": in.Impact,
		"scheduled_for": h.localTimeValue(in.ScheduledFor), "scheduled_until": h.localTimeValue(in.ScheduledUntil),
		"auto_in_progress": checkbox(in.ScheduledAutoInProgress), "auto_complete": checkbox(in.ScheduledAutoCompleted),
		"remind_prior": checkbox(in.ScheduledRemindPrior)})
	if forms.details != nil {
		v.DetailsForm = *forms.details
	}
	if forms.failed != nil {
		v.Form = *forms.failed
	}
	v.Postmortem = h.pmPanel(in)
	v.Statuses = statusOptions(in.Kind, v.UpdateForm.Value("status"))
	v.PickerOpen = v.UpdateForm.Error("components") != "" || len(componentChanges(v.UpdateForm)) > 0
	affected := map[string]bool{}
	for _, comp := range in.Components {
		affected[comp.ID] = true
	}
	v.Components = componentPicker{ID: "f-components", Legend: "Component changes", Error: v.UpdateForm.Error("components"),
		Hint:    "Affected components come first. Leave “No change” for the rest.",
		Choices: affectedFirst(componentChoices(comps, v.UpdateForm, affected)), Statuses: componentStatusOptions("")}
	for _, s := range []string{models.ImpactNone, models.ImpactMinor, models.ImpactMajor, models.ImpactCritical} {
		v.Impacts = append(v.Impacts, view.Option{Value: s, Label: view.ImpactLabel(s), Selected: s == v.DetailsForm.Value("impact")})
	}
	if v.Templates, err = h.templatePicker(c, in.Kind, consoleIncidentURL(in.ID), "#post-update", c.QueryParam("template")); err != nil {
		return err
	}
	return h.Render.Admin(c, code, "incident.html", v)
}

// incidentSection is the console section an incident's pages belong to.
func incidentSection(in *models.Incident) string {
	if in.Kind == models.KindMaintenance {
		return "maintenance"
	}
	return "incidents"
}

// checkbox is a checkbox's form value for b.
func checkbox(b bool) string {
	if b {
		return "1"
	}
	return ""
}

// affectedFirst puts the components the incident affects first (in page
// order, without their groups) under "Affected", then the others in page
// order under "Other components": an operator under stress finds the usual
// suspects at the top.
func affectedFirst(choices []componentChoice) []componentChoice {
	var first, rest []componentChoice
	for _, ch := range choices {
		if ch.Affected {
			ch.InGroup = false
			first = append(first, ch)
		} else {
			rest = append(rest, ch)
		}
	}
	if len(first) == 0 {
		return rest
	}
	first[0].Heading = "Affected"

	// Drop groups whose members are all affected (listed above).
	kept := rest[:0]
	for i, ch := range rest {
		if ch.IsGroup && (i+1 == len(rest) || !rest[i+1].InGroup) {
			continue
		}
		kept = append(kept, ch)
	}
	if len(kept) > 0 {
		kept[0].Heading = "Other components"
	}
	return append(first, kept...)
}

// incidentDetail builds the header of an incident's page.
func (h *Handler) incidentDetail(in *models.Incident, comps []models.Component) incidentDetail {
	d := incidentDetail{adminIncident: h.adminIncident(in), Maintenance: in.Kind == models.KindMaintenance,
		ImpactOverride: in.ImpactOverride, Backfilled: in.Backfilled, CreatedBy: in.CreatedBy,
		ScheduledFor: h.Site.TimePtr(in.ScheduledFor), ScheduledUntil: h.Site.TimePtr(in.ScheduledUntil),
		AutoInProgress: in.ScheduledAutoInProgress, AutoComplete: in.ScheduledAutoCompleted,
		RemindPrior: in.ScheduledRemindPrior, Reminder: in.Reminder(h.Now()),
		RestoreLabel: "When resolving, set the affected components back to operational"}
	if d.Maintenance {
		d.RestoreLabel = "When completing, set the affected components back to operational"
	}
	now := map[string]models.Component{}
	for _, comp := range comps {
		now[comp.ID] = comp
	}
	for _, comp := range in.Components {
		if cur, ok := now[comp.ID]; ok {
			comp = cur
		}
		d.Affected = append(d.Affected, adminComponentOf(&comp))
	}
	for _, e := range in.Events {
		if e.Kind == models.EventNote {
			d.Notes++
		}
	}
	return d
}

// eventKindLabels name the kinds of timeline events.
var eventKindLabels = map[string]string{
	models.EventUpdate:                "Update",
	models.EventComponentStatus:       "Component status",
	models.EventMaintenanceTransition: "Maintenance",
	models.EventNote:                  "Internal note",
	models.EventNotification:          "Notification",
	models.EventPostmortemPublished:   "Postmortem published",
	models.EventExternal:              "External event",
}

// editable reports whether an event's text can be edited.
func editable(kind string) bool {
	return kind == models.EventUpdate || kind == models.EventNote || kind == models.EventExternal
}

// timelineItem is one event of in's timeline as the console shows it.
func (h *Handler) timelineItem(in *models.Incident, e *models.TimelineEvent) timelineItem {
	it := timelineItem{ID: e.ID, Kind: e.Kind, KindLabel: eventKindLabels[e.Kind], Status: e.Status,
		StatusLabel: models.IncidentStatusLabel(e.Status), BodyHTML: template.HTML(e.BodyHTML), // sanitized on save
		Source: e.Source, Actor: e.Actor, At: h.Site.Time(e.OccurredAt), Notified: e.DeliverNotifications,
		Edited: e.UpdatedAt.After(e.CreatedAt)}
	if it.KindLabel == "" {
		it.KindLabel = strings.ReplaceAll(e.Kind, "_", " ")
	}
	// What customers never see: notes, and anything marked internal (a
	// maintenance transition is always public).
	it.Internal = e.Kind == models.EventNote || e.Visibility == models.Internal && e.Kind != models.EventMaintenanceTransition
	for _, ch := range e.AffectedComponents {
		it.Changes = append(it.Changes, view.ComponentChange{Name: ch.Name, OldStatus: ch.OldStatus, NewStatus: ch.NewStatus,
			NewLabel: models.ComponentStatusLabel(ch.NewStatus)})
	}
	if editable(e.Kind) {
		it.EditURL = consoleIncidentURL(in.ID) + "/events/" + e.ID + "/edit"
	}
	return it
}
