package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// Email subscribers in the management API, in Statuspage's v1 shape with
// Beacon's extensions (status, all_components, notify_*, confirmed_at,
// unsubscribed_at).

// jsonSubscriber is a subscriber object. mode is its channel (email,
// webhook, slack, discord, teams); endpoint is set for all but email;
// secret (a webhook's signing key) only in the answer that created it.
type jsonSubscriber struct {
	ID                           string   `json:"id"`
	Mode                         string   `json:"mode"`
	Email                        string   `json:"email"`
	Endpoint                     *string  `json:"endpoint"`
	Secret                       string   `json:"secret,omitempty"`
	PhoneNumber                  *string  `json:"phone_number"`
	PhoneCountry                 *string  `json:"phone_country"`
	DisplayPhoneNumber           *string  `json:"display_phone_number"`
	ObfuscatedChannelName        *string  `json:"obfuscated_channel_name"`
	WorkspaceName                *string  `json:"workspace_name"`
	QuarantinedAt                jsonTime `json:"quarantined_at"`
	PurgeAt                      jsonTime `json:"purge_at"` // when an unconfirmed subscriber is removed
	Components                   []string `json:"components"`
	PageAccessUserID             *string  `json:"page_access_user_id"`
	CreatedAt                    jsonTime `json:"created_at"`
	SkipConfirmationNotification bool     `json:"skip_confirmation_notification"`

	Status            string   `json:"status"` // pending, confirmed, unsubscribed
	AllComponents     bool     `json:"all_components"`
	NotifyIncidents   bool     `json:"notify_incidents"`
	NotifyMaintenance bool     `json:"notify_maintenance"`
	NotifyPostmortems bool     `json:"notify_postmortems"`
	ConfirmedAt       jsonTime `json:"confirmed_at"`
	UnsubscribedAt    jsonTime `json:"unsubscribed_at"`
}

// jsonSubscriberOf shapes a subscriber.
func (h *Handler) jsonSubscriberOf(s *models.Subscriber) jsonSubscriber {
	comps := s.ComponentIDs
	if comps == nil {
		comps = []string{}
	}
	mode := s.Channel
	if mode == "" {
		mode = models.ChannelEmail
	}
	var endpoint *string
	if mode != models.ChannelEmail {
		endpoint = &s.Endpoint
	}
	return jsonSubscriber{
		ID: s.ID, Mode: mode, Email: s.Email, Endpoint: endpoint, QuarantinedAt: h.isoTimePtr(s.QuarantinedAt),
		PurgeAt: h.isoTimePtr(s.PurgeAt()), Components: comps,
		CreatedAt:                    h.isoTime(s.CreatedAt),
		SkipConfirmationNotification: s.ConfirmedAt != nil && s.ConfirmationSentAt == nil,
		Status:                       s.Status, AllComponents: s.AllComponents,
		NotifyIncidents: s.NotifyIncidents, NotifyMaintenance: s.NotifyMaintenance, NotifyPostmortems: s.NotifyPostmortems,
		ConfirmedAt: h.isoTimePtr(s.ConfirmedAt), UnsubscribedAt: h.isoTimePtr(s.UnsubscribedAt),
	}
}

// subscriberStates maps Statuspage's ?state= to Beacon's statuses.
var subscriberStates = map[string]string{
	"active": models.SubscriberConfirmed, "unconfirmed": models.SubscriberPending,
	"unsubscribed": models.SubscriberUnsubscribed, "all": "",
}

// listSubscribers is GET /v1/pages/{page_id}/subscribers: ?q= searches
// addresses, ?state= is active (the default), unconfirmed, unsubscribed,
// quarantined (endpoints that failed too often) or all; ?type= is a
// channel (email, webhook, slack, discord, teams);
// ?page= and ?per_page= (or limit=) page, newest first.
func (h *Handler) listSubscribers(c echo.Context) error {
	limit, offset, err := paging(c, 100, 1000)
	if err != nil {
		return err
	}
	state := c.QueryParam("state")
	if state == "" {
		state = "active"
	}
	status, ok := subscriberStates[state]
	if !ok && state != "quarantined" {
		return apiFieldError("state", "must be active, unconfirmed, unsubscribed, quarantined or all")
	}
	out := []jsonSubscriber{}
	typ := c.QueryParam("type")
	if typ != "" && !models.ValidChannel(typ) {
		return c.JSON(http.StatusOK, out)
	}
	list, _, err := h.DB.ListSubscribers(c.Request().Context(), models.SubscriberFilter{Query: c.QueryParam("q"), Status: status,
		Channel: typ, Quarantined: state == "quarantined", Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	for i := range list {
		out = append(out, h.jsonSubscriberOf(&list[i]))
	}
	return c.JSON(http.StatusOK, out)
}

// showSubscriber is GET /v1/pages/{page_id}/subscribers/{id}.
func (h *Handler) showSubscriber(c echo.Context) error {
	if !models.ValidID(c.Param("id")) {
		return models.ErrNotFound
	}
	s, err := h.DB.GetSubscriber(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.jsonSubscriberOf(s))
}

// subscriberRequest is the body of POST /subscribers. The notify_* fields
// are Beacon's; absent, they are true.
type subscriberRequest struct {
	Email                        string         `json:"email"`
	Endpoint                     string         `json:"endpoint"` // a webhook's URL (with email as its contact)
	Channel                      string         `json:"channel"`  // Beacon's: webhook (the default with endpoint), slack, discord or teams
	ComponentIDs                 []string       `json:"component_ids"`
	SkipConfirmationNotification bool           `json:"skip_confirmation_notification"`
	NotifyIncidents              optional[bool] `json:"notify_incidents,omitzero"`
	NotifyMaintenance            optional[bool] `json:"notify_maintenance,omitzero"`
	NotifyPostmortems            optional[bool] `json:"notify_postmortems,omitzero"`
}

// createSubscriber is POST /v1/pages/{page_id}/subscribers: a new email
// subscriber, or with endpoint a webhook subscriber (email is its
// contact), sent a confirmation email unless
// skip_confirmation_notification (chat channels need none). An address or
// endpoint already subscribed is a 409; an endpoint that is not a public
// http(s) URL a 422 naming it. A webhook's secret is in this answer only.
func (h *Handler) createSubscriber(c echo.Context) error {
	var req subscriberRequest
	if err := bindBody(c, "subscriber", &req); err != nil {
		return err
	}
	channel := req.Channel
	if req.Endpoint != "" || channel != "" && channel != models.ChannelEmail {
		if channel == "" {
			channel = models.ChannelWebhook
		}
		if channel == models.ChannelEmail || !models.ValidChannel(channel) {
			return models.Invalid("channel", "must be webhook, slack, discord or teams with an endpoint")
		}
		ep, err := h.Egress.CheckEndpoint(c.Request().Context(), "endpoint", req.Endpoint)
		if err != nil {
			return err
		}
		req.Endpoint = ep
	}
	ch := models.SubscriberChoices{ComponentIDs: req.ComponentIDs, Incidents: true, Maintenance: true, Postmortems: true}
	for _, k := range []struct {
		field optional[bool]
		dst   *bool
	}{{req.NotifyIncidents, &ch.Incidents}, {req.NotifyMaintenance, &ch.Maintenance}, {req.NotifyPostmortems, &ch.Postmortems}} {
		if p := k.field.ptr(); p != nil {
			*k.dst = *p
		}
	}
	var s *models.Subscriber
	err := h.Writes.Do(c, web.Mail, "subscriber.create", "subscriber", func(tx *models.DB) (string, any, error) {
		var err error
		s, err = tx.AddSubscriber(c.Request().Context(), models.NewSubscriber{Email: req.Email, Channel: channel,
			Endpoint: req.Endpoint, Choices: ch, SkipConfirmation: req.SkipConfirmationNotification, Source: models.SourceAPI}, h.Now())
		if err != nil {
			return "", nil, err
		}
		return s.ID, map[string]any{"email": s.Email, "channel": s.Channel, "skip_confirmation": req.SkipConfirmationNotification}, nil
	})
	if err != nil {
		return err
	}
	out := h.jsonSubscriberOf(s)
	out.Secret = s.Secret
	return c.JSON(http.StatusCreated, out)
}

// reactivateSubscriber is POST /v1/pages/{page_id}/subscribers/{id}/reactivate:
// a quarantined endpoint gets the next notifications again.
func (h *Handler) reactivateSubscriber(c echo.Context) error {
	s, err := h.Writes.Subscriber(c, "subscriber.reactivate", func(tx *models.DB, id string) (*models.Subscriber, error) {
		return tx.ReactivateSubscriber(c.Request().Context(), id, h.Now())
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.jsonSubscriberOf(s))
}

// deleteSubscriber is DELETE /v1/pages/{page_id}/subscribers/{id}:
// as in Statuspage, it unsubscribes (the record of the opt-out stays, so
// an import cannot subscribe them again) and answers the subscriber.
func (h *Handler) deleteSubscriber(c echo.Context) error {
	s, err := h.Writes.Subscriber(c, "subscriber.unsubscribe", func(tx *models.DB, id string) (*models.Subscriber, error) {
		return tx.Unsubscribe(c.Request().Context(), id, 0, h.Now())
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.jsonSubscriberOf(s))
}
