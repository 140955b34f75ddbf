package public

import (
	"errors"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/links"
	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// Public subscription pages: the subscribe form, and the pages the signed
// links of the emails open (confirm, manage, unsubscribe). See
// docs/subscribers.md for the choices made here (privacy, CSRF, limits).

// Limits on the subscribe form, counted in the database so they hold
// across replicas. Confirmation emails to one address are limited again by
// models.ConfirmationResendInterval.
const (
	subscribeWindow       = time.Hour
	subscribeClientLimit  = 20 // subscribe requests per client address per window
	subscribeAddressLimit = 5  // subscribe requests per email address per window
)

// MaxSubscribeBody is the largest body a public subscription form may send.
const MaxSubscribeBody = 64 << 10

// subscriptionView is what the public subscription pages receive.
type subscriptionView struct {
	view.PageView
	Form      view.Form    // what was entered, and its problems
	Choices   view.Choices // components and kinds of update to choose from
	Email     string       // the subscriber's address
	Step      string       // which part of subscription.html: confirm, confirmed, manage, unsubscribe, unsubscribed
	ManageURL string       // where to change the subscription, once confirmed
	Saved     bool         // the manage form was just saved
	// Endpoint and Secret: a webhook just subscribed, and the secret that
	// signs its requests (shown this once).
	Endpoint, Secret string
}

// subscriptionHeaders marks subscription pages private and keeps their
// signed links out of Referer headers and search engines (the security
// headers are set for every response by securityHeaders).
func subscriptionHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Robots-Tag", "noindex")
		return next(c)
	}
}

// errCrossSite answers a public form posted from another site.
var errCrossSite = web.Word("error_cross_site", echo.NewHTTPError(http.StatusForbidden,
	"This form was not sent from this site, so nothing was done. Open the status page and subscribe there."))

// sameOrigin refuses (403) a public form that a browser says was posted
// from another site (Sec-Fetch-Site, or an Origin other than this page's).
// The public forms have no session to protect; what this stops is another
// site making its visitors' browsers subscribe addresses from their own
// network addresses, dodging the per-client limit. Requests without those
// headers (not from a browser) are let through: they gain nothing.
func (h *Handler) sameOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		switch req.Header.Get("Sec-Fetch-Site") {
		case "", "same-origin", "none":
		default:
			return errCrossSite
		}
		origin := req.Header.Get(echo.HeaderOrigin)
		if origin == "null" && req.Header.Get("Sec-Fetch-Site") == "same-origin" {
			// What browsers send from a page under Referrer-Policy:
			// no-referrer, as /subscribe is: the browser vouches.
			origin = ""
		}
		if origin != "" {
			u, err := url.Parse(origin)
			base, _ := url.Parse(h.site(c).BaseURL)
			if err != nil || u.Host == "" || !(u.Host == base.Host && u.Scheme == base.Scheme || u.Host == req.Host) {
				return errCrossSite
			}
		}
		return next(c)
	}
}

// renderSubscription answers with a public subscription page; its Title
// is a catalog key, worded here in the reader's language.
func (h *Handler) renderSubscription(c echo.Context, code int, page string, v subscriptionView) error {
	v.Title = h.site(c).L().T(v.Title)
	return web.WriteHTML(c, code, func(w io.Writer) error { return h.Render.Render(w, page, v) })
}

// newSubscriptionView starts the view of a subscription page; title is
// a catalog key ("check_inbox").
func (h *Handler) newSubscriptionView(c echo.Context, title string) subscriptionView {
	return subscriptionView{PageView: h.site(c).Page(title, c.Request().URL.Path)}
}

// showSubscribe is the subscribe form: an address, components and kinds of
// update.
func (h *Handler) showSubscribe(c echo.Context) error {
	v := h.newSubscriptionView(c, "subscribe")
	var err error
	if v.Choices, err = h.site(c).Choices(c.Request().Context(), models.EveryNotification(), view.Form{}); err != nil {
		return err
	}
	return h.renderSubscription(c, http.StatusOK, "subscribe.html", v)
}

// subscribe is POST /subscribe: email, component_ids (repeatable; none
// means the whole page), kinds (repeatable: incidents, maintenance,
// postmortems; none means all, unless the full form was sent). It answers
// "check your inbox" whether the address is new, pending, confirmed or
// unsubscribed, so it tells nobody who subscribes; too many requests from
// one client or for one address get 429.
func (h *Handler) subscribe(c echo.Context) error {
	ctx := c.Request().Context()
	form := view.NewForm(c)
	v := h.newSubscriptionView(c, "subscribe")
	ch, kindsErr := view.ChoicesFromForm(form, form.Value("full") != "")
	ch.Language = h.site(c).L().Code // their emails speak the language they subscribed in
	reshow := func(code int) error {
		h.wordForm(c, &form)
		var err error
		if v.Choices, err = h.site(c).Choices(c.Request().Context(), ch, form); err != nil {
			return err
		}
		v.Form = form
		return h.renderSubscription(c, code, "subscribe.html", v)
	}

	now := h.Now()
	keys := []string{"subscribe:ip:" + c.RealIP()}
	limits := []int{subscribeClientLimit}
	if _, norm, err := models.ParseEmail("email", form.Value("email")); err == nil {
		keys, limits = append(keys, "subscribe:email:"+norm), append(limits, subscribeAddressLimit)
	}
	for i, key := range keys {
		allowed, retry, err := h.DB.HitRateLimit(ctx, key, limits[i], subscribeWindow, now)
		if err != nil {
			return err
		}
		if !allowed {
			web.Logger(ctx, h.Log).Warn("subscribe throttled", "key", key)
			c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.Seconds()))))
			form.Problem = h.site(c).L().T("too_many_subscriptions", "Wait", h.site(c).L().Duration(retry))
			return reshow(http.StatusTooManyRequests)
		}
	}

	if form.Invalid(kindsErr) {
		return reshow(http.StatusUnprocessableEntity)
	}
	to := models.Target{Email: form.Value("email")}
	if raw := form.Value("endpoint"); raw != "" {
		ep, err := h.Egress.CheckEndpoint(ctx, "endpoint", raw)
		if form.Invalid(err) {
			return reshow(http.StatusUnprocessableEntity)
		}
		to.Channel, to.Endpoint = models.ChannelWebhook, ep
	}
	s, outcome, err := h.DB.SubscribeTarget(ctx, to, ch, models.SourceWeb, now)
	if form.Invalid(err) {
		return reshow(http.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	h.Writes.Done(web.Mail) // the confirmation is in the outbox: send it now
	web.Logger(ctx, h.Log).Info("subscribe", "subscriber", s.ID, "outcome", string(outcome))
	v.Title, v.Email = "check_inbox", form.Value("email")
	if s.Channel == models.ChannelWebhook && outcome != models.SubscribeAlreadyConfirmed && outcome != models.SubscribeThrottled {
		v.Endpoint, v.Secret = s.Endpoint, s.Secret
	}
	return h.renderSubscription(c, http.StatusOK, "subscribe_sent.html", v)
}

// errBadLinkPage answers a signed link that is forged, altered, expired,
// meant for something else, revoked, or whose subscriber is gone.
var errBadLinkPage = web.Word("error_bad_link", echo.NewHTTPError(http.StatusNotFound,
	"This link is not valid: it may have expired or been replaced by a newer one. To get updates, subscribe again from the status page."))

// subscriberLink checks the request's signed link for purpose. Token
// versions start at 1: a link of version 0 would mean "any version" to the
// models, so it is refused whatever signed it.
// Bad links count against the client's address, valid ones against their
// subscriber (ratelimit.go); over either limit is a 429.
func (h *Handler) subscriberLink(c echo.Context, purpose string) (links.Link, error) {
	l, err := h.Links.Verify(c.Param("token"), purpose, h.Now())
	if err != nil || l.Version < 1 {
		if err := h.Limits.Hit(c, "links:bad:ip:"+c.RealIP(), badLinkLimit, badLinkWindow,
			"Too many invalid links were opened from this address."); err != nil {
			return links.Link{}, h.wordLimit(c, "error_too_many_bad_links", err)
		}
		return links.Link{}, errBadLinkPage
	}
	if err := h.Limits.Hit(c, "links:subscriber:"+l.SubscriberID, subscriberLinkLimit, subscriberLinkWindow,
		"This subscription's links were opened too many times."); err != nil {
		return links.Link{}, h.wordLimit(c, "error_too_many_link_opens", err)
	}
	return l, nil
}

// linkedSubscriber checks the request's signed link for purpose and loads
// its subscriber.
func (h *Handler) linkedSubscriber(c echo.Context, purpose string) (*models.Subscriber, links.Link, error) {
	l, err := h.subscriberLink(c, purpose)
	if err != nil {
		return nil, l, err
	}
	s, err := h.linkSubscriber(c, l)
	return s, l, err
}

// linkSubscriber loads the subscriber of a checked link.
func (h *Handler) linkSubscriber(c echo.Context, l links.Link) (*models.Subscriber, error) {
	s, err := h.DB.GetSubscriber(c.Request().Context(), l.SubscriberID)
	if errors.Is(err, models.ErrNotFound) || err == nil && s.TokenVersion != l.Version {
		return nil, errBadLinkPage
	}
	return s, err
}

// linkError maps a model's answer to a signed link: ErrNotFound means the
// link no longer points anywhere.
func linkError(err error) error {
	if errors.Is(err, models.ErrNotFound) {
		return errBadLinkPage
	}
	return err
}

// showConfirm is the page a confirmation link opens: a button that POSTs,
// so a mail scanner following the link confirms nothing.
func (h *Handler) showConfirm(c echo.Context) error {
	s, _, err := h.linkedSubscriber(c, links.Confirm)
	if err != nil {
		return err
	}
	v := h.newSubscriptionView(c, "confirm_heading")
	v.Email, v.Step = s.Email, "confirm"
	switch s.Status {
	case models.SubscriberConfirmed:
		v.Title, v.Step, v.ManageURL = "subscribed_heading", "confirmed", h.manageURL(s)
	case models.SubscriberUnsubscribed:
		v.Title, v.Step = "unsubscribed_heading", "unsubscribed"
	}
	return h.renderSubscription(c, http.StatusOK, "subscription.html", v)
}

// confirm confirms the subscription of a confirmation link.
func (h *Handler) confirm(c echo.Context) error {
	l, err := h.subscriberLink(c, links.Confirm)
	if err != nil {
		return err
	}
	s, err := h.DB.ConfirmSubscriber(c.Request().Context(), l.SubscriberID, l.Version, h.Now())
	if err != nil {
		return linkError(err)
	}
	v := h.newSubscriptionView(c, "subscribed_heading")
	v.Email, v.Step, v.ManageURL = s.Email, "confirmed", h.manageURL(s)
	return h.renderSubscription(c, http.StatusOK, "subscription.html", v)
}

// manageURL is the path of the manage page of s.
func (h *Handler) manageURL(s *models.Subscriber) string {
	u, _ := url.Parse(h.Links.SubscriberURL(links.Manage, s.ID, s.TokenVersion, h.Now()))
	return u.Path
}

// showManage is the page a manage link opens: the subscriber's components
// and kinds of update, and a way to unsubscribe.
func (h *Handler) showManage(c echo.Context) error {
	s, _, err := h.linkedSubscriber(c, links.Manage)
	if err != nil {
		return err
	}
	return h.renderManage(c, http.StatusOK, s, s.Choices(), view.Form{}, false)
}

// renderManage shows the manage page of s with choices ch.
func (h *Handler) renderManage(c echo.Context, code int, s *models.Subscriber, ch models.SubscriberChoices, form view.Form, saved bool) error {
	h.wordForm(c, &form)
	v := h.newSubscriptionView(c, "manage_heading")
	v.Email, v.Step, v.Form, v.Saved = s.Email, "manage", form, saved
	if s.Status == models.SubscriberUnsubscribed {
		v.Title, v.Step = "unsubscribed_heading", "unsubscribed"
	}
	var err error
	if v.Choices, err = h.site(c).Choices(c.Request().Context(), ch, form); err != nil {
		return err
	}
	return h.renderSubscription(c, code, "subscription.html", v)
}

// manage saves the choices of the manage form, or unsubscribes
// (action=unsubscribe).
func (h *Handler) manage(c echo.Context) error {
	ctx := c.Request().Context()
	l, err := h.subscriberLink(c, links.Manage)
	if err != nil {
		return err
	}
	form := view.NewForm(c)
	if form.Value("action") == "unsubscribe" {
		return h.unsubscribeLinked(c, l)
	}
	ch, err := view.ChoicesFromForm(form, true)
	if err == nil {
		var s *models.Subscriber
		if s, err = h.DB.UpdateSubscriberChoices(ctx, l.SubscriberID, l.Version, ch, h.Now()); err == nil {
			return h.renderManage(c, http.StatusOK, s, s.Choices(), view.Form{}, true)
		}
	}
	if form.Invalid(err) {
		s, err := h.linkSubscriber(c, l)
		if err != nil {
			return err
		}
		return h.renderManage(c, http.StatusUnprocessableEntity, s, ch, form, false)
	}
	return linkError(err)
}

// showUnsubscribe is the page an unsubscribe link opens: a button that
// POSTs.
func (h *Handler) showUnsubscribe(c echo.Context) error {
	s, _, err := h.linkedSubscriber(c, links.Unsubscribe)
	if err != nil {
		return err
	}
	v := h.newSubscriptionView(c, "unsubscribe")
	v.Email, v.Step = s.Email, "unsubscribe"
	if s.Status == models.SubscriberUnsubscribed {
		v.Title, v.Step = "unsubscribed_heading", "unsubscribed"
	}
	return h.renderSubscription(c, http.StatusOK, "subscription.html", v)
}

// Unsubscribe unsubscribes the subscriber of an unsubscribe link. It is
// also RFC 8058's one-click unsubscribe (List-Unsubscribe-Post): a POST
// with the body List-Unsubscribe=One-Click from the mail provider, with no
// cookie or session; the signed link is its only credential.
func (h *Handler) postUnsubscribe(c echo.Context) error {
	l, err := h.subscriberLink(c, links.Unsubscribe)
	if err != nil {
		return err
	}
	return h.unsubscribeLinked(c, l)
}

func (h *Handler) unsubscribeLinked(c echo.Context, l links.Link) error {
	s, err := h.DB.Unsubscribe(c.Request().Context(), l.SubscriberID, l.Version, h.Now())
	if err != nil {
		return linkError(err)
	}
	web.Logger(c.Request().Context(), h.Log).Info("unsubscribe", "subscriber", s.ID, "via", l.Purpose)
	v := h.newSubscriptionView(c, "unsubscribed_heading")
	v.Email, v.Step = s.Email, "unsubscribed"
	return h.renderSubscription(c, http.StatusOK, "subscription.html", v)
}
