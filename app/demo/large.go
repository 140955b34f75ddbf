package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/beaconstatus/beacon/models"
)

// The large demo is the page at the size the benchmarks measure (issue 7):
// 25 components in 5 groups, two open incidents with 10 updates each and
// 500 resolved incidents over the last two years.

// Sizes of the large demo.
const (
	largeDemoPastIncidents = 500
	largeDemoHistoryDays   = 730
	largeDemoActiveUpdates = 10 // public updates of each open incident, the first included
)

var largeDemoComponents = []demoGroup{
	{"Core platform", []demoComponent{
		{"api", "API", "REST API and API tokens."},
		{"web", "Web app", "The dashboard, sign-in and account settings."},
		{"auth", "Authentication", "Sign-in, single sign-on and two-factor authentication."},
		{"search", "Search", "Full-text search across projects."},
		{"database", "Database", "The primary data store behind the API and the web app."},
	}},
	{"Integrations", []demoComponent{
		{"webhooks", "Webhooks", "Outgoing event deliveries to your endpoints."},
		{"slack", "Slack app", ""},
		{"github", "GitHub sync", "Repository and pull request synchronisation."},
		{"jira", "Jira sync", "Issue synchronisation with Jira Cloud and Data Center."},
		{"email", "Email notifications", "Notification and digest emails."},
	}},
	{"Edge network", []demoComponent{
		{"cdn-eu", "CDN Europe", "Edge locations in Frankfurt, Amsterdam and London."},
		{"cdn-na", "CDN North America", "Edge locations in Virginia, Oregon and Toronto."},
		{"cdn-asia", "CDN Asia", "Edge locations in Singapore and Tokyo."},
		{"dns", "DNS", "Authoritative DNS for custom domains."},
		{"lb", "Load balancers", ""},
	}},
	{"Data", []demoComponent{
		{"exports", "Exports", "CSV and JSON exports of projects and reports."},
		{"analytics", "Analytics", "Dashboards and usage reports."},
		{"backups", "Backups", "Nightly backups and point-in-time restore."},
		{"storage", "File storage", "Attachments and uploaded files."},
		{"pipeline", "Event pipeline", "Ingestion of events from the SDKs."},
	}},
	{"Account", []demoComponent{
		{"billing", "Billing", "Invoices, payments and plan changes."},
		{"support", "Support portal", "Tickets and live chat with our support team."},
		{"docs", "Documentation", "Guides and the API reference."},
		{"marketplace", "Marketplace", "Third-party apps and their installation."},
		{"mobile", "Mobile apps", "The iOS and Android apps."},
	}},
}

// largeDemoStory is the shape of a past incident: its name and the
// messages of its updates, %s being the component names.
type largeDemoStory struct {
	name, investigating, identified, monitoring, resolved string
}

var largeDemoStories = []largeDemoStory{
	{"Elevated error rates on %s",
		"We are investigating elevated error rates affecting **%s**.",
		"A deploy shortly before the errors began is rejecting a fraction of requests. We are rolling it back.",
		"The rollback is complete and error rates are back to normal. We are monitoring closely.",
		"Error rates have stayed normal since the rollback. This incident is resolved."},
	{"Degraded performance of %s",
		"**%s** is responding more slowly than usual. We are investigating.",
		"A database index used by the slowest requests was dropped by a migration. We are rebuilding it.",
		"The index is rebuilt and response times are recovering.",
		"Response times have been normal for 30 minutes. This incident is resolved."},
	{"%s unavailable",
		"**%s** is not reachable for most users. We are investigating with the highest priority.",
		"An expired certificate on an internal service broke the connections behind it. We are deploying a renewed one.",
		"The renewed certificate is live and requests succeed again. We are monitoring.",
		"Everything has worked normally for an hour. This incident is resolved; we now alert on certificates that expire within 21 days."},
	{"Delays in %s",
		"Work queued for **%s** is delayed by several minutes. Nothing is lost.",
		"A noisy neighbour on shared workers is taking most of the capacity. We are moving the work to dedicated workers.",
		"The backlog is draining; most delayed work has completed.",
		"The backlog has cleared. This incident is resolved."},
	{"Intermittent failures in %s",
		"Some requests to **%s** fail with timeouts. We are investigating.",
		"One availability zone has packet loss on its network links; our cloud provider is aware. We are moving traffic away from it.",
		"Traffic is served from the healthy zones and failures have stopped.",
		"Our provider has fixed the network links and traffic is balanced again. This incident is resolved."},
}

// LoadLarge fills an empty database with the large demo page: 25
// components in 5 groups, 500 resolved incidents spread over the last two
// years (so the uptime bars have a realistic history), and two incidents
// still open with 10 updates each, in one transaction. Like Load it is
// placed relative to now, the same on every run, and refuses a database
// that already has components or incidents.
func LoadLarge(ctx context.Context, db *models.DB, now time.Time) (Summary, error) {
	return loadDemoInTx(ctx, db, now, largeDemoComponents, largeDemoTimeline, nil)
}

// largeDemoTimeline plans the large demo's incidents: the past ones each in
// a slot of their own (none overlaps another, so every component is back to
// operational between them), then the two open ones.
func largeDemoTimeline(now time.Time) demoPlan {
	var keys []string
	for _, g := range largeDemoComponents {
		for _, c := range g.components {
			keys = append(keys, c.key)
		}
	}
	names := map[string]string{}
	for _, g := range largeDemoComponents {
		for _, c := range g.components {
			names[c.key] = c.name
		}
	}
	rnd := rand.New(rand.NewPCG(7, 2026)) // fixed: the same demo every time
	const (
		op       = models.Operational
		degraded = models.DegradedPerformance
		partial  = models.PartialOutage
		major    = models.MajorOutage
	)
	var plan demoPlan
	first := now.AddDate(0, 0, -largeDemoHistoryDays)
	last := now.Add(-24 * time.Hour) // the past ends a day before the open incidents
	slot := last.Sub(first) / largeDemoPastIncidents
	for i := range largeDemoPastIncidents {
		// Start in the first half of the slot; last at most a third of it.
		start := first.Add(time.Duration(i)*slot + time.Duration(rnd.Int64N(int64(slot/2)))).Truncate(time.Minute)
		length := 15*time.Minute + time.Duration(rnd.Int64N(int64(slot/3-15*time.Minute)))
		story := largeDemoStories[rnd.IntN(len(largeDemoStories))]
		affected := []string{keys[rnd.IntN(len(keys))]}
		if rnd.IntN(4) == 0 {
			if other := keys[rnd.IntN(len(keys))]; other != affected[0] {
				affected = append(affected, other)
			}
		}
		status := []string{degraded, partial, major}[rnd.IntN(3)]
		label := names[affected[0]]
		if len(affected) > 1 {
			label += " and " + names[affected[1]]
		}
		broken, restored := map[string]string{}, map[string]string{}
		for _, k := range affected {
			broken[k], restored[k] = status, op
		}
		in := &demoIncident{open: models.NewIncident{
			Kind: models.KindIncident, Name: fmt.Sprintf(story.name, label), Status: models.Investigating,
			Body: fmt.Sprintf(story.investigating, label), Components: broken, StartedAt: start, Actor: demoActor,
		}}
		in.then(length/4, models.Identified, story.identified, nil)
		if rnd.IntN(3) > 0 {
			in.then(length/2, models.Monitoring, story.monitoring, nil)
		}
		in.then(length, models.Resolved, story.resolved, restored)
		plan.all = append(plan.all, in)
	}

	// The two open incidents, each with its whole day's worth of updates.
	for i, open := range []struct {
		name, body string
		components map[string]string
		started    time.Duration // before now
	}{
		{"Delayed webhook deliveries", "We are investigating delays in **Webhooks** deliveries: some events arrive up to 15 minutes late.",
			map[string]string{"webhooks": partial, "pipeline": degraded}, 5 * time.Hour},
		{"Sign-in failures with single sign-on", "Some users cannot sign in with single sign-on. Password sign-in is not affected.",
			map[string]string{"auth": major, "web": degraded}, 3 * time.Hour},
	} {
		in := &demoIncident{open: models.NewIncident{
			Kind: models.KindIncident, Name: open.name, Status: models.Investigating, Body: open.body,
			Components: open.components, StartedAt: now.Add(-open.started), Actor: demoActor,
		}}
		step := open.started / largeDemoActiveUpdates
		for u := 1; u < largeDemoActiveUpdates; u++ {
			status := models.Identified
			if u >= largeDemoActiveUpdates-3 {
				status = models.Monitoring
			}
			in.then(time.Duration(u)*step, status, fmt.Sprintf(
				"Update %d on %s: we are still working on it. About %d%% of affected customers have recovered; the next update follows within 30 minutes.",
				u+1, open.name, 10*u+i), nil)
		}
		plan.all = append(plan.all, in)
		plan.active = append(plan.active, in)
	}
	return plan
}
