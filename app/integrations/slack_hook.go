package integrations

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// slackReply is a slash command's answer, shown in Slack.
type slackReply struct {
	ResponseType string `json:"response_type"` // ephemeral (only the user sees it) or in_channel
	Text         string `json:"text"`
}

// slack answers the Slack app: the Events API URL check, messages in
// linked channels, the "Add to timeline" shortcut and /beacon.
func (h *Handler) slack(c echo.Context, it *models.Integration, body []byte, out *outcome) error {
	secret, err := h.secret(it)
	if err != nil {
		return err
	}
	hdr := c.Request().Header
	if reason := VerifySlack(secret, hdr.Get("X-Slack-Request-Timestamp"), hdr.Get("X-Slack-Signature"), body, h.Now()); reason != "" {
		return unauthorized(reason)
	}
	r, err := ParseSlack(hdr.Get(echo.HeaderContentType), body)
	if err != nil {
		return err
	}
	switch r.Kind {
	case SlackURLVerification:
		out.summary = "url_verification answered"
		return c.JSON(http.StatusOK, map[string]string{"challenge": r.Challenge})
	case SlackIgnored:
		out.ignored = "an event Beacon does not record (a bot's message, an edit, another type)"
		return c.JSON(http.StatusOK, map[string]bool{"ok": true})
	case SlackCommand:
		return h.slackCommand(c, it, r, out)
	}
	// A message of a linked channel, or the shortcut on one message.
	ctx := c.Request().Context()
	incidentID, err := h.DB.ChannelIncident(ctx, it.ID, r.ChannelID)
	if err != nil {
		return err
	}
	if incidentID == "" {
		out.ignored = "channel " + r.ChannelID + " is not linked to an incident"
		if r.Kind == SlackShortcut {
			return c.JSON(http.StatusOK, slackReply{"ephemeral", "This channel is not linked to an incident: use /beacon link <incident> first."})
		}
		return c.JSON(http.StatusOK, map[string]bool{"ok": true})
	}
	var res models.RecordOutcome
	err = h.record(c, it, "integration.slack", func(tx *models.DB) (web.Effects, any, error) {
		var err error
		res, err = tx.RecordIntegrationEvent(ctx, it, models.IntegrationEvent{
			Key: "slack:" + r.EventID, IncidentID: incidentID, Body: r.Text, Source: slackSource(r),
			Actor: h.slackName(ctx, it, r), Signal: models.SignalChat, OccurredAt: r.At,
		})
		return effectsOf(false, res.IncidentID), map[string]string{"channel": r.ChannelID, "incident": incidentID}, err
	})
	if err != nil {
		return err
	}
	out.summary = "message " + describeOutcome(res)
	if r.Kind == SlackShortcut {
		return c.JSON(http.StatusOK, slackReply{"ephemeral", "Added to the incident's timeline."})
	}
	return c.JSON(http.StatusOK, map[string]bool{"ok": true})
}

// slackCommand runs /beacon: link, note, update, resolve, help.
func (h *Handler) slackCommand(c echo.Context, it *models.Integration, r *SlackRequest, out *outcome) error {
	ctx := c.Request().Context()
	cmd, problem := ParseSlackCommand(r.Text)
	reply := func(text string) error { return c.JSON(http.StatusOK, slackReply{"ephemeral", text}) }
	if problem != "" {
		out.ignored = "command: " + problem
		return reply(problem)
	}
	if cmd.Verb == "help" {
		out.summary = "help"
		return reply(slackHelp)
	}
	if cmd.Verb == "link" {
		id := IncidentRef(cmd.Text)
		if !models.ValidID(id) {
			out.ignored = "link: not an incident"
			return reply("That is not an incident id or URL.")
		}
		var in *models.Incident
		err := h.record(c, it, "integration.slack.link", func(tx *models.DB) (web.Effects, any, error) {
			var err error
			if in, err = tx.GetIncident(ctx, id); err != nil {
				return web.Private, nil, err
			}
			return web.Private, map[string]string{"channel": r.ChannelID, "incident": id}, tx.LinkChannel(ctx, it.ID, r.ChannelID, id)
		})
		if errors.Is(err, models.ErrNotFound) {
			out.ignored = "link: no incident " + id
			return reply("There is no incident " + id + ".")
		}
		if err != nil {
			return err
		}
		out.summary = "channel " + r.ChannelID + " linked to incident " + id
		return c.JSON(http.StatusOK, slackReply{"in_channel", "This channel is now linked to the incident “" + in.Name + "”: its messages go on the timeline."})
	}
	incidentID, err := h.DB.ChannelIncident(ctx, it.ID, r.ChannelID)
	if err != nil {
		return err
	}
	if incidentID == "" {
		out.ignored = cmd.Verb + ": channel not linked"
		return reply("This channel is not linked to an incident: /beacon link <incident> first.")
	}
	if cmd.Verb == "note" {
		var res models.RecordOutcome
		err := h.record(c, it, "integration.slack.note", func(tx *models.DB) (web.Effects, any, error) {
			var err error
			res, err = tx.RecordIntegrationEvent(ctx, it, models.IntegrationEvent{
				Kind: models.EventNote, IncidentID: incidentID, Body: cmd.Text, Source: slackSource(r),
				Actor: h.slackName(ctx, it, r), Signal: models.SignalChat,
			})
			return effectsOf(false, incidentID), map[string]string{"incident": incidentID}, err
		})
		if err != nil {
			return err
		}
		out.summary = "note " + describeOutcome(res)
		return reply("Noted on the incident's timeline.")
	}
	// update and resolve post a public update: editors only.
	user := h.slackUser(ctx, it, r)
	if user == nil || user.DisabledAt != nil || !(models.Actor{Type: models.ActorUser, Role: user.Role}).Can(models.RoleEditor) {
		out.ignored = cmd.Verb + ": Slack user " + r.UserID + " is not mapped to a Beacon editor"
		return reply("Only Beacon editors may post updates: ask an admin to map your Slack user to your Beacon account's email.")
	}
	u := models.NewUpdate{Status: cmd.Status, Body: cmd.Text, Notify: true, Actor: user.DisplayName()}
	if cmd.Verb == "resolve" {
		u.Status, u.RestoreComponents = models.Resolved, true
	}
	web.SetActor(c, models.Actor{Type: models.ActorUser, ID: user.ID, Name: user.DisplayName() + " (Slack)", Role: user.Role, IP: c.RealIP()})
	err = h.Writes.Do(c, web.Incident(incidentID), "incident.update", "incident", func(tx *models.DB) (string, any, error) {
		_, err := tx.PostUpdate(ctx, incidentID, u)
		return incidentID, map[string]string{"status": u.Status, "via": "slack"}, err
	})
	var ve *models.ValidationError
	var ce *models.ErrConflict
	switch {
	case errors.As(err, &ve):
		out.ignored = cmd.Verb + ": " + ve.Error()
		return reply("Not posted: " + ve.Error())
	case errors.As(err, &ce):
		out.ignored = cmd.Verb + ": " + ce.Message
		return reply("Not posted: " + ce.Message)
	case err != nil:
		return err
	}
	out.summary = cmd.Verb + " posted on incident " + incidentID
	return c.JSON(http.StatusOK, slackReply{"in_channel", "Update posted: " + models.IncidentStatusLabel(u.Status) + "."})
}

// slackUser is the Beacon user a Slack user is mapped to, nil when none.
func (h *Handler) slackUser(ctx context.Context, it *models.Integration, r *SlackRequest) *models.User {
	email := it.Settings.UserEmails[r.UserID]
	if email == "" {
		return nil
	}
	u, err := h.DB.FindUserByEmail(ctx, email)
	if err != nil {
		return nil
	}
	return u
}

// slackName is who said it: the mapped Beacon user's name, else the Slack
// user's name or id.
func (h *Handler) slackName(ctx context.Context, it *models.Integration, r *SlackRequest) string {
	if u := h.slackUser(ctx, it, r); u != nil {
		return u.DisplayName()
	}
	if r.UserName != "" {
		return r.UserName
	}
	if r.UserID != "" {
		return "Slack user " + r.UserID
	}
	return "Slack"
}

// slackSource names the channel.
func slackSource(r *SlackRequest) string {
	if r.Channel != "" {
		return "Slack #" + strings.TrimPrefix(r.Channel, "#")
	}
	return "Slack"
}
