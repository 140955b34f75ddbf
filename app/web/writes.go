package web

import (
	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/models"
)

// actorKey is where the auth middlewares keep the request's models.Actor.
const actorKey = "beacon.actor"

// SetActor records who is making the request (a signed-in operator or an
// API token).
func SetActor(c echo.Context, actor models.Actor) { c.Set(actorKey, actor) }

// ActorOf returns who is making the request; the zero Actor when no one is
// signed in.
func ActorOf(c echo.Context) models.Actor {
	actor, _ := c.Get(actorKey).(models.Actor)
	return actor
}

// Scope is the public content a change touched.
type Scope struct {
	// All: the change may have touched any public page (a component, a new
	// incident or maintenance, the scheduler's transitions).
	All bool
	// Incidents: the change touched only these incidents' pages (their
	// page, feeds and postmortem) besides the page-wide ones (the status
	// page, history, feeds, public API, badges, widget).
	Incidents []string
}

// Touched reports whether the change touched any public content.
func (s Scope) Touched() bool { return s.All || len(s.Incidents) > 0 }

// Effects is what a committed write touched beyond its own rows: which
// public pages must be rebuilt (here and on the other replicas) and
// whether the notifier must look at the outbox. Nothing else is flushed or
// woken.
type Effects struct {
	Public Scope
	Mail   bool // the write may have queued notifications or deliveries
}

// The effects of the common kinds of write.
var (
	// Private is a write no visitor sees and that sends nothing: sign-in,
	// users, tokens, sessions, an export.
	Private = Effects{}
	// Everything is a write that may change any public page and may queue
	// notifications: components, a new incident or maintenance.
	Everything = Effects{Public: Scope{All: true}, Mail: true}
	// Mail is a write that may queue mail and changes no public page:
	// subscribers (a confirmation to send).
	Mail = Effects{Mail: true}
)

// Incident is the effect of a write to one incident (an update posted; the
// incident, its timeline, its postmortem or an action item edited): its
// pages and the page-wide ones, and any notification it queued. Other
// incidents' pages stay as they are. An id that is not a valid id (the
// write will fail anyway) touches everything.
func Incident(id string) Effects {
	if !models.ValidID(id) {
		return Everything
	}
	return Effects{Public: Scope{Incidents: []string{id}}, Mail: true}
}

// Writes is the one way a handler changes the database: in one
// transaction with its audit record, then the change's effects.
type Writes struct {
	db    *models.DB
	after func(Effects) // carries out the effects of a committed write
}

// NewWrites writes to db and hands each committed write's effects to after.
func NewWrites(db *models.DB, after func(Effects)) *Writes {
	return &Writes{db: db, after: after}
}

// Do runs fn in one transaction and records action in the audit log in
// the same transaction, so a change is never made without its record. fn
// returns the id of the record it changed (or created) and the audit
// detail. After the commit, eff is carried out.
func (w *Writes) Do(c echo.Context, eff Effects, action, targetType string, fn func(tx *models.DB) (targetID string, detail any, err error)) error {
	actor := ActorOf(c)
	ctx := c.Request().Context()
	err := w.db.InTx(ctx, func(tx *models.DB) error {
		id, detail, err := fn(tx)
		if err != nil {
			return err
		}
		return tx.RecordAudit(ctx, actor, action, targetType, id, detail)
	})
	if err == nil {
		w.Done(eff)
	}
	return err
}

// Done carries out the effects of a write committed without Do (one that
// records no audit entry of its own, such as a public subscription).
func (w *Writes) Done(eff Effects) {
	if eff.Public.Touched() || eff.Mail {
		w.after(eff)
	}
}

// Subscriber runs fn on the subscriber of the :id parameter through Do:
// an unsubscription or a deletion, which touches nothing public and sends
// nothing.
func (w *Writes) Subscriber(c echo.Context, action string, fn func(tx *models.DB, id string) (*models.Subscriber, error)) (*models.Subscriber, error) {
	id := c.Param("id")
	if !models.ValidID(id) {
		return nil, models.ErrNotFound
	}
	var s *models.Subscriber
	err := w.Do(c, Private, action, "subscriber", func(tx *models.DB) (string, any, error) {
		var err error
		if s, err = fn(tx, id); err != nil {
			return "", nil, err
		}
		return id, map[string]string{"email": s.Email}, nil
	})
	return s, err
}
