package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// Subscribers in the console: editors list, add, unsubscribe and remove
// them, and import and export CSV.

// SubscribersPerPage is the length of a page of the console's list.
const SubscribersPerPage = 50

// MaxImportBody is the largest CSV upload the console takes.
const MaxImportBody = 8 << 20

// subscribersView is the subscribers page.
type subscribersView struct {
	AdminView
	Subscribers []subscriberRow
	Counts      map[string]int64
	Query       string // the search
	Status      string // the status filter, "" for all
	Total       int64  // how many match
	PageNum     int
	NumPages    int
	PrevURL     string
	NextURL     string
	ExportURL   string
}

// subscriberRow is one subscriber in the list.
type subscriberRow struct {
	ID, Email, Status string
	Channel           string // "" for email, else its label: Webhook, Slack…
	Contact           string // a webhook's contact address
	Quarantined       bool
	Components        string // names of the chosen components, "Everything" for the whole page
	Kinds             string // "incidents, maintenance"
	Added             view.DisplayTime
	Source            string
}

// listSubscribers is the subscribers page: ?q= searches addresses,
// ?status= filters, ?page= pages.
func (h *Handler) listSubscribers(c echo.Context) error {
	ctx := c.Request().Context()
	v := subscribersView{AdminView: h.adminView(c, "Subscribers", "subscribers"),
		Query: strings.TrimSpace(c.QueryParam("q")), Status: c.QueryParam("status"), PageNum: 1}
	if raw := c.QueryParam("page"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 1_000_000 {
			return web.BadRequest("page must be a whole number from 1 up, got %q", raw)
		}
		v.PageNum = n
	}
	f := models.SubscriberFilter{Query: v.Query, Status: v.Status, Limit: SubscribersPerPage, Offset: (v.PageNum - 1) * SubscribersPerPage}
	list, total, err := h.DB.ListSubscribers(ctx, f)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return web.BadRequest("status must be pending, confirmed or unsubscribed, got %q", v.Status)
	}
	if err != nil {
		return err
	}
	if v.Counts, err = h.DB.CountSubscribers(ctx); err != nil {
		return err
	}
	names, err := h.componentNames(c)
	if err != nil {
		return err
	}
	for i := range list {
		v.Subscribers = append(v.Subscribers, h.subscriberRow(&list[i], names))
	}
	v.Total, v.NumPages = total, max(1, int((total+SubscribersPerPage-1)/SubscribersPerPage))
	link := func(page int) string {
		q := url.Values{}
		if v.Query != "" {
			q.Set("q", v.Query)
		}
		if v.Status != "" {
			q.Set("status", v.Status)
		}
		if page > 1 {
			q.Set("page", strconv.Itoa(page))
		}
		if len(q) == 0 {
			return "/admin/subscribers"
		}
		return "/admin/subscribers?" + q.Encode()
	}
	if v.PageNum > 1 {
		v.PrevURL = link(v.PageNum - 1)
	}
	if v.PageNum < v.NumPages {
		v.NextURL = link(v.PageNum + 1)
	}
	v.ExportURL = "/admin/subscribers/export.csv" + strings.TrimPrefix(link(1), "/admin/subscribers")
	return h.Render.Admin(c, http.StatusOK, "subscribers.html", v)
}

// componentNames maps component and group ids to their names.
func (h *Handler) componentNames(c echo.Context) (map[string]string, error) {
	comps, err := h.DB.ListComponents(c.Request().Context())
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(comps))
	for _, comp := range comps {
		names[comp.ID] = comp.Name
		if comp.IsGroup {
			names[comp.ID] += " (group)"
		}
	}
	return names, nil
}

func (h *Handler) subscriberRow(s *models.Subscriber, names map[string]string) subscriberRow {
	r := subscriberRow{ID: s.ID, Email: s.Address(), Status: s.Status, Added: h.Site.Time(s.CreatedAt), Source: s.Source,
		Quarantined: s.QuarantinedAt != nil}
	if s.Channel != "" && s.Channel != models.ChannelEmail {
		r.Channel, r.Contact = models.ChannelLabel(s.Channel), s.Email
	}
	if s.AllComponents {
		r.Components = "Everything"
	} else {
		var list []string
		for _, id := range s.ComponentIDs {
			list = append(list, names[id])
		}
		r.Components = strings.Join(list, ", ")
	}
	var kinds []string
	for _, k := range []struct {
		on   bool
		name string
	}{{s.NotifyIncidents, "incidents"}, {s.NotifyMaintenance, "maintenance"}, {s.NotifyPostmortems, "postmortems"}} {
		if k.on {
			kinds = append(kinds, k.name)
		}
	}
	r.Kinds = strings.Join(kinds, ", ")
	return r
}

// subscriberFormView is the add-subscriber page.
type subscriberFormView struct {
	AdminView
	Choices  view.Choices
	Language view.FieldView // the language of their emails and chat messages
}

// newSubscriber is the form to add a subscriber.
func (h *Handler) newSubscriber(c echo.Context) error {
	return h.renderSubscriberForm(c, http.StatusOK, models.EveryNotification(), view.Form{})
}

func (h *Handler) renderSubscriberForm(c echo.Context, code int, ch models.SubscriberChoices, form view.Form) error {
	v := subscriberFormView{AdminView: h.adminView(c, "Add subscriber", "subscribers")}
	v.Form = form
	var options []string
	if h.Site.Langs != nil {
		for _, l := range h.Site.Langs.Langs() { // the default (PAGE_LANGUAGE) first: selected unless another was chosen
			options = append(options, l.Code+"="+l.Name)
		}
	}
	v.Language = form.Select("language", "Language", options...).WithHint("Of their emails and chat messages (Slack, Discord, Teams). Statuspage-format webhooks are JSON and have none.")
	var err error
	if v.Choices, err = h.Site.Choices(c.Request().Context(), ch, form); err != nil {
		return err
	}
	return h.Render.Admin(c, code, "subscriber_new.html", v)
}

// createSubscriber adds a subscriber: pending with a confirmation email,
// or confirmed at once when the operator skips the confirmation.
func (h *Handler) createSubscriber(c echo.Context) error {
	form := view.NewForm(c)
	form.Clear("csrf")
	ch, err := view.ChoicesFromForm(form, true)
	skip := form.Value("skip_confirmation") != ""
	if err == nil {
		ch.Language, err = h.subscriberLanguage(form.Value("language"))
	}
	channel, endpoint := form.Value("channel"), ""
	if channel != "" && channel != models.ChannelEmail && err == nil {
		if !models.ValidChannel(channel) {
			err = models.Invalid("channel", "must be email, webhook, slack, discord or teams")
		} else {
			endpoint, err = h.Egress.CheckEndpoint(c.Request().Context(), "endpoint", form.Value("endpoint"))
		}
	}
	var s *models.Subscriber
	if err == nil {
		err = h.Writes.Do(c, web.Mail, "subscriber.create", "subscriber", func(tx *models.DB) (string, any, error) {
			var err error
			s, err = tx.AddSubscriber(c.Request().Context(), models.NewSubscriber{Email: form.Value("email"), Channel: channel,
				Endpoint: endpoint, Choices: ch, SkipConfirmation: skip, Source: models.SourceConsole}, h.Now())
			if err != nil {
				return "", nil, err
			}
			return s.ID, map[string]any{"email": s.Email, "channel": s.Channel, "skip_confirmation": skip, "language": ch.Language}, nil
		})
	}
	var conflict *models.ErrConflict
	if errors.As(err, &conflict) {
		form.Problem = conflict.Message + "."
		return h.renderSubscriberForm(c, http.StatusConflict, ch, form)
	}
	if form.Invalid(err) {
		return h.renderSubscriberForm(c, http.StatusUnprocessableEntity, ch, form)
	}
	if err != nil {
		return err
	}
	switch {
	case s.Secret != "":
		h.flash(c, "Added the webhook %s. Its signing secret, shown this once: %s", s.Endpoint, s.Secret)
	case s.Status == models.SubscriberConfirmed:
		h.flash(c, "Added %s.", s.Address())
	default:
		h.flash(c, "Added %s; they get an email to confirm.", s.Address())
	}
	return c.Redirect(http.StatusSeeOther, "/admin/subscribers")
}

// subscriberLanguage is the enabled language code chosen for a new
// subscriber ("" or absent: PAGE_LANGUAGE).
func (h *Handler) subscriberLanguage(code string) (string, error) {
	langs := h.Site.Langs
	if langs == nil {
		return "", nil
	}
	if code == "" {
		return langs.Default().Code, nil
	}
	if langs.Get(code) == nil {
		return "", models.Invalid("language", "must be one of %s", strings.Join(langs.Codes(), ", "))
	}
	return code, nil
}

// unsubscribeSubscriber stops all mail to a subscriber, keeping the record
// of their opt-out.
func (h *Handler) unsubscribeSubscriber(c echo.Context) error {
	s, err := h.Writes.Subscriber(c, "subscriber.unsubscribe", func(tx *models.DB, id string) (*models.Subscriber, error) {
		return tx.Unsubscribe(c.Request().Context(), id, 0, h.Now())
	})
	if err != nil {
		return err
	}
	h.flash(c, "Unsubscribed %s.", s.Email)
	return c.Redirect(http.StatusSeeOther, "/admin/subscribers")
}

// reactivateSubscriber ends the quarantine of a subscriber's endpoint.
func (h *Handler) reactivateSubscriber(c echo.Context) error {
	s, err := h.Writes.Subscriber(c, "subscriber.reactivate", func(tx *models.DB, id string) (*models.Subscriber, error) {
		return tx.ReactivateSubscriber(c.Request().Context(), id, h.Now())
	})
	if err != nil {
		return err
	}
	h.flash(c, "Reactivated %s: it gets the next updates.", s.Address())
	return c.Redirect(http.StatusSeeOther, "/admin/subscribers")
}

// deleteSubscriber removes a subscriber and all record of them.
func (h *Handler) deleteSubscriber(c echo.Context) error {
	s, err := h.Writes.Subscriber(c, "subscriber.delete", func(tx *models.DB, id string) (*models.Subscriber, error) {
		return tx.DeleteSubscriber(c.Request().Context(), id)
	})
	if err != nil {
		return err
	}
	h.flash(c, "Removed %s.", s.Email)
	return c.Redirect(http.StatusSeeOther, "/admin/subscribers")
}

// importView is the import page, with the report of an import.
type importView struct {
	AdminView
	Report *models.ImportReport
}

// showSubscriberImport is the CSV import form.
func (h *Handler) showSubscriberImport(c echo.Context) error {
	return h.Render.Admin(c, http.StatusOK, "subscribers_import.html", importView{AdminView: h.adminView(c, "Import subscribers", "subscribers")})
}

// importSubscribers imports an uploaded CSV file (field "file") and shows
// what became of each row; skip_confirmation adds them confirmed.
func (h *Handler) importSubscribers(c echo.Context) error {
	v := importView{AdminView: h.adminView(c, "Import subscribers", "subscribers")}
	form := view.NewForm(c)
	form.Clear("csrf")
	skip := form.Value("skip_confirmation") != ""
	fh, err := c.FormFile("file")
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("The file is larger than %d MB: split it.", MaxImportBody>>20))
	case err != nil || fh.Size == 0:
		form.Invalid(models.Invalid("file", "must be a CSV file: choose one"))
		v.Form = form
		return h.Render.Admin(c, http.StatusUnprocessableEntity, "subscribers_import.html", v)
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	err = h.Writes.Do(c, web.Mail, "subscriber.import", "subscriber", func(tx *models.DB) (string, any, error) {
		rep, err := tx.ImportSubscribers(c.Request().Context(), f, skip, h.Now())
		if err != nil {
			return "", nil, err
		}
		v.Report = rep
		return "", map[string]any{"file": fh.Filename, "rows": rep.Rows, "added": rep.Added, "skipped": rep.Skipped,
			"errors": len(rep.Errors), "skip_confirmation": skip}, nil
	})
	if form.Invalid(err) {
		v.Form = form
		return h.Render.Admin(c, http.StatusUnprocessableEntity, "subscribers_import.html", v)
	}
	if err != nil {
		return err
	}
	return h.Render.Admin(c, http.StatusOK, "subscribers_import.html", v)
}

// exportSubscribers is the subscribers (filtered by ?q= and ?status= as
// the list) as a CSV download. The export is recorded in the audit log.
func (h *Handler) exportSubscribers(c echo.Context) error {
	f := models.SubscriberFilter{Query: c.QueryParam("q"), Status: c.QueryParam("status")}
	err := h.Writes.Do(c, web.Private, "subscriber.export", "subscriber", func(tx *models.DB) (string, any, error) {
		if _, _, err := tx.ListSubscribers(c.Request().Context(), models.SubscriberFilter{Status: f.Status, Limit: 1}); err != nil {
			return "", nil, err
		}
		return "", map[string]string{"q": f.Query, "status": f.Status}, nil
	})
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return web.BadRequest("status must be pending, confirmed or unsubscribed, got %q", f.Status)
	}
	if err != nil {
		return err
	}
	out := &exportWriter{c: c, filename: fmt.Sprintf("subscribers-%s.csv", h.Now().Format("2006-01-02"))}
	err = h.DB.ExportSubscribers(c.Request().Context(), out, f)
	if err != nil && !out.started {
		return err // nothing sent yet: an error page, not an empty file
	}
	if err != nil {
		// Part of the file is sent: cut the connection, so the download
		// fails where the operator sees it instead of looking complete.
		web.Logger(c.Request().Context(), h.Log).Error("export subscribers: cut short", "error", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// exportWriter sends the export's headers and status with its first bytes,
// so an export that fails before any is an error, not an empty 200 file.
type exportWriter struct {
	c        echo.Context
	filename string
	started  bool
}

func (w *exportWriter) Write(p []byte) (int, error) {
	if !w.started {
		w.started = true
		hdr := w.c.Response().Header()
		hdr.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		hdr.Set(echo.HeaderContentDisposition, `attachment; filename="`+w.filename+`"`)
		w.c.Response().WriteHeader(http.StatusOK)
	}
	return w.c.Response().Write(p)
}
