package public

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/egress"
	"github.com/beaconstatus/beacon/app/lang"
	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// The public subscription pages say the problems of a form in the
// reader's language: each field's problem is worded from its kind
// (models.FieldError.Kind) by a catalog key "invalid_<kind>", after the
// field's translated name. The console and the API keep the models'
// English sentences.

// wordForm words the problems of form in the request's language.
func (h *Handler) wordForm(c echo.Context, form *view.Form) {
	l := h.site(c).L()
	for i := range form.Fields {
		form.Fields[i].Message = fieldProblem(l, form.Fields[i])
	}
}

// fieldProblem words one field's problem in l; a problem of no known kind
// is "invalid_field" (the field's name is shown before it).
func fieldProblem(l *lang.Lang, fe models.FieldError) string {
	switch fe.Kind {
	case "":
		return l.T("invalid_field")
	case "too_long":
		max := models.MaxEmailLength
		if fe.Field == "endpoint" {
			max = egress.MaxEndpointLength
		}
		return l.T("invalid_too_long", "Max", strconv.Itoa(max))
	case "too_many":
		return l.T("invalid_too_many", "Max", strconv.Itoa(models.MaxSubscriberComponents))
	}
	key := "invalid_" + fe.Kind
	if s := l.T(key); s != key {
		return s
	}
	return l.T("invalid_field")
}

// wordLimit gives a 429 of the rate limits (web.Limits.Hit) its public
// wording: key, with {{.Wait}} the wait its Retry-After says, worded in
// the request's language. Other errors pass unchanged.
func (h *Handler) wordLimit(c echo.Context, key string, err error) error {
	var he *echo.HTTPError
	if !errors.As(err, &he) || he.Code != http.StatusTooManyRequests {
		return err
	}
	secs, _ := strconv.Atoi(c.Response().Header().Get("Retry-After"))
	return web.Word(key, err, "Wait", h.site(c).L().Duration(time.Duration(secs)*time.Second))
}
