// Package demo is the demo page: a realistic status page (components in
// groups, past incidents with their timelines and postmortems, maintenance)
// that `beacon demo` loads into an empty database, and the large page the
// benchmarks measure (`beacon demo --large`).
package demo

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/beaconstatus/beacon/models"
)

// demoActor is who the demo's components, incidents and updates are
// recorded as.
const demoActor = "beacon demo"

// Summary says what Load created.
type Summary struct {
	Groups                int      // component groups
	Components            int      // components, groups not counted
	Incidents             int      // incidents, the active ones included
	Maintenances          int      // maintenances, completed and upcoming
	Postmortems           int      // postmortems published
	ActiveIncidentID      string   // the incident still open (the first, if several)
	ActiveIncidentIDs     []string // every incident still open
	UpcomingMaintenanceID string   // the maintenance scheduled in the future, if any
	Templates             int      // incident templates

	componentIDs map[string]string // by demo key
}

// String is the one-line report `beacon demo` prints.
func (s Summary) String() string {
	postmortems := fmt.Sprintf("%d postmortems", s.Postmortems)
	if s.Postmortems == 1 {
		postmortems = "1 postmortem"
	}
	out := fmt.Sprintf("%d groups, %d components, %d incidents (active: %s), %d maintenances, %s",
		s.Groups, s.Components, s.Incidents, strings.Join(s.ActiveIncidentIDs, ", "), s.Maintenances, postmortems)
	if s.UpcomingMaintenanceID != "" {
		out += fmt.Sprintf(" (upcoming: %s)", s.UpcomingMaintenanceID)
	}
	return out
}

// demoGroup is a component group of the demo and its members; a group with
// an empty name stands for ungrouped components.
type demoGroup struct {
	name       string
	components []demoComponent
}

// demoComponent is a component of the demo; key is how the incidents below
// refer to it.
type demoComponent struct {
	key, name, description string
}

var demoComponents = []demoGroup{
	{"Core platform", []demoComponent{
		{"api", "API", "REST API and API tokens."},
		{"web", "Web app", "The dashboard, sign-in and account settings."},
		{"database", "Database", "The primary data store behind the API and the web app."},
	}},
	{"Integrations", []demoComponent{
		{"webhooks", "Webhooks", "Outgoing event deliveries to your endpoints."},
		{"slack", "Slack app", ""},
		{"github", "GitHub sync", "Repository and pull request synchronisation."},
	}},
	{"Edge network", []demoComponent{
		{"cdn-eu", "CDN Europe", "Edge locations in Frankfurt, Amsterdam and London."},
		{"cdn-na", "CDN North America", "Edge locations in Virginia, Oregon and Toronto."},
		{"cdn-asia", "CDN Asia", "Edge locations in Singapore and Tokyo."},
	}},
	{"", []demoComponent{
		{"billing", "Billing", "Invoices, payments and plan changes."},
	}},
}

// demoIncident is one incident or maintenance of the demo: how it opens and
// the updates posted on it. Component maps use demoComponent keys.
type demoIncident struct {
	open       models.NewIncident
	updates    []models.NewUpdate
	postmortem *demoPostmortem // published once its updates are posted; nil: none
	id         string          // set once opened
}

// demoPostmortem is a published postmortem of the demo: its sections (by
// models.Section... key) and action items.
type demoPostmortem struct {
	sections     map[string]string
	impactBefore time.Duration            // how long before the incident's start the impact began
	milestones   map[string]time.Duration // by models.Milestone... key, after the incident started
	actionItems  []demoActionItem
}

// demoActionItem is one action item; due is days after the incident.
type demoActionItem struct {
	title, owner, status string
	due                  int
}

// then adds an update posted `after` the incident started.
func (d *demoIncident) then(after time.Duration, status, body string, components map[string]string) *demoIncident {
	d.updates = append(d.updates, models.NewUpdate{
		Status: status, Body: body, Components: components,
		At: d.open.StartedAt.Add(after), Actor: demoActor,
	})
	return d
}

// Load fills an empty database with a realistic demo status page: three
// component groups and an ungrouped component, about ninety days of resolved
// incidents and a completed maintenance, one incident still open and one
// maintenance scheduled in two days. Everything is placed relative to now and
// is the same on every run. It refuses a database that already has
// components or incidents.
func Load(ctx context.Context, db *models.DB, now time.Time) (Summary, error) {
	return loadDemoInTx(ctx, db, now, demoComponents, demoTimeline, demoTemplates)
}

// demoPlan is a demo's incidents and maintenances, and which of them are
// still open and upcoming.
type demoPlan struct {
	all, active []*demoIncident
	upcoming    *demoIncident // nil: none
}

// loadDemoInTx loads the components and the timeline planned relative to
// now in one transaction: a failure halfway leaves the database empty, so
// the demo can simply be loaded again.
func loadDemoInTx(ctx context.Context, db *models.DB, now time.Time, groups []demoGroup, plan func(now time.Time) demoPlan, templates []demoTemplate) (Summary, error) {
	var sum Summary
	err := db.InTx(ctx, func(tx *models.DB) error {
		var err error
		if sum, err = loadDemo(ctx, tx, now, groups, plan); err != nil {
			return err
		}
		sum.Templates, err = loadTemplates(ctx, tx, templates, sum.componentIDs)
		return err
	})
	return sum, err
}

func loadDemo(ctx context.Context, db *models.DB, now time.Time, groups []demoGroup, plan func(now time.Time) demoPlan) (Summary, error) {
	var sum Summary
	existing, err := db.ListComponents(ctx)
	if err != nil {
		return sum, err
	}
	if len(existing) > 0 {
		return sum, &models.ErrConflict{Message: "the database already has components; demo data goes into an empty database"}
	}
	if _, found, err := db.OldestIncidentStart(ctx); err != nil {
		return sum, err
	} else if found {
		return sum, &models.ErrConflict{Message: "the database already has incidents; demo data goes into an empty database"}
	}
	now = now.UTC().Truncate(time.Minute)

	p := plan(now)
	// Components, created before the first incident and long enough ago
	// that the 90-day bars are full.
	created := now.AddDate(0, 0, -120)
	for _, in := range p.all {
		created = minTime(created, in.open.StartedAt.AddDate(0, 0, -7))
	}
	ids := map[string]string{}
	for gi, g := range groups {
		var groupID *string
		if g.name != "" {
			group := models.Component{IsGroup: true, Name: g.name, Position: gi + 1, CreatedAt: created}
			if err := db.CreateComponent(ctx, &group, demoActor); err != nil {
				return sum, fmt.Errorf("demo: create group %q: %w", g.name, err)
			}
			groupID = &group.ID
			sum.Groups++
		}
		for ci, dc := range g.components {
			pos := ci + 1
			if groupID == nil {
				pos = gi + 1 + ci
			}
			c := models.Component{
				GroupID: groupID, Name: dc.name, Description: dc.description,
				Position: pos, Showcase: true, CreatedAt: created,
			}
			if err := db.CreateComponent(ctx, &c, demoActor); err != nil {
				return sum, fmt.Errorf("demo: create component %q: %w", dc.name, err)
			}
			ids[dc.key] = c.ID
			sum.Components++
		}
	}

	// Incidents and maintenance: every opening and update in time order, as
	// a component's status is the last one set.
	type step struct {
		at     time.Time
		in     *demoIncident
		update int // index in in.updates, -1 for the opening
	}
	var steps []step
	for _, in := range p.all {
		steps = append(steps, step{in.open.StartedAt, in, -1})
		for i, u := range in.updates {
			steps = append(steps, step{u.At, in, i})
		}
		if in.open.Kind == models.KindMaintenance {
			sum.Maintenances++
		} else {
			sum.Incidents++
		}
	}
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].at.Before(steps[j].at) })
	for _, s := range steps {
		if s.update < 0 {
			n := s.in.open
			n.Components = withIDs(ids, n.Components)
			n.ComponentIDs = nil
			for _, key := range s.in.open.ComponentIDs {
				n.ComponentIDs = append(n.ComponentIDs, ids[key])
			}
			opened, err := db.OpenIncident(ctx, n)
			if err != nil {
				return sum, fmt.Errorf("demo: open %q: %w", n.Name, err)
			}
			s.in.id = opened.ID
			continue
		}
		u := s.in.updates[s.update]
		u.Components = withIDs(ids, u.Components)
		if _, err := db.PostUpdate(ctx, s.in.id, u); err != nil {
			return sum, fmt.Errorf("demo: update %q: %w", s.in.open.Name, err)
		}
	}
	for _, in := range p.all {
		if in.postmortem != nil {
			if err := publishDemoPostmortem(ctx, db, in); err != nil {
				return sum, err
			}
			sum.Postmortems++
		}
	}
	for _, in := range p.active {
		sum.ActiveIncidentIDs = append(sum.ActiveIncidentIDs, in.id)
	}
	if len(p.active) > 0 {
		sum.ActiveIncidentID = p.active[0].id
	}
	if p.upcoming != nil {
		sum.UpcomingMaintenanceID = p.upcoming.id
	}
	sum.componentIDs = ids
	return sum, nil
}

// publishDemoPostmortem drafts the postmortem of a resolved demo incident
// from its timeline, writes its sections and action items, and publishes
// it (notifying no one).
func publishDemoPostmortem(ctx context.Context, db *models.DB, in *demoIncident) error {
	if _, err := db.StartPostmortem(ctx, in.id, demoActor); err != nil {
		return fmt.Errorf("demo: start the postmortem of %q: %w", in.open.Name, err)
	}
	impact := in.open.StartedAt.Add(-in.postmortem.impactBefore)
	input := models.PostmortemInput{Sections: in.postmortem.sections, ImpactStartedAt: &impact, Milestones: map[string]*time.Time{}}
	for key, after := range in.postmortem.milestones {
		at := in.open.StartedAt.Add(after)
		input.Milestones[key] = &at
	}
	if _, err := db.SavePostmortem(ctx, in.id, input, demoActor); err != nil {
		return fmt.Errorf("demo: write the postmortem of %q: %w", in.open.Name, err)
	}
	for _, a := range in.postmortem.actionItems {
		due := in.open.StartedAt.AddDate(0, 0, a.due).Format("2006-01-02")
		if _, err := db.CreateActionItem(ctx, in.id, models.ActionItemInput{
			Title: &a.title, Owner: &a.owner, Status: &a.status, DueDate: &due}); err != nil {
			return fmt.Errorf("demo: action item %q: %w", a.title, err)
		}
	}
	if _, err := db.PublishPostmortem(ctx, in.id, false, demoActor); err != nil {
		return fmt.Errorf("demo: publish the postmortem of %q: %w", in.open.Name, err)
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// withIDs turns a map keyed by demo component keys into one keyed by ids.
func withIDs(ids, byKey map[string]string) map[string]string {
	if byKey == nil {
		return nil
	}
	out := make(map[string]string, len(byKey))
	for key, status := range byKey {
		out[ids[key]] = status
	}
	return out
}

// demoTimeline returns the demo's incidents and maintenance, relative to
// now, and which of them are the open incident and the upcoming maintenance.
func demoTimeline(now time.Time) demoPlan {
	var all []*demoIncident
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	// at is hh:mm UTC, daysAgo days before today.
	at := func(daysAgo, hh, mm int) time.Time {
		return midnight.AddDate(0, 0, -daysAgo).Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
	}
	incident := func(start time.Time, name, impact, body string, components map[string]string) *demoIncident {
		in := &demoIncident{open: models.NewIncident{
			Kind: models.KindIncident, Name: name, Status: models.Investigating, Impact: impact,
			Body: body, Components: components, StartedAt: start, Actor: demoActor,
		}}
		all = append(all, in)
		return in
	}
	const (
		op       = models.Operational
		degraded = models.DegradedPerformance
		partial  = models.PartialOutage
		major    = models.MajorOutage
		maint    = models.UnderMaintenance
	)
	h, m := time.Hour, time.Minute

	incident(at(86, 14, 5), "Elevated API error rates in eu-west", models.ImpactMajor,
		"We are investigating elevated 5xx error rates on the **API** in eu-west. Requests served from other regions are not affected.",
		map[string]string{"api": partial}).
		then(18*m, models.Identified, "A deploy of the API gateway shortly before the errors began rejects a fraction of requests with `502 Bad Gateway`. We are rolling it back.", nil).
		then(35*m, models.Monitoring, "The rollback is complete and error rates are back to normal. We are monitoring the API closely.", map[string]string{"api": degraded}).
		then(55*m, models.Resolved, "Error rates have stayed at normal levels since the rollback. This incident is resolved. Requests that failed during the incident can be retried safely.", map[string]string{"api": op})

	incident(at(79, 9, 20), "Slack notifications not delivered", models.ImpactMajor,
		"Notifications to Slack channels are not being delivered. We are investigating.",
		map[string]string{"slack": major}).
		then(25*m, models.Identified, "Slack is experiencing an outage of its API ([status.slack.com](https://status.slack.com)). Notifications are queued on our side and will be sent once Slack recovers; none will be lost.", nil).
		then(2*h+10*m, models.Resolved, "Slack's API has recovered and every queued notification has been delivered. This incident is resolved.", map[string]string{"slack": op})

	incident(at(71, 22, 40), "Slow dashboard loading", models.ImpactMinor,
		"Pages of the **Web app** are loading slowly for some users. We are investigating.",
		map[string]string{"web": degraded}).
		then(40*m, models.Identified, "The web servers' database connection pool is saturated, so requests wait for a free connection. We have raised the pool size and are restarting the web servers one at a time.", nil).
		then(65*m, models.Monitoring, "All web servers have restarted with the larger pool and page load times are back to normal. We are monitoring.", nil).
		then(90*m, models.Resolved, "Page load times have been normal for 25 minutes. This incident is resolved. We are adding alerting on connection pool wait times so we catch this earlier.", map[string]string{"web": op})

	incident(at(63, 3, 15), "CDN outage in North America", models.ImpactCritical,
		"Assets and downloads served from our North American edge are failing with TLS errors. We are investigating.",
		map[string]string{"cdn-na": major}).
		then(20*m, models.Identified, "The TLS certificate of our North American edge expired: its automated renewal had been failing without alerting anyone. We are deploying a renewed certificate.", nil).
		then(48*m, models.Resolved, "The renewed certificate is live on every North American edge node and requests succeed again. This incident is resolved. We now alert on any certificate that expires in less than 21 days.", map[string]string{"cdn-na": op})

	incident(at(55, 11, 0), "Delayed GitHub sync", models.ImpactMinor,
		"Changes made on GitHub are taking up to 30 minutes to appear. We are investigating.",
		map[string]string{"github": degraded}).
		then(h, models.Identified, "GitHub is reporting degraded performance of its REST API ([githubstatus.com](https://www.githubstatus.com)), which slows down our sync workers. No changes are lost; they are processed as GitHub answers.", nil).
		then(2*h+40*m, models.Monitoring, "GitHub's API has recovered and our sync workers are catching up on the backlog.", nil).
		then(3*h+20*m, models.Resolved, "The backlog has cleared and changes appear within seconds again. This incident is resolved.", map[string]string{"github": op})

	incident(at(47, 16, 30), "Errors across the API and web app", models.ImpactCritical,
		"Many requests to the **API** and the **Web app** are failing. We are investigating with the highest priority.",
		map[string]string{"database": major, "api": partial, "web": partial}).
		then(12*m, models.Identified, "A storage volume of our primary database stalled and the automatic failover to the standby did not complete. We are promoting the standby manually.", nil).
		then(28*m, models.Monitoring, "The standby has been promoted and serves all traffic. Error rates are back to normal; API latency is still elevated while caches warm up.",
			map[string]string{"database": op, "api": degraded, "web": op}).
		then(65*m, models.Resolved, "API latency is back to normal. This incident is resolved. We will publish a postmortem on why the automatic failover did not complete.", map[string]string{"api": op}).
		postmortem = &demoPostmortem{
		sections: map[string]string{
			models.SectionSummary: "For 32 minutes, many requests to the API and the web app failed because our primary database stopped answering " +
				"and the automatic failover to its standby did not complete. We promoted the standby by hand; latency stayed elevated for " +
				"another 37 minutes while caches warmed up.",
			models.SectionImpact: "About 38% of API requests and 31% of web app page loads failed with `503` between 16:26 and 16:58 UTC. " +
				"No data was lost: writes that failed were refused, not half-applied.",
			models.SectionRootCause: "A storage volume of the primary database stalled. The failover controller waits for the primary to " +
				"acknowledge its demotion before promoting the standby, and a stalled volume never acknowledges: the controller waited " +
				"without a timeout.",
			models.SectionDetection:  "Our error-rate alert paged the on-call engineer four minutes after the first failed requests.",
			models.SectionResolution: "The on-call engineer fenced the old primary and promoted the standby manually, following the runbook.",
			models.SectionWentWell:   "The runbook for a manual promotion was current, and the standby was fully caught up.",
			models.SectionWentWrong:  "The failover controller had no timeout, and nothing alerted on a failover that had started but not finished.",
		},
		// The errors began four minutes before the alert that opened the
		// incident; the on-call engineer answered two minutes after it.
		impactBefore: 4 * m,
		milestones:   map[string]time.Duration{models.MilestoneAcknowledged: 2 * m},
		actionItems: []demoActionItem{
			{"Give the failover controller a 30-second timeout, then fence and promote", "database team", models.ActionDone, 14},
			{"Alert when a failover has not completed within a minute", "on-call tooling", models.ActionDone, 21},
			{"Rehearse a stalled-volume failover in staging every quarter", "database team", models.ActionInProgress, 60},
		},
	}

	// A completed maintenance, announced five days ahead.
	windowStart := at(39, 2, 0)
	windowEnd := windowStart.Add(2 * h)
	maintenance := &demoIncident{open: models.NewIncident{
		Kind: models.KindMaintenance, Name: "Edge network hardware upgrade in Europe", Status: models.Scheduled,
		Body: "We will replace the cache servers of our Frankfurt and Amsterdam edge locations. During the window their traffic is served from London; " +
			"some users in Europe may see slower asset loading. No downtime is expected.",
		ComponentIDs: []string{"cdn-eu"}, StartedAt: at(44, 10, 0), Actor: demoActor,
		ScheduledFor: &windowStart, ScheduledUntil: &windowEnd,
	}}
	all = append(all, maintenance)
	maintenance.
		then(windowStart.Sub(maintenance.open.StartedAt), models.InProgress, "The maintenance has started. Traffic from Frankfurt and Amsterdam is being served from London.", map[string]string{"cdn-eu": maint}).
		then(windowStart.Sub(maintenance.open.StartedAt)+100*m, models.Completed, "The maintenance is complete. Every European edge location serves traffic from the new hardware.", map[string]string{"cdn-eu": op})

	incident(at(33, 8, 45), "Webhook deliveries failing for some endpoints", models.ImpactMajor,
		"Webhook deliveries to some endpoints are failing with connection errors. We are investigating.",
		map[string]string{"webhooks": partial}).
		then(30*m, models.Identified, "A change to our outbound proxy stopped it from negotiating TLS 1.2, so endpoints that do not support TLS 1.3 refuse the connection. We are reverting the change.", nil).
		then(50*m, models.Monitoring, "The change is reverted and deliveries succeed again. Failed deliveries are being retried automatically.", map[string]string{"webhooks": op}).
		then(75*m, models.Resolved, "Every failed delivery has been retried successfully. This incident is resolved.", nil)

	incident(at(24, 13, 10), "Elevated API latency", models.ImpactMinor,
		"**API** response times are higher than usual. We are investigating.",
		map[string]string{"api": degraded}).
		then(8*m, models.Identified, "A single account's batch job is sending an unusual volume of expensive requests. We are applying rate limits to it.", nil).
		then(20*m, models.Resolved, "The rate limits are in place and API response times are back to normal. This incident is resolved.", map[string]string{"api": op})

	incident(at(16, 19, 55), "Stale content served in Asia", models.ImpactMinor,
		"Some content served from our Asian edge locations is out of date: cache purges are not taking effect. We are investigating.",
		map[string]string{"cdn-asia": degraded}).
		then(45*m, models.Identified, "Our CDN provider is experiencing an issue with cache purges in Singapore and Tokyo. We are working with them; in the meantime content expires after its normal cache lifetime of one hour.", nil).
		then(5*h, models.Monitoring, "Our CDN provider has deployed a fix and purges are taking effect again. We are monitoring.", nil).
		then(6*h, models.Resolved, "Purges have worked reliably for an hour. This incident is resolved.", map[string]string{"cdn-asia": op})

	incident(at(9, 7, 30), "Sign-in failures on the web app", models.ImpactMajor,
		"Some users are being signed out of the **Web app** and cannot sign back in. We are investigating.",
		map[string]string{"web": partial}).
		then(15*m, models.Identified, "A configuration change to session handling, rolled out this morning, invalidated existing sessions and broke sign-in for accounts using single sign-on. We are rolling it back.", nil).
		then(40*m, models.Resolved, "The change is rolled back and sign-in works for every account. Users who were signed out need to sign in again. This incident is resolved.", map[string]string{"web": op})

	incident(at(4, 15, 20), "Delayed Slack and GitHub notifications", models.ImpactMinor,
		"Notifications to Slack and updates from GitHub are delayed by several minutes. We are investigating.",
		map[string]string{"slack": degraded, "github": degraded}).
		then(35*m, models.Identified, "A scheduled export job took every worker of the integrations queue. We have moved it to its own queue and added workers to clear the backlog.", nil).
		then(90*m, models.Resolved, "The backlog has cleared and notifications are delivered in real time again. This incident is resolved.",
			map[string]string{"slack": op, "github": op})

	// The upcoming maintenance, announced yesterday.
	upStart := now.Truncate(time.Hour).Add(48 * h)
	upEnd := upStart.Add(2 * h)
	upcoming := &demoIncident{open: models.NewIncident{
		Kind: models.KindMaintenance, Name: "Database upgrade", Status: models.Scheduled,
		Body: "We will upgrade our primary database to a new major version. During the switchover the **Web app** will be read-only for up to 10 minutes, " +
			"and API requests that write data may fail with `503 Service Unavailable` and a `Retry-After` header. Reads are not affected.",
		ComponentIDs: []string{"database", "api", "web"}, StartedAt: now.Add(-24 * h), Actor: demoActor,
		ScheduledFor: &upStart, ScheduledUntil: &upEnd,
	}}
	all = append(all, upcoming)

	// The incident still open.
	active := &demoIncident{open: models.NewIncident{
		Kind: models.KindIncident, Name: "Delayed webhook deliveries", Status: models.Investigating, Impact: models.ImpactMajor,
		Body:       "We are investigating delays in **Webhooks** deliveries: some events arrive up to 15 minutes late. Some **API** requests are also slower than usual.",
		Components: map[string]string{"webhooks": partial, "api": degraded}, StartedAt: now.Add(-50 * m), Actor: demoActor,
	}}
	all = append(all, active)
	active.
		then(18*m, models.Identified, "One of our message brokers ran out of disk space and the delivery queue backed up behind it. We are moving traffic to healthy brokers and adding capacity. "+
			"No events have been lost: delayed events will be delivered in order.", nil).
		then(38*m, models.Monitoring, "Deliveries are flowing again and the backlog is draining; about 60% of delayed events have been delivered. API response times are back to normal. "+
			"We expect the backlog to clear within 30 minutes.", map[string]string{"webhooks": degraded, "api": op})
	return demoPlan{all: all, active: []*demoIncident{active}, upcoming: upcoming}
}
