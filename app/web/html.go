package web

import (
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/models"
)

// WriteHTML renders a page fully into a pooled buffer before sending
// anything, so a failing template can still become an error page.
func WriteHTML(c echo.Context, code int, render func(io.Writer) error) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	buf := GetBuffer()
	defer PutBuffer(buf)
	if err := render(buf); err != nil {
		return err
	}
	c.Response().WriteHeader(code)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	_, err := c.Response().Write(buf.Bytes())
	return err
}

// APIError is the JSON body of an error under /api and /v1.
type APIError struct {
	Error  string              `json:"error"`
	Fields []models.FieldError `json:"fields,omitempty"`
}

// BadRequest is a 400 with a message that names what is wrong.
func BadRequest(format string, args ...any) error {
	return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf(format, args...))
}
