package app

import (
	"time"

	"github.com/beaconstatus/beacon/models"
)

// The JSON shapes of Atlassian Statuspage's APIs, shared by the management
// API (v1) and the public API (v2), so clients written for Statuspage read
// Beacon unchanged.

// jsonTime is a timestamp as Statuspage writes it: ISO 8601 with
// milliseconds and the page's UTC offset.
type jsonTime = *string

// jsonPage is a page object.
type jsonPage struct {
	ID                       string   `json:"id"`
	Name                     string   `json:"name"`
	URL                      string   `json:"url"`
	TimeZone                 string   `json:"time_zone"`
	CreatedAt                jsonTime `json:"created_at,omitempty"`
	UpdatedAt                jsonTime `json:"updated_at"`
	Subdomain                string   `json:"subdomain,omitempty"`
	Domain                   string   `json:"domain,omitempty"`
	AllowPageSubscribers     *bool    `json:"allow_page_subscribers,omitempty"`
	AllowIncidentSubscribers *bool    `json:"allow_incident_subscribers,omitempty"`
	AllowEmailSubscribers    *bool    `json:"allow_email_subscribers,omitempty"`
	AllowRSSAtomFeeds        *bool    `json:"allow_rss_atom_feeds,omitempty"`
}

// jsonComponent is a component, or a group (Group true, with its members'
// ids in Components).
type jsonComponent struct {
	ID                 string   `json:"id"`
	PageID             string   `json:"page_id"`
	GroupID            *string  `json:"group_id"`
	CreatedAt          jsonTime `json:"created_at"`
	UpdatedAt          jsonTime `json:"updated_at"`
	Group              bool     `json:"group"`
	Name               string   `json:"name"`
	Description        *string  `json:"description"`
	Position           int      `json:"position"`
	Status             string   `json:"status"`
	Showcase           bool     `json:"showcase"`
	OnlyShowIfDegraded bool     `json:"only_show_if_degraded"`
	StartDate          *string  `json:"start_date"`
	Components         []string `json:"components,omitempty"`
}

// jsonComponentGroup is the management API's component-group object.
type jsonComponentGroup struct {
	ID          string   `json:"id"`
	PageID      string   `json:"page_id"`
	Name        string   `json:"name"`
	Description *string  `json:"description"`
	Components  []string `json:"components"`
	Position    int      `json:"position"`
	CreatedAt   jsonTime `json:"created_at"`
	UpdatedAt   jsonTime `json:"updated_at"`
}

// jsonIncident is an incident or a scheduled maintenance.
type jsonIncident struct {
	ID                      string               `json:"id"`
	Name                    string               `json:"name"`
	Status                  string               `json:"status"`
	Impact                  string               `json:"impact"`
	ImpactOverride          *string              `json:"impact_override"`
	CreatedAt               jsonTime             `json:"created_at"`
	UpdatedAt               jsonTime             `json:"updated_at"`
	MonitoringAt            jsonTime             `json:"monitoring_at"`
	ResolvedAt              jsonTime             `json:"resolved_at"`
	StartedAt               jsonTime             `json:"started_at"`
	Shortlink               string               `json:"shortlink"`
	PageID                  string               `json:"page_id"`
	Backfilled              bool                 `json:"backfilled"`
	ScheduledFor            jsonTime             `json:"scheduled_for"`
	ScheduledUntil          jsonTime             `json:"scheduled_until"`
	ScheduledRemindPrior    bool                 `json:"scheduled_remind_prior"`
	ScheduledRemindedAt     jsonTime             `json:"scheduled_reminded_at"`
	ScheduledAutoInProgress bool                 `json:"scheduled_auto_in_progress"`
	ScheduledAutoCompleted  bool                 `json:"scheduled_auto_completed"`
	PostmortemBody          *string              `json:"postmortem_body"`
	PostmortemPublishedAt   jsonTime             `json:"postmortem_published_at"`
	PostmortemNotified      bool                 `json:"postmortem_notified_subscribers"`
	Metadata                map[string]any       `json:"metadata"`
	IncidentUpdates         []jsonIncidentUpdate `json:"incident_updates"`
	Components              []jsonComponent      `json:"components"`
}

// jsonIncidentUpdate is one public update of an incident.
type jsonIncidentUpdate struct {
	ID                   string                  `json:"id"`
	Status               string                  `json:"status"`
	Body                 string                  `json:"body"`
	IncidentID           string                  `json:"incident_id"`
	CreatedAt            jsonTime                `json:"created_at"`
	UpdatedAt            jsonTime                `json:"updated_at"`
	DisplayAt            jsonTime                `json:"display_at"`
	AffectedComponents   []jsonAffectedComponent `json:"affected_components"`
	DeliverNotifications bool                    `json:"deliver_notifications"`
}

// jsonAffectedComponent is a component change carried by an update.
type jsonAffectedComponent struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	OldStatus string `json:"old_status"`
	NewStatus string `json:"new_status"`
}

// jsonEvent is a timeline event (Beacon's extension of Statuspage's API).
type jsonEvent struct {
	ID                 string                  `json:"id"`
	IncidentID         string                  `json:"incident_id"`
	Kind               string                  `json:"kind"`
	Visibility         string                  `json:"visibility"`
	Public             bool                    `json:"public"`
	Status             string                  `json:"status,omitempty"`
	Body               string                  `json:"body"`
	Source             string                  `json:"source,omitempty"`
	Actor              string                  `json:"actor,omitempty"`
	AffectedComponents []jsonAffectedComponent `json:"affected_components,omitempty"`
	OccurredAt         jsonTime                `json:"occurred_at"`
	CreatedAt          jsonTime                `json:"created_at"`
	UpdatedAt          jsonTime                `json:"updated_at"`
}

// isoTime formats t as Statuspage does, in the page's time zone.
func (a *App) isoTime(t time.Time) jsonTime {
	s := t.In(a.cfg.TimeZone).Format("2006-01-02T15:04:05.000Z07:00")
	return &s
}

// isoTimePtr is isoTime for an optional time: nil stays null.
func (a *App) isoTimePtr(t *time.Time) jsonTime {
	if t == nil {
		return nil
	}
	return a.isoTime(*t)
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// jsonComponentOf shapes a component; members lists a group's members.
func (a *App) jsonComponentOf(c *models.Component, members []string) jsonComponent {
	j := jsonComponent{
		ID: c.ID, PageID: a.page.ID, GroupID: c.GroupID, Group: c.IsGroup,
		CreatedAt: a.isoTime(c.CreatedAt), UpdatedAt: a.isoTime(c.UpdatedAt),
		Name: c.Name, Description: nullIfEmpty(c.Description), Position: c.Position,
		Status: c.Status, Showcase: c.Showcase, OnlyShowIfDegraded: c.OnlyShowIfDegraded,
	}
	if c.StartDate != nil {
		d := c.StartDate.Format(time.DateOnly)
		j.StartDate = &d
	}
	if c.IsGroup {
		j.Components = members
		if j.Components == nil {
			j.Components = []string{}
		}
	}
	return j
}

// jsonComponentsOf shapes a list from ListComponents (groups then their
// members), filling in each group's member ids.
func (a *App) jsonComponentsOf(list []models.Component) []jsonComponent {
	members := groupMembers(list)
	out := make([]jsonComponent, 0, len(list))
	for i := range list {
		out = append(out, a.jsonComponentOf(&list[i], members[list[i].ID]))
	}
	return out
}

// groupMembers maps each group's id to its members' ids, in order.
func groupMembers(list []models.Component) map[string][]string {
	members := map[string][]string{}
	for _, c := range list {
		if c.GroupID != nil {
			members[*c.GroupID] = append(members[*c.GroupID], c.ID)
		}
	}
	return members
}

// jsonGroupOf shapes a group for the component-groups endpoints.
func (a *App) jsonGroupOf(g *models.Component, members []string) jsonComponentGroup {
	if members == nil {
		members = []string{}
	}
	return jsonComponentGroup{
		ID: g.ID, PageID: a.page.ID, Name: g.Name, Description: nullIfEmpty(g.Description),
		Components: members, Position: g.Position,
		CreatedAt: a.isoTime(g.CreatedAt), UpdatedAt: a.isoTime(g.UpdatedAt),
	}
}

// jsonIncidentOf shapes an incident with its public updates (newest first)
// and components.
func (a *App) jsonIncidentOf(in *models.Incident) jsonIncident {
	j := jsonIncident{
		ID: in.ID, Name: in.Name, Status: in.Status, Impact: in.Impact,
		CreatedAt: a.isoTime(in.CreatedAt), UpdatedAt: a.isoTime(in.UpdatedAt),
		MonitoringAt: a.isoTimePtr(in.MonitoringAt), ResolvedAt: a.isoTimePtr(in.ResolvedAt),
		StartedAt: a.isoTime(in.StartedAt), Shortlink: a.cfg.BaseURL + incidentURL(in.ID),
		PageID: a.page.ID, Backfilled: in.Backfilled,
		ScheduledFor: a.isoTimePtr(in.ScheduledFor), ScheduledUntil: a.isoTimePtr(in.ScheduledUntil),
		ScheduledRemindPrior: in.ScheduledRemindPrior, ScheduledRemindedAt: a.isoTimePtr(in.ScheduledRemindedAt),
		ScheduledAutoInProgress: in.ScheduledAutoInProgress, ScheduledAutoCompleted: in.ScheduledAutoCompleted,
		Metadata:        map[string]any{},
		IncidentUpdates: []jsonIncidentUpdate{},
		Components:      []jsonComponent{},
	}
	if in.ImpactOverride {
		j.ImpactOverride = &in.Impact
	}
	if pm := in.PublishedPostmortem(); pm != nil {
		body := pm.Document()
		j.PostmortemBody, j.PostmortemPublishedAt, j.PostmortemNotified = &body, a.isoTimePtr(pm.PublishedAt), pm.NotifiedSubscribers
	}
	for _, e := range in.Updates() {
		j.IncidentUpdates = append(j.IncidentUpdates, a.jsonUpdateOf(&e))
	}
	for i := range in.Components {
		j.Components = append(j.Components, a.jsonComponentOf(&in.Components[i], nil))
	}
	return j
}

// jsonUpdateOf shapes one public update.
func (a *App) jsonUpdateOf(e *models.TimelineEvent) jsonIncidentUpdate {
	return jsonIncidentUpdate{
		ID: e.ID, Status: e.Status, Body: e.Body, IncidentID: e.IncidentID,
		CreatedAt: a.isoTime(e.CreatedAt), UpdatedAt: a.isoTime(e.UpdatedAt), DisplayAt: a.isoTime(e.OccurredAt),
		AffectedComponents: jsonAffected(e.AffectedComponents), DeliverNotifications: e.DeliverNotifications,
	}
}

func jsonAffected(list models.AffectedComponents) []jsonAffectedComponent {
	out := make([]jsonAffectedComponent, 0, len(list))
	for _, c := range list {
		out = append(out, jsonAffectedComponent(c))
	}
	return out
}

// jsonEventOf shapes a timeline event.
func (a *App) jsonEventOf(e *models.TimelineEvent) jsonEvent {
	j := jsonEvent{
		ID: e.ID, IncidentID: e.IncidentID, Kind: e.Kind, Visibility: e.Visibility,
		Public: e.Visibility == models.Public, Status: e.Status, Body: e.Body, Source: e.Source,
		Actor: e.Actor, OccurredAt: a.isoTime(e.OccurredAt),
		CreatedAt: a.isoTime(e.CreatedAt), UpdatedAt: a.isoTime(e.UpdatedAt),
	}
	if len(e.AffectedComponents) > 0 {
		j.AffectedComponents = jsonAffected(e.AffectedComponents)
	}
	return j
}
