package console

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// Notifications in the console: editors see how each notification's
// deliveries stand (pending, sent, failed and why) and send the failed
// ones again.

// notificationsView is the notifications page.
type notificationsView struct {
	AdminView
	Notifications []notificationRow
}

// notificationView is one notification's page.
type notificationView struct {
	AdminView
	notificationRow
	Retrying []models.FailureReason // why pending deliveries are being retried
	Failures []models.FailureReason // why deliveries failed
	Failed   []failedRow            // the first failed deliveries
	Channels []channelRow           // the deliveries by channel (email, webhook, Slack…)
}

// channelRow is one channel's deliveries of a notification.
type channelRow struct {
	Channel string // its label
	models.DeliveryCounts
}

// notificationRow is a notification as the console lists it.
type notificationRow struct {
	ID         int64
	Kind       string // e.g. "Incident updated"
	Subject    string // the incident's name, or the subscriber's address for a confirmation
	IncidentID string
	Status     string // pending, dispatching, dispatched
	Created    view.DisplayTime
	Counts     models.DeliveryCounts
	URL        string
}

// failedRow is one failed delivery.
type failedRow struct {
	Email, Reason string
	Channel       string // "" for email, else its label
	Attempts      int
}

// How many notifications the list shows, and failed deliveries a
// notification's page.
const (
	notificationsShown = 100
	failedShown        = 100
)

var notificationKindLabels = map[string]string{
	models.NotifyIncidentOpened:       "Incident opened",
	models.NotifyIncidentUpdated:      "Incident updated",
	models.NotifyIncidentResolved:     "Incident resolved",
	models.NotifyMaintenanceScheduled: "Maintenance scheduled",
	models.NotifyMaintenanceReminder:  "Maintenance reminder",
	models.NotifyMaintenanceStarted:   "Maintenance started",
	models.NotifyMaintenanceUpdated:   "Maintenance updated",
	models.NotifyMaintenanceCompleted: "Maintenance completed",
	models.NotifyPostmortemPublished:  "Postmortem published",
	models.NotifySubscriberConfirm:    "Confirmation",
}

func (h *Handler) notificationRow(r models.NotificationReport) notificationRow {
	row := notificationRow{ID: r.ID, Kind: notificationKindLabels[r.Kind], Subject: r.Subject, Status: r.Status,
		Created: h.Site.Time(r.CreatedAt), Counts: r.Counts, URL: "/admin/notifications/" + strconv.FormatInt(r.ID, 10)}
	if row.Kind == "" {
		row.Kind = r.Kind
	}
	if row.Subject == "" && r.Kind == models.NotifySubscriberConfirm {
		// Its outbox row has no subject: the message's own heading.
		row.Subject = "Confirm your subscription"
	}
	if r.IncidentID != nil {
		row.IncidentID = *r.IncidentID
	}
	return row
}

// listNotifications is the notifications page: the newest, with their
// delivery counts.
func (h *Handler) listNotifications(c echo.Context) error {
	v := notificationsView{AdminView: h.adminView(c, "Notifications", "notifications")}
	list, err := h.DB.ListNotificationReports(c.Request().Context(), notificationsShown)
	if err != nil {
		return err
	}
	for _, r := range list {
		v.Notifications = append(v.Notifications, h.notificationRow(r))
	}
	return h.Render.Admin(c, http.StatusOK, "notifications.html", v)
}

// notificationID is the :id of the path; 404 when it is not a number.
func notificationID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, models.ErrNotFound
	}
	return id, nil
}

// showNotification is one notification's page: its counts, why deliveries
// failed or are retried, and the failed addresses.
func (h *Handler) showNotification(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := notificationID(c)
	if err != nil {
		return err
	}
	r, err := h.DB.GetNotificationReport(ctx, id)
	if err != nil {
		return err
	}
	row := h.notificationRow(*r)
	v := notificationView{AdminView: h.adminView(c, row.Kind+": "+row.Subject, "notifications"), notificationRow: row}
	if v.Retrying, err = h.DB.DeliveryProblems(ctx, id, true, 20); err != nil {
		return err
	}
	if v.Failures, err = h.DB.DeliveryProblems(ctx, id, false, 20); err != nil {
		return err
	}
	failed, err := h.DB.FailedDeliveries(ctx, id, failedShown)
	if err != nil {
		return err
	}
	for _, d := range failed {
		row := failedRow{Email: d.Email, Reason: d.LastError, Attempts: d.Attempts}
		if d.Channel != "" && d.Channel != models.ChannelEmail {
			row.Channel = models.ChannelLabel(d.Channel)
		}
		v.Failed = append(v.Failed, row)
	}
	channels, err := h.DB.DeliveryCountsByChannel(ctx, id)
	if err != nil {
		return err
	}
	for _, ch := range channels {
		v.Channels = append(v.Channels, channelRow{Channel: models.ChannelLabel(ch.Channel), DeliveryCounts: ch.DeliveryCounts})
	}
	return h.Render.Admin(c, http.StatusOK, "notification.html", v)
}

// retryNotification sends a notification's failed deliveries again, each
// with its attempts counted afresh.
func (h *Handler) retryNotification(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := notificationID(c)
	if err != nil {
		return err
	}
	var retried int
	err = h.Writes.Do(c, web.Mail, "notification.retry", "notification", func(tx *models.DB) (string, any, error) {
		if _, err := tx.GetNotification(ctx, id); err != nil {
			return "", nil, err
		}
		var err error
		retried, err = tx.RetryFailedDeliveries(ctx, id, h.Now())
		return strconv.FormatInt(id, 10), map[string]int{"deliveries": retried}, err
	})
	if err != nil {
		return err
	}
	switch retried {
	case 0:
		h.flash(c, "No failed delivery to retry.")
	case 1:
		h.flash(c, "1 failed delivery will be sent again.")
	default:
		h.flash(c, "%d failed deliveries will be sent again.", retried)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/notifications/"+strconv.FormatInt(id, 10))
}
