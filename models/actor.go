package models

// Kinds of actors.
const (
	ActorUser   = "user"   // an operator signed in to the console
	ActorToken  = "token"  // a script or tool using an API token
	ActorSystem = "system" // Beacon itself: the scheduler, the CLI
)

// Actor is who makes a change: it is written to the audit log, and its
// Name to the timeline.
type Actor struct {
	Type string // ActorUser, ActorToken or ActorSystem
	ID   string // user or token id
	Name string // what the timeline and audit log show
	Role string // RoleAdmin or RoleEditor
	IP   string // the client's address, for the audit log
}

// Can reports whether the actor holds role: an admin can do what an editor
// can. The anonymous (zero) actor can do nothing.
func (a Actor) Can(role string) bool {
	switch a.Role {
	case RoleAdmin:
		return true
	case RoleEditor:
		return role == RoleEditor
	}
	return false
}

// Anonymous reports whether no one is signed in.
func (a Actor) Anonymous() bool { return a.Type == "" }
