package integrations

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// pagerDuty records a PagerDuty v3 webhook: triggered, acknowledged,
// resolved and status updates go on the timeline of the unresolved
// incident affecting the service's component (a component named as the
// PagerDuty service, else the integration's component).
func (h *Handler) pagerDuty(c echo.Context, it *models.Integration, body []byte, out *outcome) error {
	secret, err := h.secret(it)
	if err != nil {
		return err
	}
	if reason := VerifyPagerDuty(secret, c.Request().Header.Get("X-PagerDuty-Signature"), body); reason != "" {
		return unauthorized(reason)
	}
	ev, recorded, err := ParsePagerDuty(body)
	if err != nil {
		return err
	}
	if !recorded {
		out.ignored = "event type " + ev.EventType + " is not recorded"
		return c.JSON(http.StatusOK, map[string]any{"ok": true, "recorded": false})
	}
	ctx := c.Request().Context()
	comp, err := h.DB.FindComponentByRef(ctx, ev.ServiceName())
	if errors.Is(err, models.ErrNotFound) && it.Settings.Component != "" {
		comp, err = h.DB.FindComponentByRef(ctx, it.Settings.Component)
	}
	if errors.Is(err, models.ErrNotFound) {
		out.ignored = "no component is named as the PagerDuty service " + ev.ServiceName() + ", and the integration names none"
		return c.JSON(http.StatusOK, map[string]any{"ok": true, "recorded": false, "reason": out.ignored})
	}
	if err != nil {
		return err
	}
	var res models.RecordOutcome
	err = h.record(c, it, "integration.pagerduty", func(tx *models.DB) (web.Effects, any, error) {
		var err error
		res, err = tx.RecordIntegrationEvent(ctx, it, models.IntegrationEvent{
			Key: "pd:" + ev.ID, ComponentID: comp.ID, Body: ev.Describe(), Source: "PagerDuty",
			Actor: ev.AgentName(), Signal: ev.Signal(), OccurredAt: ev.OccurredAt, Fingerprint: ev.Data.ID,
		})
		return effectsOf(res.Opened, res.IncidentID), map[string]string{"event": ev.EventType, "incident": res.IncidentID}, err
	})
	if err != nil {
		return err
	}
	out.summary = ev.EventType + " " + describeOutcome(res)
	return c.JSON(http.StatusOK, map[string]any{"ok": true, "recorded": !res.Duplicate, "incident_id": res.IncidentID})
}

// describeOutcome words what became of a recorded event.
func describeOutcome(res models.RecordOutcome) string {
	switch {
	case res.Duplicate:
		return "(a repeat: already recorded)"
	case res.Unattached:
		return "kept unattached: no incident affects the component"
	case res.Opened:
		return "opened incident " + res.IncidentID
	}
	return "recorded on incident " + res.IncidentID
}
