package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// Statuspage's subscriber endpoints beyond create, read and delete: the
// counts, resending confirmations, reactivating, unsubscribing many, and
// an incident's subscribers. Beacon has email subscribers only and never
// quarantines one: the other types count none, and reactivate finds no
// one to reactivate.

// subscriberTypes are the types Statuspage counts.
var subscriberTypes = []string{"email", "sms", "webhook", "integration_partner", "slack"}

// countSubscribers is GET /v1/pages/{page_id}/subscribers/count: the
// subscribers in ?state= (active by default, or all) by ?type=.
func (h *Handler) countSubscribers(c echo.Context) error {
	state := c.QueryParam("state")
	if state == "" {
		state = "active"
	}
	status, ok := subscriberStates[state]
	if !ok && state != "quarantined" {
		return apiFieldError("state", "must be active, unconfirmed, unsubscribed, quarantined or all")
	}
	typ := c.QueryParam("type")
	if typ != "" && !containsString(subscriberTypes, typ) {
		return apiFieldError("type", "must be one of "+strings.Join(subscriberTypes, ", "))
	}
	var n int64
	if state != "quarantined" && (typ == "" || typ == "email") {
		var err error
		if n, err = h.DB.CountSubscribersWithStatus(c.Request().Context(), status); err != nil {
			return err
		}
	}
	out := map[string]int64{}
	for _, t := range subscriberTypes {
		if typ == "" || typ == t {
			out[t] = 0
		}
	}
	if _, ok := out["email"]; ok {
		out["email"] = n
	}
	return c.JSON(http.StatusOK, out)
}

// subscriberHistogram is GET /v1/pages/{page_id}/subscribers/histogram_by_state.
func (h *Handler) subscriberHistogram(c echo.Context) error {
	counts, err := h.DB.CountSubscribers(c.Request().Context())
	if err != nil {
		return err
	}
	type byState struct {
		Active      int64 `json:"active"`
		Unconfirmed int64 `json:"unconfirmed"`
		Quarantined int64 `json:"quarantined"`
		Total       int64 `json:"total"`
	}
	out := map[string]byState{}
	for _, t := range subscriberTypes {
		out[t] = byState{}
	}
	active, pending := counts[models.SubscriberConfirmed], counts[models.SubscriberPending]
	out["email"] = byState{Active: active, Unconfirmed: pending, Total: active + pending}
	return c.JSON(http.StatusOK, out)
}

// subscriberSelection is Statuspage's "subscribers" field: "all", a list
// of ids, or ids separated by commas.
type subscriberSelection models.SubscriberIDs

// UnmarshalJSON reads "all", "id1,id2" or ["id1", "id2"].
func (s *subscriberSelection) UnmarshalJSON(b []byte) error {
	bad := models.Invalid("subscribers", `must be "all" or a list of subscriber ids`)
	var list []string
	if err := json.Unmarshal(b, &list); err == nil {
		s.IDs = list
		return nil
	}
	var one string
	if err := json.Unmarshal(b, &one); err != nil {
		return bad
	}
	if strings.TrimSpace(one) == "all" {
		s.All = true
		return nil
	}
	for _, id := range strings.Split(one, ",") {
		if id = strings.TrimSpace(id); id != "" {
			s.IDs = append(s.IDs, id)
		}
	}
	return nil
}

// bulkRequest is the body of the bulk subscriber endpoints.
type bulkRequest struct {
	Subscribers                    optional[subscriberSelection] `json:"subscribers"`
	Type                           string                        `json:"type"`
	State                          string                        `json:"state"`
	SkipUnsubscriptionNotification bool                          `json:"skip_unsubscription_notification"`
}

// read decodes and checks a bulk request: the selection, a known type and
// state. none is true when the type selects no one (not email).
func (h *Handler) readBulk(c echo.Context) (req bulkRequest, sel models.SubscriberIDs, none bool, err error) {
	if err = bindBody(c, "", &req); err != nil {
		return req, sel, false, err
	}
	if !req.Subscribers.Set || req.Subscribers.Null {
		return req, sel, false, models.Invalid("subscribers", `must be given: "all" or a list of subscriber ids`)
	}
	sel = models.SubscriberIDs(req.Subscribers.Value)
	if !sel.All && len(sel.IDs) == 0 {
		return req, sel, false, models.Invalid("subscribers", `must be "all" or a list of subscriber ids`)
	}
	if req.Type != "" && !containsString(subscriberTypes, req.Type) {
		return req, sel, false, models.Invalid("type", "must be one of %s", strings.Join(subscriberTypes, ", "))
	}
	return req, sel, req.Type != "" && req.Type != "email", nil
}

// resendConfirmations is POST /v1/pages/{page_id}/subscribers/resend_confirmation:
// the confirmation email again to the unconfirmed subscribers named (or
// all), except those sent one in the last ten minutes.
func (h *Handler) resendConfirmations(c echo.Context) error {
	_, sel, none, err := h.readBulk(c)
	if err != nil {
		return err
	}
	n := 0
	if !none {
		err = h.Writes.Do(c, web.Mail, "subscriber.resend_confirmation", "subscriber", func(tx *models.DB) (string, any, error) {
			var err error
			n, err = tx.ResendConfirmations(c.Request().Context(), sel, h.Now())
			return "", map[string]any{"all": sel.All, "subscribers": sel.IDs, "sent": n}, err
		})
		if err != nil {
			return err
		}
	}
	return c.JSON(http.StatusCreated, map[string]int{"sent": n})
}

// resendConfirmation is POST /v1/pages/{page_id}/subscribers/{id}/resend_confirmation.
func (h *Handler) resendConfirmation(c echo.Context) error {
	id := c.Param("id")
	s, err := h.DB.GetSubscriber(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if s.Status != models.SubscriberPending {
		return fieldError(http.StatusUnprocessableEntity, "id", "is a subscriber who is not waiting for a confirmation ("+s.Status+")")
	}
	n := 0
	err = h.Writes.Do(c, web.Mail, "subscriber.resend_confirmation", "subscriber", func(tx *models.DB) (string, any, error) {
		var err error
		n, err = tx.ResendConfirmations(c.Request().Context(), models.SubscriberIDs{IDs: []string{id}}, h.Now())
		return id, map[string]any{"sent": n}, err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]int{"sent": n})
}

// reactivateSubscribers is POST /v1/pages/{page_id}/subscribers/reactivate:
// the quarantined endpoints named (or all) get the next notifications
// again; it answers how many were quarantined.
func (h *Handler) reactivateSubscribers(c echo.Context) error {
	_, sel, _, err := h.readBulk(c)
	if err != nil {
		return err
	}
	if !sel.All {
		for _, id := range sel.IDs {
			if _, err := h.DB.GetSubscriber(c.Request().Context(), id); err != nil || !models.ValidID(id) {
				if errors.Is(err, models.ErrNotFound) || !models.ValidID(id) {
					return models.Invalid("subscribers", "no subscriber with id %q", id)
				}
				return err
			}
		}
	}
	var n int
	err = h.Writes.Do(c, web.Private, "subscriber.reactivate", "subscriber", func(tx *models.DB) (string, any, error) {
		var err error
		n, err = tx.ReactivateQuarantined(c.Request().Context(), sel, h.Now())
		return "", map[string]any{"reactivated": n, "all": sel.All, "ids": sel.IDs}, err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]int{"reactivated": n})
}

// unsubscribeSubscribers is POST /v1/pages/{page_id}/subscribers/unsubscribe:
// up to 100 subscribers named (or "all" of ?state=, when they are at most
// 100) are unsubscribed, as DELETE does one.
func (h *Handler) unsubscribeSubscribers(c echo.Context) error {
	req, sel, none, err := h.readBulk(c)
	if err != nil {
		return err
	}
	state := req.State
	if state == "" {
		state = "active"
	}
	status, ok := subscriberStates[state]
	if !ok && state != "quarantined" {
		return models.Invalid("state", "must be active, unconfirmed, unsubscribed, quarantined or all")
	}
	if !sel.All {
		status = "" // named subscribers are unsubscribed whatever their state
	}
	n := 0
	if !none && state != "quarantined" {
		err = h.Writes.Do(c, web.Private, "subscriber.unsubscribe_many", "subscriber", func(tx *models.DB) (string, any, error) {
			var err error
			n, err = tx.UnsubscribeMany(c.Request().Context(), sel, status, h.Now())
			return "", map[string]any{"all": sel.All, "state": state, "subscribers": sel.IDs, "unsubscribed": n}, err
		})
		if err != nil {
			return err
		}
	}
	return c.JSON(http.StatusCreated, map[string]int{"unsubscribed": n})
}

// listIncidentSubscribers is GET /v1/pages/{page_id}/incidents/{id}/subscribers:
// the confirmed subscribers who hear of this incident (Beacon has no
// subscriptions to one incident: these are the page's subscribers whose
// choices include it), oldest first, ?page= and ?per_page= (or limit=).
func (h *Handler) listIncidentSubscribers(c echo.Context) error {
	limit, offset, err := paging(c, 100, 1000)
	if err != nil {
		return err
	}
	list, err := h.DB.IncidentSubscribers(c.Request().Context(), c.Param("id"), limit, offset)
	if err != nil {
		return err
	}
	out := make([]jsonSubscriber, 0, len(list))
	for i := range list {
		out = append(out, h.jsonSubscriberOf(&list[i]))
	}
	return c.JSON(http.StatusOK, out)
}

// showIncidentSubscriber is GET /v1/pages/{page_id}/incidents/{id}/subscribers/{subscriber_id}.
func (h *Handler) showIncidentSubscriber(c echo.Context) error {
	list, err := h.DB.IncidentSubscribers(c.Request().Context(), c.Param("id"), 1_000_000, 0)
	if err != nil {
		return err
	}
	for i := range list {
		if list[i].ID == c.Param("subscriber_id") {
			return c.JSON(http.StatusOK, h.jsonSubscriberOf(&list[i]))
		}
	}
	return echo.NewHTTPError(http.StatusNotFound, "no subscriber with this id hears of this incident")
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
