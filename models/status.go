package models

import "context"

// Component statuses, as Statuspage names them.
const (
	Operational         = "operational"
	DegradedPerformance = "degraded_performance"
	PartialOutage       = "partial_outage"
	MajorOutage         = "major_outage"
	UnderMaintenance    = "under_maintenance"
)

// ComponentStatuses lists the component statuses from best to worst.
var ComponentStatuses = []string{Operational, UnderMaintenance, DegradedPerformance, PartialOutage, MajorOutage}

var componentStatusLabels = map[string]string{
	Operational:         "Operational",
	DegradedPerformance: "Degraded Performance",
	PartialOutage:       "Partial Outage",
	MajorOutage:         "Major Outage",
	UnderMaintenance:    "Under Maintenance",
}

// ValidComponentStatus reports whether s is a component status.
func ValidComponentStatus(s string) bool { _, ok := componentStatusLabels[s]; return ok }

// ComponentStatusLabel is the human name of a component status.
func ComponentStatusLabel(s string) string { return componentStatusLabels[s] }

// componentSeverity orders statuses for "worst of": maintenance is better
// than any degradation, so an outage during a maintenance still shows.
func componentSeverity(s string) int {
	switch s {
	case UnderMaintenance:
		return 1
	case DegradedPerformance:
		return 2
	case PartialOutage:
		return 3
	case MajorOutage:
		return 4
	}
	return 0
}

// WorstComponentStatus returns the most severe of the statuses, operational
// for none.
func WorstComponentStatus(statuses ...string) string {
	worst := Operational
	for _, s := range statuses {
		if componentSeverity(s) > componentSeverity(worst) {
			worst = s
		}
	}
	return worst
}

// Incident kinds.
const (
	KindIncident    = "incident"
	KindMaintenance = "maintenance"
)

// Incident and maintenance statuses.
const (
	Investigating = "investigating"
	Identified    = "identified"
	Monitoring    = "monitoring"
	Resolved      = "resolved"
	// StatusPostmortem is an incident whose postmortem is published (as
	// Statuspage names it); it stays resolved.
	StatusPostmortem = "postmortem"

	Scheduled  = "scheduled"
	InProgress = "in_progress"
	Verifying  = "verifying"
	Completed  = "completed"
)

// IncidentStatuses are the statuses an operator posts on an incident.
var IncidentStatuses = []string{Investigating, Identified, Monitoring, Resolved}

// MaintenanceStatuses are the statuses of a scheduled maintenance.
var MaintenanceStatuses = []string{Scheduled, InProgress, Verifying, Completed}

var incidentStatusLabels = map[string]string{
	Investigating:    "Investigating",
	Identified:       "Identified",
	Monitoring:       "Monitoring",
	Resolved:         "Resolved",
	StatusPostmortem: "Postmortem",
	Scheduled:        "Scheduled",
	InProgress:       "In progress",
	Verifying:        "Verifying",
	Completed:        "Completed",
}

// IncidentStatusLabel is the human name of an incident or maintenance status.
func IncidentStatusLabel(s string) string { return incidentStatusLabels[s] }

// validStatusFor reports whether status can be posted on an incident of kind.
func validStatusFor(kind, status string) bool {
	list := IncidentStatuses
	if kind == KindMaintenance {
		list = MaintenanceStatuses
	}
	for _, s := range list {
		if s == status {
			return true
		}
	}
	return false
}

// isClosingStatus reports whether status ends an incident or maintenance.
func isClosingStatus(status string) bool {
	return status == Resolved || status == Completed || status == StatusPostmortem
}

// Impacts, from none to critical; maintenance is its own impact.
const (
	ImpactNone        = "none"
	ImpactMinor       = "minor"
	ImpactMajor       = "major"
	ImpactCritical    = "critical"
	ImpactMaintenance = "maintenance"
)

// ValidImpact reports whether s is an incident impact.
func ValidImpact(s string) bool {
	switch s {
	case ImpactNone, ImpactMinor, ImpactMajor, ImpactCritical:
		return true
	}
	return false
}

func impactRank(s string) int {
	switch s {
	case ImpactMaintenance:
		return 1
	case ImpactMinor:
		return 2
	case ImpactMajor:
		return 3
	case ImpactCritical:
		return 4
	}
	return 0
}

// SuggestImpact proposes an incident impact from the statuses its
// components are set to: major outage → critical, partial → major,
// degraded → minor.
func SuggestImpact(statuses ...string) string {
	switch WorstComponentStatus(statuses...) {
	case MajorOutage:
		return ImpactCritical
	case PartialOutage:
		return ImpactMajor
	case DegradedPerformance:
		return ImpactMinor
	}
	return ImpactNone
}

// PageStatus is the page's overall status: Statuspage's indicator and
// description.
type PageStatus struct {
	Indicator   string // none, minor, major, critical, maintenance
	Description string
}

var pageStatusDescriptions = map[string]string{
	ImpactNone:        "All Systems Operational",
	ImpactMinor:       "Partially Degraded Service",
	ImpactMajor:       "Partial System Outage",
	ImpactCritical:    "Major System Outage",
	ImpactMaintenance: "Service Under Maintenance",
}

// ComputePageStatus derives the banner (and the API's status indicator)
// from what customers see on the page now, so it never contradicts the
// components listed under it:
//
//   - the worst component status sets the level: major outage → critical,
//     partial outage → major, degraded performance → minor, under
//     maintenance (or a maintenance in progress or verifying) → maintenance;
//   - an unresolved incident raises it to its impact only when it affects no
//     component (nothing else on the page would show it) and only while it
//     is investigating or identified: once it is monitoring, the fix is in
//     and the components say how things are.
//
// Statuspage also raises its indicator for every unresolved incident's
// impact; Beacon does not, because a red "Major System Outage" above
// components that are all operational is not true.
func ComputePageStatus(components []Component, unresolved []Incident) PageStatus {
	indicator := ImpactNone
	raise := func(i string) {
		if impactRank(i) > impactRank(indicator) {
			indicator = i
		}
	}
	for _, c := range components {
		if c.IsGroup {
			continue
		}
		switch c.Status {
		case MajorOutage:
			raise(ImpactCritical)
		case PartialOutage:
			raise(ImpactMajor)
		case DegradedPerformance:
			raise(ImpactMinor)
		case UnderMaintenance:
			raise(ImpactMaintenance)
		}
	}
	for _, in := range unresolved {
		switch {
		case in.Kind == KindMaintenance && (in.Status == InProgress || in.Status == Verifying):
			raise(ImpactMaintenance)
		case in.Kind == KindIncident && len(in.Components) == 0 && (in.Status == Investigating || in.Status == Identified):
			raise(in.Impact)
		}
	}
	return PageStatus{Indicator: indicator, Description: pageStatusDescriptions[indicator]}
}

// CurrentPageStatus is the page's status now (see ComputePageStatus), as a
// webhook's payload tells it.
func (db *DB) CurrentPageStatus(ctx context.Context) (PageStatus, error) {
	comps, err := db.ListComponents(ctx)
	if err != nil {
		return PageStatus{}, err
	}
	unresolved, err := db.ListUnresolved(ctx)
	if err != nil {
		return PageStatus{}, err
	}
	return ComputePageStatus(comps, unresolved), nil
}
