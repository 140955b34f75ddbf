package models

import (
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a change clashes with the record's state or
// with another record (a duplicate, an incident that is not resolved...).
type ErrConflict struct{ Message string }

func (e *ErrConflict) Error() string { return e.Message }

// ValidationError reports bad input in one or more fields.
type ValidationError struct {
	Fields []FieldError
}

// FieldError is one field's problem.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return strings.Join(parts, "; ")
}

// Add records a problem with a field.
func (e *ValidationError) Add(field, format string, args ...any) {
	e.Fields = append(e.Fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns e when it holds a problem, else nil.
func (e *ValidationError) Err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Invalid returns a ValidationError for one field.
func Invalid(field, format string, args ...any) error {
	v := &ValidationError{}
	v.Add(field, format, args...)
	return v
}

// notFound maps gorm's record-not-found to ErrNotFound and wraps the rest.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return fmt.Errorf("models: "+format+": %w", append(args, err)...)
}

func isNotFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }
