package integrations

import (
	"net/url"
	"strings"
	"time"
)

// JiraIssueEvent is Jira's issue webhook (Jira Cloud, Server and Data
// Center send the same shape): the fields Beacon reads.
type JiraIssueEvent struct {
	WebhookEvent string `json:"webhookEvent"`
	Timestamp    int64  `json:"timestamp"` // milliseconds since the epoch
	User         *struct {
		DisplayName string `json:"displayName"`
		Name        string `json:"name"`
	} `json:"user"`
	Issue *struct {
		ID     string `json:"id"`
		Key    string `json:"key"`
		Self   string `json:"self"` // https://acme.atlassian.net/rest/api/2/issue/10001
		Fields *struct {
			Summary string `json:"summary"`
			Status  *struct {
				Name           string `json:"name"`
				StatusCategory *struct {
					Key string `json:"key"` // new, indeterminate, done
				} `json:"statusCategory"`
			} `json:"status"`
		} `json:"fields"`
	} `json:"issue"`
	Changelog *struct {
		ID    string `json:"id"`
		Items []struct {
			Field      string `json:"field"`
			FromString string `json:"fromString"`
			ToString   string `json:"toString"`
		} `json:"items"`
	} `json:"changelog"`
}

// ParseJiraIssue reads an issue webhook; recorded reports whether it
// changes an action item: an update whose changelog moves the status.
func ParseJiraIssue(body []byte) (ev *JiraIssueEvent, recorded bool, err error) {
	var e JiraIssueEvent
	if err := decodeJSON(body, &e); err != nil {
		return nil, false, err
	}
	if e.WebhookEvent == "" {
		return nil, false, badBody("field webhookEvent is missing")
	}
	if e.Issue == nil {
		return nil, false, badBody("field issue is missing")
	}
	if e.WebhookEvent != "jira:issue_updated" || !e.statusChanged() {
		return &e, false, nil
	}
	if e.Issue.Key == "" {
		return nil, false, badBody("field issue.key is missing")
	}
	if u, err := url.Parse(e.Issue.Self); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, false, badBody("field issue.self must be the issue's REST URL")
	}
	if f := e.Issue.Fields; f == nil || f.Status == nil || f.Status.StatusCategory == nil || f.Status.StatusCategory.Key == "" {
		return nil, false, badBody("field issue.fields.status.statusCategory.key is missing")
	}
	return &e, true, nil
}

// statusChanged reports whether the changelog moves the issue's status.
func (e *JiraIssueEvent) statusChanged() bool {
	if e.Changelog == nil {
		return false
	}
	for _, it := range e.Changelog.Items {
		if strings.EqualFold(it.Field, "status") {
			return true
		}
	}
	return false
}

// Done reports whether the issue's status is in the done category.
func (e *JiraIssueEvent) Done() bool { return e.Issue.Fields.Status.StatusCategory.Key == "done" }

// BrowseURL is the issue's page, what an action item's tracker link holds:
// the site of its REST URL (with any context path) + /browse/KEY.
func (e *JiraIssueEvent) BrowseURL() string {
	base := e.Issue.Self
	if i := strings.Index(base, "/rest/api/"); i >= 0 {
		base = base[:i]
	}
	return strings.TrimRight(base, "/") + "/browse/" + e.Issue.Key
}

// At is when it changed; zero when unsaid.
func (e *JiraIssueEvent) At() time.Time {
	if e.Timestamp <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(e.Timestamp).UTC()
}

// Who is who changed the issue, "Jira" when unsaid.
func (e *JiraIssueEvent) Who() string {
	if e.User != nil && e.User.DisplayName != "" {
		return e.User.DisplayName
	}
	if e.User != nil && e.User.Name != "" {
		return e.User.Name
	}
	return "Jira"
}

// ReceiptKey deduplicates a redelivery when Jira sends no delivery id:
// the issue and its changelog entry; "" when neither is said.
func (e *JiraIssueEvent) ReceiptKey() string {
	if e.Issue.ID == "" || e.Changelog == nil || e.Changelog.ID == "" {
		return ""
	}
	return e.Issue.ID + ":" + e.Changelog.ID
}
