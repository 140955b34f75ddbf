package main_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

// TestPostmortemInBrowser is the postmortem in a real browser: an operator
// resolves an incident, drafts the postmortem from its timeline, writes
// the summary and root cause (autosaved), adds an action item, previews
// it, publishes it notifying subscribers, and a customer reads it.
func TestPostmortemInBrowser(t *testing.T) {
	chromiumPath(t)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			s, code := demoServer(t, dialect)
			b := newBrowser(t)
			b.run(t, "create the first administrator",
				chromedp.Navigate(s.URL+"/admin"),
				chromedp.WaitVisible(`input[name=setup_code]`, chromedp.ByQuery),
				chromedp.SendKeys(`input[name=setup_code]`, code, chromedp.ByQuery),
				chromedp.SendKeys(`input[name=email]`, "ops@acme.test", chromedp.ByQuery),
				chromedp.SendKeys(`input[name=name]`, "Olivia Ops", chromedp.ByQuery),
				chromedp.SendKeys(`input[name=password]`, "correct horse battery", chromedp.ByQuery),
				chromedp.Click(`form[action="/admin/setup"] button[type=submit]`, chromedp.ByQuery),
				chromedp.WaitVisible(`a[href="/admin/incidents/new"]`, chromedp.ByQuery),
			)

			// Open an incident in the console: API in a major outage.
			b.run(t, "open the new incident form", chromedp.Navigate(s.URL+"/admin/incidents/new"),
				chromedp.WaitVisible(`form[action="/admin/incidents"] input[name=name]`, chromedp.ByQuery))
			var apiSelect []*cdp.Node
			b.run(t, "find the API component", chromedp.Nodes(`//label[.//span[normalize-space()="API"]]/following-sibling::select`, &apiSelect, chromedp.BySearch))
			b.run(t, "open the incident",
				chromedp.SendKeys(`form[action="/admin/incidents"] input[name=name]`, "Checkout API errors", chromedp.ByQuery),
				chromedp.SendKeys(`form[action="/admin/incidents"] textarea[name=body]`, "We are investigating failed checkouts.", chromedp.ByQuery),
				chromedp.SetValue([]cdp.NodeID{apiSelect[0].NodeID}, "major_outage", chromedp.ByNodeID),
				chromedp.Click(`form[action="/admin/incidents"] button.primary[type=submit]`, chromedp.ByQuery),
				chromedp.WaitVisible(`#post-update form textarea[name=body]`, chromedp.ByQuery),
			)
			consoleURL := b.location(t)
			id := consoleURL[strings.LastIndex(consoleURL, "/")+1:]

			// Resolve it: the page offers the postmortem.
			b.run(t, "resolve the incident",
				chromedp.Click(`#post-update input[name=status][value=resolved]`, chromedp.ByQuery),
				chromedp.SendKeys(`#post-update textarea[name=body]`, "Checkouts work again.", chromedp.ByQuery),
				chromedp.Click(`#post-update button.primary[type=submit]`, chromedp.ByQuery),
				chromedp.WaitVisible(`#postmortem button[type=submit]`, chromedp.ByQuery),
			)

			// Start it: drafted from the timeline.
			b.run(t, "start the postmortem",
				chromedp.Click(`#postmortem button[type=submit]`, chromedp.ByQuery),
				chromedp.WaitVisible(`textarea#f-summary`, chromedp.ByQuery),
			)
			mustContain(t, "postmortem editor", b.text(t), "Drafted the postmortem from the timeline.", "Time to resolution", "API")
			var entries string
			b.run(t, "read the drafted timeline", chromedp.Evaluate(
				`Array.from(document.querySelectorAll(".pm-entry textarea")).map(function (t) { return t.value; }).join("\n")`, &entries))
			mustContain(t, "drafted timeline", entries, "We are investigating failed checkouts.", "Checkouts work again.")

			// Write the summary and the root cause: the draft autosaves.
			b.run(t, "write the summary and root cause",
				chromedp.SendKeys(`textarea#f-summary`, "Checkouts **failed** for a few minutes.", chromedp.ByQuery),
				chromedp.SendKeys(`textarea#f-root_cause`, "A configuration change disabled the payment provider's client.", chromedp.ByQuery),
				// Saved as it now stands (an autosave during the typing
				// leaves the rest unsaved: the state says so).
				chromedp.WaitVisible(`//span[@id="autosave-status"][@data-state="saved"]`, chromedp.BySearch),
			)

			// Add an action item (the draft is saved: leaving asks nothing).
			b.run(t, "add an action item",
				chromedp.SendKeys(`#action-items input[name=title]`, "Validate payment configuration before deploys", chromedp.ByQuery),
				chromedp.SendKeys(`#action-items input[name=owner]`, "Payments team", chromedp.ByQuery),
				chromedp.SetValue(`#action-items input[name=due_date]`, time.Now().AddDate(0, 1, 0).Format(time.DateOnly), chromedp.ByQuery),
				chromedp.Click(`#action-items button[type=submit]`, chromedp.ByQuery),
				chromedp.WaitVisible(`//tr[contains(., "Validate payment configuration before deploys")]`, chromedp.BySearch),
			)
			// The autosaved text came back with the page.
			var summary string
			b.run(t, "read the saved summary", chromedp.Value(`textarea#f-summary`, &summary, chromedp.ByQuery))
			if summary != "Checkouts **failed** for a few minutes." {
				t.Fatalf("summary after reload = %q", summary)
			}

			// Preview: as the public will see it.
			b.run(t, "preview",
				chromedp.Click(`#pm-form button[name=preview]`, chromedp.ByQuery),
				chromedp.WaitVisible(`.pm-preview-frame`, chromedp.ByQuery),
			)
			preview := b.text(t)
			mustContain(t, "preview", preview, "Draft – not public", "Checkouts failed for a few minutes.",
				"A configuration change disabled the payment provider's client.", "Validate payment configuration before deploys",
				"Remediation", "Affected components", "API")
			if strings.Contains(preview, "Payments team") {
				t.Error("the preview shows the action item's owner")
			}

			// Back in the editor, type one more section and publish at once,
			// before any autosave: Publish saves the editor first, and
			// leaving asks nothing (issue 14).
			b.run(t, "back to the editor", chromedp.Navigate(consoleURL+"/postmortem"), chromedp.WaitVisible(`textarea#f-went_well`, chromedp.ByQuery))
			var notify bool
			b.run(t, "read the notify box", chromedp.Evaluate(`document.querySelector("#publish input[name=notify]").checked`, &notify))
			if !notify {
				t.Error("notify subscribers is not ticked for the first publication")
			}
			// The blameless check runs as one types.
			b.run(t, "type a blaming sentence",
				chromedp.SendKeys(`textarea#f-went_wrong`, "The canary stage was skipped when Dave forgot it.", chromedp.ByQuery),
				chromedp.WaitVisible(`//div[@id="blameless"]//li[contains(., "Dave forgot")]`, chromedp.BySearch),
			)
			b.run(t, "type and publish at once",
				chromedp.SendKeys(`textarea#f-went_well`, "The rollback took one command.", chromedp.ByQuery),
				chromedp.Click(`#publish button.primary[type=submit]`, chromedp.ByQuery),
				chromedp.WaitVisible(`//p[contains(., "Published the postmortem; subscribers will be notified.")]`, chromedp.BySearch),
			)

			// The customer's side: the postmortem above the timeline, with
			// its durations and the remediation list; never the owner.
			b.run(t, "read the incident page", chromedp.Navigate(s.URL+"/incidents/"+id), chromedp.WaitVisible(`#postmortem-heading`, chromedp.ByQuery))
			page := b.text(t)
			mustContain(t, "public incident page", page, "Checkout API errors", "Postmortem", "Checkouts failed for a few minutes.",
				"A configuration change disabled the payment provider's client.", "Remediation",
				"Validate payment configuration before deploys", "Checkouts work again.", "The rollback took one command.")
			if strings.Contains(page, "Payments team") || strings.Contains(page, "Draft – not public") {
				t.Error("the public page shows the action item's owner or a draft marker")
			}
			if strings.Index(page, "Checkouts failed for a few minutes.") > strings.Index(page, "Checkouts work again.") {
				t.Error("the postmortem is not above the timeline")
			}
			b.noErrors(t)
		})
	}
}
