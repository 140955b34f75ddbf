package app

import (
	"context"
	"time"

	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// DefaultSchedulerInterval is how often the scheduler looks for
// maintenance to start or complete when Config.SchedulerInterval is unset.
const DefaultSchedulerInterval = 15 * time.Second

// schedulerRoundTimeout bounds one round, which shutdown waits for.
const schedulerRoundTimeout = 30 * time.Second

// RunScheduler makes the automatic maintenance transitions and enqueues
// the reminders of maintenance about to start: it runs a round at once
// (catching up with what came due while Beacon was down), then one every
// Config.SchedulerInterval, until ctx is cancelled. A round that has begun
// is finished, not interrupted, before RunScheduler returns. A failed round
// (the database is unreachable...) is logged and the next one runs as
// usual. Every replica runs it: RunDueMaintenance makes each transition
// once, RunDueReminders each reminder.
func (a *App) RunScheduler(ctx context.Context) {
	every := a.cfg.SchedulerInterval
	if every <= 0 {
		every = DefaultSchedulerInterval
	}
	a.log.Info("scheduler started", "every", every.String())
	tick := time.NewTicker(every)
	defer tick.Stop()
	for ctx.Err() == nil {
		a.schedulerRound(ctx)
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
	a.log.Info("scheduler finished")
}

// schedulerRound starts and completes the maintenance due now. It runs on
// a context that shutdown does not cancel, so a maintenance's transaction is
// not aborted half-way by a stop signal.
func (a *App) schedulerRound(ctx context.Context) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), schedulerRoundTimeout)
	defer cancel()
	started, completed, err := a.db.RunDueMaintenance(rctx, a.now())
	if started+completed > 0 {
		a.log.Info("scheduler: maintenance transitions", "started", started, "completed", completed)
		a.writes.Done(web.Everything)
	}
	if err != nil {
		a.log.Error("scheduler: maintenance round failed", "error", err)
	}
	reminded, err := a.db.RunDueReminders(rctx, a.now())
	if reminded > 0 {
		a.log.Info("scheduler: maintenance reminders", "reminded", reminded)
		a.writes.Done(web.Mail)
	}
	if err != nil {
		a.log.Error("scheduler: maintenance reminders failed", "error", err)
	}
	// Integrations' deduplication receipts and expired unattached alerts.
	if _, err := a.db.PurgeIntegrationRecords(rctx, a.now().Add(-models.KeepIntegrationRecords)); err != nil {
		a.log.Error("scheduler: purging integration records failed", "error", err)
	}
}
