package models_test

import (
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/models"
)

func TestBlamelessWarnings(t *testing.T) {
	users := []models.User{
		{Name: "Alice Smith", Email: "alice@acme.test"},
		{Name: "Will Turner", Email: "will@acme.test"},
		{Email: "ops@acme.test"},
	}
	for _, tc := range []struct {
		name     string
		sections map[string]string
		want     []string // section: term
	}{
		{"clean", map[string]string{"root_cause": "The deploy pipeline allowed an unreviewed config change. We will add a check."}, nil},
		{"full name in any case", map[string]string{"summary": "alice smith pushed a change."}, []string{"summary: alice smith"}},
		{"first name as written", map[string]string{"trigger": "Alice restarted the database."}, []string{"trigger: Alice"}},
		{"a name part used as a word is not a name", map[string]string{"resolution": "We will add alerts; Turnery is a host."}, nil},
		{"capitalised word that is a name part", map[string]string{"resolution": "Will this recur? No."}, []string{"resolution: Will"}},
		{"email", map[string]string{"detection": "Paged OPS@acme.test at 14:05."}, []string{"detection: ops@acme.test"}},
		{"blaming words", map[string]string{"went_wrong": "It was human error. The engineer was careless and should have known; blame the process."},
			[]string{"went_wrong: human error", "went_wrong: careless", "went_wrong: should have known", "went_wrong: blame"}},
		{"blameless is not blame", map[string]string{"notes": "This is a blameless review."}, nil},
		{"sections in order", map[string]string{"lucky": "Sloppy luck.", "summary": "Human error."},
			[]string{"summary: Human error", "lucky: Sloppy"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, w := range models.BlamelessWarnings(tc.sections, users) {
				got = append(got, w.Section+": "+w.Term)
				if w.Message == "" || !strings.Contains(w.Message, models.SectionLabel(w.Section)) {
					t.Errorf("warning message %q does not name the section", w.Message)
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("warnings = %q, want %q", got, tc.want)
			}
		})
	}
}
