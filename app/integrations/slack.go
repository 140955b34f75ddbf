package integrations

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Kinds of Slack requests.
const (
	SlackURLVerification = "url_verification" // Slack checks the Events API URL
	SlackMessage         = "message"          // a message in a channel (Events API)
	SlackCommand         = "command"          // the /beacon slash command
	SlackShortcut        = "shortcut"         // the "Add to timeline" message shortcut
	SlackIgnored         = "ignored"          // an event Beacon does not record (a bot's, an edit)
)

// SlackRequest is what a Slack request asks, whichever of Slack's shapes
// it came in.
type SlackRequest struct {
	Kind      string
	Challenge string // url_verification
	EventID   string // Events API: deduplicates Slack's retries
	ChannelID string
	Channel   string // the channel's name when Slack sends it
	UserID    string
	UserName  string
	Text      string    // the message, or the command's text
	At        time.Time // the message's time (its ts), zero when unknown
	Command   string    // "/beacon"
}

// slackEnvelope is the Events API's JSON body.
type slackEnvelope struct {
	Type      string `json:"type"`
	Challenge string `json:"challenge"`
	EventID   string `json:"event_id"`
	Event     *struct {
		Type    string `json:"type"`
		Subtype string `json:"subtype"`
		Channel string `json:"channel"`
		User    string `json:"user"`
		Text    string `json:"text"`
		TS      string `json:"ts"`
		BotID   string `json:"bot_id"`
	} `json:"event"`
}

// slackAction is the interactivity payload of a message shortcut.
type slackAction struct {
	Type       string `json:"type"`
	CallbackID string `json:"callback_id"`
	TriggerID  string `json:"trigger_id"`
	Channel    struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"channel"`
	User struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Username string `json:"username"`
	} `json:"user"`
	Message struct {
		Text string `json:"text"`
		User string `json:"user"`
		TS   string `json:"ts"`
	} `json:"message"`
}

// ParseSlack reads a Slack request: an Events API callback (JSON), a slash
// command or an interactivity payload (forms).
func ParseSlack(contentType string, body []byte) (*SlackRequest, error) {
	if strings.HasPrefix(strings.TrimSpace(strings.ToLower(contentType)), "application/json") {
		return parseSlackEvent(body)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, badBody("the request body is not a form (application/x-www-form-urlencoded)")
	}
	if p, ok := form["payload"]; ok {
		return parseSlackAction(p[0])
	}
	r := &SlackRequest{Kind: SlackCommand, Command: form.Get("command"), Text: strings.TrimSpace(form.Get("text")),
		UserID: form.Get("user_id"), UserName: form.Get("user_name"), ChannelID: form.Get("channel_id"), Channel: form.Get("channel_name")}
	switch {
	case r.Command == "":
		return nil, badBody("field command is missing: expected a slash command, an Events API callback or an interactivity payload")
	case r.ChannelID == "":
		return nil, badBody("field channel_id is missing")
	case r.UserID == "":
		return nil, badBody("field user_id is missing")
	}
	return r, nil
}

func parseSlackEvent(body []byte) (*SlackRequest, error) {
	var env slackEnvelope
	if err := decodeJSON(body, &env); err != nil {
		return nil, err
	}
	switch env.Type {
	case "url_verification":
		if env.Challenge == "" {
			return nil, badBody("field challenge is missing")
		}
		return &SlackRequest{Kind: SlackURLVerification, Challenge: env.Challenge}, nil
	case "event_callback":
	case "":
		return nil, badBody("field type is missing")
	default:
		return &SlackRequest{Kind: SlackIgnored}, nil
	}
	if env.Event == nil {
		return nil, badBody("field event is missing")
	}
	ev := env.Event
	if ev.Type != "message" || ev.Subtype != "" || ev.BotID != "" || strings.TrimSpace(ev.Text) == "" {
		return &SlackRequest{Kind: SlackIgnored, EventID: env.EventID}, nil
	}
	if ev.Channel == "" {
		return nil, badBody("field event.channel is missing")
	}
	return &SlackRequest{Kind: SlackMessage, EventID: env.EventID, ChannelID: ev.Channel, UserID: ev.User,
		Text: ev.Text, At: slackTime(ev.TS)}, nil
}

func parseSlackAction(payload string) (*SlackRequest, error) {
	var a slackAction
	if err := decodeJSON([]byte(payload), &a); err != nil {
		return nil, badBody("field payload: %s", err.Error())
	}
	if a.Type != "message_action" {
		return &SlackRequest{Kind: SlackIgnored}, nil
	}
	if a.Channel.ID == "" {
		return nil, badBody("field payload.channel.id is missing")
	}
	if strings.TrimSpace(a.Message.Text) == "" {
		return nil, badBody("field payload.message.text is empty")
	}
	name := a.User.Name
	if name == "" {
		name = a.User.Username
	}
	return &SlackRequest{Kind: SlackShortcut, EventID: "shortcut:" + a.Channel.ID + ":" + a.Message.TS,
		ChannelID: a.Channel.ID, Channel: a.Channel.Name, UserID: a.User.ID, UserName: name,
		Text: a.Message.Text, At: slackTime(a.Message.TS)}, nil
}

// slackTime reads a Slack ts ("1531420618.000200", Unix seconds); zero when
// it is not one.
func slackTime(ts string) time.Time {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || s <= 0 {
		return time.Time{}
	}
	var ns int64
	if frac != "" {
		f, err := strconv.ParseFloat("0."+frac, 64)
		if err == nil {
			ns = int64(f * 1e9)
		}
	}
	return time.Unix(s, ns).UTC()
}

// SlackCommandLine is a /beacon command: its verb and the rest.
type SlackCommandLine struct {
	Verb   string // link, note, update, resolve, help
	Status string // update: the incident status
	Text   string
}

// ParseSlackCommand reads the text of a /beacon command. The reason is ""
// when it is good, else what to answer the user.
func ParseSlackCommand(text string) (SlackCommandLine, string) {
	verb, rest, _ := strings.Cut(strings.TrimSpace(text), " ")
	rest = strings.TrimSpace(rest)
	c := SlackCommandLine{Verb: strings.ToLower(verb), Text: rest}
	switch c.Verb {
	case "link":
		if rest == "" {
			return c, "Say which incident: /beacon link <incident id or URL>"
		}
	case "note":
		if rest == "" {
			return c, "Say what to note: /beacon note <text>"
		}
	case "update":
		status, msg, _ := strings.Cut(rest, " ")
		c.Status, c.Text = strings.ToLower(status), strings.TrimSpace(msg)
		switch c.Status {
		case "investigating", "identified", "monitoring", "resolved":
		default:
			return c, "Say the status: /beacon update <investigating|identified|monitoring|resolved> <text>"
		}
	case "resolve":
	case "", "help":
		c.Verb = "help"
	default:
		return c, "Unknown command " + strings.TrimSpace(verb) + ". " + slackHelp
	}
	return c, ""
}

// slackHelp lists the commands.
const slackHelp = "Commands: /beacon link <incident id or URL> · /beacon note <text> · " +
	"/beacon update <status> <text> · /beacon resolve <text>"

// IncidentRef reads an incident id from an id or a URL ending in
// /incidents/<id> (the public page or the console's).
func IncidentRef(s string) string {
	s = strings.TrimSpace(strings.Trim(strings.TrimSpace(s), "<>"))
	s, _, _ = strings.Cut(s, "|") // Slack writes links as <url|text>
	if u, err := url.Parse(s); err == nil && u.Path != "" && strings.Contains(u.Path, "/incidents/") {
		s = u.Path[strings.LastIndex(u.Path, "/incidents/")+len("/incidents/"):]
		s, _, _ = strings.Cut(s, "/")
	}
	return s
}
