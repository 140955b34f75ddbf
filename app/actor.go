package app

import (
	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/models"
)

// actorKey is where the auth middlewares keep the request's models.Actor.
const actorKey = "beacon.actor"

// setActor records who is making the request (a signed-in operator or an
// API token).
func setActor(c echo.Context, actor models.Actor) { c.Set(actorKey, actor) }

// actorOf returns who is making the request; the zero Actor when no one is
// signed in.
func actorOf(c echo.Context) models.Actor {
	actor, _ := c.Get(actorKey).(models.Actor)
	return actor
}

// change runs fn in one transaction and records action in the audit log in
// the same transaction, so a change is never made without its record.
// fn returns the id of the record it changed (or created). After the
// commit, the public snapshot is marked stale (pageChanged): all of it, as
// the change may have touched anything.
func (a *App) change(c echo.Context, action, targetType string, fn func(tx *models.DB) (targetID string, detail any, err error)) error {
	return a.changeScoped(c, "", action, targetType, fn)
}

// changeIncident is change for a write that touches only one incident's
// public pages (its page, feeds and postmortem) besides the page-wide ones:
// an update posted, the incident, its postmortem or an action item
// edited. Other incidents' pages stay in the snapshot as they are. An
// incidentID that is not a valid id (the write will fail anyway) marks
// everything stale.
func (a *App) changeIncident(c echo.Context, incidentID, action, targetType string, fn func(tx *models.DB) (targetID string, detail any, err error)) error {
	if !models.ValidID(incidentID) {
		incidentID = ""
	}
	return a.changeScoped(c, incidentID, action, targetType, fn)
}

func (a *App) changeScoped(c echo.Context, incidentID, action, targetType string, fn func(tx *models.DB) (targetID string, detail any, err error)) error {
	actor := actorOf(c)
	err := a.db.InTx(c.Request().Context(), func(tx *models.DB) error {
		id, detail, err := fn(tx)
		if err != nil {
			return err
		}
		return tx.RecordAudit(c.Request().Context(), actor, action, targetType, id, detail)
	})
	if err == nil {
		if incidentID != "" {
			a.pageChanged(incidentID)
		} else {
			a.pageChanged()
		}
	}
	return err
}
