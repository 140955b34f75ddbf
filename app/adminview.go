package app

import (
	"errors"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/models"
)

// The types in this file are what the admin templates in views/admin
// receive. A page with more to show embeds AdminView in its own view:
//
//	type incidentsView struct {
//		AdminView
//		Incidents []adminIncident
//	}
//	v := incidentsView{AdminView: a.adminView(c, "Incidents", "incidents")}
//	return a.renderAdmin(c, http.StatusOK, "incidents.html", v)
//
// and its template uses {{.Title}}, {{template "csrf" $}} and the form
// partials of views/admin/partials/forms.html.

// AdminView is the data every admin page template receives.
type AdminView struct {
	Page    PageInfo     // the status page
	Title   string       // the <title>, and usually the page's <h1>
	Section string       // which Nav item is current: "dashboard", "incidents", "users"...
	User    *models.User // the signed-in operator; nil on the sign-in and setup pages
	CSRF    string       // the session's CSRF token: every form sends it back ({{template "csrf" $}})
	Flash   string       // a message left by the previous request, e.g. "Added editor ann@example.com."
	Nav     []NavItem    // the console's sections this user may open
	Form    Form         // a submitted form shown again, with its values and errors
	Error   *ErrorView   // the error page's content
}

// NavItem is one link of the console's navigation.
type NavItem struct {
	Label   string
	URL     string
	Current bool
}

// IsAdmin reports whether the signed-in operator is an administrator.
func (v AdminView) IsAdmin() bool { return v.User != nil && v.User.Role == models.RoleAdmin }

// adminView builds the AdminView of a page in section (a Nav item's key):
// the signed-in user, the CSRF token and the flash message (taken from
// the session: it shows once).
func (a *App) adminView(c echo.Context, title, section string) AdminView {
	u := currentUser(c)
	v := AdminView{Page: a.page, Title: title, Section: section, User: u}
	if hasSession(c) {
		v.CSRF = a.csrfToken(c)
		v.Flash = a.sessions.PopString(c.Request().Context(), sessionFlash)
	}
	if u != nil {
		v.Nav = adminNav(u, section)
	}
	return v
}

// adminNav lists the console's sections for u, marking the current one.
// The sections all operators use come first, then the administrators'.
func adminNav(u *models.User, section string) []NavItem {
	items := []struct{ key, label, url, role string }{
		{"dashboard", "Dashboard", "/admin", models.RoleEditor},
		{"incidents", "Incidents", "/admin/incidents", models.RoleEditor},
		{"maintenance", "Maintenance", "/admin/maintenance", models.RoleEditor},
		{"action-items", "Action items", "/admin/action-items", models.RoleEditor},
		{"components", "Components", "/admin/components", models.RoleEditor},
		{"subscribers", "Subscribers", "/admin/subscribers", models.RoleEditor},
		{"notifications", "Notifications", "/admin/notifications", models.RoleEditor},
		{"users", "Users", "/admin/users", models.RoleAdmin},
		{"tokens", "API tokens", "/admin/tokens", models.RoleAdmin},
		{"audit", "Audit log", "/admin/audit", models.RoleAdmin},
	}
	actor := models.Actor{Type: models.ActorUser, Role: u.Role}
	var nav []NavItem
	for _, it := range items {
		if actor.Can(it.role) {
			nav = append(nav, NavItem{Label: it.label, URL: it.url, Current: it.key == section})
		}
	}
	return nav
}

// Form is a submitted form as a page shows it again: the values entered,
// each field's problem, and a problem with the form as a whole. The zero
// Form is an empty, valid form.
type Form struct {
	Values  url.Values
	Fields  []models.FieldError // problems in the order found; Field is the input's name
	Problem string              // about the whole form, e.g. "The email or password is incorrect."
}

// newForm is a copy of the request's submitted form (body fields, then
// query), free to change.
func newForm(c echo.Context) Form {
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
//	if form.Invalid(err) { v.Form = form; return a.renderAdmin(c, 422, page, v) }
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

