package app

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

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
func componentChanges(f Form) map[string]string {
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
func checked(f Form, name string) bool { return f.Value(name) != "" }

// parseLocalTime reads a datetime-local value in the page's time zone;
// nil when empty. A malformed value is a problem with field.
func (a *App) parseLocalTime(v *models.ValidationError, field, s string) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	for _, layout := range []string{localTimeLayout, "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, a.cfg.TimeZone); err == nil {
			t = t.UTC()
			return &t
		}
	}
	v.Add(field, "must be a date and time such as 2026-11-24T14:00 (%s)", a.cfg.TimeZoneName)
	return nil
}

// localTimeValue is t as a datetime-local value in the page's time zone.
func (a *App) localTimeValue(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(a.cfg.TimeZone).Format(localTimeLayout)
}

// previewView is a message rendered as its update will show it, for the
// "preview" template; ID is the message field's.
type previewView struct {
	ID    string
	HTML  template.HTML
	Shown bool
}

// previewOf renders the message in field of a form asking for a preview.
func previewOf(f Form, field string) (previewView, error) {
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
func statusOptions(kind, selected string) []Option {
	list := models.IncidentStatuses
	if kind == models.KindMaintenance {
		list = models.MaintenanceStatuses
	}
	opts := make([]Option, len(list))
	for i, s := range list {
		opts[i] = Option{Value: s, Label: models.IncidentStatusLabel(s), Selected: s == selected}
	}
	return opts
}

// componentStatusOptions are the five component statuses, from best to
// worst, selected is marked.
func componentStatusOptions(selected string) []Option {
	opts := make([]Option, len(models.ComponentStatuses))
	for i, s := range models.ComponentStatuses {
		opts[i] = Option{Value: s, Label: models.ComponentStatusLabel(s), Selected: s == selected}
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
func componentChoices(comps []models.Component, f Form, affected map[string]bool) []componentChoice {
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
func redirectBack(c echo.Context, f Form, fallback string) error {
	if next := f.Value("next"); next != "" {
		fallback = safeNext(next)
	}
	return c.Redirect(http.StatusSeeOther, fallback)
}

// formOf is a Form holding values: what a page shows before anything was
// submitted.
func formOf(values map[string]string) Form {
	f := Form{Values: url.Values{}}
	for k, v := range values {
		if v != "" {
			f.Values.Set(k, v)
		}
	}
	return f
}

// renameFields moves the problems reported for model fields to the form's
// own field names (e.g. a note's "body" is the form's "note").
func (f *Form) renameFields(names map[string]string) {
	for i, fe := range f.Fields {
		if to, ok := names[fe.Field]; ok {
			f.Fields[i].Field = to
		}
	}
}

// radioGroup is a fieldset of radio buttons for the "radios" template.
type radioGroup struct {
	ID, Name, Legend, Error string
	Options                 []radioOption
}

// radioOption is one radio button; the first one's ID is the group's, so
// the error summary's link lands on it.
type radioOption struct {
	ID, Value, Label string
	Checked          bool
}

// radios describes a radio group whose buttons have ids starting with id;
// the option marked Selected is checked.
func radios(id, name, legend, problem string, opts []Option) radioGroup {
	g := radioGroup{ID: id, Name: name, Legend: legend, Error: problem}
	for i, o := range opts {
		oid := id + "-" + o.Value
		if i == 0 {
			oid = id
		}
		g.Options = append(g.Options, radioOption{ID: oid, Value: o.Value, Label: o.Label, Checked: o.Selected})
	}
	return g
}

// Radios describes the radio group name of the form, the option it holds
// checked:
//
//	{{template "radios" (.Form.Radios "status" "Status" .Statuses)}}
func (f Form) Radios(name, legend string, opts []Option) radioGroup {
	marked := make([]Option, len(opts))
	for i, o := range opts {
		o.Selected = o.Value == f.Value(name)
		marked[i] = o
	}
	return radios("f-"+name, name, legend, f.Error(name), marked)
}

// checkboxView is a labelled checkbox for the "checkbox" template.
type checkboxView struct {
	ID, Name, Label, Hint, Error string
	Checked                      bool
	Restore                      bool // admin.js shows it only while a closing status is chosen
}

// Checkbox describes the checkbox name of the form (value "1"); opts are
// "hint=Some words" and "restore" (see checkboxView.Restore).
//
//	{{template "checkbox" (.Form.Checkbox "notify" "Notify subscribers")}}
func (f Form) Checkbox(name, label string, opts ...string) checkboxView {
	cb := checkboxView{ID: "f-" + name, Name: name, Label: label, Error: f.Error(name), Checked: checked(f, name)}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "hint":
			cb.Hint = v
		case "restore":
			cb.Restore = true
		}
	}
	return cb
}
