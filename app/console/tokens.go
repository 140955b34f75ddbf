package console

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// API tokens for the management API: administrators list, create (the
// secret is shown once, in the answer to the form) and revoke them.

// tokensView is the API tokens page.
type tokensView struct {
	AdminView
	Tokens    []tokenRow
	NewSecret string // the token just created, in clear: shown once
	NewName   string
}

// tokenRow is one token in the list.
type tokenRow struct {
	ID, Name, Prefix, Role string
	Revoked                bool
	Created, LastUsed      view.DisplayTime
}

// listTokens is the API tokens page.
func (h *Handler) listTokens(c echo.Context) error {
	v := tokensView{AdminView: h.adminView(c, "API tokens", "tokens")}
	return h.renderTokens(c, http.StatusOK, v)
}

func (h *Handler) renderTokens(c echo.Context, code int, v tokensView) error {
	list, err := h.DB.ListAPITokens(c.Request().Context())
	if err != nil {
		return err
	}
	for _, t := range list {
		v.Tokens = append(v.Tokens, tokenRow{ID: t.ID, Name: t.Name, Prefix: t.Prefix, Role: t.Role,
			Revoked: t.RevokedAt != nil, Created: h.Site.Time(t.CreatedAt), LastUsed: h.Site.TimePtr(t.LastUsedAt)})
	}
	return h.Render.Admin(c, code, "tokens.html", v)
}

// createToken makes a token and shows its secret, this once (201).
func (h *Handler) createToken(c echo.Context) error {
	ctx := c.Request().Context()
	form := view.NewForm(c)
	var secret string
	var token *models.APIToken
	err := h.Writes.Do(c, web.Private, "token.create", "api_token", func(tx *models.DB) (string, any, error) {
		var err error
		secret, token, err = tx.CreateAPIToken(ctx, form.Value("name"), form.Value("role"))
		if err != nil {
			return "", nil, err
		}
		return token.ID, map[string]string{"name": token.Name, "role": token.Role, "prefix": token.Prefix}, nil
	})
	v := tokensView{AdminView: h.adminView(c, "API tokens", "tokens")}
	if form.Invalid(err) {
		form.Clear("csrf")
		v.Form = form
		return h.renderTokens(c, http.StatusUnprocessableEntity, v)
	}
	if err != nil {
		return err
	}
	v.NewSecret, v.NewName = secret, token.Name
	return h.renderTokens(c, http.StatusCreated, v)
}

// revokeToken stops a token from working.
func (h *Handler) revokeToken(c echo.Context) error {
	id := c.Param("id")
	if !models.ValidID(id) {
		return models.ErrNotFound
	}
	var token *models.APIToken
	err := h.Writes.Do(c, web.Private, "token.revoke", "api_token", func(tx *models.DB) (string, any, error) {
		var err error
		token, err = tx.RevokeAPIToken(c.Request().Context(), id)
		if err != nil {
			return "", nil, err
		}
		return id, map[string]string{"name": token.Name}, nil
	})
	if err != nil {
		return err
	}
	h.flash(c, "Revoked the token %s.", token.Name)
	return c.Redirect(http.StatusSeeOther, "/admin/tokens")
}
