package integrations

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// alertmanager records an Alertmanager or Grafana webhook: each alert
// whose label names a component goes on the timeline of the unresolved
// incident affecting it, or waits unattached for one.
func (h *Handler) alertmanager(c echo.Context, it *models.Integration, body []byte, out *outcome) error {
	if it.HasSecret() {
		secret, err := h.secret(it)
		if err != nil {
			return err
		}
		if !equal(bearer(c.Request().Header.Get(echo.HeaderAuthorization)), secret) {
			return unauthorized("missing or wrong Authorization: Bearer credentials (the receiver's http_config.authorization)")
		}
	}
	m, err := ParseAlertmanager(body)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	label := it.Settings.Label()
	source := "Alertmanager"
	if m.Version == "1" {
		source = "Grafana"
	}
	var attached, waiting, opened, repeated int
	var skipped []string
	err = h.record(c, it, "integration.alerts", func(tx *models.DB) (web.Effects, any, error) {
		attached, waiting, opened, repeated, skipped = 0, 0, 0, 0, nil
		var incidents []string
		anyOpened := false
		for _, a := range m.Alerts {
			ref := a.Labels[label]
			if ref == "" {
				ref = m.CommonLabels[label]
			}
			if ref == "" {
				skipped = append(skipped, fmt.Sprintf("%s has no label %q", a.Name(), label))
				continue
			}
			comp, err := tx.FindComponentByRef(ctx, ref)
			if errors.Is(err, models.ErrNotFound) {
				skipped = append(skipped, fmt.Sprintf("%s: no component %q", a.Name(), ref))
				continue
			}
			if err != nil {
				return web.Private, nil, err
			}
			signal, at := models.SignalAlert, a.StartsAt
			if a.Status == "resolved" {
				signal, at = models.SignalRecovery, a.EndsAt
				if at.IsZero() || at.Year() < 2000 {
					at = h.Now()
				}
			}
			res, err := tx.RecordIntegrationEvent(ctx, it, models.IntegrationEvent{
				Key:         "am:" + a.Fingerprint + ":" + a.Status + ":" + a.StartsAt.UTC().Format(time.RFC3339Nano),
				ComponentID: comp.ID, Body: a.Describe(), Source: source, Actor: it.Name, Signal: signal,
				OccurredAt: at, Fingerprint: a.Fingerprint,
				OpenIncident: it.Settings.OpenIncident, IncidentName: a.Name() + " on " + comp.Name,
			})
			if err != nil {
				return web.Private, nil, err
			}
			switch {
			case res.Duplicate:
				repeated++
				continue
			case res.Opened:
				opened++
				anyOpened = true
			case res.Unattached:
				waiting++
			default:
				attached++
			}
			incidents = append(incidents, res.IncidentID)
			if changed, err := setStatusBySeverity(c, tx, it, a, comp); err != nil {
				return web.Private, nil, err
			} else if changed {
				anyOpened = true // a component's status is public everywhere
			}
		}
		detail := map[string]int{"attached": attached, "unattached": waiting, "opened": opened, "repeated": repeated, "skipped": len(skipped)}
		return effectsOf(anyOpened, incidents...), detail, nil
	})
	if err != nil {
		return err
	}
	out.summary = fmt.Sprintf("%d alerts: %d on a timeline, %d unattached, %d opened an incident, %d repeats",
		len(m.Alerts), attached, waiting, opened, repeated)
	if len(skipped) > 0 {
		out.ignored = strings.Join(skipped, "; ")
	}
	return c.JSON(http.StatusOK, map[string]any{"ok": true, "recorded": attached + waiting + opened, "repeated": repeated, "skipped": skipped})
}

// setStatusBySeverity sets the component's status from the alert's
// severity when the integration maps it: the mapped status while it
// fires, operational again when it resolves (if nothing changed it since).
func setStatusBySeverity(c echo.Context, tx *models.DB, it *models.Integration, a Alert, comp *models.Component) (bool, error) {
	status := it.Settings.SeverityStatus[a.Labels["severity"]]
	if status == "" {
		return false, nil
	}
	ctx := c.Request().Context()
	actor := "Integration " + it.Name
	switch {
	case a.Status == "firing" && comp.Status != status:
		return true, tx.SetComponentStatus(ctx, comp.ID, status, actor)
	case a.Status == "resolved" && comp.Status == status:
		return true, tx.SetComponentStatus(ctx, comp.ID, models.Operational, actor)
	}
	return false, nil
}
