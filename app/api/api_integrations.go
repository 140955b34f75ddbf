package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// integrationRequest is the body of POST and PATCH /integrations: the
// kind, name, signing secret (write-only) and the kind's settings.
type integrationRequest struct {
	Kind          *string `json:"kind"`
	Name          *string `json:"name"`
	SigningSecret *string `json:"signing_secret"`
	models.IntegrationSettings
}

// jsonIntegration is an integration as the API shows it: never its secret,
// except the one Beacon generated, once, in the create answer (Secret).
type jsonIntegration struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	URL       string `json:"url"`
	HasSecret bool   `json:"has_secret"`
	Secret    string `json:"secret,omitempty"`
	models.IntegrationSettings
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func (h *Handler) jsonIntegrationOf(it *models.Integration) jsonIntegration {
	return jsonIntegration{
		ID: it.ID, Kind: it.Kind, Name: it.Name, URL: h.Site.BaseURL + "/integrations/" + it.Token,
		HasSecret: it.HasSecret(), IntegrationSettings: it.Settings,
		CreatedAt: it.CreatedAt.UTC().Format(time.RFC3339), UpdatedAt: it.UpdatedAt.UTC().Format(time.RFC3339),
	}
}

// listIntegrations is GET /v1/pages/{page_id}/integrations (admins).
func (h *Handler) listIntegrations(c echo.Context) error {
	list, err := h.DB.ListIntegrations(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]jsonIntegration, 0, len(list))
	for i := range list {
		out = append(out, h.jsonIntegrationOf(&list[i]))
	}
	return c.JSON(http.StatusOK, out)
}

// showIntegration is GET /v1/pages/{page_id}/integrations/{id}.
func (h *Handler) showIntegration(c echo.Context) error {
	it, err := h.DB.GetIntegration(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.jsonIntegrationOf(it))
}

// createIntegration is POST /v1/pages/{page_id}/integrations: 201 with the
// URL the sender must call and, for GitHub, the generated secret (shown
// this once).
func (h *Handler) createIntegration(c echo.Context) error {
	var req integrationRequest
	if err := bindBody(c, "integration", &req); err != nil {
		return err
	}
	var it *models.Integration
	var shown string
	err := h.Writes.Do(c, web.Private, "integration.create", "integration", func(tx *models.DB) (string, any, error) {
		var err error
		it, shown, err = tx.CreateIntegration(c.Request().Context(), models.IntegrationInput{
			Kind: req.Kind, Name: req.Name, SigningSecret: req.SigningSecret, Settings: &req.IntegrationSettings,
		}, h.Secrets, web.ActorOf(c).Name)
		if err != nil {
			return "", nil, err
		}
		return it.ID, map[string]string{"kind": it.Kind, "name": it.Name}, nil
	})
	if err != nil {
		return err
	}
	out := h.jsonIntegrationOf(it)
	out.Secret = shown
	return c.JSON(http.StatusCreated, out)
}

// updateIntegration is PATCH /v1/pages/{page_id}/integrations/{id}: the
// fields given change; the kind and URL stay.
func (h *Handler) updateIntegration(c echo.Context) error {
	ctx := c.Request().Context()
	cur, err := h.DB.GetIntegration(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	req := integrationRequest{IntegrationSettings: cur.Settings}
	if err := bindBody(c, "integration", &req); err != nil {
		return err
	}
	var it *models.Integration
	err = h.Writes.Do(c, web.Private, "integration.update", "integration", func(tx *models.DB) (string, any, error) {
		var err error
		it, err = tx.UpdateIntegration(ctx, cur.ID, models.IntegrationInput{
			Kind: req.Kind, Name: req.Name, SigningSecret: req.SigningSecret, Settings: &req.IntegrationSettings,
		}, h.Secrets)
		return cur.ID, map[string]bool{"secret_changed": req.SigningSecret != nil}, err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.jsonIntegrationOf(it))
}

// deleteIntegration is DELETE /v1/pages/{page_id}/integrations/{id}: its
// URL answers 404 from then on.
func (h *Handler) deleteIntegration(c echo.Context) error {
	err := h.Writes.Do(c, web.Private, "integration.delete", "integration", func(tx *models.DB) (string, any, error) {
		it, err := tx.DeleteIntegration(c.Request().Context(), c.Param("id"))
		if err != nil {
			return "", nil, err
		}
		return it.ID, map[string]string{"kind": it.Kind, "name": it.Name}, nil
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
