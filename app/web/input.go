package web

import (
	"bytes"
	"encoding/json"
	"maps"
	"math"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/models"
)

// What the databases can store: PostgreSQL refuses a NUL character in text
// and an integer beyond its integer columns, where SQLite would store
// either (and invalid UTF-8 raw). Beacon refuses the same input on both,
// with a 422 that names the field, before anything is written.

// maxStoredInt is the largest integer an input may carry: PostgreSQL's
// integer columns (positions, counts) hold 32 bits.
const maxStoredInt = math.MaxInt32

// textProblem says what is wrong with s as stored text, or "" when nothing.
func textProblem(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "must be UTF-8 text"
	case strings.IndexByte(s, 0) >= 0:
		return "must not contain a NUL character"
	}
	return ""
}

// CheckValues refuses form or query values that cannot be stored as text:
// invalid UTF-8 or a NUL character, in a name or a value.
func CheckValues(values url.Values) error {
	v := &models.ValidationError{}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		if p := textProblem(k); p != "" {
			v.Add(strings.ToValidUTF8(strings.ReplaceAll(k, "\x00", ""), "?"), "the field name %s", p)
			continue
		}
		for _, s := range values[k] {
			if p := textProblem(s); p != "" {
				v.Add(k, "%s", p)
				break
			}
		}
	}
	if len(v.Fields) > 0 {
		return v
	}
	return nil
}

// CheckQuery refuses a request whose query parameters cannot be stored or
// compared as text (see CheckValues), for every route.
func CheckQuery(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().URL.RawQuery != "" {
			if err := CheckValues(c.QueryParams()); err != nil {
				return err
			}
		}
		return next(c)
	}
}

// CheckJSON refuses a JSON document that holds text with a NUL character
// (\u0000) or an integer beyond what the database stores; prefix names
// the wrapper object in the field names ("component."). The caller has
// checked that body is valid JSON. Invalid UTF-8 in a JSON string is
// replaced by U+FFFD when it is decoded, so it needs no check here.
func CheckJSON(body []byte, prefix string) error {
	if !bytes.Contains(body, []byte(`\u0000`)) && !hasLongNumber(body) {
		return nil // the common case: nothing to walk
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil // not this check's business: the caller reports it
	}
	v := &models.ValidationError{}
	checkJSONValue(v, strings.TrimSuffix(prefix, "."), doc)
	if len(v.Fields) > 0 {
		return v
	}
	return nil
}

// hasLongNumber reports whether body may hold an integer of 10 digits or
// more (anything beyond 2^31 does).
func hasLongNumber(body []byte) bool {
	run := 0
	for _, b := range body {
		if '0' <= b && b <= '9' {
			if run++; run >= 10 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

func checkJSONValue(v *models.ValidationError, field string, x any) {
	name := func(sub string) string {
		if field == "" {
			return sub
		}
		return field + "." + sub
	}
	switch x := x.(type) {
	case string:
		if strings.IndexByte(x, 0) >= 0 {
			v.Add(field, "must not contain a NUL character")
		}
	case json.Number:
		if n, err := x.Int64(); err == nil && (n > maxStoredInt || n < -maxStoredInt) {
			v.Add(field, "must be a whole number between %d and %d", -maxStoredInt, maxStoredInt)
		} else if err != nil && !strings.ContainsAny(string(x), ".eE") {
			v.Add(field, "must be a whole number between %d and %d", -maxStoredInt, maxStoredInt) // beyond int64
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if strings.IndexByte(k, 0) >= 0 {
				v.Add(name(strings.ReplaceAll(k, "\x00", "")), "the field name must not contain a NUL character")
				continue
			}
			checkJSONValue(v, name(k), x[k])
		}
	case []any:
		for _, e := range x {
			checkJSONValue(v, field, e)
		}
	}
}
