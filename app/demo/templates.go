package demo

import (
	"context"
	"fmt"

	"github.com/beaconstatus/beacon/models"
)

// demoTemplate is an incident template of the demo; its components use
// demoComponent keys.
type demoTemplate struct {
	name, group, title, body, status string
	notify                           bool
	components                       map[string]string
}

// demoTemplates are the templates the demo ships: the messages a team
// posts most, ready before the next outage.
var demoTemplates = []demoTemplate{
	{"Investigating elevated errors", "API", "Elevated API error rates",
		"We are investigating elevated error rates on the API. Some requests may fail; retries are likely to succeed. We will post an update within 30 minutes.",
		models.Investigating, true, map[string]string{"api": models.PartialOutage}},
	{"Cause identified, fix in progress", "General", "",
		"We have identified the cause and are rolling out a fix. We will post an update as soon as it is deployed.",
		models.Identified, true, nil},
	{"Fix deployed, monitoring", "General", "",
		"A fix has been deployed and error rates are back to normal. We are monitoring to make sure the issue is resolved.",
		models.Monitoring, true, nil},
	{"Resolved", "General", "",
		"This incident has been resolved. Everything is operating normally. A postmortem will follow if there is more to learn.",
		models.Resolved, true, nil},
	{"Webhook delivery delays", "Integrations", "Delayed webhook deliveries",
		"Webhook deliveries are delayed. No events are lost: queued deliveries will be sent once the backlog clears.",
		models.Investigating, true, map[string]string{"webhooks": models.DegradedPerformance}},
	{"Maintenance in progress", "Maintenance", "",
		"The scheduled maintenance has started. We will post an update when it is complete.",
		models.InProgress, false, nil},
}

// loadTemplates stores the demo's templates, their components by key.
func loadTemplates(ctx context.Context, db *models.DB, templates []demoTemplate, ids map[string]string) (int, error) {
	for _, dt := range templates {
		t := &models.IncidentTemplate{Name: dt.name, GroupID: dt.group, Title: dt.title, Body: dt.body,
			UpdateStatus: dt.status, ShouldSendNotifications: dt.notify, Components: withIDs(ids, dt.components)}
		if err := db.CreateIncidentTemplate(ctx, t); err != nil {
			return 0, fmt.Errorf("demo: create template %q: %w", dt.name, err)
		}
	}
	return len(templates), nil
}
