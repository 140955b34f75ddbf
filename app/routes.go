package app

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/models"
)

// newEcho builds the router with the error handler, the middlewares and
// every route.
func (a *App) newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = a.handleError
	e.Use(a.middlewares()...)
	a.routes(e)
	return e
}

// routes is Beacon's whole HTTP surface, in one table.
func (a *App) routes(e *echo.Echo) {
	read := func(path string, h echo.HandlerFunc) {
		e.Match([]string{http.MethodGet, http.MethodHead}, path, h)
	}

	// Public pages.
	read("/", a.ShowStatusPage)
	read("/incidents/:id", a.ShowIncident)
	read("/history", a.ShowHistory)

	// Admin console, under /admin only: database sessions (withSession),
	// CSRF on every form, never cached. Each page states who may open it:
	// a.requireRole(models.RoleEditor) for what editors do (components,
	// incidents, maintenance, postmortems, subscribers),
	// a.requireRole(models.RoleAdmin) for the rest; anonymous visitors are
	// sent to sign in.
	adm := e.Group("/admin", adminHeaders, a.withSession, a.checkCSRF)
	editor, admin := a.requireRole(models.RoleEditor), a.requireRole(models.RoleAdmin)
	adm.GET("/setup", a.ShowSetup)
	adm.POST("/setup", a.Setup)
	adm.GET("/login", a.ShowLogin)
	adm.POST("/login", a.Login)
	adm.POST("/logout", a.Logout, editor)
	adm.GET("", a.ShowDashboard, editor)
	adm.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/admin") })
	adm.GET("/account", a.ShowAccount, editor)
	adm.POST("/account/password", a.ChangeOwnPassword, editor)
	adm.POST("/account/sessions/revoke", a.RevokeOtherSessions, editor)
	adm.GET("/users", a.ListUsers, admin)
	adm.GET("/users/new", a.NewUser, admin)
	adm.POST("/users", a.CreateUser, admin)
	adm.POST("/users/:id/role", a.SetUserRole, admin)
	adm.POST("/users/:id/revoke", a.RevokeUserSessions, admin)
	adm.POST("/users/:id/disable", a.DisableUser, admin)
	adm.POST("/users/:id/enable", a.EnableUser, admin)
	adm.POST("/users/:id/delete", a.DeleteUser, admin)
	adm.GET("/tokens", a.ListTokens, admin)
	adm.POST("/tokens", a.CreateToken, admin)
	adm.POST("/tokens/:id/revoke", a.RevokeToken, admin)
	adm.GET("/audit", a.ShowAudit, admin)

	// Static files, under content-hashed URLs.
	read("/static/*", a.ServeStatic)

	// Operations.
	read("/healthz", a.Healthz)
	read("/readyz", a.Readyz)
}
