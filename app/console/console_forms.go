package console

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/models"
)

// Pieces the incident, maintenance and component pages share: reading
// their forms (component choices, checkboxes, times in the page's zone)
// and the choices they offer.

// localTimeLayout is the value of a datetime-local input.
const localTimeLayout = "2006-01-02T15:04"

// componentField is the name of the select that sets a component's status
// in an incident or update form: component[<id>].
func componentField(id string) string { return "component[" + id + "]" }

// componentChanges reads the component[<id>] selects of a form: each
// component given a status (not "no change") and that status.
func componentChanges(f view.Form) map[string]string {
	changes := map[string]string{}
	for k, vs := range f.Values {
		id, ok := strings.CutPrefix(k, "component[")
		if !ok || !strings.HasSuffix(id, "]") || len(vs) == 0 || vs[0] == "" {
			continue
		}
		changes[strings.TrimSuffix(id, "]")] = vs[0]
	}
	return changes
}

// checked reports whether a form's checkbox was ticked.
func checked(f view.Form, name string) bool { return f.Value(name) != "" }

// parseLocalTime reads a datetime-local value in the page's time zone;
// nil when empty. A malformed value is a problem with field.
func (h *Handler) parseLocalTime(v *models.ValidationError, field, s string) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	for _, layout := range []string{localTimeLayout, "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, h.Site.Zone()); err == nil {
			t = t.UTC()
			return &t
		}
	}
	v.Add(field, "must be a date and time such as 2026-11-24T14:00 (%s)", h.Site.Info().TimeZone)
	return nil
}

// localTimeValue is t as a datetime-local value in the page's time zone.
func (h *Handler) localTimeValue(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(h.Site.Zone()).Format(localTimeLayout)
}

// previewView is a message rendered as its update will show it, for the
// "preview" template; ID is the message field's.
type previewView struct {
	ID    string
	HTML  template.HTML
	Shown bool
}

// previewOf renders the message in field of a form asking for a preview.
func previewOf(f view.Form, field string) (previewView, error) {
	p := previewView{ID: "f-" + field}
	if f.Value("preview") == "" {
		return p, nil
	}
	html, err := models.RenderMarkdown(f.Value(field))
	// RenderMarkdown sanitizes: the HTML is safe to show as is.
	p.HTML, p.Shown = template.HTML(html), true
	return p, err
}

// statusOptions are the statuses an update of an incident of kind can
// post, selected is checked.
func statusOptions(kind, selected string) []view.Option {
	list := models.IncidentStatuses
	if kind == models.KindMaintenance {
		list = models.MaintenanceStatuses
	}
	opts := make([]view.Option, len(list))
	for i, s := range list {
		opts[i] = view.Option{Value: s, Label: models.IncidentStatusLabel(s), Selected: s == selected}
	}
	return opts
}

// componentStatusOptions are the five component statuses, from best to
// worst, selected is marked.
func componentStatusOptions(selected string) []view.Option {
	opts := make([]view.Option, len(models.ComponentStatuses))
	for i, s := range models.ComponentStatuses {
		opts[i] = view.Option{Value: s, Label: models.ComponentStatusLabel(s), Selected: s == selected}
	}
	return opts
}

// componentChoice is one component in an incident, update or maintenance
// form: its current status and what the form holds for it.
type componentChoice struct {
	ID, Name            string
	IsGroup, InGroup    bool
	Status, StatusLabel string // now
	Field               string // the select's name, component[<id>]
	Value               string // the status chosen in the form, "" for no change
	Affected            bool   // the incident already affects it
	Checked             bool   // maintenance: chosen to be part of it
	Heading             string // a heading shown before it: "Affected", "Other components"
}

// componentChoices lists every component in page order for a form, with
// what f holds for each; affected marks the components the incident
// affects. A group with no members is left out.
func componentChoices(comps []models.Component, f view.Form, affected map[string]bool) []componentChoice {
	members := map[string]int{}
	for _, c := range comps {
		if c.GroupID != nil {
			members[*c.GroupID]++
		}
	}
	checkedIDs := map[string]bool{}
	for _, id := range f.Values["component_ids"] {
		checkedIDs[id] = true
	}
	out := make([]componentChoice, 0, len(comps))
	for _, c := range comps {
		if c.IsGroup && members[c.ID] == 0 {
			continue
		}
		out = append(out, componentChoice{ID: c.ID, Name: c.Name, IsGroup: c.IsGroup, InGroup: c.GroupID != nil,
			Status: c.Status, StatusLabel: models.ComponentStatusLabel(c.Status), Field: componentField(c.ID),
			Value: f.Value(componentField(c.ID)), Affected: affected[c.ID], Checked: checkedIDs[c.ID]})
	}
	return out
}

// redirectBack answers a successful POST: back to the console page the
// form named in "next", or to fallback.
func redirectBack(c echo.Context, f view.Form, fallback string) error {
	if next := f.Value("next"); next != "" {
		fallback = safeNext(next)
	}
	return c.Redirect(http.StatusSeeOther, fallback)
}
