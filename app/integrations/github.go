package integrations

import "time"

// GitHubIssueEvent is GitHub's "issues" webhook.
type GitHubIssueEvent struct {
	Action string `json:"action"`
	Issue  *struct {
		HTMLURL   string     `json:"html_url"`
		Number    int        `json:"number"`
		Title     string     `json:"title"`
		State     string     `json:"state"`
		ClosedAt  *time.Time `json:"closed_at"`
		UpdatedAt *time.Time `json:"updated_at"`
	} `json:"issue"`
	Sender *struct {
		Login string `json:"login"`
	} `json:"sender"`
	Repository *struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
}

// ParseGitHubIssue reads an "issues" webhook; Recorded reports whether its
// action changes an action item (closed, reopened).
func ParseGitHubIssue(body []byte) (ev *GitHubIssueEvent, recorded bool, err error) {
	var e GitHubIssueEvent
	if err := decodeJSON(body, &e); err != nil {
		return nil, false, err
	}
	if e.Action == "" {
		return nil, false, badBody("field action is missing")
	}
	if e.Issue == nil {
		return nil, false, badBody("field issue is missing")
	}
	if e.Action != "closed" && e.Action != "reopened" {
		return &e, false, nil
	}
	if e.Issue.HTMLURL == "" {
		return nil, false, badBody("field issue.html_url is missing")
	}
	return &e, true, nil
}

// At is when the change happened: the issue's close time, else its last
// update; zero when unsaid.
func (e *GitHubIssueEvent) At() time.Time {
	if e.Action == "closed" && e.Issue.ClosedAt != nil {
		return *e.Issue.ClosedAt
	}
	if e.Issue.UpdatedAt != nil {
		return *e.Issue.UpdatedAt
	}
	return time.Time{}
}

// SenderLogin is who changed the issue, "GitHub" when unsaid.
func (e *GitHubIssueEvent) SenderLogin() string {
	if e.Sender != nil && e.Sender.Login != "" {
		return e.Sender.Login
	}
	return "GitHub"
}
