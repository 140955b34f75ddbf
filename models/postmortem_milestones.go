package models

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Milestone keys: the moments of an incident every figure is counted from.
const (
	MilestoneImpactStarted      = "impact_started"
	MilestoneDetected           = "detected"
	MilestoneAcknowledged       = "acknowledged"
	MilestoneFirstCommunication = "first_communication"
	MilestoneMitigated          = "mitigated"
	MilestoneResolved           = "resolved"
)

// MilestoneSpec is one milestone: its key (a timeline entry's mark), the
// field that sets its time, and its label.
type MilestoneSpec struct {
	Key   string
	Field string
	Label string
}

// MilestoneSpecs are the milestones in the order they usually happen.
var MilestoneSpecs = []MilestoneSpec{
	{MilestoneImpactStarted, "impact_started_at", "Impact began"},
	{MilestoneDetected, "detected_at", "Detected"},
	{MilestoneAcknowledged, "acknowledged_at", "Acknowledged"},
	{MilestoneFirstCommunication, "first_communication_at", "First public update"},
	{MilestoneMitigated, "mitigated_at", "Mitigated"},
	{MilestoneResolved, "resolved_at", "Resolved"},
}

// ValidMilestone reports whether key names a milestone.
func ValidMilestone(key string) bool { return MilestoneField(key) != "" }

// MilestoneField is the field of a milestone's time; "" for an unknown key.
func MilestoneField(key string) string {
	for _, s := range MilestoneSpecs {
		if s.Key == key {
			return s.Field
		}
	}
	return ""
}

// MilestoneLabel is the label of a milestone; "" for an unknown key.
func MilestoneLabel(key string) string {
	for _, s := range MilestoneSpecs {
		if s.Key == key {
			return s.Label
		}
	}
	return ""
}

// Milestones are the moments of an incident. Each is, in this order of
// precedence, the time an operator set, the time of the timeline entry
// marked as it, or its default read from the timeline. A nil milestone is
// not known. Every figure Beacon shows is counted from them.
type Milestones struct {
	ImpactStarted      time.Time // when customers began to be affected
	Detected           *time.Time
	Acknowledged       *time.Time
	FirstCommunication *time.Time
	Mitigated          *time.Time // the resolution when nothing was mitigated before it
	Resolved           *time.Time
}

// Get returns the milestone of key; nil when it is not known.
func (m Milestones) Get(key string) *time.Time {
	switch key {
	case MilestoneImpactStarted:
		if m.ImpactStarted.IsZero() {
			return nil
		}
		t := m.ImpactStarted
		return &t
	case MilestoneDetected:
		return m.Detected
	case MilestoneAcknowledged:
		return m.Acknowledged
	case MilestoneFirstCommunication:
		return m.FirstCommunication
	case MilestoneMitigated:
		return m.Mitigated
	case MilestoneResolved:
		return m.Resolved
	}
	return nil
}

// set sets the milestone of key.
func (m *Milestones) set(key string, t *time.Time) {
	switch key {
	case MilestoneImpactStarted:
		if t != nil {
			m.ImpactStarted = *t
		}
	case MilestoneDetected:
		m.Detected = t
	case MilestoneAcknowledged:
		m.Acknowledged = t
	case MilestoneFirstCommunication:
		m.FirstCommunication = t
	case MilestoneMitigated:
		m.Mitigated = t
	case MilestoneResolved:
		m.Resolved = t
	}
}

// MilestoneFact is one fact of the timeline the defaults are read from: an
// incident's event or a postmortem's entry.
type MilestoneFact struct {
	At     time.Time
	Kind   string // EventUpdate, EventNote, EventExternal, EntryManual...
	Status string
	Public bool   // a public update
	Signal string // what an integration recorded (SignalAlert...), "" otherwise
}

// countsAsAlert reports whether a fact is an alert: an external event an
// integration recorded as one, or one posted by hand (its signal unknown).
func (f MilestoneFact) countsAsAlert() bool {
	return f.Kind == EventExternal && (f.Signal == "" || f.Signal == SignalAlert)
}

// countsAsAcknowledgement reports whether a fact shows someone acted: a
// note, an update, or an acknowledgement an integration recorded.
func (f MilestoneFact) countsAsAcknowledgement() bool {
	return f.Kind == EventNote || f.Kind == EventUpdate || f.Signal == SignalAcknowledged
}

// DefaultMilestones reads the milestones from the timeline: the impact
// starts at impactStart (the incident's start unless the postmortem says
// otherwise); it is detected at the first alert (an external event posted
// by hand, or one an integration recorded as an alert) or when the
// incident was opened, whichever came first; acknowledged at the first
// acknowledgement an integration recorded from then on (PagerDuty's), else
// at the first note or update from then on; first communicated at the first
// public update; mitigated at the first "monitoring" (or "verifying");
// resolved at the last "resolved" (or "completed"), else at resolvedAt.
func DefaultMilestones(impactStart, opened time.Time, resolvedAt *time.Time, facts []MilestoneFact) Milestones {
	m := Milestones{ImpactStarted: impactStart}
	earliest := func(cur *time.Time, t time.Time) *time.Time {
		if cur == nil || t.Before(*cur) {
			return &t
		}
		return cur
	}
	if !opened.IsZero() {
		m.Detected = &opened
	}
	for _, f := range facts {
		if f.countsAsAlert() {
			m.Detected = earliest(m.Detected, f.At)
		}
	}
	for _, f := range facts {
		at := f.At
		if f.countsAsAcknowledgement() && (m.Detected == nil || !at.Before(*m.Detected)) {
			m.Acknowledged = earliest(m.Acknowledged, at)
		}
		if f.Kind == EventUpdate && f.Public {
			m.FirstCommunication = earliest(m.FirstCommunication, at)
		}
		switch f.Status {
		case Monitoring, Verifying:
			m.Mitigated = earliest(m.Mitigated, at)
		case Resolved, Completed:
			if m.Resolved == nil || at.After(*m.Resolved) {
				m.Resolved = &at
			}
		}
	}
	// An acknowledgement an integration recorded (PagerDuty's) is the
	// acknowledgement, when there is one from the detection on.
	var acked *time.Time
	for _, f := range facts {
		if f.Signal == SignalAcknowledged && (m.Detected == nil || !f.At.Before(*m.Detected)) {
			acked = earliest(acked, f.At)
		}
	}
	if acked != nil {
		m.Acknowledged = acked
	}
	if m.Resolved == nil && resolvedAt != nil {
		at := *resolvedAt
		m.Resolved = &at
	}
	return m
}

// finish makes the mitigation the resolution when there was none before it.
func (m *Milestones) finish() {
	if m.Mitigated == nil || m.Resolved != nil && m.Resolved.Before(*m.Mitigated) {
		m.Mitigated = m.Resolved
	}
}

// IncidentMilestones are the milestones of an incident without a
// postmortem, read from its events.
func IncidentMilestones(in *Incident) Milestones {
	facts := make([]MilestoneFact, 0, len(in.Events))
	for _, e := range in.Events {
		facts = append(facts, MilestoneFact{At: e.OccurredAt, Kind: e.Kind, Status: e.Status, Public: e.Visibility == Public, Signal: e.Signal})
	}
	m := DefaultMilestones(in.StartedAt, in.StartedAt, in.ResolvedAt, facts)
	m.finish()
	return m
}

// Milestones are the postmortem's milestones: the times set, else the
// entries marked, else the defaults read from its timeline (every entry,
// public or not: the milestones are facts).
func (p *Postmortem) Milestones() Milestones {
	var opened time.Time
	var resolvedAt *time.Time
	if p.Incident != nil {
		opened, resolvedAt = p.Incident.StartedAt, p.Incident.ResolvedAt
	}
	impactStart := opened
	if p.ImpactStartedAt != nil {
		impactStart = *p.ImpactStartedAt
	}
	facts := make([]MilestoneFact, 0, len(p.Timeline))
	for _, e := range p.Timeline {
		// An entry drafted from an update was public when posted.
		facts = append(facts, MilestoneFact{At: e.OccurredAt, Kind: e.Kind, Status: e.Status, Public: e.Kind == EventUpdate, Signal: e.Signal})
	}
	m := DefaultMilestones(impactStart, opened, resolvedAt, facts)
	for _, e := range p.Timeline {
		if e.Milestone != "" {
			at := e.OccurredAt
			m.set(e.Milestone, &at)
		}
	}
	for _, s := range MilestoneSpecs {
		if t := p.MilestoneSet(s.Key); t != nil {
			at := *t
			m.set(s.Key, &at)
		}
	}
	m.finish()
	return m
}

// MilestoneSet is the time an operator set for a milestone, nil when none.
func (p *Postmortem) MilestoneSet(key string) *time.Time {
	switch key {
	case MilestoneImpactStarted:
		return p.ImpactStartedAt
	case MilestoneDetected:
		return p.DetectedAt
	case MilestoneAcknowledged:
		return p.AcknowledgedAt
	case MilestoneFirstCommunication:
		return p.FirstCommunicationAt
	case MilestoneMitigated:
		return p.MitigatedAt
	case MilestoneResolved:
		return p.ResolvedAt
	}
	return nil
}

// since is the time from start to t, never negative (a milestone before
// the impact start counts as zero); false when t is nil or start unknown.
func since(start time.Time, t *time.Time) (time.Duration, bool) {
	if t == nil || start.IsZero() {
		return 0, false
	}
	return max(t.Sub(start), 0), true
}

// ToDetect is the time from the impact start to the detection.
func (m Milestones) ToDetect() (time.Duration, bool) { return since(m.ImpactStarted, m.Detected) }

// ToAcknowledge is the time from the impact start to the first action of
// an operator.
func (m Milestones) ToAcknowledge() (time.Duration, bool) {
	return since(m.ImpactStarted, m.Acknowledged)
}

// ToFirstCommunication is the time from the impact start to the first
// public update.
func (m Milestones) ToFirstCommunication() (time.Duration, bool) {
	return since(m.ImpactStarted, m.FirstCommunication)
}

// ToMitigation is the time from the impact start to the mitigation.
func (m Milestones) ToMitigation() (time.Duration, bool) { return since(m.ImpactStarted, m.Mitigated) }

// ToResolution is the time from the impact start to the resolution: the
// incident's duration.
func (m Milestones) ToResolution() (time.Duration, bool) { return since(m.ImpactStarted, m.Resolved) }

// CustomerFacing is how long customers were affected: from the impact
// start to the mitigation (the resolution when nothing mitigated it first).
func (m Milestones) CustomerFacing() (time.Duration, bool) {
	return since(m.ImpactStarted, m.Mitigated)
}

// Figure is one duration counted from the milestones.
type Figure struct {
	Key   string // time_to_detect, ..., customer_facing_duration (the API's names)
	Label string
	fn    func(Milestones) (time.Duration, bool)
}

// Of is the figure's value for m; false when it is not known.
func (f Figure) Of(m Milestones) (time.Duration, bool) { return f.fn(m) }

// Figures are the durations every surface shows, in this order.
var Figures = []Figure{
	{"time_to_detect", "Time to detect", Milestones.ToDetect},
	{"time_to_acknowledge", "Time to acknowledge", Milestones.ToAcknowledge},
	{"time_to_first_communication", "Time to first update", Milestones.ToFirstCommunication},
	{"time_to_mitigation", "Time to mitigation", Milestones.ToMitigation},
	{"time_to_resolution", "Time to resolution", Milestones.ToResolution},
	{"customer_facing_duration", "Customer-facing duration", Milestones.CustomerFacing},
}

// impactSentence is the sentence drafts of earlier versions ended the
// impact section with; it is rendered from the milestones when shown.
var (
	impactSentence     = regexp.MustCompile(`(?m)^The impact lasted (?:less than a minute|\d+ (?:days?|hrs?|mins?)(?: \d+ (?:hrs?|mins?))?)\.[ \t]*$`)
	impactSentenceHTML = regexp.MustCompile(`<p>The impact lasted (?:less than a minute|\d+ (?:days?|hrs?|mins?)(?: \d+ (?:hrs?|mins?))?)\.</p>`)
)

// liveImpactSentence renders the drafted "The impact lasted …" sentence
// of the impact section from the milestones, so it never goes stale; it
// goes when the duration is not known.
func (p *Postmortem) liveImpactSentence() {
	s := p.Section(SectionImpact)
	if s == nil || !strings.Contains(s.Body, "The impact lasted ") {
		return
	}
	text, html := "", ""
	if d, ok := p.Milestones().CustomerFacing(); ok {
		text = "The impact lasted " + HumanDuration(d) + "."
		html = "<p>" + text + "</p>"
	}
	s.Body = impactSentence.ReplaceAllLiteralString(s.Body, text)
	s.BodyHTML = impactSentenceHTML.ReplaceAllLiteralString(s.BodyHTML, html)
}

// HumanDuration writes a duration as "2 hrs 14 mins", "45 mins", "3 days
// 2 hrs".
func HumanDuration(d time.Duration) string {
	if d < time.Minute {
		return "less than a minute"
	}
	mins := int(d.Round(time.Minute) / time.Minute)
	days, hours, m := mins/(24*60), mins/60%24, mins%60
	plural := func(n int, unit string) string {
		if n == 1 {
			return fmt.Sprintf("1 %s", unit)
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case days > 0 && hours > 0:
		return plural(days, "day") + " " + plural(hours, "hr")
	case days > 0:
		return plural(days, "day")
	case hours > 0 && m > 0:
		return plural(hours, "hr") + " " + plural(m, "min")
	case hours > 0:
		return plural(hours, "hr")
	}
	return plural(m, "min")
}

// Milestones are the incident's milestones as the public sees them: its
// published postmortem's, else those read from its events.
func (in *Incident) Milestones() Milestones {
	if pm := in.PublishedPostmortem(); pm != nil {
		if pm.Incident == nil {
			withIncident := *pm
			withIncident.Incident = in
			return withIncident.Milestones()
		}
		return pm.Milestones()
	}
	return IncidentMilestones(in)
}

// figureLine is the time to resolution and the customer-facing duration
// in one line of text, "" when neither is known.
func figureLine(m Milestones) string {
	var parts []string
	for _, f := range Figures {
		if f.Key != "time_to_resolution" && f.Key != "customer_facing_duration" {
			continue
		}
		if d, ok := f.Of(m); ok {
			parts = append(parts, f.Label+": "+HumanDuration(d))
		}
	}
	return strings.Join(parts, " · ")
}
