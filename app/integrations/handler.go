// Package integrations is Beacon's inbound webhooks: the URL each
// integration gives its sender (Prometheus Alertmanager and Grafana
// alerting, a Slack app, PagerDuty v3 webhooks, GitHub and GitLab issues), verified
// with the integration's secret, parsed, deduplicated, and recorded on
// incidents' timelines through web.Writes. Every request an integration
// receives is logged in its deliveries, accepted or rejected and why.
package integrations

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// Handler answers the integrations' webhooks.
type Handler struct {
	DB     *models.DB
	Writes *web.Writes
	Box    *models.SecretBox // opens the integrations' secrets
	Log    *slog.Logger
	Now    func() time.Time
}

// MaxBody is the largest webhook body read.
const MaxBody = 1 << 20

// Mount adds the webhook routes to e.
func (h *Handler) Mount(e *echo.Echo) {
	e.POST("/integrations/:token", h.receive)
}

// outcome is what a delivery came to, for the deliveries log.
type outcome struct {
	summary string
	ignored string // accepted but not recorded, and why
}

// receive is POST /integrations/{token}: a webhook of one integration.
// An unknown or deleted integration is a 404; a bad signature a 401; a
// malformed body a 400 naming what is wrong; the database down a 503 (the
// senders retry). Nothing is written unless the request is good.
func (h *Handler) receive(c echo.Context) error {
	ctx := c.Request().Context()
	it, err := h.DB.FindIntegrationByToken(ctx, c.Param("token"))
	if errors.Is(err, models.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "no integration has this URL (it may have been deleted)")
	}
	if err != nil {
		return err
	}
	web.SetActor(c, models.Actor{Type: models.ActorSystem, ID: it.ID, Name: "Integration " + it.Name, IP: c.RealIP()})
	var out outcome
	body, err := readBody(c)
	if err == nil {
		switch it.Kind {
		case models.IntegrationAlertmanager:
			err = h.alertmanager(c, it, body, &out)
		case models.IntegrationSlack:
			err = h.slack(c, it, body, &out)
		case models.IntegrationPagerDuty:
			err = h.pagerDuty(c, it, body, &out)
		case models.IntegrationGitHub:
			err = h.gitHub(c, it, body, &out)
		case models.IntegrationGitLab:
			err = h.gitLab(c, it, body, &out)
		default:
			err = echo.NewHTTPError(http.StatusNotFound, "no integration has this URL")
		}
	}
	var bad *BadBody
	if errors.As(err, &bad) {
		err = echo.NewHTTPError(http.StatusBadRequest, bad.Reason)
	}
	h.logDelivery(ctx, it, out, err, c.Response().Status)
	return err
}

// logDelivery records the delivery in the integration's log.
func (h *Handler) logDelivery(ctx context.Context, it *models.Integration, out outcome, err error, status int) {
	d := models.IntegrationDelivery{IntegrationID: it.ID, Accepted: err == nil, StatusCode: status, Summary: out.summary}
	if out.ignored != "" {
		d.Reason = "ignored: " + out.ignored
	}
	if err != nil {
		code, msg, _ := web.Classify(err)
		if code >= 500 {
			code, msg = http.StatusServiceUnavailable, "Beacon could not store it (the database did not answer); the sender retries"
		}
		d.StatusCode, d.Reason = code, msg
	}
	if d.StatusCode == 0 {
		d.StatusCode = http.StatusOK
	}
	// The log is written on its own: a rejected delivery writes nothing
	// else. When the database is down this fails too, and is only logged.
	if lerr := h.DB.RecordIntegrationDelivery(context.WithoutCancel(ctx), d); lerr != nil {
		h.Log.Warn("record integration delivery", "integration", it.ID, "error", lerr)
	}
}

// readBody reads the raw body (signatures are over its exact bytes).
func readBody(c echo.Context) ([]byte, error) {
	req := c.Request()
	if req.ContentLength > MaxBody {
		return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", MaxBody))
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, MaxBody+1))
	if err != nil {
		return nil, badBody("could not read the request body")
	}
	if len(body) > MaxBody {
		return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", MaxBody))
	}
	return body, nil
}

// secret opens the integration's secret.
func (h *Handler) secret(it *models.Integration) (string, error) {
	s, err := h.Box.Open(it.SecretSealed)
	if err != nil {
		h.Log.Error("integration secret does not open: was SECRET_KEY changed? set the secret again", "integration", it.ID)
		return "", unauthorized("the integration's secret cannot be read with this server's SECRET_KEY: set it again")
	}
	return s, nil
}

func unauthorized(reason string) error { return echo.NewHTTPError(http.StatusUnauthorized, reason) }

// record runs fn through Writes as the integration's write, then carries
// out the effects fn reports (known only once it ran).
func (h *Handler) record(c echo.Context, it *models.Integration, action string, fn func(tx *models.DB) (web.Effects, any, error)) error {
	var eff web.Effects
	err := h.Writes.Do(c, web.Private, action, "integration", func(tx *models.DB) (string, any, error) {
		e, detail, err := fn(tx)
		eff = e
		return it.ID, detail, err
	})
	if err == nil {
		h.Writes.Done(eff)
	}
	return err
}

// effectsOf are the effects of recording on these incidents.
func effectsOf(opened bool, incidentIDs ...string) web.Effects {
	if opened {
		return web.Everything
	}
	var ids []string
	for _, id := range incidentIDs {
		if id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return web.Private
	}
	return web.Effects{Public: web.Scope{Incidents: ids}}
}

// asErr is errors.As.
func asErr[T error](err error, target *T) bool { return errors.As(err, target) }

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "int", "int64", "float64":
		return "number"
	case "slice", "array":
		return "list"
	case "map", "struct", "ptr":
		return "object"
	}
	return goKind
}

// bearer is the token of an Authorization: Bearer header.
func bearer(h string) string {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}
