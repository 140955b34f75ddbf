package integrations

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// AlertmanagerMessage is the body of Prometheus Alertmanager's webhook
// (version 4) and of Grafana alerting's webhook (the same shape, version
// "1", with extra fields Beacon ignores).
type AlertmanagerMessage struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []Alert           `json:"alerts"`
	// Grafana's extras.
	Title string `json:"title"`
}

// Alert is one alert of a webhook message.
type Alert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// MaxAlerts is the most alerts one message may carry.
const MaxAlerts = 1000

// BadBody is a request body Beacon cannot read: the 400 names what is
// wrong.
type BadBody struct{ Reason string }

func (e *BadBody) Error() string { return e.Reason }

func badBody(format string, args ...any) error { return &BadBody{Reason: fmt.Sprintf(format, args...)} }

// decodeJSON decodes a JSON object, saying where it is wrong.
func decodeJSON(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return badBody("the request body is empty: send a JSON object")
	}
	if err := json.Unmarshal(body, dst); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		var timeErr *time.ParseError
		switch {
		case asErr(err, &typeErr) && typeErr.Field != "":
			return badBody("field %s must be a %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()))
		case asErr(err, &syntaxErr):
			return badBody("the request body is not valid JSON (at byte %d)", syntaxErr.Offset)
		case asErr(err, &timeErr):
			return badBody("a time is not an RFC 3339 time such as 2026-01-02T15:04:05Z: %q", timeErr.Value)
		}
		return badBody("the request body is not a JSON object of the expected shape")
	}
	return nil
}

// ParseAlertmanager reads and checks an Alertmanager or Grafana webhook
// message.
func ParseAlertmanager(body []byte) (*AlertmanagerMessage, error) {
	var m AlertmanagerMessage
	if err := decodeJSON(body, &m); err != nil {
		return nil, err
	}
	switch m.Version {
	case "4", "1": // Alertmanager's webhook v4; Grafana sends "1"
	case "":
		return nil, badBody("field version is missing: Beacon reads Alertmanager's webhook version 4")
	default:
		return nil, badBody("field version is %q: Beacon reads Alertmanager's webhook version 4", m.Version)
	}
	if m.Alerts == nil {
		return nil, badBody("field alerts is missing")
	}
	if len(m.Alerts) > MaxAlerts {
		return nil, badBody("field alerts has %d alerts, more than %d", len(m.Alerts), MaxAlerts)
	}
	for i := range m.Alerts {
		a := &m.Alerts[i]
		if a.Status != "firing" && a.Status != "resolved" {
			return nil, badBody("field alerts[%d].status must be firing or resolved", i)
		}
		if a.StartsAt.IsZero() {
			return nil, badBody("field alerts[%d].startsAt is missing", i)
		}
		if a.Fingerprint == "" {
			a.Fingerprint = labelFingerprint(a.Labels)
		}
	}
	return &m, nil
}

// labelFingerprint identifies an alert by its labels when the sender gave
// no fingerprint.
func labelFingerprint(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s\x00%s\x00", k, labels[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Name is the alert's name (its alertname label).
func (a Alert) Name() string {
	if n := a.Labels["alertname"]; n != "" {
		return n
	}
	return "Alert"
}

// Describe words the alert for the timeline, in Markdown.
func (a Alert) Describe() string {
	var b strings.Builder
	if a.Status == "resolved" {
		fmt.Fprintf(&b, "Alert **%s** resolved", escapeMarkdown(a.Name()))
	} else {
		fmt.Fprintf(&b, "Alert **%s** firing", escapeMarkdown(a.Name()))
	}
	if sev := a.Labels["severity"]; sev != "" {
		fmt.Fprintf(&b, " (severity %s)", escapeMarkdown(sev))
	}
	text := a.Annotations["summary"]
	if text == "" {
		text = a.Annotations["description"]
	}
	if text != "" {
		b.WriteString(": " + escapeMarkdown(text))
	} else {
		b.WriteString(".")
	}
	return b.String()
}

// escapeMarkdown keeps a sender's text from turning into links or markup.
func escapeMarkdown(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	r := strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "`", "\\`", "<", `\<`, ">", `\>`, "#", `\#`)
	return r.Replace(s)
}
