package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/web"
)

// The management API reads a write's body in either of the two styles
// Statuspage accepts: JSON ({"incident": {"name": "…"}}) or a form with
// bracket keys (incident[name]=…&incident[components][ID]=major_outage&
// incident[component_ids][]=ID), the style of Statuspage's curl examples
// and of many shell scripts. A form is turned into the JSON document it
// stands for, guided by the request type it is decoded into (so
// "true" becomes a boolean and "5" a number where the type says so), and
// then decoded as JSON: both styles meet the same validation and the same
// error messages.

// maxFormDepth bounds the brackets of one form key.
const maxFormDepth = 6

// bindBody decodes the body of a management API write, wrapped as
// Statuspage wraps it ({"incident": {...}}, or incident[...] in a form)
// into dst; an unwrapped object is accepted too. Malformed bodies and
// wrongly typed fields are a 400 naming the field.
func bindBody(c echo.Context, wrapper string, dst any) error {
	return bindBodyAs(c, []string{wrapper}, dst)
}

// bindBodyAs is bindBody for a resource whose clients wrap it under any of
// several names (the first is the one error messages use).
func bindBodyAs(c echo.Context, wrappers []string, dst any) error {
	body, err := io.ReadAll(c.Request().Body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", tooLarge.Limit))
	}
	if err != nil {
		return web.BadRequest("could not read the request body")
	}
	if isForm(c.Request().Header.Get(echo.HeaderContentType), body) {
		if body, err = FormToJSON(body, wrappers, reflect.TypeOf(dst)); err != nil {
			return err
		}
	}
	return decodeJSON(body, wrappers, dst)
}

// isForm reports whether a body is form-encoded: its Content-Type says so
// (unless the body is plainly JSON: curl -d sends JSON with the form's
// type when no header is given), or it has none and does not look like
// JSON.
func isForm(contentType string, body []byte) bool {
	trimmed := bytes.TrimSpace(body)
	looksJSON := len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case echo.MIMEApplicationForm:
		return !looksJSON
	case "":
		return len(trimmed) > 0 && !looksJSON && bytes.Contains(trimmed, []byte("="))
	}
	return false
}

// decodeJSON decodes a JSON body into dst (see bindBody).
func decodeJSON(body []byte, wrappers []string, dst any) error {
	wrapper := wrappers[0]
	if len(bytes.TrimSpace(body)) == 0 {
		return web.BadRequest("the request body is empty: send a JSON object {%q: {...}} or a form %s[field]=value", wrapper, wrapper)
	}
	var outer map[string]json.RawMessage
	if err := json.Unmarshal(body, &outer); err != nil {
		return jsonError(err, "")
	}
	inner, prefix := body, ""
	for _, w := range wrappers {
		if raw, ok := outer[w]; ok && w != "" {
			inner, prefix = raw, w+"."
			break
		}
	}
	if err := json.Unmarshal(inner, dst); err != nil {
		return jsonError(err, prefix)
	}
	return web.CheckJSON(inner, prefix)
}

// formNode is one key of a form body, with brackets read as nesting:
// a leaf holds the values given to it, an inner node its children.
type formNode struct {
	values []string
	list   bool // values were appended with key[]
	keys   []string
	kids   map[string]*formNode
}

func (n *formNode) child(key string) *formNode {
	if n.kids == nil {
		n.kids = map[string]*formNode{}
	}
	k, ok := n.kids[key]
	if !ok {
		k = &formNode{}
		n.kids[key] = k
		n.keys = append(n.keys, key)
	}
	return k
}

// FormToJSON turns a form body with bracket keys into the JSON document it
// stands for, typed as dst (a pointer to the request type) says: booleans
// and numbers where dst has them, lists for key[] and for lists, objects
// for key[name]. An empty value of a boolean or number is left out, as
// absent. A malformed key or body is a 400 naming it.
func FormToJSON(body []byte, wrappers []string, dst reflect.Type) ([]byte, error) {
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, web.BadRequest("the request body is neither JSON nor a valid form (application/x-www-form-urlencoded)")
	}
	root := &formNode{}
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	sort.Strings(names) // a stable document whatever the map's order
	for _, key := range names {
		path, ok := splitFormKey(key)
		if !ok {
			return nil, formKeyError(key, "is not a valid form key: use name, wrapper[name] or wrapper[name][]")
		}
		n := root
		for i, seg := range path {
			if seg == "" {
				if i != len(path)-1 {
					return nil, formKeyError(key, "is a list of objects, which a form cannot express: send JSON")
				}
				n.list = true
				break
			}
			n = n.child(seg)
		}
		n.values = append(n.values, values[key]...)
	}
	// The top level: the wrapper holds dst, any other key is one of dst's
	// own fields (an unwrapped body).
	top := map[string]any{}
	for _, k := range root.keys {
		t := fieldType(dst, k)
		if k != "" && slices.Contains(wrappers, k) {
			t = dst
		}
		if v, ok := root.kids[k].value(t); ok {
			top[k] = v
		}
	}
	out, err := json.Marshal(top)
	if err != nil {
		return nil, web.BadRequest("the request body is not a valid form")
	}
	return out, nil
}

// formKeyError is a 400 about one form key.
func formKeyError(key, msg string) error {
	if len(key) > 100 {
		key = key[:100] + "…"
	}
	return apiFieldError(strconv.Quote(key), msg)
}

// splitFormKey reads a[b][c][] as [a b c ""].
func splitFormKey(key string) ([]string, bool) {
	name, rest, found := strings.Cut(key, "[")
	if name == "" || strings.ContainsAny(name, "]") {
		return nil, false
	}
	path := []string{name}
	if !found {
		return path, true
	}
	rest = "[" + rest
	for rest != "" {
		if rest[0] != '[' {
			return nil, false
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return nil, false
		}
		seg := rest[1:end]
		if strings.ContainsAny(seg, "[") {
			return nil, false
		}
		path = append(path, seg)
		rest = rest[end+1:]
		if len(path) > maxFormDepth {
			return nil, false
		}
	}
	return path, true
}

// formTyped is implemented by field types that stand for another in JSON
// (optional[T] stands for T).
type formTyped interface{ formType() reflect.Type }

// jsonOf is the type t stands for in JSON: pointers and optional fields
// unwrapped.
func jsonOf(t reflect.Type) reflect.Type {
	for t != nil {
		if t.Implements(reflect.TypeFor[formTyped]()) {
			t = reflect.Zero(t).Interface().(formTyped).formType()
			continue
		}
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
			continue
		}
		break
	}
	return t
}

// fieldType is the type of the JSON field name of t (nil when unknown).
func fieldType(t reflect.Type, name string) reflect.Type {
	t = jsonOf(t)
	if t == nil {
		return nil
	}
	switch t.Kind() {
	case reflect.Map:
		return t.Elem()
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if tag == "" && f.IsExported() {
				tag = f.Name
			}
			if strings.EqualFold(tag, name) {
				return f.Type
			}
		}
	}
	return nil
}

// value is the JSON value of n as type t (nil: any); false leaves it out.
func (n *formNode) value(t reflect.Type) (any, bool) {
	t = jsonOf(t)
	if len(n.kids) > 0 {
		if t != nil && t.Kind() == reflect.Slice && t != reflect.TypeFor[json.RawMessage]() {
			if list, ok := n.indexedList(t.Elem()); ok {
				return list, true
			}
		}
		obj := map[string]any{}
		for _, k := range n.keys {
			if v, ok := n.kids[k].value(fieldType(t, k)); ok {
				obj[k] = v
			}
		}
		return obj, true
	}
	isList := t != nil && t.Kind() == reflect.Slice && t != reflect.TypeFor[json.RawMessage]()
	if isList || n.list {
		var elem reflect.Type
		if isList {
			elem = t.Elem()
		}
		list := []any{}
		for _, v := range n.values {
			if x, ok := scalar(v, elem); ok {
				list = append(list, x)
			}
		}
		return list, true
	}
	if len(n.values) == 0 {
		return nil, false
	}
	return scalar(n.values[len(n.values)-1], t)
}

// indexedList reads key[0]=…&key[1]=… as a list, in index order.
func (n *formNode) indexedList(elem reflect.Type) ([]any, bool) {
	idx := make([]int, 0, len(n.keys))
	for _, k := range n.keys {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 || i > 1000 {
			return nil, false
		}
		idx = append(idx, i)
	}
	sort.Ints(idx)
	list := make([]any, 0, len(idx))
	for _, i := range idx {
		if v, ok := n.kids[strconv.Itoa(i)].value(elem); ok {
			list = append(list, v)
		}
	}
	return list, true
}

// scalar is one form value as type t: a boolean or a number where t is
// one and the text reads as one (else the text, which the JSON decoder
// then refuses naming the field), left out when empty.
func scalar(v string, t reflect.Type) (any, bool) {
	t = jsonOf(t)
	if t == nil {
		return v, true
	}
	switch t.Kind() {
	case reflect.Bool:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "":
			return nil, false
		case "true", "1", "on", "yes":
			return true, true
		case "false", "0", "off", "no":
			return false, true
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		s := strings.TrimSpace(v)
		if s == "" {
			return nil, false
		}
		if json.Valid([]byte(s)) && (s[0] == '-' || '0' <= s[0] && s[0] <= '9') {
			return json.Number(s), true
		}
	}
	return v, true
}
