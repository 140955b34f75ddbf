package api

import (
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/models"
)

// jsonPostmortem is Statuspage's postmortem object (body, body_draft,
// published_at, notify_subscribers) extended with Beacon's sections,
// timeline, durations, action items and blameless warnings.
type jsonPostmortem struct {
	ID                  string            `json:"id"`
	IncidentID          string            `json:"incident_id"`
	Status              string            `json:"status"`
	Body                *string           `json:"body"`
	BodyUpdatedAt       jsonTime          `json:"body_updated_at"`
	BodyDraft           string            `json:"body_draft"`
	BodyDraftUpdatedAt  jsonTime          `json:"body_draft_updated_at"`
	PublishedAt         jsonTime          `json:"published_at"`
	FirstPublishedAt    jsonTime          `json:"first_published_at"`
	NotifySubscribers   bool              `json:"notify_subscribers"`
	Revision            int               `json:"revision"`
	ImpactStartedAt     jsonTime          `json:"impact_started_at"`
	Sections            map[string]string `json:"sections"`
	Timeline            []jsonEntry       `json:"timeline"`
	Milestones          jsonMilestones    `json:"milestones"`
	Durations           jsonDurations     `json:"durations"`
	ActionItems         []jsonActionItem  `json:"action_items"`
	Warnings            []jsonWarning     `json:"warnings"`
	CreatedAt           jsonTime          `json:"created_at"`
	UpdatedAt           jsonTime          `json:"updated_at"`
	NotifiedSubscribers bool              `json:"notified_subscribers"`
}

// jsonEntry is one entry of a postmortem's timeline.
type jsonEntry struct {
	ID         string   `json:"id"`
	EventID    *string  `json:"event_id"`
	Kind       string   `json:"kind"`
	Status     string   `json:"status,omitempty"`
	Included   bool     `json:"included"`
	OccurredAt jsonTime `json:"occurred_at"`
	Body       string   `json:"body"`
	Milestone  *string  `json:"milestone"` // the milestone this entry is, null for none
}

// jsonMilestones are the milestones every duration is counted from: the
// times set, else the entries marked, else the defaults read from the
// timeline (null when not known).
type jsonMilestones struct {
	ImpactStartedAt      jsonTime `json:"impact_started_at"`
	DetectedAt           jsonTime `json:"detected_at"`
	AcknowledgedAt       jsonTime `json:"acknowledged_at"`
	FirstCommunicationAt jsonTime `json:"first_communication_at"`
	MitigatedAt          jsonTime `json:"mitigated_at"`
	ResolvedAt           jsonTime `json:"resolved_at"`
}

// jsonDurations are the durations (in seconds; null when unknown)
// counted from the milestones, which it repeats.
type jsonDurations struct {
	ImpactStartedAt          jsonTime `json:"impact_started_at"`
	DetectedAt               jsonTime `json:"detected_at"`
	AcknowledgedAt           jsonTime `json:"acknowledged_at"`
	FirstCommunicationAt     jsonTime `json:"first_communication_at"`
	MitigatedAt              jsonTime `json:"mitigated_at"`
	ResolvedAt               jsonTime `json:"resolved_at"`
	TimeToDetect             *int64   `json:"time_to_detect"`
	TimeToAcknowledge        *int64   `json:"time_to_acknowledge"`
	TimeToFirstCommunication *int64   `json:"time_to_first_communication"`
	TimeToMitigation         *int64   `json:"time_to_mitigation"`
	TimeToResolution         *int64   `json:"time_to_resolution"`
	CustomerFacing           *int64   `json:"customer_facing_duration"`
}

// jsonActionItem is one action item of a postmortem.
type jsonActionItem struct {
	ID          string   `json:"id"`
	IncidentID  string   `json:"incident_id"`
	Title       string   `json:"title"`
	Owner       string   `json:"owner"`
	DueDate     *string  `json:"due_date"`
	Status      string   `json:"status"`
	URL         *string  `json:"url"`
	URLPublic   bool     `json:"url_public"`
	Position    int      `json:"position"`
	Overdue     bool     `json:"overdue"`
	CompletedAt jsonTime `json:"completed_at"`
	CreatedAt   jsonTime `json:"created_at"`
	UpdatedAt   jsonTime `json:"updated_at"`
}

// jsonWarning is a blameless-check warning.
type jsonWarning struct {
	Section string `json:"section"`
	Term    string `json:"term"`
	Message string `json:"message"`
}

// postmortemJSON answers with the postmortem, its blameless warnings
// checked against the operators' names and emails.
func (h *Handler) postmortemJSON(c echo.Context, code int, pm *models.Postmortem) error {
	users, err := h.DB.ListUsers(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(code, h.jsonPostmortemOf(pm, models.BlamelessWarnings(pm.SectionMap(), users)))
}

// jsonPostmortemOf shapes a postmortem loaded by GetPostmortem.
func (h *Handler) jsonPostmortemOf(pm *models.Postmortem, warnings []models.Warning) jsonPostmortem {
	j := jsonPostmortem{
		ID: pm.ID, IncidentID: pm.IncidentID, Status: pm.Status,
		BodyDraft: pm.Document(), BodyDraftUpdatedAt: h.isoTime(pm.UpdatedAt),
		PublishedAt: h.isoTimePtr(pm.PublishedAt), FirstPublishedAt: h.isoTimePtr(pm.FirstPublishedAt),
		NotifySubscribers: pm.NotifiedSubscribers, NotifiedSubscribers: pm.NotifiedSubscribers,
		Revision: pm.Revision, ImpactStartedAt: h.isoTime(pm.ImpactStart()),
		Sections: map[string]string{}, Timeline: []jsonEntry{}, ActionItems: []jsonActionItem{}, Warnings: []jsonWarning{},
		CreatedAt: h.isoTime(pm.CreatedAt), UpdatedAt: h.isoTime(pm.UpdatedAt),
	}
	if pm.Published() {
		body := pm.Document()
		j.Body, j.BodyUpdatedAt = &body, h.isoTime(pm.UpdatedAt)
	}
	for _, s := range models.PostmortemSections {
		j.Sections[s.Key] = pm.SectionBody(s.Key)
	}
	for _, e := range pm.Timeline {
		j.Timeline = append(j.Timeline, jsonEntry{ID: e.ID, EventID: e.EventID, Kind: e.Kind, Status: e.Status,
			Included: e.Included, OccurredAt: h.isoTime(e.OccurredAt), Body: e.Body, Milestone: nullIfEmpty(e.Milestone)})
	}
	m := pm.Milestones()
	j.Milestones = h.jsonMilestonesOf(m)
	j.Durations = h.jsonDurationsOf(m)
	for i := range pm.ActionItems {
		j.ActionItems = append(j.ActionItems, h.jsonActionItemOf(pm.IncidentID, &pm.ActionItems[i]))
	}
	for _, w := range warnings {
		j.Warnings = append(j.Warnings, jsonWarning(w))
	}
	return j
}

func (h *Handler) jsonMilestonesOf(m models.Milestones) jsonMilestones {
	return jsonMilestones{
		ImpactStartedAt: h.isoTime(m.ImpactStarted), DetectedAt: h.isoTimePtr(m.Detected),
		AcknowledgedAt: h.isoTimePtr(m.Acknowledged), FirstCommunicationAt: h.isoTimePtr(m.FirstCommunication),
		MitigatedAt: h.isoTimePtr(m.Mitigated), ResolvedAt: h.isoTimePtr(m.Resolved),
	}
}

func (h *Handler) jsonDurationsOf(m models.Milestones) jsonDurations {
	seconds := func(v time.Duration, ok bool) *int64 {
		if !ok {
			return nil
		}
		s := int64(v / time.Second)
		return &s
	}
	ms := h.jsonMilestonesOf(m)
	return jsonDurations{
		ImpactStartedAt: ms.ImpactStartedAt, DetectedAt: ms.DetectedAt, AcknowledgedAt: ms.AcknowledgedAt,
		FirstCommunicationAt: ms.FirstCommunicationAt, MitigatedAt: ms.MitigatedAt, ResolvedAt: ms.ResolvedAt,
		TimeToDetect: seconds(m.ToDetect()), TimeToAcknowledge: seconds(m.ToAcknowledge()),
		TimeToFirstCommunication: seconds(m.ToFirstCommunication()),
		TimeToMitigation:         seconds(m.ToMitigation()), TimeToResolution: seconds(m.ToResolution()),
		CustomerFacing: seconds(m.CustomerFacing()),
	}
}

// jsonActionItemOf shapes an action item of the incident's postmortem.
func (h *Handler) jsonActionItemOf(incidentID string, item *models.ActionItem) jsonActionItem {
	return jsonActionItem{
		ID: item.ID, IncidentID: incidentID, Title: item.Title, Owner: item.Owner,
		DueDate: nullIfEmpty(item.DueDateString()), Status: item.Status, URL: nullIfEmpty(item.URL), URLPublic: item.URLPublic,
		Position: item.Position, Overdue: item.Overdue(h.Now().In(h.Site.Zone())),
		CompletedAt: h.isoTimePtr(item.CompletedAt),
		CreatedAt:   h.isoTime(item.CreatedAt), UpdatedAt: h.isoTime(item.UpdatedAt),
	}
}
