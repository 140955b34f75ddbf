package main_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/models/dbtest"
)

// freshEnv returns the environment of a beacon on a new, migrated database
// of the dialect.
func freshEnv(t *testing.T, dialect string, vars ...string) []string {
	t.Helper()
	if dialect == "sqlite" {
		return beaconEnv(append([]string{sqliteURL(t)}, vars...)...)
	}
	env := beaconEnv(append([]string{"DATABASE_URL=" + dbtest.NewEmptyPostgres(t)}, vars...)...)
	if out, errOut, code := runBeacon(t, env, "", "migrate"); code != 0 {
		t.Fatalf("beacon migrate: exit %d, %s %s", code, out, errOut)
	}
	return env
}

// apiCall sends a JSON request with the token and decodes the answer.
func apiCall(t *testing.T, method, url, token string, body any, out any) int {
	t.Helper()
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, url, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "OAuth "+token)
	}
	resp, err := do(t, req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: decode: %v", method, url, err)
		}
	}
	return resp.StatusCode
}

// TestManagementAPI runs an incident through the management API of the
// real binary, as an alerting tool would, and reads the public page.
func TestManagementAPI(t *testing.T) {
	t.Parallel()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			env := freshEnv(t, dialect, "PAGE_NAME=Acme Cloud")
			out, errOut, code := runBeacon(t, env, "", "token", "add", "--name", "alertmanager", "--role", "editor")
			lines := strings.Split(strings.TrimSpace(out), "\n")
			token := lines[len(lines)-1]
			if code != 0 || !strings.HasPrefix(token, "bcn_") {
				t.Fatalf("token add: exit %d, stdout %q, stderr %q", code, out, errOut)
			}
			s := startServer(t, env)

			if code := apiCall(t, "GET", s.URL+"/v1/pages", "", nil, nil); code != http.StatusUnauthorized {
				t.Errorf("GET /v1/pages without a token = %d, want 401", code)
			}
			var pages []struct{ ID, Name string }
			if code := apiCall(t, "GET", s.URL+"/v1/pages", token, nil, &pages); code != 200 || len(pages) != 1 || pages[0].Name != "Acme Cloud" {
				t.Fatalf("GET /v1/pages = %d %+v", code, pages)
			}
			base := s.URL + "/v1/pages/" + pages[0].ID

			var comp struct{ ID, Status string }
			if code := apiCall(t, "POST", base+"/components", token, map[string]any{"component": map[string]any{"name": "Checkout"}}, &comp); code != 201 {
				t.Fatalf("create component = %d", code)
			}
			var in struct{ ID, Status, Impact string }
			code = apiCall(t, "POST", base+"/incidents", token, map[string]any{"incident": map[string]any{
				"name": "Checkout failing", "status": "investigating", "body": "Payments time out.",
				"components": map[string]string{comp.ID: "major_outage"},
			}}, &in)
			if code != 201 || in.Impact != "critical" {
				t.Fatalf("open incident = %d %+v", code, in)
			}
			_, _, page := get(t, s.URL+"/")
			mustContain(t, "status page during the incident", page, "Checkout failing", "Payments time out.", "Major outage")

			code = apiCall(t, "PATCH", base+"/incidents/"+in.ID, token, map[string]any{"incident": map[string]any{
				"status": "resolved", "body": "Payments flow again.", "restore_components": true,
			}}, &in)
			if code != 200 || in.Status != "resolved" {
				t.Fatalf("resolve = %d %+v", code, in)
			}
			_, _, page = get(t, s.URL+"/incidents/"+in.ID)
			mustContain(t, "incident page", page, "Checkout failing", "Payments flow again.", "Payments time out.", "Resolved")
			_, _, page = get(t, s.URL+"/")
			mustContain(t, "status page after", page, "All Systems Operational")

			// An editor token cannot delete; the incident stays.
			var e struct{ Error string }
			if code := apiCall(t, "DELETE", base+"/incidents/"+in.ID, token, nil, &e); code != http.StatusForbidden || e.Error == "" {
				t.Errorf("DELETE with an editor token = %d %q, want 403 with a message", code, e.Error)
			}
		})
	}
}
