package integrations_test

import (
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app/integrations"
)

// The parsers take bodies from the internet: whatever the bytes, they
// return a message or an error, never panic, and what they accept is
// complete.

func FuzzParseAlertmanager(f *testing.F) {
	f.Add([]byte(`{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"X","component":"API"},"startsAt":"2026-01-02T15:04:05Z","fingerprint":"abc"}]}`))
	f.Add([]byte(`{"version":"1","alerts":[{"status":"resolved","labels":{},"startsAt":"2026-01-02T15:04:05Z","endsAt":"2026-01-02T15:05:05Z"}],"title":"[RESOLVED]"}`))
	f.Add([]byte(`{"version":"4","alerts":[{"status":"firing","startsAt":"yesterday"}]}`))
	f.Add([]byte(`{"version":"4","alerts":{}}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := integrations.ParseAlertmanager(body)
		if err != nil {
			return
		}
		for _, a := range m.Alerts {
			if a.Status != "firing" && a.Status != "resolved" || a.StartsAt.IsZero() || a.Fingerprint == "" {
				t.Fatalf("accepted an incomplete alert: %+v", a)
			}
			_ = a.Describe()
		}
	})
}

func FuzzParseSlack(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", []byte("command=%2Fbeacon&text=note+hello&user_id=U1&channel_id=C1"))
	f.Add("application/json", []byte(`{"type":"url_verification","challenge":"abc"}`))
	f.Add("application/json", []byte(`{"type":"event_callback","event_id":"Ev1","event":{"type":"message","channel":"C1","user":"U1","text":"hi","ts":"1531420618.000200"}}`))
	f.Add("application/x-www-form-urlencoded", []byte(`payload=%7B%22type%22%3A%22message_action%22%7D`))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		r, err := integrations.ParseSlack(contentType, body)
		if err != nil {
			return
		}
		switch r.Kind {
		case integrations.SlackURLVerification:
			if r.Challenge == "" {
				t.Fatal("url_verification without a challenge")
			}
		case integrations.SlackMessage, integrations.SlackShortcut, integrations.SlackCommand:
			if r.ChannelID == "" {
				t.Fatalf("%s without a channel", r.Kind)
			}
			if r.Kind == integrations.SlackCommand {
				integrations.ParseSlackCommand(r.Text)
			}
		}
	})
}

func FuzzParsePagerDuty(f *testing.F) {
	f.Add([]byte(`{"event":{"id":"01A","event_type":"incident.acknowledged","occurred_at":"2026-01-02T15:04:05Z","agent":{"summary":"Ada"},"data":{"number":2,"title":"T","service":{"summary":"API"}}}}`))
	f.Add([]byte(`{"event":{"id":"01B","event_type":"incident.status_update_published","occurred_at":"2026-01-02T15:04:05Z","data":{"message":"m"}}}`))
	f.Add([]byte(`{"event":{"event_type":"pagey.ping"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, recorded, err := integrations.ParsePagerDuty(body)
		if err != nil || !recorded {
			return
		}
		if ev.ID == "" || ev.OccurredAt.IsZero() || ev.Signal() == "" || ev.Describe() == "" {
			t.Fatalf("accepted an incomplete event: %+v", ev)
		}
	})
}

func FuzzParseGitHubIssue(f *testing.F) {
	f.Add([]byte(`{"action":"closed","issue":{"html_url":"https://github.com/a/b/issues/1","number":1,"closed_at":"2026-01-02T15:04:05Z"},"sender":{"login":"octocat"}}`))
	f.Add([]byte(`{"action":"opened","issue":{}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, recorded, err := integrations.ParseGitHubIssue(body)
		if err != nil || !recorded {
			return
		}
		if ev.Issue == nil || ev.Issue.HTMLURL == "" {
			t.Fatalf("accepted an event without an issue URL: %+v", ev)
		}
		_ = ev.At()
	})
}

func FuzzParseGitLabIssue(f *testing.F) {
	f.Add([]byte(`{"object_kind":"issue","user":{"username":"root"},"project":{"path_with_namespace":"a/b"},"object_attributes":{"iid":3,"url":"https://gitlab.com/a/b/-/issues/3","action":"close","closed_at":"2026-01-02 15:04:05 UTC"}}`))
	f.Add([]byte(`{"object_kind":"merge_request"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, recorded, err := integrations.ParseGitLabIssue(body)
		if err != nil || !recorded {
			return
		}
		if ev.Attributes == nil || ev.Attributes.URL == "" {
			t.Fatalf("accepted an event without an issue URL: %+v", ev)
		}
		_, _ = ev.At(), ev.Who()
	})
}

func FuzzVerifySignatures(f *testing.F) {
	f.Add("secret", "1531420618", "v0=00", []byte("body"))
	f.Fuzz(func(t *testing.T, secret, header, signature string, body []byte) {
		now := time.Unix(1531420618, 0)
		if integrations.VerifySlack(secret, header, signature, body, now) == "" &&
			signature != integrations.SlackSignature(secret, header, body) {
			t.Fatal("a wrong Slack signature is accepted")
		}
		if integrations.VerifyGitHub(secret, signature, body) == "" && signature != integrations.GitHubSignature(secret, body) {
			t.Fatal("a wrong GitHub signature is accepted")
		}
		if integrations.VerifyPagerDuty(secret, signature, body) == "" && !contains(signature, integrations.PagerDutySignature(secret, body)) {
			t.Fatal("a wrong PagerDuty signature is accepted")
		}
	})
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
