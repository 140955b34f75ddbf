package integrations

import (
	"fmt"
	"net/http"

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
	ctx := c.Request().Context()
	status, verb := models.ActionDone, "closed"
	if ev.Action == "reopened" {
		status, verb = models.ActionOpen, "reopened"
	}
	issue := fmt.Sprintf("issue #%d", ev.Issue.Number)
	if ev.Repository != nil && ev.Repository.FullName != "" {
		issue = fmt.Sprintf("issue %s#%d", ev.Repository.FullName, ev.Issue.Number)
	}
	changed := 0
	err = h.record(c, it, "integration.github", func(tx *models.DB) (web.Effects, any, error) {
		changed = 0
		if id := c.Request().Header.Get("X-GitHub-Delivery"); id != "" {
			fresh, err := tx.ClaimReceipt(ctx, it.ID, "gh:"+id)
			if err != nil || !fresh {
				return web.Private, nil, err
			}
		}
		items, err := tx.ActionItemsByURL(ctx, ev.Issue.HTMLURL)
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
			body := fmt.Sprintf("Action item “%s” marked %s: GitHub %s was %s by %s.", escapeMarkdown(item.Title),
				models.ActionItemStatusLabel(status), issue, verb, escapeMarkdown(ev.SenderLogin()))
			_, err := tx.AddEvent(ctx, item.IncidentID, models.NewEvent{Kind: models.EventExternal, Body: body,
				Source: "GitHub", Actor: ev.SenderLogin(), OccurredAt: ev.At(), Signal: models.SignalTracker})
			if err != nil {
				return web.Private, nil, err
			}
			incidents = append(incidents, item.IncidentID)
			changed++
		}
		return effectsOf(false, incidents...), map[string]any{"issue": ev.Issue.HTMLURL, "action": ev.Action, "changed": changed}, nil
	})
	if err != nil {
		return err
	}
	out.summary = fmt.Sprintf("%s %s: %d action items changed", issue, verb, changed)
	return c.JSON(http.StatusOK, map[string]any{"ok": true, "changed": changed})
}
