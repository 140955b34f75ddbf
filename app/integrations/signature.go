package integrations

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// SlackWindow is how far a Slack request's timestamp may be from now:
// older ones may be replays.
const SlackWindow = 5 * time.Minute

// hmacHex is hex(HMAC-SHA256(secret, msg)).
func hmacHex(secret string, msg ...[]byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	for _, b := range msg {
		m.Write(b)
	}
	return hex.EncodeToString(m.Sum(nil))
}

// SlackSignature is what Slack sends as X-Slack-Signature for a request:
// "v0=" + hex(HMAC-SHA256(signing secret, "v0:" + timestamp + ":" + body)).
func SlackSignature(secret, timestamp string, body []byte) string {
	return "v0=" + hmacHex(secret, []byte("v0:"+timestamp+":"), body)
}

// VerifySlack checks a Slack request's signature and that its timestamp
// (X-Slack-Request-Timestamp, Unix seconds) is within SlackWindow of now.
// The reason is "" when it is good.
func VerifySlack(secret, timestamp, signature string, body []byte, now time.Time) string {
	if timestamp == "" || signature == "" {
		return "missing X-Slack-Request-Timestamp or X-Slack-Signature"
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return "X-Slack-Request-Timestamp is not a Unix time"
	}
	if d := now.Sub(time.Unix(ts, 0)); d > SlackWindow || d < -SlackWindow {
		return "X-Slack-Request-Timestamp is more than 5 minutes from now (a replay, or a clock off)"
	}
	if !equal(signature, SlackSignature(secret, timestamp, body)) {
		return "X-Slack-Signature does not match the signing secret"
	}
	return ""
}

// PagerDutySignature is one signature of PagerDuty's X-PagerDuty-Signature:
// "v1=" + hex(HMAC-SHA256(webhook secret, body)).
func PagerDutySignature(secret string, body []byte) string {
	return "v1=" + hmacHex(secret, body)
}

// VerifyPagerDuty checks X-PagerDuty-Signature, which may list several
// signatures separated by commas (while a secret is being rotated): one
// must match. The reason is "" when it is good.
func VerifyPagerDuty(secret, header string, body []byte) string {
	if strings.TrimSpace(header) == "" {
		return "missing X-PagerDuty-Signature"
	}
	want := PagerDutySignature(secret, body)
	for _, s := range strings.Split(header, ",") {
		if equal(strings.TrimSpace(s), want) {
			return ""
		}
	}
	return "X-PagerDuty-Signature does not match the webhook secret"
}

// GitHubSignature is what GitHub sends as X-Hub-Signature-256:
// "sha256=" + hex(HMAC-SHA256(secret, body)).
func GitHubSignature(secret string, body []byte) string {
	return "sha256=" + hmacHex(secret, body)
}

// VerifyGitHub checks X-Hub-Signature-256. The reason is "" when it is good.
func VerifyGitHub(secret, header string, body []byte) string {
	if header == "" {
		return "missing X-Hub-Signature-256"
	}
	if !equal(header, GitHubSignature(secret, body)) {
		return "X-Hub-Signature-256 does not match the secret"
	}
	return ""
}

// equal compares in constant time.
func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
