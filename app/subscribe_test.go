package app_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app"
	"github.com/beaconstatus/beacon/app/links"
	"github.com/beaconstatus/beacon/app/public"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// subscriberEnv is an App with components to subscribe to.
type subscriberEnv struct {
	t        *testing.T
	db       *models.DB
	a        *app.App
	h        http.Handler
	group    models.Component // "Europe", with API as a member
	api, web models.Component
}

func newSubscriberEnv(t *testing.T, db *models.DB) *subscriberEnv {
	t.Helper()
	e := &subscriberEnv{t: t, db: db, a: newTestApp(t, db, nil)}
	e.h = e.a.Handler()
	e.group = models.Component{Name: "Europe", IsGroup: true}
	e.web = models.Component{Name: "Website"}
	for _, c := range []*models.Component{&e.group, &e.web} {
		if err := db.CreateComponent(context.Background(), c, "test"); err != nil {
			t.Fatal(err)
		}
	}
	e.api = models.Component{Name: "API", GroupID: &e.group.ID}
	if err := db.CreateComponent(context.Background(), &e.api, "test"); err != nil {
		t.Fatal(err)
	}
	return e
}

// post sends a form as a browser on this site would (no cookies).
func (e *subscriberEnv) post(path string, form url.Values, header ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return serve(e.h, req)
}

// link is the path of a signed link to s made now (or at the given time).
func (e *subscriberEnv) link(purpose string, s *models.Subscriber, at ...time.Time) string {
	now := time.Now()
	if len(at) > 0 {
		now = at[0]
	}
	return e.a.SubscriberLinkPath(purpose, s.ID, s.TokenVersion, now)
}

func (e *subscriberEnv) subscriber(email string) *models.Subscriber {
	e.t.Helper()
	s, err := e.db.FindSubscriber(context.Background(), email)
	if err != nil {
		e.t.Fatalf("subscriber %s: %v", email, err)
	}
	return s
}

// confirmationsQueued counts the confirmation emails queued, for all or one subscriber.
func confirmationsQueued(t *testing.T, db *models.DB, s *models.Subscriber) int64 {
	t.Helper()
	q := db.Gorm.Model(&models.Notification{}).Where("kind = ?", models.NotifySubscriberConfirm)
	if s != nil {
		q = q.Where("subscriber_id = ?", s.ID)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// subscriberRows is the state of the subscriber tables, to compare.
func subscriberRows(t *testing.T, db *models.DB) string {
	t.Helper()
	var b strings.Builder
	for _, table := range []string{"subscribers", "subscriber_components", "notifications", "deliveries", "audit_log"} {
		var rows []map[string]any
		if err := db.Gorm.Table(table).Order("1").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %v\n", table, rows)
	}
	return b.String()
}

// wantPublicPage checks a subscription page: status, HTML, private and
// strict headers, no cookie, no inline script or style, one <h1>, every
// control labelled.
func wantPublicPage(t *testing.T, rec *httptest.ResponseRecorder, code int) string {
	t.Helper()
	body := wantPage(t, rec, code)
	for k, want := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
		if got := rec.Header().Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	if ck := rec.Header().Get("Set-Cookie"); ck != "" {
		t.Errorf("set a cookie: %s", ck)
	}
	checkRenderedDocument(t, body)
	doc := parseRendered(t, body)
	labels := map[string]bool{}
	for _, l := range htmlFindAll(doc, "label") {
		labels[htmlAttr(l, "for")] = true
	}
	for _, el := range htmlFindAll(doc, "input") {
		if htmlAttr(el, "type") != "hidden" && !labels[htmlAttr(el, "id")] {
			t.Errorf("<input name=%q> has no <label for>", htmlAttr(el, "name"))
		}
	}
	return body
}

var checkedRE = regexp.MustCompile(`<input type="checkbox" id="[^"]+" name="(component_ids|kinds)" value="([^"]+)" checked>`)

// checkedBoxes lists the ticked checkboxes of a page, "name=value".
func checkedBoxes(body string) string {
	var out []string
	for _, m := range checkedRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1]+"="+m[2])
	}
	return strings.Join(out, " ")
}

func TestSubscribeForm(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		e := newSubscriberEnv(t, db)
		body := wantPublicPage(t, get(t, e.h, "/subscribe"), http.StatusOK)
		contains(t, body, "<h1>Get updates by email</h1>", `<form method="post" action="/subscribe"`,
			`<input id="f-email" name="email" type="email" autocomplete="email"`,
			`<legend>Components</legend>`, `<legend>Updates</legend>`,
			`value="`+e.group.ID+`"> <label for="c-`+e.group.ID+`">Europe`,
			`<label for="c-`+e.api.ID+`">API</label>`, `<label for="c-`+e.web.ID+`">Website</label>`)
		inOrder(t, body, "Europe", "API", "Website")
		if got := checkedBoxes(body); got != "kinds=incidents kinds=maintenance kinds=postmortems" {
			t.Errorf("ticked by default: %s", got)
		}
		// The status page has the short form.
		index := wantPage(t, get(t, e.h, "/"), http.StatusOK)
		contains(t, index, `<form method="post" action="/subscribe" class="sub-inline">`,
			`<label for="subscribe-email">Email address</label>`, `<a href="/subscribe">`)
	})
}

// Subscribing answers the same page whatever the address's state, and
// queues a confirmation only when one is due.
func TestSubscribeAnswersTheSame(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		e := newSubscriberEnv(t, db)
		form := url.Values{"email": {"Ann@Example.com"}, "component_ids": {e.group.ID, e.web.ID}, "kinds": {"incidents", "postmortems"}, "full": {"1"}}
		first := wantPublicPage(t, e.post("/subscribe", form), http.StatusOK)
		contains(t, first, "<h1>Check your inbox</h1>", "<strong>Ann@Example.com</strong>")
		s := e.subscriber("ann@example.com")
		if s.Status != models.SubscriberPending || s.AllComponents || len(s.ComponentIDs) != 2 || !s.NotifyIncidents || s.NotifyMaintenance ||
			!s.NotifyPostmortems || s.Source != models.SourceWeb {
			t.Errorf("subscriber = %+v", s)
		}
		if n := confirmationsQueued(t, db, s); n != 1 {
			t.Fatalf("%d confirmations queued, want 1", n)
		}

		// Pending, asked again at once: same page, no second email.
		second := wantPublicPage(t, e.post("/subscribe", form), http.StatusOK)
		if second != first {
			t.Error("a second subscribe answers differently")
		}
		if n := confirmationsQueued(t, db, s); n != 1 {
			t.Errorf("%d confirmations after a second subscribe, want 1", n)
		}

		// Confirmed: same page, nothing changes, nothing sent.
		wantPublicPage(t, e.post(e.link(links.Confirm, s), nil), http.StatusOK)
		before := subscriberRows(t, db)
		other := url.Values{"email": {"Ann@Example.com"}} // whole page, every kind
		if third := wantPublicPage(t, e.post("/subscribe", other), http.StatusOK); third != first {
			t.Error("subscribing a confirmed address answers differently")
		}
		if after := subscriberRows(t, db); after != before {
			t.Errorf("subscribing a confirmed address changed it:\n%s\n%s", before, after)
		}

		// A new address: the same page but for the address.
		fresh := wantPublicPage(t, e.post("/subscribe", url.Values{"email": {"bob@example.com"}}), http.StatusOK)
		if strings.ReplaceAll(fresh, "bob@example.com", "Ann@Example.com") != first {
			t.Error("a new address answers differently")
		}
		bob := e.subscriber("bob@example.com")
		if !bob.AllComponents || !bob.NotifyIncidents || !bob.NotifyMaintenance || !bob.NotifyPostmortems || confirmationsQueued(t, db, bob) != 1 {
			t.Errorf("short form subscriber = %+v", bob)
		}

		// Unsubscribed: pending again, with a new confirmation and new links.
		wantPublicPage(t, e.post(e.link(links.Unsubscribe, s), nil), http.StatusOK)
		if again := wantPublicPage(t, e.post("/subscribe", form), http.StatusOK); again != first {
			t.Error("subscribing an unsubscribed address answers differently")
		}
		back := e.subscriber("ann@example.com")
		if back.Status != models.SubscriberPending || back.TokenVersion != 2 || confirmationsQueued(t, db, s) != 2 {
			t.Errorf("resubscribed = %+v, %d confirmations", back, confirmationsQueued(t, db, s))
		}
		wantPublicPage(t, e.post(e.link(links.Confirm, s), nil), http.StatusNotFound) // the old version
	})
}

func TestConfirmManageUnsubscribePages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		e := newSubscriberEnv(t, db)
		wantPublicPage(t, e.post("/subscribe", url.Values{"email": {"cy@example.com"}}), http.StatusOK)
		s := e.subscriber("cy@example.com")

		// Following the link (as a mail scanner does) confirms nothing.
		confirm := e.link(links.Confirm, s)
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			rec := serve(e.h, httptest.NewRequest(method, confirm, nil))
			if rec.Code != http.StatusOK {
				t.Fatalf("%s confirm link: %d", method, rec.Code)
			}
		}
		body := wantPublicPage(t, get(t, e.h, confirm), http.StatusOK)
		contains(t, body, "<h1>Confirm your subscription</h1>", "<strong>cy@example.com</strong>",
			`<form method="post" action="`+confirm+`"`, ">Confirm subscription</button>")
		if got := e.subscriber("cy@example.com"); got.Status != models.SubscriberPending {
			t.Fatalf("GET confirmed the subscription")
		}
		body = wantPublicPage(t, e.post(confirm, nil), http.StatusOK)
		contains(t, body, "<h1>You are subscribed</h1>", `<a href="/subscriptions/manage/`)
		if got := e.subscriber("cy@example.com"); got.Status != models.SubscriberConfirmed || got.ConfirmedAt == nil {
			t.Fatalf("after confirming: %+v", got)
		}
		wantPublicPage(t, e.post(confirm, nil), http.StatusOK) // twice is fine
		contains(t, wantPublicPage(t, get(t, e.h, confirm), http.StatusOK), "<h1>You are subscribed</h1>")

		// Manage: the current choices, then new ones.
		manage := e.link(links.Manage, s)
		body = wantPublicPage(t, get(t, e.h, manage), http.StatusOK)
		contains(t, body, "<h1>Your subscription</h1>", `<form method="post" action="`+manage+`"`, `name="action" value="unsubscribe"`)
		if got := checkedBoxes(body); got != "kinds=incidents kinds=maintenance kinds=postmortems" {
			t.Errorf("ticked: %s", got)
		}
		body = wantPublicPage(t, e.post(manage, url.Values{"component_ids": {e.group.ID}, "kinds": {"maintenance"}, "action": {"save"}}), http.StatusOK)
		contains(t, body, "Your choices are saved.")
		if got := checkedBoxes(body); got != "component_ids="+e.group.ID+" kinds=maintenance" {
			t.Errorf("ticked after saving: %s", got)
		}
		got := e.subscriber("cy@example.com")
		if got.AllComponents || len(got.ComponentIDs) != 1 || got.ComponentIDs[0] != e.group.ID || got.NotifyIncidents || !got.NotifyMaintenance {
			t.Errorf("after saving: %+v", got)
		}
		// Bad choices: 422, the form again with what was chosen, nothing saved.
		before := subscriberRows(t, db)
		body = wantPublicPage(t, e.post(manage, url.Values{"component_ids": {e.web.ID}, "action": {"save"}}), http.StatusUnprocessableEntity)
		contains(t, body, `role="alert"`, `<a href="#f-kinds">Updates must include at least one`, `id="kinds-error"`)
		if got := checkedBoxes(body); got != "component_ids="+e.web.ID {
			t.Errorf("ticked after a bad save: %s", got)
		}
		body = wantPublicPage(t, e.post(manage, url.Values{"component_ids": {"nosuchcomp"}, "kinds": {"incidents"}}), http.StatusUnprocessableEntity)
		contains(t, body, "Components lists a component that does not exist (any more)")
		wantPublicPage(t, e.post(manage, url.Values{"kinds": {"gossip"}}), http.StatusUnprocessableEntity)
		if after := subscriberRows(t, db); after != before {
			t.Error("a bad save changed the database")
		}

		// Unsubscribe from the manage page.
		body = wantPublicPage(t, e.post(manage, url.Values{"action": {"unsubscribe"}}), http.StatusOK)
		contains(t, body, "<h1>You are unsubscribed</h1>", `<a href="/subscribe">Subscribe again</a>`)
		if got := e.subscriber("cy@example.com"); got.Status != models.SubscriberUnsubscribed {
			t.Errorf("after unsubscribing: %+v", got)
		}
		contains(t, wantPublicPage(t, get(t, e.h, manage), http.StatusOK), "<h1>You are unsubscribed</h1>")
		// Saving choices once unsubscribed, or confirming again, is refused.
		wantPublicPage(t, e.post(manage, url.Values{"kinds": {"incidents"}}), http.StatusConflict)
		wantPublicPage(t, e.post(confirm, nil), http.StatusConflict)
	})
}

// RFC 8058: the mail provider POSTs List-Unsubscribe=One-Click to the
// link, with no cookie, no CSRF token and no Origin.
func TestOneClickUnsubscribe(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		e := newSubscriberEnv(t, db)
		for _, email := range []string{"dee@example.com", "eve@example.com"} {
			if _, err := db.AddSubscriber(context.Background(), models.NewSubscriber{Email: email, Choices: models.EveryNotification(), SkipConfirmation: true}, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		dee, eve := e.subscriber("dee@example.com"), e.subscriber("eve@example.com")

		// Following the link shows a button and changes nothing.
		link := e.link(links.Unsubscribe, dee)
		body := wantPublicPage(t, get(t, e.h, link), http.StatusOK)
		contains(t, body, "<h1>Unsubscribe</h1>", `<form method="post" action="`+link+`"`)
		if e.subscriber("dee@example.com").Status != models.SubscriberConfirmed {
			t.Fatal("GET unsubscribed")
		}

		req := httptest.NewRequest(http.MethodPost, link, strings.NewReader("List-Unsubscribe=One-Click"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := serve(e.h, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("one-click POST: %d %s", rec.Code, rec.Body)
		}
		if got := e.subscriber("dee@example.com"); got.Status != models.SubscriberUnsubscribed || got.UnsubscribedAt == nil {
			t.Fatalf("after one-click: %+v", got)
		}
		// A retry by the provider is fine.
		req = httptest.NewRequest(http.MethodPost, link, strings.NewReader("List-Unsubscribe=One-Click"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if rec := serve(e.h, req); rec.Code != http.StatusOK {
			t.Errorf("second one-click POST: %d", rec.Code)
		}

		// Some providers send multipart/form-data, from their own origin.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("List-Unsubscribe", "One-Click")
		mw.Close()
		req = httptest.NewRequest(http.MethodPost, e.link(links.Unsubscribe, eve), &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Origin", "https://mail.example.net")
		if rec := serve(e.h, req); rec.Code != http.StatusOK {
			t.Fatalf("multipart one-click POST: %d %s", rec.Code, rec.Body)
		}
		if got := e.subscriber("eve@example.com"); got.Status != models.SubscriberUnsubscribed {
			t.Errorf("after a multipart one-click: %+v", got)
		}
	})
}

// A link that is forged, altered, expired, for another purpose, revoked
// or whose subscriber is gone is a 404 that changes nothing.
func TestSubscriptionBadLinks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		e := newSubscriberEnv(t, db)
		ctx := context.Background()
		wantPublicPage(t, e.post("/subscribe", url.Values{"email": {"fay@example.com"}}), http.StatusOK)
		fay := e.subscriber("fay@example.com")
		wantPublicPage(t, e.post("/subscribe", url.Values{"email": {"gone@example.com"}}), http.StatusOK)
		gone := e.subscriber("gone@example.com")
		goneLinks := map[string]string{}
		for _, p := range []string{links.Confirm, links.Manage, links.Unsubscribe} {
			goneLinks[p] = e.link(p, gone)
		}
		if _, err := db.DeleteSubscriber(ctx, gone.ID); err != nil {
			t.Fatal(err)
		}
		revoked := *fay
		revoked.TokenVersion = 0 // a version the subscriber never had

		n := 0 // each request from its own address: bad links are limited per client (TestSubscriptionLinkRateLimits)
		for _, purpose := range []string{links.Confirm, links.Manage, links.Unsubscribe} {
			good := e.link(purpose, fay)
			token := good[strings.LastIndex(good, "/")+1:]
			other := links.Manage
			if purpose == links.Manage {
				other = links.Confirm
			}
			otherToken := e.link(other, fay)
			otherToken = otherToken[strings.LastIndex(otherToken, "/")+1:]
			base := "/subscriptions/" + purpose + "/"
			for name, path := range map[string]string{
				"forged":        base + "ZmFrZQ.ZmFrZQ",
				"altered":       base + strings.Replace(token, token[:4], "AAAA", 1),
				"expired":       e.link(purpose, fay, time.Now().Add(-links.ManageLinkLifetime-time.Hour)),
				"other purpose": base + otherToken,
				"revoked":       e.link(purpose, &revoked),
				"gone":          goneLinks[purpose],
				"empty":         base + ".",
			} {
				for _, method := range []string{http.MethodGet, http.MethodPost} {
					before := subscriberRows(t, db)
					req := httptest.NewRequest(method, path, strings.NewReader("List-Unsubscribe=One-Click&action=unsubscribe&kinds=incidents"))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					n++
					req.RemoteAddr = "192.0.2." + strconv.Itoa(n) + ":1234"
					body := wantPublicPage(t, serve(e.h, req), http.StatusNotFound)
					if !strings.Contains(body, "This link is not valid: it may have expired or been replaced by a newer one") {
						t.Errorf("%s %s link (%s): no clear message in %s", method, purpose, name, body)
					}
					if after := subscriberRows(t, db); after != before {
						t.Errorf("%s %s link (%s) changed the database", method, purpose, name)
					}
				}
			}
		}
		// A confirmation link expires after ConfirmLinkLifetime.
		expired := e.link(links.Confirm, fay, time.Now().Add(-links.ConfirmLinkLifetime-time.Minute))
		wantPublicPage(t, e.post(expired, nil), http.StatusNotFound)
		if e.subscriber("fay@example.com").Status != models.SubscriberPending {
			t.Error("an expired link confirmed")
		}
	})
}

func TestSubscribeBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		e := newSubscriberEnv(t, db)
		before := subscriberRows(t, db)
		for _, tc := range []struct {
			name  string
			form  url.Values
			field string
		}{
			{"empty", url.Values{"email": {" "}}, "email"},
			{"no address", url.Values{}, "email"},
			{"invalid", url.Values{"email": {"ann at example.com"}}, "email"},
			{"overlong", url.Values{"email": {strings.Repeat("a", 64) + "@" + strings.Repeat("b", 190) + ".com"}}, "email"},
			{"header injection", url.Values{"email": {"ann@example.com\r\nBcc: everyone@example.com"}}, "email"},
			{"display name", url.Values{"email": {"Ann <ann@example.com>"}}, "email"},
			{"unknown component", url.Values{"email": {"ann@example.com"}, "component_ids": {"nosuchcomp"}}, "component_ids"},
			{"unknown kind", url.Values{"email": {"ann@example.com"}, "kinds": {"gossip"}}, "kinds"},
			{"no kind on the full form", url.Values{"email": {"ann@example.com"}, "full": {"1"}}, "kinds"},
		} {
			body := wantPublicPage(t, e.post("/subscribe", tc.form), http.StatusUnprocessableEntity)
			if !strings.Contains(body, `<a href="#f-`+tc.field+`">`) || !strings.Contains(body, `role="alert"`) {
				t.Errorf("%s: no error for %s:\n%s", tc.name, tc.field, body)
			}
			contains(t, body, `<form method="post" action="/subscribe"`)
		}
		// The form keeps what was entered.
		body := wantPublicPage(t, e.post("/subscribe", url.Values{"email": {"ann@example"}, "component_ids": {e.api.ID}, "kinds": {"maintenance"}, "full": {"1"}}), http.StatusUnprocessableEntity)
		contains(t, body, `value="ann@example"`, `aria-invalid="true"`, "Email address must be an email address such as name@example.com")
		if got := checkedBoxes(body); got != "component_ids="+e.api.ID+" kinds=maintenance" {
			t.Errorf("ticked after an error: %s", got)
		}
		if after := subscriberRows(t, db); after != before {
			t.Errorf("bad input changed the database:\n%s\n%s", before, after)
		}
		// An oversized body is refused before it is read.
		big := url.Values{"email": {"ann@example.com"}, "junk": {strings.Repeat("x", public.MaxSubscribeBody)}}
		if rec := e.post("/subscribe", big); rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("oversized body: %d", rec.Code)
		}
	})
}

// Too many requests for one address, or from one client, get 429 with
// Retry-After and send nothing more.
func TestSubscribeRateLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		e := newSubscriberEnv(t, db)
		from := func(ip, email string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodPost, "/subscribe", strings.NewReader(url.Values{"email": {email}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.RemoteAddr = ip + ":5555"
			return serve(e.h, req)
		}
		// One address from many clients: 5 an hour.
		for i := 0; i < 5; i++ {
			wantPublicPage(t, from(fmt.Sprintf("198.51.100.%d", i), "victim@example.com"), http.StatusOK)
		}
		before := subscriberRows(t, db)
		rec := from("198.51.100.99", "VICTIM@example.com")
		body := wantPublicPage(t, rec, http.StatusTooManyRequests)
		contains(t, body, "Too many subscription requests. Nothing was sent. Please try again in", `role="alert"`, `<form method="post" action="/subscribe"`)
		if ra := rec.Header().Get("Retry-After"); ra == "" || ra == "0" {
			t.Errorf("Retry-After = %q", ra)
		}
		if after := subscriberRows(t, db); after != before {
			t.Error("a throttled subscribe changed the database")
		}
		if n := confirmationsQueued(t, db, nil); n != 1 {
			t.Errorf("%d confirmations to the victim, want 1", n)
		}

		// One client, many addresses: 20 an hour, invalid ones counted too.
		for i := 0; i < 19; i++ {
			from("203.0.113.7", fmt.Sprintf("user%d@example.com", i))
		}
		wantPublicPage(t, from("203.0.113.7", "not an address"), http.StatusUnprocessableEntity)
		wantPublicPage(t, from("203.0.113.7", "late@example.com"), http.StatusTooManyRequests)
		if _, err := db.FindSubscriber(context.Background(), "late@example.com"); err == nil {
			t.Error("a throttled client subscribed an address")
		}
		wantPublicPage(t, from("203.0.113.8", "late@example.com"), http.StatusOK) // another client
	})
}

// The public form refuses posts a browser says came from another site.
func TestSubscribeCrossSite(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		e := newSubscriberEnv(t, db)
		form := url.Values{"email": {"ann@example.com"}}
		for name, header := range map[string][]string{
			"other origin":     {"Origin", "https://evil.example"},
			"null origin":      {"Origin", "null"},
			"http of the page": {"Origin", "http://status.acme.test"},
			"cross-site fetch": {"Sec-Fetch-Site", "cross-site"},
			"same-site fetch":  {"Sec-Fetch-Site", "same-site"},
		} {
			body := wantPublicPage(t, e.post("/subscribe", form, header...), http.StatusForbidden)
			if !strings.Contains(body, "This form was not sent from this site") {
				t.Errorf("%s: no clear message", name)
			}
		}
		if n := confirmationsQueued(t, db, nil); n != 0 {
			t.Fatalf("a cross-site post queued %d confirmations", n)
		}
		wantPublicPage(t, e.post("/subscribe", form, "Origin", "https://status.acme.test", "Sec-Fetch-Site", "same-origin"), http.StatusOK)
		wantPublicPage(t, e.post("/subscribe", url.Values{"email": {"bob@example.com"}}, "Origin", "http://example.com"), http.StatusOK) // the request's own host
		// A page under Referrer-Policy: no-referrer (the /subscribe form)
		// posts with a null Origin; the browser says it is the same origin.
		wantPublicPage(t, e.post("/subscribe", url.Values{"email": {"cat@example.com"}}, "Origin", "null", "Sec-Fetch-Site", "same-origin"), http.StatusOK)
	})
}
