package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/beaconstatus/beacon/models"
	"github.com/labstack/echo/v4"
)

// NotFoundMessage is the message of a 404 that says nothing more.
const NotFoundMessage = "The page you are looking for does not exist."

// Classify maps an error to a status code and a message safe to show a
// client. Internal error text never leaves the server.
func Classify(err error) (int, string, []models.FieldError) {
	var he *echo.HTTPError
	var ve *models.ValidationError
	var ce *models.ErrConflict
	switch {
	case errors.As(err, &he):
		if body, ok := he.Message.(APIError); ok {
			return he.Code, body.Error, body.Fields
		}
		msg, ok := he.Message.(string)
		if !ok || he.Internal != nil && he.Code >= 500 {
			msg = http.StatusText(he.Code)
		}
		if he.Code == http.StatusNotFound && msg == http.StatusText(http.StatusNotFound) {
			msg = NotFoundMessage
		}
		return he.Code, msg, nil
	case errors.Is(err, models.ErrNotFound):
		return http.StatusNotFound, NotFoundMessage, nil
	case errors.As(err, &ve):
		return http.StatusUnprocessableEntity, ve.Error(), ve.Fields
	case errors.As(err, &ce):
		return http.StatusConflict, ce.Message, nil
	case errors.Is(err, context.Canceled):
		return 499, "Request cancelled.", nil
	}
	return http.StatusInternalServerError, "Something went wrong on our side. Please try again in a moment.", nil
}
