package integrations

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/models"
)

// jira follows Jira issues as gitHub follows GitHub's: an issue moved to
// a status of the done category makes the action items it tracks done;
// moved out of it, open. Requests are verified by X-Hub-Signature (Jira
// Cloud's webhook secret, "sha256=" + HMAC-SHA256 of the body) or, for
// senders that sign nothing (Jira Automation, older Jira Server), the
// secret as the URL's ?secret= parameter.
func (h *Handler) jira(c echo.Context, it *models.Integration, body []byte, out *outcome) error {
	secret, err := h.secret(it)
	if err != nil {
		return err
	}
	r := c.Request()
	if reason := VerifyJira(secret, r.Header.Get("X-Hub-Signature"), r.URL.Query().Get("secret"), body); reason != "" {
		return unauthorized(reason)
	}
	ev, recorded, err := ParseJiraIssue(body)
	if err != nil {
		return err
	}
	if !recorded {
		out.ignored = "event " + ev.WebhookEvent + " moves no issue's status"
		return c.JSON(http.StatusOK, map[string]any{"ok": true, "recorded": false})
	}
	receipt := "jira:"
	if id := r.Header.Get("X-Atlassian-Webhook-Identifier"); id != "" {
		receipt += id
	} else {
		receipt += ev.ReceiptKey()
	}
	return h.followIssue(c, it, out, issueChange{
		tracker: "Jira", receipt: receipt, url: ev.BrowseURL(),
		name: "issue " + ev.Issue.Key, closed: ev.Done(), by: ev.Who(), at: ev.At(),
	})
}
