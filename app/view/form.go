package view

import (
	"errors"
	"net/url"
	"strings"

	"github.com/beaconstatus/beacon/models"
	"github.com/labstack/echo/v4"
)

// Form is a submitted form as a page shows it again: the values entered,
// each field's problem, and a problem with the form as a whole. The zero
// Form is an empty, valid form.
type Form struct {
	Values  url.Values
	Fields  []models.FieldError // problems in the order found; Field is the input's name
	Problem string              // about the whole form, e.g. "The email or password is incorrect."
}

// NewForm is a copy of the request's submitted form (body fields, then
// query), free to change.
func NewForm(c echo.Context) Form {
	values, _ := c.FormParams()
	copied := make(url.Values, len(values))
	for k, v := range values {
		copied[k] = append([]string(nil), v...)
	}
	return Form{Values: copied}
}

// Value is what was entered in the field name.
func (f Form) Value(name string) string { return f.Values.Get(name) }

// Error is the problem with the field name, "" when none.
func (f Form) Error(name string) string {
	for _, fe := range f.Fields {
		if fe.Field == name {
			return fe.Message
		}
	}
	return ""
}

// HasErrors reports whether the form has any problem to show.
func (f Form) HasErrors() bool { return len(f.Fields) > 0 || f.Problem != "" }

// Invalid reports whether err is a validation error, and records its
// fields' problems in the form when it is:
//
//	if form.Invalid(err) { v.Form = form; return h.Render.Admin(c, 422, page, v) }
func (f *Form) Invalid(err error) bool {
	var ve *models.ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	f.Fields = append(f.Fields, ve.Fields...)
	return true
}

// Clear forgets what was entered in fields (passwords are never shown back).
func (f *Form) Clear(fields ...string) {
	if f.Values == nil {
		return
	}
	for _, name := range fields {
		f.Values.Del(name)
	}
}

// FieldView is one form field, ready for the "field" and "select"
// templates.
type FieldView struct {
	Name, ID, Label string
	Type            string // input type, or "textarea"
	Value, Error    string
	Hint            string
	Autocomplete    string
	Required        bool
	Options         []Option // for "select"
}

// Option is one choice of a select field.
type Option struct {
	Value, Label string
	Selected     bool
}

// Field describes the field name for the "field" template. opts are
// "type=email", "required", "autocomplete=username", "hint=Some words";
// the type is text by default.
//
//	{{template "field" (.Form.Field "email" "Email" "type=email" "required")}}
func (f Form) Field(name, label string, opts ...string) FieldView {
	fv := FieldView{Name: name, ID: "f-" + name, Label: label, Type: "text", Value: f.Value(name), Error: f.Error(name)}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "type":
			fv.Type = v
		case "required":
			fv.Required = true
		case "autocomplete":
			fv.Autocomplete = v
		case "hint":
			fv.Hint = v
		case "value":
			if fv.Value == "" {
				fv.Value = v // a default, when nothing was entered
			}
		}
	}
	return fv
}

// Select describes a select field for the "select" template; options are
// "value=Label", the first selected unless the form holds another value.
//
//	{{template "select" (.Form.Select "role" "Role" "editor=Editor" "admin=Administrator")}}
func (f Form) Select(name, label string, options ...string) FieldView {
	fv := FieldView{Name: name, ID: "f-" + name, Label: label, Type: "select", Value: f.Value(name),
		Error: f.Error(name), Required: true}
	for _, o := range options {
		v, l, _ := strings.Cut(o, "=")
		fv.Options = append(fv.Options, Option{Value: v, Label: l, Selected: v == fv.Value})
	}
	return fv
}

// WithHint is the field with a hint under its label, for selects:
//
//	{{template "select" ((.Form.Select "role" "Role" "editor=Editor").WithHint "Who may do what.")}}
func (fv FieldView) WithHint(hint string) FieldView {
	fv.Hint = hint
	return fv
}

// FormOf is a Form holding values: what a page shows before anything was
// submitted.
func FormOf(values map[string]string) Form {
	f := Form{Values: url.Values{}}
	for k, v := range values {
		if v != "" {
			f.Values.Set(k, v)
		}
	}
	return f
}

// RenameFields moves the problems reported for model fields to the form's
// own field names (e.g. a note's "body" is the form's "note").
func (f *Form) RenameFields(names map[string]string) {
	for i, fe := range f.Fields {
		if to, ok := names[fe.Field]; ok {
			f.Fields[i].Field = to
		}
	}
}

// RadioGroup is a fieldset of radio buttons for the "radios" template.
type RadioGroup struct {
	ID, Name, Legend, Error string
	Options                 []RadioOption
}

// RadioOption is one radio button; the first one's ID is the group's, so
// the error summary's link lands on it.
type RadioOption struct {
	ID, Value, Label string
	Checked          bool
}

// Radios describes a radio group whose buttons have ids starting with id;
// the option marked Selected is checked.
func Radios(id, name, legend, problem string, opts []Option) RadioGroup {
	g := RadioGroup{ID: id, Name: name, Legend: legend, Error: problem}
	for i, o := range opts {
		oid := id + "-" + o.Value
		if i == 0 {
			oid = id
		}
		g.Options = append(g.Options, RadioOption{ID: oid, Value: o.Value, Label: o.Label, Checked: o.Selected})
	}
	return g
}

// Radios describes the radio group name of the form, the option it holds
// checked:
//
//	{{template "radios" (.Form.Radios "status" "Status" .Statuses)}}
func (f Form) Radios(name, legend string, opts []Option) RadioGroup {
	marked := make([]Option, len(opts))
	for i, o := range opts {
		o.Selected = o.Value == f.Value(name)
		marked[i] = o
	}
	return Radios("f-"+name, name, legend, f.Error(name), marked)
}

// CheckboxView is a labelled checkbox for the "checkbox" template.
type CheckboxView struct {
	ID, Name, Label, Hint, Error string
	Checked                      bool
	Restore                      bool   // admin.js shows it only while a closing status is chosen
	Form                         string // the id of the form it belongs to, when it stands outside it
}

// Checkbox describes the checkbox name of the form (value "1"); opts are
// "hint=Some words" and "restore" (see CheckboxView.Restore).
//
//	{{template "checkbox" (.Form.Checkbox "notify" "Notify subscribers")}}
func (f Form) Checkbox(name, label string, opts ...string) CheckboxView {
	cb := CheckboxView{ID: "f-" + name, Name: name, Label: label, Error: f.Error(name), Checked: f.Value(name) != ""}
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
