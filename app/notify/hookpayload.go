package notify

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/beaconstatus/beacon/app/links"
	"github.com/beaconstatus/beacon/models"
)

// The messages of the hook channels: Statuspage's webhook payload, Slack
// Block Kit, Discord embeds, a Teams Adaptive Card.

// spTime is Statuspage's time format: milliseconds, UTC.
func spTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

func spTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := spTime(*t)
	return &s
}

// hookBody is the request body of delivery d of n, in its channel's format.
func (nf *Notifier) hookBody(ctx context.Context, n *outgoing, d models.ClaimedDelivery, now time.Time) ([]byte, error) {
	switch d.Channel {
	case models.ChannelWebhook:
		if !n.pageLoaded {
			rctx, cancel := detached(ctx)
			st, err := nf.store.CurrentPageStatus(rctx)
			cancel()
			if err != nil {
				return nil, err
			}
			n.page, n.pageLoaded = st, true
			if n.IncidentID != nil && n.component == nil {
				event := ""
				if n.EventID != nil {
					event = *n.EventID
				}
				rctx, cancel := detached(ctx)
				n.updates, err = nf.store.IncidentUpdatesUpTo(rctx, *n.IncidentID, event, WebhookUpdates)
				cancel()
				if err != nil {
					return nil, err
				}
				// The update notified first, even when another has the
				// same time (to the millisecond, on SQLite).
				for i, u := range n.updates {
					if u.ID == event && i > 0 {
						copy(n.updates[1:i+1], n.updates[:i])
						n.updates[0] = u
					}
				}
			}
		}
		if n.component != nil {
			return json.Marshal(nf.componentPayload(n, d, now))
		}
		return json.Marshal(nf.webhookPayload(n, d, now))
	}
	if n.component != nil {
		return nil, &SendError{Permanent: true, Err: errUnknownChannel(d.Channel + " (component updates go to webhooks)")}
	}
	switch d.Channel {
	case models.ChannelSlack:
		return json.Marshal(nf.slackMessage(n, d.Language))
	case models.ChannelDiscord:
		return json.Marshal(nf.discordMessage(n, d.Language))
	case models.ChannelTeams:
		return json.Marshal(nf.teamsMessage(n, d.Language))
	}
	return nil, &SendError{Permanent: true, Err: errUnknownChannel(d.Channel)}
}

// WebhookUpdates bounds the incident_updates of a webhook payload: the
// incident's newest public updates up to the one notified, newest first,
// as Statuspage sends them.
const WebhookUpdates = 50

type errUnknownChannel string

func (e errUnknownChannel) Error() string { return "unknown channel " + string(e) }

// webhookMeta and webhookPage are the meta and page of every webhook body.
type webhookMeta struct {
	Unsubscribe   string `json:"unsubscribe"`
	Documentation string `json:"documentation"`
	GeneratedAt   string `json:"generated_at"`
}

type webhookPage struct {
	ID                string `json:"id"`
	StatusIndicator   string `json:"status_indicator"`
	StatusDescription string `json:"status_description"`
}

// componentPayload is Statuspage's webhook body for a component's status
// change: meta, page, component_update and component.
type componentPayload struct {
	Meta            webhookMeta `json:"meta"`
	Page            webhookPage `json:"page"`
	ComponentUpdate struct {
		ID            string `json:"id"`
		ComponentID   string `json:"component_id"`
		ComponentType string `json:"component_type"`
		OldStatus     string `json:"old_status"`
		NewStatus     string `json:"new_status"`
		CreatedAt     string `json:"created_at"`
	} `json:"component_update"`
	Component struct {
		ID          string  `json:"id"`
		PageID      string  `json:"page_id"`
		GroupID     *string `json:"group_id"`
		Name        string  `json:"name"`
		Description *string `json:"description"`
		Status      string  `json:"status"`
		Position    int     `json:"position"`
		Showcase    bool    `json:"showcase"`
		CreatedAt   string  `json:"created_at"`
		UpdatedAt   string  `json:"updated_at"`
	} `json:"component"`
}

func (nf *Notifier) componentPayload(n *outgoing, d models.ClaimedDelivery, now time.Time) componentPayload {
	var p componentPayload
	p.Meta = webhookMeta{Unsubscribe: nf.sign.SubscriberURL(links.Unsubscribe, d.SubscriberID, d.TokenVersion, now),
		Documentation: WebhookDocumentation, GeneratedAt: spTime(now)}
	p.Page = webhookPage{ID: nf.set.PageID, StatusIndicator: n.page.Indicator, StatusDescription: n.page.Description}
	c := n.component
	at := spTime(c.At)
	u := &p.ComponentUpdate
	u.ID, u.ComponentID, u.ComponentType = strconv.FormatInt(c.UpdateID, 10), c.ComponentID, "Component"
	u.OldStatus, u.NewStatus, u.CreatedAt = c.OldStatus, c.NewStatus, at
	pc := &p.Component
	pc.ID, pc.PageID, pc.GroupID, pc.Name, pc.Status = c.ComponentID, nf.set.PageID, c.GroupID, c.Name, c.NewStatus
	if c.Description != "" {
		desc := c.Description
		pc.Description = &desc
	}
	pc.Position, pc.Showcase, pc.CreatedAt, pc.UpdatedAt = c.Position, c.Showcase, spTime(c.CreatedAt), at
	return p
}

// webhookPayload is Statuspage's webhook body: meta, page and incident
// (maintenance is an incident with its window, as in Statuspage).
type webhookPayload struct {
	Meta     webhookMeta     `json:"meta"`
	Page     webhookPage     `json:"page"`
	Incident webhookIncident `json:"incident"`
}

type webhookIncident struct {
	ID                    string             `json:"id"`
	PageID                string             `json:"page_id"`
	Name                  string             `json:"name"`
	Status                string             `json:"status"`
	Impact                string             `json:"impact"`
	CreatedAt             string             `json:"created_at"`
	UpdatedAt             string             `json:"updated_at"`
	MonitoringAt          *string            `json:"monitoring_at"`
	ResolvedAt            *string            `json:"resolved_at"`
	Shortlink             string             `json:"shortlink"`
	ScheduledFor          *string            `json:"scheduled_for"`
	ScheduledUntil        *string            `json:"scheduled_until"`
	PostmortemBody        *string            `json:"postmortem_body"`
	PostmortemPublishedAt *string            `json:"postmortem_published_at"`
	IncidentUpdates       []webhookUpdate    `json:"incident_updates"`
	Components            []webhookComponent `json:"components"`
}

type webhookUpdate struct {
	ID                   string                     `json:"id"`
	IncidentID           string                     `json:"incident_id"`
	Status               string                     `json:"status"`
	Body                 string                     `json:"body"`
	CreatedAt            string                     `json:"created_at"`
	UpdatedAt            string                     `json:"updated_at"`
	DisplayAt            string                     `json:"display_at"`
	DeliverNotifications bool                       `json:"deliver_notifications"`
	AffectedComponents   []webhookAffectedComponent `json:"affected_components"`
}

type webhookAffectedComponent struct {
	Name      string `json:"name"`
	OldStatus string `json:"old_status"`
	NewStatus string `json:"new_status"`
}

type webhookComponent struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status,omitempty"`
}

func (nf *Notifier) webhookPayload(n *outgoing, d models.ClaimedDelivery, now time.Time) webhookPayload {
	var p webhookPayload
	p.Meta.Unsubscribe = nf.sign.SubscriberURL(links.Unsubscribe, d.SubscriberID, d.TokenVersion, now)
	p.Meta.Documentation = WebhookDocumentation
	p.Meta.GeneratedAt = spTime(now)
	p.Page.ID, p.Page.StatusIndicator, p.Page.StatusDescription = nf.set.PageID, n.page.Indicator, n.page.Description
	c := n.content
	in := &p.Incident
	if n.IncidentID != nil {
		in.ID = *n.IncidentID
	}
	at := spTime(c.At)
	in.PageID, in.Name, in.Status, in.Impact = nf.set.PageID, c.Name, c.Status, c.Impact
	in.CreatedAt, in.UpdatedAt, in.Shortlink = at, at, nf.incidentURL(n)
	in.ScheduledFor, in.ScheduledUntil = spTimePtr(c.ScheduledFor), spTimePtr(c.ScheduledUntil)
	switch c.Status {
	case models.Monitoring:
		in.MonitoringAt = &at
	case models.Resolved, models.Completed:
		in.ResolvedAt = &at
	}
	in.IncidentUpdates = []webhookUpdate{}
	if models.NotifiesPostmortems(n.Kind) {
		body := c.Body
		in.PostmortemBody, in.PostmortemPublishedAt = &body, &at
	}
	for _, ev := range n.updates {
		u := webhookUpdate{ID: ev.ID, IncidentID: in.ID, Status: ev.Status, Body: ev.Body, CreatedAt: spTime(ev.CreatedAt),
			UpdatedAt: spTime(ev.UpdatedAt), DisplayAt: spTime(ev.OccurredAt), DeliverNotifications: ev.DeliverNotifications,
			AffectedComponents: []webhookAffectedComponent{}}
		for _, a := range ev.AffectedComponents {
			u.AffectedComponents = append(u.AffectedComponents, webhookAffectedComponent{Name: a.Name, OldStatus: a.OldStatus, NewStatus: a.NewStatus})
		}
		in.IncidentUpdates = append(in.IncidentUpdates, u)
	}
	if len(in.IncidentUpdates) == 0 && !models.NotifiesPostmortems(n.Kind) {
		// The incident's updates are gone (deleted since): the one notified.
		u := webhookUpdate{IncidentID: in.ID, Status: c.Status, Body: c.Body, CreatedAt: at, UpdatedAt: at, DisplayAt: at,
			DeliverNotifications: true, AffectedComponents: []webhookAffectedComponent{}}
		if n.EventID != nil {
			u.ID = *n.EventID
		}
		for _, ch := range c.Changes {
			u.AffectedComponents = append(u.AffectedComponents, webhookAffectedComponent{Name: ch.Name, OldStatus: ch.From, NewStatus: ch.To})
		}
		in.IncidentUpdates = append(in.IncidentUpdates, u)
	}
	if len(n.updates) > 0 && len(n.updates) < WebhookUpdates {
		in.CreatedAt = spTime(n.updates[len(n.updates)-1].OccurredAt)
	}
	var ids []string
	_ = json.Unmarshal([]byte(n.ComponentIDs), &ids)
	in.Components = []webhookComponent{}
	for i, name := range c.Components {
		wc := webhookComponent{Name: name}
		if i < len(ids) {
			wc.ID = ids[i]
		}
		for _, ch := range c.Changes {
			if ch.Name == name {
				wc.Status = ch.To
			}
		}
		in.Components = append(in.Components, wc)
	}
	return p
}

// incidentURL is the page of n's incident (the page itself when none).
func (nf *Notifier) incidentURL(n *outgoing) string {
	if n.IncidentID == nil {
		return nf.set.BaseURL
	}
	u := nf.set.BaseURL + "/incidents/" + *n.IncidentID
	if models.NotifiesPostmortems(n.Kind) {
		u += "/postmortem"
	}
	return u
}

// chatText is what the chat messages say of n, in one language: a
// heading, the update as plain text, status, impact and affected
// components, and the labels of those fields (Labels).
type chatText struct {
	Heading, Body, Status, Impact, Affected, Link, LinkLabel string
	ImpactLevel                                              string // none, minor, major, critical: the colour of Discord's embed
	Labels                                                   chatLabels
	PageStatus                                               string // "Acme status", the sender's name
	At                                                       time.Time
}

// chatLabels are the names of a chat message's fields.
type chatLabels struct{ Status, Impact, Affected string }

// chatText is n worded for a chat subscriber whose language is code (the
// delivery's; "" or one not enabled: the page's default).
func (nf *Notifier) chatText(n *outgoing, code string) chatText {
	c := n.content
	l := nf.emails.langOf(code)
	t := chatText{Heading: emailHeading(l, n.Kind, c), Body: plainText(c.BodyHTML), Status: statusLabel(l, c.Status),
		ImpactLevel: c.Impact, Affected: strings.Join(c.Components, ", "), Link: nf.incidentURL(n), At: c.At,
		Labels:     chatLabels{Status: l.T("chat_status"), Impact: l.T("chat_impact"), Affected: l.T("chat_affected")},
		PageStatus: l.T("email_status", "Name", nf.pageName())}
	if t.Body == "" {
		t.Body = c.Body
	}
	var changes []string
	for _, ch := range c.Changes {
		changes = append(changes, ch.Name+": "+componentStatus(l, ch.From)+" → "+componentStatus(l, ch.To))
	}
	if len(changes) > 0 {
		t.Body = strings.TrimSpace(t.Body + "\n\n" + strings.Join(changes, "\n"))
	}
	t.LinkLabel = l.T("chat_view_incident")
	switch {
	case c.IncidentKind == models.KindMaintenance:
		t.LinkLabel = l.T("chat_view_maintenance")
	case models.NotifiesPostmortems(n.Kind):
		t.LinkLabel = l.T("chat_read_postmortem")
	}
	if t.ImpactLevel == "" {
		t.ImpactLevel = "none"
	}
	t.Impact = t.ImpactLevel
	if w := l.T("chat_impact_" + t.ImpactLevel); w != "chat_impact_"+t.ImpactLevel {
		t.Impact = w
	}
	return t
}

// cut shortens s to at most max characters.
func cut(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max-1]) + "…"
}

// slackEscape escapes the three characters Slack's mrkdwn reserves.
var slackEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// slackMessage is a Slack incoming webhook's body: Block Kit blocks and
// the text fallback of notifications.
func (nf *Notifier) slackMessage(n *outgoing, code string) map[string]any {
	t := nf.chatText(n, code)
	fields := []map[string]any{
		{"type": "mrkdwn", "text": "*" + t.Labels.Status + "*\n" + slackEscape.Replace(t.Status)},
		{"type": "mrkdwn", "text": "*" + t.Labels.Impact + "*\n" + slackEscape.Replace(t.Impact)},
	}
	if t.Affected != "" {
		fields = append(fields, map[string]any{"type": "mrkdwn", "text": "*" + t.Labels.Affected + "*\n" + cut(slackEscape.Replace(t.Affected), 1900)})
	}
	section := map[string]any{"type": "section", "fields": fields}
	blocks := []map[string]any{
		{"type": "header", "text": map[string]any{"type": "plain_text", "text": cut(t.Heading, 150), "emoji": false}},
		section,
	}
	if t.Body != "" {
		blocks = append(blocks, map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": cut(slackEscape.Replace(t.Body), 3000)}})
	}
	blocks = append(blocks,
		map[string]any{"type": "actions", "elements": []map[string]any{{"type": "button",
			"text": map[string]any{"type": "plain_text", "text": t.LinkLabel}, "url": t.Link}}},
		map[string]any{"type": "context", "elements": []map[string]any{{"type": "mrkdwn",
			"text": slackEscape.Replace(t.PageStatus) + " · <" + t.Link + "|" + slackEscape.Replace(t.LinkLabel) + ">"}}},
	)
	return map[string]any{"text": cut(slackEscape.Replace(t.Heading), 3000), "blocks": blocks}
}

// discordColors are the embed colours by impact.
var discordColors = map[string]int{"none": 0x2fb344, "minor": 0xf59f00, "major": 0xf76707, "critical": 0xd63939, "maintenance": 0x4263eb}

// discordMessage is a Discord webhook's body: one embed, no mentions.
func (nf *Notifier) discordMessage(n *outgoing, code string) map[string]any {
	t := nf.chatText(n, code)
	color := discordColors[t.ImpactLevel]
	if n.content.IncidentKind == models.KindMaintenance {
		color = discordColors["maintenance"]
	}
	if n.content.Status == models.Resolved || n.content.Status == models.Completed {
		color = discordColors["none"]
	}
	fields := []map[string]any{
		{"name": t.Labels.Status, "value": cut(t.Status, 1024), "inline": true},
		{"name": t.Labels.Impact, "value": cut(t.Impact, 1024), "inline": true},
	}
	if t.Affected != "" {
		fields = append(fields, map[string]any{"name": t.Labels.Affected, "value": cut(t.Affected, 1024)})
	}
	embed := map[string]any{"title": cut(t.Heading, 256), "url": t.Link, "color": color, "fields": fields,
		"footer": map[string]any{"text": cut(t.PageStatus, 2048)}}
	if t.Body != "" {
		embed["description"] = cut(t.Body, 4096)
	}
	if !t.At.IsZero() {
		embed["timestamp"] = t.At.UTC().Format(time.RFC3339)
	}
	return map[string]any{"username": cut(t.PageStatus, 80), "embeds": []any{embed},
		"allowed_mentions": map[string]any{"parse": []string{}}}
}

// teamsMessage is a Teams Workflows webhook's body: a message with one
// Adaptive Card.
func (nf *Notifier) teamsMessage(n *outgoing, code string) map[string]any {
	t := nf.chatText(n, code)
	facts := []map[string]any{{"title": t.Labels.Status, "value": t.Status}, {"title": t.Labels.Impact, "value": t.Impact}}
	if t.Affected != "" {
		facts = append(facts, map[string]any{"title": t.Labels.Affected, "value": t.Affected})
	}
	body := []map[string]any{
		{"type": "TextBlock", "text": t.Heading, "weight": "Bolder", "size": "Medium", "wrap": true},
		{"type": "FactSet", "facts": facts},
	}
	if t.Body != "" {
		body = append(body, map[string]any{"type": "TextBlock", "text": cut(t.Body, 10000), "wrap": true})
	}
	card := map[string]any{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.4",
		"body":    body,
		"actions": []map[string]any{{"type": "Action.OpenUrl", "title": t.LinkLabel, "url": t.Link}},
	}
	return map[string]any{"type": "message", "attachments": []map[string]any{{
		"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": nil, "content": card}}}
}

// pageName is the page's name now.
func (nf *Notifier) pageName() string {
	name, _, _ := nf.page()
	return name
}
