package api

import (
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"testing"

	"github.com/labstack/echo/v4"
)

// FuzzFormToJSON reads any form body as an incident request: it never
// panics, and answers valid JSON or a 400; a form built from fields reads
// as the JSON document of the same fields.
func FuzzFormToJSON(f *testing.F) {
	f.Add("incident[name]=x&incident[components][abc]=major_outage&incident[component_ids][]=abc", "Down", "abc", "major_outage", "true")
	f.Add("incident[name=x&%zz", "", "", "", "")
	f.Add("incident[a][b][c][d][e][f][g]=1&incident[components][][id]=2", "a\x00b", "[x]", "", "maybe")
	f.Add("incident=a&incident[name]=b&incident[name][]=c", "\xff", "=", "&", "1")
	typ := reflect.TypeOf(&incidentRequest{})
	f.Fuzz(func(t *testing.T, raw, name, comp, status, notify string) {
		out, err := FormToJSON([]byte(raw), []string{"incident"}, typ)
		if err != nil {
			var he *echo.HTTPError
			if !errors.As(err, &he) || he.Code != 400 {
				t.Fatalf("%q: %v, want a 400", raw, err)
			}
		} else if !json.Valid(out) {
			t.Fatalf("%q: not JSON: %s", raw, out)
		}

		// Built from fields: the same document as JSON.
		if comp == "" || !validKeySegment(comp) {
			return
		}
		form := url.Values{"incident[name]": {name}, "incident[components][" + comp + "]": {status},
			"incident[component_ids][]": {comp}, "incident[deliver_notifications]": {notify}}
		got, err := FormToJSON([]byte(form.Encode()), []string{"incident"}, typ)
		if err != nil {
			t.Fatalf("%v: %v", form, err)
		}
		want := map[string]any{"name": name, "components": map[string]any{comp: status}, "component_ids": []any{comp}}
		switch notify {
		case "true", "1", "on", "yes", "TRUE":
			want["deliver_notifications"] = true
		case "false", "0", "off", "no":
			want["deliver_notifications"] = false
		case "":
		default:
			if b, ok := scalar(notify, reflect.TypeFor[bool]()); ok {
				want["deliver_notifications"] = b
			}
		}
		var doc map[string]map[string]any
		if err := json.Unmarshal(got, &doc); err != nil {
			t.Fatal(err)
		}
		wantJSON, _ := json.Marshal(map[string]any{"incident": want})
		var wantDoc map[string]map[string]any
		json.Unmarshal(wantJSON, &wantDoc) //nolint:errcheck
		if !reflect.DeepEqual(doc, wantDoc) {
			t.Fatalf("%v:\n got %s\nwant %s", form, got, wantJSON)
		}
	})
}

// validKeySegment reports whether s can sit between brackets of a form key.
func validKeySegment(s string) bool {
	for _, r := range s {
		if r == '[' || r == ']' {
			return false
		}
	}
	return true
}
