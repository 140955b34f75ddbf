package main_test

import (
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/mmcdole/gofeed"

	"github.com/beaconstatus/beacon/app/smtptest"
)

// TestIncidentStoryInBrowser is one incident as the people around it live
// it, in real browser windows against the real server and a real SMTP
// server: a visitor subscribes to the API from the status page and
// confirms from the email; an operator signs in and runs an incident from
// investigating to resolved, notifying at every step, then writes and
// publishes the postmortem; a customer follows it on a phone and on a
// desktop; the subscriber's mailbox and the feeds show every step.
// Screenshots of the key pages go to $BROWSER_ARTIFACTS (default: a
// temporary directory, logged).
func TestIncidentStoryInBrowser(t *testing.T) {
	chromiumPath(t)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			mail := smtptest.Start(t, smtptest.Options{})
			s, _ := demoServer(t, dialect, "SMTP_URL="+mail.URL(), "MAIL_FROM=Acme Status <status@acme.test>")
			const password = "correct horse battery"
			if out, errOut, code := runBeacon(t, s.Env, password+"\n", "user", "add",
				"--email", "olivia@acme.test", "--name", "Olivia Ops", "--role", "editor", "--password-stdin"); code != 0 {
				t.Fatalf("beacon user add: %d %s %s", code, out, errOut)
			}
			shots := artifacts(t, dialect)
			const subscriber = "sam@example.test"
			const name = "Checkout API errors"
			const summary = "Some checkouts through the API failed until the deploy was rolled back."
			msgs := map[string]string{
				"investigating": "We are investigating failed checkouts through the API.",
				"identified":    "A bad deploy of the payment client; rolling it back now.",
				"monitoring":    "The rollback is done and checkouts succeed again. We are watching error rates.",
				"resolved":      "Error rates are back to normal. This incident is resolved.",
			}

			desktop := newBrowser(t)
			desktop.run(t, "size the desktop window", chromedp.EmulateViewport(1366, 900))
			phone := desktop.newWindow(t)
			phone.run(t, "size the phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
			operator := desktop.newWindow(t)
			operator.run(t, "size the operator's window", chromedp.EmulateViewport(1366, 900))

			// A visitor subscribes to the API from the status page.
			desktop.run(t, "open the status page", chromedp.Navigate(s.URL+"/"), chromedp.WaitVisible(`#subscribe-heading`, chromedp.ByQuery))
			desktop.run(t, "open the subscribe form",
				chromedp.Click(`//a[normalize-space()="Choose components and kinds of update"]`, chromedp.BySearch),
				chromedp.WaitVisible(`#f-email`, chromedp.ByQuery))
			desktop.run(t, "subscribe to the API",
				chromedp.SendKeys(`#f-email`, subscriber, chromedp.ByQuery),
				chromedp.Click(`//li[contains(@class,"sub-check")][label[normalize-space()="API"]]/input`, chromedp.BySearch))
			shots.save(t, desktop, "subscribe")
			phone.run(t, "open the subscribe form on the phone", chromedp.Navigate(s.URL+"/subscribe"), chromedp.WaitVisible(`#f-email`, chromedp.ByQuery))
			phone.fitsWidth(t, "the subscribe form")
			desktop.run(t, "send the form",
				chromedp.Click(`form.sub-form button[type=submit]`, chromedp.ByQuery),
				chromedp.WaitVisible(`//h1[normalize-space()="Check your inbox"]`, chromedp.BySearch))
			confirm := waitMail(t, mail, subscriber, "[Acme Cloud] Confirm your subscription")
			link := confirmLinkRE.FindString(confirm.Text)
			if link == "" {
				t.Fatalf("no confirmation link in the email:\n%s", confirm.Text)
			}
			desktop.run(t, "open the link from the email", chromedp.Navigate(link),
				chromedp.WaitVisible(`//h1[normalize-space()="Confirm your subscription"]`, chromedp.BySearch))
			mustContain(t, "the confirm page", desktop.text(t), subscriber)
			desktop.run(t, "confirm",
				chromedp.Click(`form.sub-form button[type=submit]`, chromedp.ByQuery),
				chromedp.WaitVisible(`//h1[normalize-space()="You are subscribed"]`, chromedp.BySearch))
			shots.save(t, desktop, "subscribe-confirmed")

			// An operator signs in and opens the incident: the API partly down.
			operator.run(t, "sign in",
				chromedp.Navigate(s.URL+"/admin"),
				chromedp.WaitVisible(`form[action="/admin/login"] input[name=email]`, chromedp.ByQuery),
				chromedp.SendKeys(`form[action="/admin/login"] input[name=email]`, "olivia@acme.test", chromedp.ByQuery),
				chromedp.SendKeys(`form[action="/admin/login"] input[name=password]`, password, chromedp.ByQuery),
				chromedp.Click(`form[action="/admin/login"] button[type=submit]`, chromedp.ByQuery),
				chromedp.WaitVisible(`a[href="/admin/incidents/new"]`, chromedp.ByQuery))
			operator.run(t, "open the new incident form",
				chromedp.Click(`a[href="/admin/incidents/new"]`, chromedp.ByQuery),
				chromedp.WaitVisible(`form[action="/admin/incidents"] input[name=name]`, chromedp.ByQuery))
			operator.run(t, "fill in the incident",
				chromedp.SendKeys(`form[action="/admin/incidents"] input[name=name]`, name, chromedp.ByQuery),
				chromedp.SendKeys(`form[action="/admin/incidents"] textarea[name=body]`, msgs["investigating"], chromedp.ByQuery),
				chromedp.SetValue(`//label[.//span[normalize-space()="API"]]/following-sibling::select`, "partial_outage", chromedp.BySearch))
			operator.mustBeChecked(t, `form[action="/admin/incidents"] input[name=status][value=investigating]`)
			operator.mustBeChecked(t, `form[action="/admin/incidents"] input[name=notify]`)
			operator.run(t, "open the incident",
				chromedp.Click(`form[action="/admin/incidents"] button.primary[type=submit]`, chromedp.ByQuery),
				chromedp.WaitVisible(`#post-update form textarea[name=body]`, chromedp.ByQuery))
			consoleURL := operator.location(t)
			id := consoleURL[strings.LastIndex(consoleURL, "/")+1:]
			checkUpdateMail(t, mail, subscriber, "Investigating", name, msgs["investigating"])

			// Each update notifies the subscriber.
			postUpdate := func(status string) {
				t.Helper()
				operator.run(t, "post the "+status+" update",
					chromedp.Click(`#post-update input[name=status][value=`+status+`]`, chromedp.ByQuery),
					chromedp.SendKeys(`#post-update textarea[name=body]`, msgs[status], chromedp.ByQuery))
				operator.mustBeChecked(t, `#post-update input[name=notify]`)
				operator.run(t, "send the "+status+" update",
					chromedp.Click(`#post-update button.primary[type=submit]`, chromedp.ByQuery),
					chromedp.WaitVisible(`//p[contains(., "`+msgs[status]+`")]`, chromedp.BySearch))
			}
			postUpdate("identified")
			checkUpdateMail(t, mail, subscriber, "Identified", name, msgs["identified"])
			postUpdate("monitoring")
			checkUpdateMail(t, mail, subscriber, "Monitoring", name, msgs["monitoring"])
			shots.save(t, operator, "console-incident")

			// A customer follows it on a phone and on a desktop: from the
			// status page into the incident and its timeline.
			customer := []struct {
				name string
				b    *browser
			}{{"phone", phone}, {"desktop", desktop}}
			for _, w := range customer {
				w.b.run(t, "open the status page on the "+w.name, chromedp.Navigate(s.URL+"/"),
					chromedp.WaitVisible(`#active-heading`, chromedp.ByQuery))
				mustContain(t, "the status page on the "+w.name, w.b.text(t), name, msgs["monitoring"], "Partial Outage")
				if width := w.b.fitsWidth(t, "the status page"); w.name == "phone" && width != 390 {
					t.Fatalf("the phone's window is %dpx wide, want 390", width)
				}
				shots.save(t, w.b, "status-"+w.name)
				w.b.run(t, "open the incident on the "+w.name,
					chromedp.Click(`//h3/a[normalize-space()="`+name+`"]`, chromedp.BySearch),
					chromedp.WaitVisible(`ol.timeline`, chromedp.ByQuery))
				if loc := w.b.location(t); !strings.HasSuffix(loc, "/incidents/"+id) {
					t.Errorf("the %s opened %s, want the incident %s", w.name, loc, id)
				}
				for _, st := range []string{"investigating", "identified", "monitoring"} {
					w.b.run(t, "read the "+st+" update on the "+w.name,
						chromedp.WaitVisible(`//ol[@class="timeline"]/li[contains(., "`+msgs[st]+`")]`, chromedp.BySearch))
				}
				w.b.fitsWidth(t, "the incident page")
				shots.save(t, w.b, "incident-"+w.name)
			}

			// Resolved; then the postmortem, drafted from the timeline.
			postUpdate("resolved")
			checkUpdateMail(t, mail, subscriber, "Resolved", name, msgs["resolved"])
			operator.run(t, "start the postmortem",
				chromedp.Click(`#postmortem button[type=submit]`, chromedp.ByQuery),
				chromedp.WaitVisible(`textarea#f-summary`, chromedp.ByQuery))
			mustContain(t, "the postmortem editor", operator.text(t), "Drafted the postmortem from the timeline.")
			operator.run(t, "write the postmortem",
				chromedp.SendKeys(`textarea#f-summary`, summary, chromedp.ByQuery),
				chromedp.SendKeys(`textarea#f-root_cause`, "A deploy changed the timeout of the payment client.", chromedp.ByQuery),
				chromedp.WaitVisible(`//span[@id="autosave-status"][@data-state="saved"]`, chromedp.BySearch))
			shots.save(t, operator, "console-postmortem")
			operator.mustBeChecked(t, `#publish input[name=notify]`)
			operator.run(t, "publish the postmortem",
				chromedp.Click(`#publish button.primary[type=submit]`, chromedp.ByQuery),
				chromedp.WaitVisible(`//p[contains(., "Published the postmortem; subscribers will be notified.")]`, chromedp.BySearch))
			pm := waitMail(t, mail, subscriber, "[Acme Cloud] Postmortem: "+name)
			mustContain(t, "the postmortem email", pm.Text, summary)

			// The customer finds the postmortem among the past incidents.
			for _, w := range customer {
				w.b.run(t, "open the past incidents on the "+w.name, chromedp.Navigate(s.URL+"/"),
					chromedp.Click(`//a[normalize-space()="Incident history"]`, chromedp.BySearch),
					chromedp.WaitVisible(`//h3/a[normalize-space()="`+name+`"]`, chromedp.BySearch))
				w.b.fitsWidth(t, "the history page")
				w.b.run(t, "open the postmortem on the "+w.name,
					chromedp.Click(`a.pm-link[href="/incidents/`+id+`/postmortem"]`, chromedp.ByQuery),
					chromedp.WaitVisible(`//p[contains(., summary)]`, chromedp.BySearch))
				mustContain(t, "the postmortem on the "+w.name, w.b.text(t), name, "A deploy changed the timeout of the payment client.")
				w.b.fitsWidth(t, "the postmortem page")
				shots.save(t, w.b, "postmortem-"+w.name)
			}

			// The mailbox has each step once, in order, and nothing else.
			var subjects []string
			for _, m := range mailbox(t, mail, subscriber) {
				subjects = append(subjects, m.Subject)
			}
			want := []string{"Confirm your subscription", "Investigating: " + name, "Identified: " + name,
				"Monitoring: " + name, "Resolved: " + name, "Postmortem: " + name}
			for i := range want {
				want[i] = "[Acme Cloud] " + want[i]
			}
			if strings.Join(subjects, "\n") != strings.Join(want, "\n") {
				t.Errorf("the subscriber received:\n  %s\nwant:\n  %s", strings.Join(subjects, "\n  "), strings.Join(want, "\n  "))
			}

			// The feeds show the incident with every update, and the postmortem.
			for _, format := range []string{"atom", "rss", "json"} {
				feed := fetchFeed(t, s.URL+"/history."+format)
				entry, postmortem := feedItem(feed, name), feedItem(feed, "Postmortem: "+name)
				if entry == nil || postmortem == nil {
					t.Errorf("history.%s lacks the incident or its postmortem", format)
					continue
				}
				mustContain(t, "the incident in history."+format, entry.Content+entry.Description,
					msgs["investigating"], msgs["identified"], msgs["monitoring"], msgs["resolved"])
				if !strings.HasSuffix(entry.Link, "/incidents/"+id) {
					t.Errorf("history.%s links the incident to %q", format, entry.Link)
				}
			}
			incidentFeed := fetchFeed(t, s.URL+"/incidents/"+id+".atom")
			var updates []string
			for _, it := range incidentFeed.Items {
				updates = append(updates, it.Content+it.Description)
			}
			mustContain(t, "the incident's feed", strings.Join(updates, "\n"),
				msgs["investigating"], msgs["identified"], msgs["monitoring"], msgs["resolved"])
			// One entry per update, and one for the published postmortem.
			if len(incidentFeed.Items) != 5 || !strings.HasPrefix(incidentFeed.Items[0].Title, "Postmortem: ") {
				t.Errorf("the incident's feed has %d entries (first %q), want one per update (4) and the postmortem first",
					len(incidentFeed.Items), incidentFeed.Items[0].Title)
			}
			for _, b := range []*browser{desktop, phone, operator} {
				b.noErrors(t)
			}
		})
	}
}

var confirmLinkRE = regexp.MustCompile(`https?://\S+/subscriptions/confirm/\S+`)

// mustBeChecked fails unless the checkbox or radio button is checked.
func (b *browser) mustBeChecked(t *testing.T, sel string) {
	t.Helper()
	var checked bool
	b.run(t, "read "+sel, chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).checked`, sel), &checked))
	if !checked {
		t.Errorf("%s is not checked", sel)
	}
}

// fitsWidth fails when the page is wider than the window: the reader
// would have to scroll sideways. It names the elements sticking out, and
// returns the window's width in CSS pixels.
func (b *browser) fitsWidth(t *testing.T, what string) int {
	t.Helper()
	var r struct {
		ScrollWidth, ClientWidth, InnerWidth int
		Wide                                 []string
	}
	// An element sticks out when its box ends past the window's edge, or
	// when its content overflows it visibly (the innermost such elements
	// are the culprits; their ancestors overflow through them).
	b.run(t, "measure "+what, chromedp.Evaluate(`(function () {
		var d = document.documentElement, wide = [];
		var name = function (el) {
			var c = el.getAttribute("class");
			return el.tagName.toLowerCase() + (c ? "." + c.trim().split(/\s+/).join(".") : "");
		};
		document.querySelectorAll("body *").forEach(function (el) {
			var box = el.getBoundingClientRect();
			if (box.right > d.clientWidth + 1) {
				wide.push(name(el) + " (right edge at " + Math.round(box.right) + "px)");
			} else if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0 && getComputedStyle(el).overflowX === "visible") {
				wide.push(name(el) + " (content " + el.scrollWidth + "px wide in " + el.clientWidth + "px)");
			}
		});
		return {scrollWidth: d.scrollWidth, clientWidth: d.clientWidth, innerWidth: window.innerWidth, wide: wide.slice(-5)};
	})()`, &r))
	if r.ScrollWidth > r.ClientWidth || r.ScrollWidth > r.InnerWidth {
		t.Errorf("%s is %dpx wide in a %dpx window (inner width %d): %v", what, r.ScrollWidth, r.ClientWidth, r.InnerWidth, r.Wide)
	}
	return r.ClientWidth
}

// shotDir is where a test saves its screenshots.
type shotDir string

// artifacts is the directory for the test's screenshots: a subdirectory
// of $BROWSER_ARTIFACTS, or a temporary one.
func artifacts(t *testing.T, sub string) shotDir {
	t.Helper()
	dir := t.TempDir()
	if root := os.Getenv("BROWSER_ARTIFACTS"); root != "" {
		dir = filepath.Join(root, sub)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots in %s", dir)
	return shotDir(dir)
}

// save writes a PNG of what the window shows (the viewport, not the whole
// page) as name.png.
func (d shotDir) save(t *testing.T, b *browser, name string) {
	t.Helper()
	var png []byte
	b.run(t, "take a screenshot of "+name, chromedp.CaptureScreenshot(&png))
	if err := os.WriteFile(filepath.Join(string(d), name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// email is a received message, decoded: its subject and its text part.
type email struct{ Subject, Text string }

// mailbox returns the messages addressed to addr, in the order received.
func mailbox(t *testing.T, srv *smtptest.Server, addr string) []email {
	t.Helper()
	var out []email
	for _, m := range srv.Messages() {
		for _, to := range m.To {
			if to != addr {
				continue
			}
			msg, err := m.Parse()
			if err != nil {
				t.Fatalf("parse a message to %s: %v", addr, err)
			}
			var dec mime.WordDecoder
			subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
			if err != nil {
				t.Fatalf("decode the subject %q: %v", msg.Header.Get("Subject"), err)
			}
			text, err := textPart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
			if err != nil {
				t.Fatalf("read the message %q: %v", subject, err)
			}
			out = append(out, email{Subject: subject, Text: text})
		}
	}
	return out
}

// textPart finds the text/plain part of a MIME body and decodes it.
func textPart(contentType, encoding string, body io.Reader) (string, error) {
	media, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(media, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return "", fmt.Errorf("no text/plain part: %w", err)
			}
			text, err := textPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
			if err == nil {
				return text, nil
			}
		}
	}
	if media != "text/plain" {
		return "", fmt.Errorf("a %s part", media)
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	return strings.ReplaceAll(string(b), "\r\n", "\n"), err
}

// waitMail waits for a message to addr with the subject, until the test's
// dbtest.WaitDeadline.
func waitMail(t *testing.T, srv *smtptest.Server, addr, subject string) email {
	t.Helper()
	var found *email
	waitFor(t, func() bool {
		for _, m := range mailbox(t, srv, addr) {
			if m.Subject == subject {
				found = &m
				return true
			}
		}
		return false
	})
	if found == nil {
		var got []string
		for _, m := range mailbox(t, srv, addr) {
			got = append(got, m.Subject)
		}
		t.Fatalf("no email %q to %s by the test's deadline; it has %q", subject, addr, got)
	}
	return *found
}

// checkUpdateMail waits for the email of an update and checks it has the
// update's message.
func checkUpdateMail(t *testing.T, srv *smtptest.Server, addr, status, name, message string) {
	t.Helper()
	m := waitMail(t, srv, addr, "[Acme Cloud] "+status+": "+name)
	mustContain(t, "the "+status+" email", m.Text, message)
}

// fetchFeed reads a feed from the server and parses it with gofeed.
func fetchFeed(t *testing.T, url string) *gofeed.Feed {
	t.Helper()
	code, _, body := get(t, url)
	if code != 200 {
		t.Fatalf("GET %s: %d", url, code)
	}
	feed, err := gofeed.NewParser().ParseString(body)
	if err != nil {
		t.Fatalf("parse %s: %v\n%s", url, err, body)
	}
	return feed
}

// feedItem is the feed's item with the title, or nil.
func feedItem(feed *gofeed.Feed, title string) *gofeed.Item {
	for _, it := range feed.Items {
		if it.Title == title {
			return it
		}
	}
	return nil
}
