package models

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/ncruces/go-sqlite3"
	"gorm.io/gorm"
)

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("not found")

// Unwritable reports whether err is the database refusing to store a
// change because it cannot: its disk is full or failing (SQLite reports
// a full disk under its WAL index as a disk I/O error), or the file or the
// server is read-only. Nothing of the failed transaction was stored; reads still
// work.
func Unwritable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// disk_full, insufficient_resources, read_only_sql_transaction
		return pe.Code == "53100" || pe.Code == "53000" || pe.Code == "25006"
	}
	return errors.Is(err, sqlite3.FULL) || errors.Is(err, sqlite3.READONLY) || errors.Is(err, sqlite3.IOERR)
}

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
	// Kind names the kind of problem ("empty", "too_long", "email", …) for
	// the surfaces that word it themselves: the public pages say it in the
	// reader's language (app/public). "" when not given; never in JSON.
	Kind string `json:"-"`
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

// AddKind records a problem with a field, with its kind (see FieldError).
func (e *ValidationError) AddKind(field, kind, format string, args ...any) {
	e.Fields = append(e.Fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...), Kind: kind})
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

// InvalidKind is Invalid with the problem's kind (see FieldError).
func InvalidKind(field, kind, format string, args ...any) error {
	v := &ValidationError{}
	v.AddKind(field, kind, format, args...)
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
