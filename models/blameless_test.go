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

// A first name that is not an operator's, followed by a verb of omission,
// is blame too; a capitalised word starting a sentence is not a name.
func TestBlamelessOmission(t *testing.T) {
	users := []models.User{{Name: "Alice Smith", Email: "alice@acme.test"}}
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"The rollout went out at 14:00 and Dave forgot to run the canary.", []string{"Dave forgot"}},
		{"After the page, Priya failed to escalate.", []string{"Priya failed to"}},
		{"The alert fired but Tom didn't look; Tom did not reply either.", []string{"Tom didn't", "Tom did not"}},
		{"On call, Sam didn’t answer.", []string{"Sam didn’t"}},
		{"It paged while Maria neglected the queue, then Ken missed it, Lee ignored it and Ana overlooked it.",
			[]string{"Maria neglected", "Ken missed", "Lee ignored", "Ana overlooked"}},
		{"Root cause: Dave forgot the flag.", []string{"Dave forgot"}},
		// Not names: sentence starts, lists, lower case, pronouns.
		{"The deploy failed to finish.", nil},
		{"Monitoring missed the spike. Nobody ignored it.", nil},
		{"- Backups failed to upload\n1. Retries never ran\nAlerting failed to fire.", nil},
		{"The job failed to start because we didn't renew the certificate.", nil},
		{"the cron job forgot its state; It never ran again.", nil},
		{"A timeout in PostgreSQL: connections failed to close.", nil},
		// An operator is named already (once, by the name check).
		{"Then Alice forgot the flag.", []string{"Alice"}},
	} {
		var got []string
		for _, w := range models.BlamelessWarnings(map[string]string{"root_cause": tc.text}, users) {
			got = append(got, w.Term)
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%q: warnings = %q, want %q", tc.text, got, tc.want)
		}
	}
}
