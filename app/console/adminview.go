package console

import (
	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/models"
)

// The types in this file are what the admin templates in views/admin
// receive. A page with more to show embeds AdminView in its own view:
//
//	type incidentsView struct {
//		AdminView
//		Incidents []adminIncident
//	}
//	v := incidentsView{AdminView: h.adminView(c, "Incidents", "incidents")}
//	return h.Render.Admin(c, http.StatusOK, "incidents.html", v)
//
// and its template uses {{.Title}}, {{template "csrf" $}} and the form
// partials of views/admin/partials/forms.html.

// AdminView is the data every admin page template receives.
type AdminView struct {
	Page    view.PageInfo   // the status page
	Title   string          // the <title>, and usually the page's <h1>
	Section string          // which Nav item is current: "dashboard", "incidents", "users"...
	User    *models.User    // the signed-in operator; nil on the sign-in and setup pages
	CSRF    string          // the session's CSRF token: every form sends it back ({{template "csrf" $}})
	Flash   string          // a message left by the previous request, e.g. "Added editor ann@example.com."
	Nav     []NavItem       // the console's sections this user may open
	Form    view.Form       // a submitted form shown again, with its values and errors
	Error   *view.ErrorView // the error page's content
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
// the session, or before sign-in the notice cookie: it shows once).
func (h *Handler) adminView(c echo.Context, title, section string) AdminView {
	u := currentUser(c)
	v := AdminView{Page: h.Site.Info(), Title: title, Section: section, User: u}
	if hasSession(c) {
		v.CSRF = h.csrfToken(c)
		v.Flash = h.Sessions.PopString(c.Request().Context(), sessionFlash)
	}
	if v.Flash == "" && u == nil {
		v.Flash = h.popNotice(c)
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
		{"templates", "Templates", "/admin/incident-templates", models.RoleEditor},
		{"action-items", "Action items", "/admin/action-items", models.RoleEditor},
		{"components", "Components", "/admin/components", models.RoleEditor},
		{"subscribers", "Subscribers", "/admin/subscribers", models.RoleEditor},
		{"notifications", "Notifications", "/admin/notifications", models.RoleEditor},
		{"users", "Users", "/admin/users", models.RoleAdmin},
		{"tokens", "API tokens", "/admin/tokens", models.RoleAdmin},
		{"integrations", "Integrations", "/admin/integrations", models.RoleAdmin},
		{"branding", "Branding", "/admin/branding", models.RoleAdmin},
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
