package integrations

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/models"
)

// gitLab follows GitLab issues as gitHub follows GitHub's: GitLab sends
// the secret itself as X-Gitlab-Token (it signs nothing).
func (h *Handler) gitLab(c echo.Context, it *models.Integration, body []byte, out *outcome) error {
	secret, err := h.secret(it)
	if err != nil {
		return err
	}
	token := c.Request().Header.Get("X-Gitlab-Token")
	if token == "" {
		return unauthorized("missing X-Gitlab-Token")
	}
	if !equal(token, secret) {
		return unauthorized("X-Gitlab-Token does not match the secret")
	}
	if event := c.Request().Header.Get("X-Gitlab-Event"); event != "Issue Hook" {
		out.ignored = "event " + event + " is not followed (trigger on Issues events only)"
		return c.JSON(http.StatusOK, map[string]any{"ok": true, "recorded": false})
	}
	ev, recorded, err := ParseGitLabIssue(body)
	if err != nil {
		return err
	}
	if !recorded {
		out.ignored = "issue action " + ev.Attributes.Action + " changes no action item"
		return c.JSON(http.StatusOK, map[string]any{"ok": true, "recorded": false})
	}
	name := fmt.Sprintf("issue #%d", ev.Attributes.IID)
	if ev.Project != nil && ev.Project.PathWithNamespace != "" {
		name = fmt.Sprintf("issue %s#%d", ev.Project.PathWithNamespace, ev.Attributes.IID)
	}
	return h.followIssue(c, it, out, issueChange{
		tracker: "GitLab", receipt: "gl:" + c.Request().Header.Get("X-Gitlab-Event-UUID"), url: ev.Attributes.URL,
		name: name, closed: ev.Attributes.Action == "close", by: ev.Who(), at: ev.At(),
	})
}
