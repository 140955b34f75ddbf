package app

import (
	"context"
	"sync"
	"time"

	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// afterWrite carries out what a committed write says it touched: the
// public pages it touched are marked stale here (the next request of such a
// page waits for its rebuild, so no one sees the old page after a write's
// response) and on the other replicas, and the notifier is woken when the
// write may have queued mail. A write that touched nothing public (a
// sign-in, a token, an export) rebuilds nothing.
func (a *App) afterWrite(eff web.Effects) {
	if eff.Public.Touched() {
		a.pageChanged(eff.Public)
	}
	if eff.Mail {
		a.notifier.Wake()
	}
}

// pageChanged marks stale the public pages of scope, and tells the other
// replicas.
func (a *App) pageChanged(scope web.Scope) {
	var incidents []string // none: everything
	if !scope.All {
		incidents = scope.Incidents
	}
	a.log.Debug("page changed", "incidents", incidents)
	if scope.All {
		a.reloadBranding()
		a.reloadIdentity()
	}
	a.snapshot.Invalidate(incidents...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := a.db.AnnounceChange(ctx, models.Change{Origin: a.origin, Incidents: incidents}); err != nil {
		a.log.Warn("snapshot: could not tell the other replicas of a change", "error", err)
	}
}

// runSnapshot keeps the snapshot current until ctx ends: it rebuilds what
// is in use every few seconds (time-driven content) and, on PostgreSQL,
// invalidates it when another replica announces a change.
func (a *App) runSnapshot(ctx context.Context) {
	go a.db.ListenForChanges(ctx,
		func() { a.reloadBranding(); a.reloadIdentity(); a.snapshot.Invalidate() }, // (re)connected: changes may have been missed
		func(ch models.Change) {
			if ch.Origin != a.origin {
				if len(ch.Incidents) == 0 {
					a.reloadBranding()
					a.reloadIdentity()
				}
				a.snapshot.Invalidate(ch.Incidents...)
			}
		},
		func(err error) { a.log.Warn("snapshot: not hearing of other replicas' changes", "error", err) },
	)
	var wg sync.WaitGroup
	if !a.cfg.LazyCore {
		wg.Go(func() { a.snapshot.RunCore(ctx) }) // the core set, rebuilt after every change and saved (app/core.go)
		if a.cfg.SnapshotDir != "" {
			wg.Go(func() { a.saves.run(ctx, a.cfg.SnapshotDir, a.log) })
		}
	}
	if a.mirror != nil {
		wg.Go(func() { a.mirror.Run(ctx) })
	}
	a.snapshot.Refresh(ctx)
	wg.Wait()
}

// reloadBranding reads the branding again after a page-wide change (the
// console may have saved it); a failure keeps the one in use.
func (a *App) reloadBranding() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := a.branding.reload(ctx, a.db); err != nil {
		a.log.Warn("branding: could not reload it", "error", err)
	}
}
