package api

import (
	"time"

	"github.com/beaconstatus/beacon/app/view"
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

// jsonIncidentCore holds the fields of an incident (or scheduled
// maintenance) that both APIs write.
type jsonIncidentCore struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Status       string   `json:"status"`
	CreatedAt    jsonTime `json:"created_at"`
	UpdatedAt    jsonTime `json:"updated_at"`
	MonitoringAt jsonTime `json:"monitoring_at"`
	ResolvedAt   jsonTime `json:"resolved_at"`
	Impact       string   `json:"impact"`
	Shortlink    string   `json:"shortlink"`
	StartedAt    jsonTime `json:"started_at"`
	PageID       string   `json:"page_id"`
}

// jsonIncident is an incident or a scheduled maintenance, as the
// management API (v1) shows it.
type jsonIncident struct {
	jsonIncidentCore
	ImpactOverride          *string              `json:"impact_override"`
	Backfilled              bool                 `json:"backfilled"`
	Draft                   bool                 `json:"draft,omitempty"` // Beacon: not public yet (see PATCH draft:false)
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
	Signal             string                  `json:"signal,omitempty"` // what an integration recorded: alert, acknowledged, recovery, chat, tracker
	AffectedComponents []jsonAffectedComponent `json:"affected_components,omitempty"`
	OccurredAt         jsonTime                `json:"occurred_at"`
	CreatedAt          jsonTime                `json:"created_at"`
	UpdatedAt          jsonTime                `json:"updated_at"`
}

// isoTime formats t as Statuspage does, in the page's time zone.
func (h *Handler) isoTime(t time.Time) jsonTime {
	s := t.In(h.Site.Zone()).Format("2006-01-02T15:04:05.000Z07:00")
	return &s
}

// isoTimePtr is isoTime for an optional time: nil stays null.
func (h *Handler) isoTimePtr(t *time.Time) jsonTime {
	if t == nil {
		return nil
	}
	return h.isoTime(*t)
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// jsonComponentOf shapes a component; members lists a group's members.
func (h *Handler) jsonComponentOf(c *models.Component, members []string) jsonComponent {
	j := jsonComponent{
		ID: c.ID, PageID: h.Site.Info().ID, GroupID: c.GroupID, Group: c.IsGroup,
		CreatedAt: h.isoTime(c.CreatedAt), UpdatedAt: h.isoTime(c.UpdatedAt),
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
func (h *Handler) jsonComponentsOf(list []models.Component) []jsonComponent {
	members := groupMembers(list)
	out := make([]jsonComponent, 0, len(list))
	for i := range list {
		out = append(out, h.jsonComponentOf(&list[i], members[list[i].ID]))
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
func (h *Handler) jsonGroupOf(g *models.Component, members []string) jsonComponentGroup {
	if members == nil {
		members = []string{}
	}
	return jsonComponentGroup{
		ID: g.ID, PageID: h.Site.Info().ID, Name: g.Name, Description: nullIfEmpty(g.Description),
		Components: members, Position: g.Position,
		CreatedAt: h.isoTime(g.CreatedAt), UpdatedAt: h.isoTime(g.UpdatedAt),
	}
}

// jsonIncidentOf shapes an incident with its public updates (newest first)
// and components.
func (h *Handler) jsonIncidentOf(in *models.Incident) jsonIncident {
	j := jsonIncident{
		jsonIncidentCore: h.jsonIncidentCoreOf(in),
		Backfilled:       in.Backfilled, Draft: in.Draft,
		ScheduledFor: h.isoTimePtr(in.ScheduledFor), ScheduledUntil: h.isoTimePtr(in.ScheduledUntil),
		ScheduledRemindPrior: in.ScheduledRemindPrior, ScheduledRemindedAt: h.isoTimePtr(in.ScheduledRemindedAt),
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
		j.PostmortemBody, j.PostmortemPublishedAt, j.PostmortemNotified = &body, h.isoTimePtr(pm.PublishedAt), pm.NotifiedSubscribers
	}
	for _, e := range in.Updates() {
		j.IncidentUpdates = append(j.IncidentUpdates, h.jsonUpdateOf(&e))
	}
	for i := range in.Components {
		j.Components = append(j.Components, h.jsonComponentOf(&in.Components[i], nil))
	}
	return j
}

// jsonIncidentCoreOf shapes the fields both APIs write.
func (h *Handler) jsonIncidentCoreOf(in *models.Incident) jsonIncidentCore {
	return jsonIncidentCore{
		ID: in.ID, Name: in.Name, Status: in.Status, Impact: in.Impact,
		CreatedAt: h.isoTime(in.CreatedAt), UpdatedAt: h.isoTime(in.UpdatedAt),
		MonitoringAt: h.isoTimePtr(in.MonitoringAt), ResolvedAt: h.isoTimePtr(in.ResolvedAt),
		StartedAt: h.isoTime(in.StartedAt), Shortlink: h.Site.BaseURL + view.IncidentURL(in.ID),
		PageID: h.Site.Info().ID,
	}
}

// jsonUpdateOf shapes one public update.
func (h *Handler) jsonUpdateOf(e *models.TimelineEvent) jsonIncidentUpdate {
	return jsonIncidentUpdate{
		ID: e.ID, Status: e.Status, Body: e.Body, IncidentID: e.IncidentID,
		CreatedAt: h.isoTime(e.CreatedAt), UpdatedAt: h.isoTime(e.UpdatedAt), DisplayAt: h.isoTime(e.OccurredAt),
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
func (h *Handler) jsonEventOf(e *models.TimelineEvent) jsonEvent {
	j := jsonEvent{
		ID: e.ID, IncidentID: e.IncidentID, Kind: e.Kind, Visibility: e.Visibility,
		Public: e.Visibility == models.Public, Status: e.Status, Body: e.Body, Source: e.Source,
		Actor: e.Actor, Signal: e.Signal, OccurredAt: h.isoTime(e.OccurredAt),
		CreatedAt: h.isoTime(e.CreatedAt), UpdatedAt: h.isoTime(e.UpdatedAt),
	}
	if len(e.AffectedComponents) > 0 {
		j.AffectedComponents = jsonAffected(e.AffectedComponents)
	}
	return j
}

// The public API (v2) writes the same objects with fewer fields: a page is
// {id, name, url, time_zone, updated_at}, components are jsonComponent, and
// incidents and updates are the shapes below.

// v2Incident is an incident or scheduled maintenance in the public API;
// only a maintenance has scheduled_for and scheduled_until.
type v2Incident struct {
	jsonIncidentCore
	ScheduledFor    jsonTime           `json:"scheduled_for,omitempty"`
	ScheduledUntil  jsonTime           `json:"scheduled_until,omitempty"`
	IncidentUpdates []v2IncidentUpdate `json:"incident_updates"`
	Components      []jsonComponent    `json:"components"`
}

// v2IncidentUpdate is one public update in the public API: affected
// components are null when the update changed none, and the tweet fields
// Statuspage writes are always null.
type v2IncidentUpdate struct {
	jsonIncidentUpdate
	AffectedComponents []jsonAffectedComponent `json:"affected_components"`
	CustomTweet        *string                 `json:"custom_tweet"`
	TweetID            *string                 `json:"tweet_id"`
}

// pageNow is the page object's id, name, URL (the organisation's website
// set by PATCH /v1/pages/{id}, else BASE_URL) and time zone now.
func (h *Handler) pageNow() jsonPage {
	id := h.Site.Identity.Load()
	p := jsonPage{ID: id.Info.ID, Name: id.Info.Name, URL: id.Info.URL, TimeZone: id.Info.TimeZone}
	if id.Website != "" {
		p.URL = id.Website
	}
	return p
}

// v2PageOf is the public API's page object; updated is when anything on
// the page last changed (null for a page never changed).
//
// Its url is the status page's own address, as on Statuspage (clients link
// back to the page with it), not the organisation's website that the
// management API's page object carries.
func (h *Handler) v2PageOf(updated time.Time) jsonPage {
	p := h.pageNow()
	p.URL = h.Site.Identity.Load().Info.URL
	if !updated.IsZero() {
		p.UpdatedAt = h.isoTime(updated)
	}
	return p
}

// v2IncidentOf shapes an incident or maintenance with its public updates
// (newest first) and components. Internal notes never appear: only public
// updates are shown.
func (h *Handler) v2IncidentOf(in *models.Incident) v2Incident {
	j := v2Incident{
		jsonIncidentCore: h.jsonIncidentCoreOf(in),
		IncidentUpdates:  []v2IncidentUpdate{},
		Components:       []jsonComponent{},
	}
	if in.Kind == models.KindMaintenance {
		j.ScheduledFor, j.ScheduledUntil = h.isoTimePtr(in.ScheduledFor), h.isoTimePtr(in.ScheduledUntil)
	}
	for _, e := range in.Updates() {
		u := v2IncidentUpdate{jsonIncidentUpdate: h.jsonUpdateOf(&e)}
		if len(e.AffectedComponents) > 0 {
			u.AffectedComponents = jsonAffected(e.AffectedComponents)
		}
		j.IncidentUpdates = append(j.IncidentUpdates, u)
	}
	for i := range in.Components {
		j.Components = append(j.Components, h.jsonComponentOf(&in.Components[i], nil))
	}
	return j
}

// v2IncidentsOf shapes a list of incidents or maintenance.
func (h *Handler) v2IncidentsOf(list []models.Incident) []v2Incident {
	out := make([]v2Incident, 0, len(list))
	for i := range list {
		out = append(out, h.v2IncidentOf(&list[i]))
	}
	return out
}
