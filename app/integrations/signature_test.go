package integrations_test

import (
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app/integrations"
)

// Slack's worked example in "Verifying requests from Slack"
// (docs.slack.dev/authentication/verifying-requests-from-slack).
const (
	slackDocSecret    = "8f742231b10e8888abcd99yyyzzz85a5"
	slackDocTimestamp = "1531420618"
	slackDocBody      = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	slackDocSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

func TestSlackSignatureMatchesSlacksExample(t *testing.T) {
	if got := integrations.SlackSignature(slackDocSecret, slackDocTimestamp, []byte(slackDocBody)); got != slackDocSignature {
		t.Fatalf("SlackSignature = %s, want %s", got, slackDocSignature)
	}
	at := time.Unix(1531420618, 0)
	if r := integrations.VerifySlack(slackDocSecret, slackDocTimestamp, slackDocSignature, []byte(slackDocBody), at.Add(4*time.Minute)); r != "" {
		t.Errorf("the documented request within 5 minutes is refused: %s", r)
	}
	for name, c := range map[string]struct {
		ts, sig, body string
		now           time.Time
		want          string
	}{
		"stale":          {slackDocTimestamp, slackDocSignature, slackDocBody, at.Add(6 * time.Minute), "5 minutes"},
		"future":         {slackDocTimestamp, slackDocSignature, slackDocBody, at.Add(-6 * time.Minute), "5 minutes"},
		"body changed":   {slackDocTimestamp, slackDocSignature, slackDocBody + "&x=1", at, "does not match"},
		"wrong secret":   {slackDocTimestamp, "v0=" + strings.Repeat("0", 64), slackDocBody, at, "does not match"},
		"no signature":   {slackDocTimestamp, "", slackDocBody, at, "missing"},
		"no timestamp":   {"", slackDocSignature, slackDocBody, at, "missing"},
		"timestamp junk": {"soon", slackDocSignature, slackDocBody, at, "Unix time"},
	} {
		if r := integrations.VerifySlack(slackDocSecret, c.ts, c.sig, []byte(c.body), c.now); !strings.Contains(r, c.want) {
			t.Errorf("%s: reason %q, want one saying %q", name, r, c.want)
		}
	}
}

// GitHub's test values in "Validating webhook deliveries"
// (docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries).
func TestGitHubSignatureMatchesGitHubsExample(t *testing.T) {
	const want = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if got := integrations.GitHubSignature("It's a Secret to Everybody", []byte("Hello, World!")); got != want {
		t.Fatalf("GitHubSignature = %s, want %s", got, want)
	}
	if r := integrations.VerifyGitHub("It's a Secret to Everybody", want, []byte("Hello, World!")); r != "" {
		t.Errorf("the documented delivery is refused: %s", r)
	}
	if r := integrations.VerifyGitHub("It's a Secret to Everybody", want, []byte("Hello, World?")); r == "" {
		t.Error("a changed body is accepted")
	}
	if r := integrations.VerifyGitHub("It's a Secret to Everybody", "", []byte("Hello, World!")); !strings.Contains(r, "missing") {
		t.Errorf("no signature: reason %q", r)
	}
}

// PagerDuty documents the algorithm (v1 = hex HMAC-SHA256 of the body,
// several comma-separated while a secret rotates) but no test values: the
// signature is checked against GitHub's vector, which is the same HMAC,
// and the header's list form against PagerDuty's example header.
func TestPagerDutySignature(t *testing.T) {
	const hmacOfHello = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	secret, body := "It's a Secret to Everybody", []byte("Hello, World!")
	if got := integrations.PagerDutySignature(secret, body); got != "v1="+hmacOfHello {
		t.Fatalf("PagerDutySignature = %s", got)
	}
	// PagerDuty's example header carries two signatures; ours may be either.
	other := "v1=f03de6f61df6e454f3620c4d6aca17ad072d3f8bbb2760eac3b2ad391b5e8073"
	for _, header := range []string{"v1=" + hmacOfHello, other + ",v1=" + hmacOfHello, "v1=" + hmacOfHello + ", " + other} {
		if r := integrations.VerifyPagerDuty(secret, header, body); r != "" {
			t.Errorf("header %q refused: %s", header, r)
		}
	}
	for _, header := range []string{"", other, "v0=" + hmacOfHello, hmacOfHello} {
		if r := integrations.VerifyPagerDuty(secret, header, body); r == "" {
			t.Errorf("header %q accepted", header)
		}
	}
}
