package integrations

import (
	"strconv"
	"strings"
	"time"
)

// PagerDutyMessage is a PagerDuty v3 webhook: one event.
type PagerDutyMessage struct {
	Event *PagerDutyEvent `json:"event"`
}

// PagerDutyEvent is what happened to a PagerDuty incident.
type PagerDutyEvent struct {
	ID           string     `json:"id"`
	EventType    string     `json:"event_type"`
	ResourceType string     `json:"resource_type"`
	OccurredAt   time.Time  `json:"occurred_at"`
	Agent        *reference `json:"agent"`
	Data         struct {
		ID       string     `json:"id"`
		Type     string     `json:"type"`
		HTMLURL  string     `json:"html_url"`
		Number   int        `json:"number"`
		Status   string     `json:"status"`
		Title    string     `json:"title"`
		Urgency  string     `json:"urgency"`
		Service  *reference `json:"service"`
		Message  string     `json:"message"`  // status updates
		Incident *reference `json:"incident"` // status updates
	} `json:"data"`
}

// reference is a PagerDuty reference: an id and a summary.
type reference struct {
	ID      string `json:"id"`
	Summary string `json:"summary"`
	HTMLURL string `json:"html_url"`
}

// The PagerDuty events Beacon records, and their signals.
var pagerDutyEvents = map[string]string{
	"incident.triggered":               "alert",
	"incident.acknowledged":            "acknowledged",
	"incident.resolved":                "recovery",
	"incident.status_update_published": "chat",
}

// ParsePagerDuty reads a PagerDuty v3 webhook. Recorded reports whether
// Beacon records its event type (others, such as pagey.ping, are answered
// and ignored).
func ParsePagerDuty(body []byte) (ev *PagerDutyEvent, recorded bool, err error) {
	var m PagerDutyMessage
	if err := decodeJSON(body, &m); err != nil {
		return nil, false, err
	}
	if m.Event == nil {
		return nil, false, badBody("field event is missing")
	}
	ev = m.Event
	if ev.EventType == "" {
		return nil, false, badBody("field event.event_type is missing")
	}
	if _, ok := pagerDutyEvents[ev.EventType]; !ok {
		return ev, false, nil
	}
	if ev.ID == "" {
		return nil, false, badBody("field event.id is missing")
	}
	if ev.OccurredAt.IsZero() {
		return nil, false, badBody("field event.occurred_at is missing")
	}
	if ev.EventType == "incident.status_update_published" && strings.TrimSpace(ev.Data.Message) == "" {
		return nil, false, badBody("field event.data.message is empty")
	}
	return ev, true, nil
}

// Signal is the event's signal (models.SignalAlert...).
func (e *PagerDutyEvent) Signal() string { return pagerDutyEvents[e.EventType] }

// ServiceName is the PagerDuty service the incident is on, "" when unsaid.
func (e *PagerDutyEvent) ServiceName() string {
	if e.Data.Service != nil {
		return e.Data.Service.Summary
	}
	return ""
}

// AgentName is who did it, "PagerDuty" when unsaid.
func (e *PagerDutyEvent) AgentName() string {
	if e.Agent != nil && e.Agent.Summary != "" {
		return e.Agent.Summary
	}
	return "PagerDuty"
}

// Describe words the event for the timeline, in Markdown.
func (e *PagerDutyEvent) Describe() string {
	title := e.Data.Title
	if title == "" && e.Data.Incident != nil {
		title = e.Data.Incident.Summary
	}
	what := "PagerDuty incident"
	if e.Data.Number > 0 {
		what += " #" + strconv.Itoa(e.Data.Number)
	}
	if title != "" {
		what += " (" + escapeMarkdown(title) + ")"
	}
	switch e.EventType {
	case "incident.triggered":
		return what + " triggered."
	case "incident.acknowledged":
		return what + " acknowledged by " + escapeMarkdown(e.AgentName()) + "."
	case "incident.resolved":
		return what + " resolved."
	}
	return "Status update on " + what + ": " + escapeMarkdown(e.Data.Message)
}
