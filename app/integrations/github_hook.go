package integrations

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// gitHub follows GitHub issues: an action item whose tracker URL is the
// issue becomes done when it is closed and open when it is reopened; the
// change goes on the incident's timeline.
func (h *Handler) gitHub(c echo.Context, it *models.Integration, body []byte, out *outcome) error {
	secret, err := h.secret(it)
	if err != nil {
		return err
	}
	if reason := VerifyGitHub(secret, c.Request().Header.Get("X-Hub-Signature-256"), body); reason != "" {
		return unauthorized(reason)
	}
	switch event := c.Request().Header.Get("X-GitHub-Event"); event {
	case "issues":
	case "ping":
		out.ignored = "ping"
		return c.JSON(http.StatusOK, map[string]any{"ok": true})
	case "":
		return badBody("the X-GitHub-Event header is missing")
	default:
		out.ignored = "event " + event + " is not followed (subscribe to Issues only)"
		return c.JSON(http.StatusOK, map[string]any{"ok": true, "recorded": false})
	}
	ev, recorded, err := ParseGitHubIssue(body)
	if err != nil {
		return err
	}
	if !recorded {
		out.ignored = "issue action " + ev.Action + " changes no action item"
		return c.JSON(http.StatusOK, map[string]any{"ok": true, "recorded": false})
	}
	issue := fmt.Sprintf("issue #%d", ev.Issue.Number)
	if ev.Repository != nil && ev.Repository.FullName != "" {
		issue = fmt.Sprintf("issue %s#%d", ev.Repository.FullName, ev.Issue.Number)
	}
	return h.followIssue(c, it, out, issueChange{
		tracker: "GitHub", receipt: "gh:" + c.Request().Header.Get("X-GitHub-Delivery"), url: ev.Issue.HTMLURL,
		name: issue, closed: ev.Action == "closed", by: ev.SenderLogin(), at: ev.At(),
	})
}

// issueChange is an issue closed or reopened in a tracker.
type issueChange struct {
	tracker string // "GitHub", "GitLab"
	receipt string // deduplicates redeliveries; "gh:" alone when the tracker sent no id
	url     string
	name    string // "issue acme/api#7"
	closed  bool   // closed, else reopened
	by      string
	at      time.Time
}

// followIssue makes every action item tracked by the issue done (closed)
// or open (reopened), and says so on each incident's timeline.
func (h *Handler) followIssue(c echo.Context, it *models.Integration, out *outcome, ch issueChange) error {
	ctx := c.Request().Context()
	status, verb := models.ActionDone, "closed"
	if !ch.closed {
		status, verb = models.ActionOpen, "reopened"
	}
	changed := 0
	err := h.record(c, it, "integration."+it.Kind, func(tx *models.DB) (web.Effects, any, error) {
		changed = 0
		if !strings.HasSuffix(ch.receipt, ":") {
			fresh, err := tx.ClaimReceipt(ctx, it.ID, ch.receipt)
			if err != nil || !fresh {
				return web.Private, nil, err
			}
		}
		items, err := tx.ActionItemsByURL(ctx, ch.url)
		if err != nil {
			return web.Private, nil, err
		}
		var incidents []string
		for _, item := range items {
			if item.Open() == (status == models.ActionOpen) {
				continue // already so
			}
			if _, err := tx.UpdateActionItem(ctx, item.IncidentID, item.ID, models.ActionItemInput{Status: &status}); err != nil {
				return web.Private, nil, err
			}
			body := fmt.Sprintf("Action item “%s” marked %s: %s %s was %s by %s.", escapeMarkdown(item.Title),
				models.ActionItemStatusLabel(status), ch.tracker, ch.name, verb, escapeMarkdown(ch.by))
			_, err := tx.AddEvent(ctx, item.IncidentID, models.NewEvent{Kind: models.EventExternal, Body: body,
				Source: ch.tracker, Actor: ch.by, OccurredAt: ch.at, Signal: models.SignalTracker})
			if err != nil {
				return web.Private, nil, err
			}
			incidents = append(incidents, item.IncidentID)
			changed++
		}
		return effectsOf(false, incidents...), map[string]any{"issue": ch.url, "action": verb, "changed": changed}, nil
	})
	if err != nil {
		return err
	}
	out.summary = fmt.Sprintf("%s %s: %d action items changed", ch.name, verb, changed)
	return c.JSON(http.StatusOK, map[string]any{"ok": true, "changed": changed})
}
