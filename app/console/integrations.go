package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// Integrations (inbound webhooks): administrators list, create and delete
// them, and read each one's last deliveries. A generated secret is shown
// once, in the answer to the form; no page shows a secret again.

// integrationsView is the integrations page.
type integrationsView struct {
	AdminView
	Integrations []integrationRow
	Created      *integrationRow // the integration just created
	NewSecret    string          // GitHub's generated secret: shown once
}

// integrationRow is one integration in the list.
type integrationRow struct {
	ID, Kind, KindLabel, Name, URL string
	HasSecret                      bool
	Created                        view.DisplayTime
}

// integrationView is one integration's page with its last deliveries.
type integrationView struct {
	AdminView
	Integration integrationRow
	Settings    []string
	Deliveries  []deliveryRow
}

// deliveryRow is one request the integration received.
type deliveryRow struct {
	Accepted bool
	Code     int
	Reason   string
	Summary  string
	Received view.DisplayTime
}

func (h *Handler) integrationRowOf(it *models.Integration) integrationRow {
	return integrationRow{ID: it.ID, Kind: it.Kind, KindLabel: models.IntegrationKindLabel(it.Kind), Name: it.Name,
		URL: h.Site.BaseURL + "/integrations/" + it.Token, HasSecret: it.HasSecret(), Created: h.Site.Time(it.CreatedAt)}
}

// listIntegrations is the integrations page.
func (h *Handler) listIntegrations(c echo.Context) error {
	return h.renderIntegrations(c, http.StatusOK, integrationsView{AdminView: h.adminView(c, "Integrations", "integrations")})
}

func (h *Handler) renderIntegrations(c echo.Context, code int, v integrationsView) error {
	list, err := h.DB.ListIntegrations(c.Request().Context())
	if err != nil {
		return err
	}
	for i := range list {
		v.Integrations = append(v.Integrations, h.integrationRowOf(&list[i]))
	}
	return h.Render.Admin(c, code, "integrations.html", v)
}

// createIntegration creates an integration and shows its URL (and, for
// GitHub, its generated secret, this once): 201.
func (h *Handler) createIntegration(c echo.Context) error {
	ctx := c.Request().Context()
	form := view.NewForm(c)
	kind, name, secret := form.Value("kind"), form.Value("name"), form.Value("signing_secret")
	in := models.IntegrationInput{Kind: &kind, Name: &name, Settings: &models.IntegrationSettings{
		ComponentLabel: strings.TrimSpace(form.Value("component_label")),
		Component:      strings.TrimSpace(form.Value("component")),
		OpenIncident:   form.Value("open_incident") == "on",
	}}
	if secret != "" {
		in.SigningSecret = &secret
	}
	if w := strings.TrimSpace(form.Value("attach_window_minutes")); w != "" {
		n, err := strconv.Atoi(w)
		if err != nil {
			n = -1 // reported by the validation
		}
		in.Settings.AttachWindow = n
	}
	var it *models.Integration
	var shown string
	err := h.Writes.Do(c, web.Private, "integration.create", "integration", func(tx *models.DB) (string, any, error) {
		var err error
		it, shown, err = tx.CreateIntegration(ctx, in, h.Secrets, web.ActorOf(c).Name)
		if err != nil {
			return "", nil, err
		}
		return it.ID, map[string]string{"kind": it.Kind, "name": it.Name}, nil
	})
	v := integrationsView{AdminView: h.adminView(c, "Integrations", "integrations")}
	if form.Invalid(err) {
		form.Clear("csrf", "signing_secret")
		v.Form = form
		return h.renderIntegrations(c, http.StatusUnprocessableEntity, v)
	}
	if err != nil {
		return err
	}
	row := h.integrationRowOf(it)
	v.Created, v.NewSecret = &row, shown
	return h.renderIntegrations(c, http.StatusCreated, v)
}

// showIntegration is one integration's page: its URL, settings and last
// deliveries.
func (h *Handler) showIntegration(c echo.Context) error {
	ctx := c.Request().Context()
	it, err := h.DB.GetIntegration(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	list, err := h.DB.ListIntegrationDeliveries(ctx, it.ID, models.KeptDeliveries)
	if err != nil {
		return err
	}
	v := integrationView{AdminView: h.adminView(c, it.Name, "integrations"), Integration: h.integrationRowOf(it)}
	s := it.Settings
	switch it.Kind {
	case models.IntegrationAlertmanager:
		v.Settings = append(v.Settings, "Component label: "+s.Label(),
			"Unattached alerts wait "+s.Window().String()+" for an incident")
		if s.OpenIncident {
			v.Settings = append(v.Settings, "A firing alert without an incident opens one")
		}
	case models.IntegrationPagerDuty:
		if s.Component != "" {
			v.Settings = append(v.Settings, "Component when the service names none: "+s.Component)
		}
	case models.IntegrationSlack:
		v.Settings = append(v.Settings, strconv.Itoa(len(s.UserEmails))+" Slack users mapped to Beacon users")
	}
	for _, d := range list {
		v.Deliveries = append(v.Deliveries, deliveryRow{Accepted: d.Accepted, Code: d.StatusCode, Reason: d.Reason,
			Summary: d.Summary, Received: h.Site.Time(d.ReceivedAt)})
	}
	return h.Render.Admin(c, http.StatusOK, "integration.html", v)
}

// deleteIntegration deletes an integration: its URL answers 404 from then on.
func (h *Handler) deleteIntegration(c echo.Context) error {
	id := c.Param("id")
	if !models.ValidID(id) {
		return models.ErrNotFound
	}
	var it *models.Integration
	err := h.Writes.Do(c, web.Private, "integration.delete", "integration", func(tx *models.DB) (string, any, error) {
		var err error
		if it, err = tx.DeleteIntegration(c.Request().Context(), id); err != nil {
			return "", nil, err
		}
		return id, map[string]string{"kind": it.Kind, "name": it.Name}, nil
	})
	if err != nil {
		return err
	}
	h.flash(c, "Deleted the integration %s: its URL no longer answers.", it.Name)
	return c.Redirect(http.StatusSeeOther, "/admin/integrations")
}
