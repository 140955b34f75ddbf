package integrations

import (
	"strings"
	"time"
)

// GitLabIssueEvent is GitLab's issue webhook ("Issue Hook").
type GitLabIssueEvent struct {
	ObjectKind string `json:"object_kind"`
	User       *struct {
		Name     string `json:"name"`
		Username string `json:"username"`
	} `json:"user"`
	Project *struct {
		PathWithNamespace string `json:"path_with_namespace"`
	} `json:"project"`
	Attributes *struct {
		IID       int    `json:"iid"`
		Title     string `json:"title"`
		URL       string `json:"url"`
		Action    string `json:"action"`
		State     string `json:"state"`
		UpdatedAt string `json:"updated_at"`
		ClosedAt  string `json:"closed_at"`
	} `json:"object_attributes"`
}

// ParseGitLabIssue reads an issue webhook; recorded reports whether its
// action changes an action item (close, reopen).
func ParseGitLabIssue(body []byte) (ev *GitLabIssueEvent, recorded bool, err error) {
	var e GitLabIssueEvent
	if err := decodeJSON(body, &e); err != nil {
		return nil, false, err
	}
	if e.ObjectKind != "issue" && e.ObjectKind != "work_item" {
		return nil, false, badBody("field object_kind must be issue")
	}
	if e.Attributes == nil {
		return nil, false, badBody("field object_attributes is missing")
	}
	if e.Attributes.Action != "close" && e.Attributes.Action != "reopen" {
		return &e, false, nil
	}
	if e.Attributes.URL == "" {
		return nil, false, badBody("field object_attributes.url is missing")
	}
	return &e, true, nil
}

// At is when it changed: the close time, else the last update; zero when
// unsaid or unreadable (GitLab writes "2026-01-02T15:04:05Z" or
// "2026-01-02 15:04:05 UTC").
func (e *GitLabIssueEvent) At() time.Time {
	for _, s := range []string{e.Attributes.ClosedAt, e.Attributes.UpdatedAt} {
		for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05 MST", "2006-01-02 15:04:05 -0700"} {
			if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
				return t
			}
		}
	}
	return time.Time{}
}

// Who is who changed the issue, "GitLab" when unsaid.
func (e *GitLabIssueEvent) Who() string {
	if e.User != nil && e.User.Username != "" {
		return e.User.Username
	}
	return "GitLab"
}
