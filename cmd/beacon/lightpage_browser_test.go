package main_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// maxLargePageElements is the bound on the large demo page's DOM: a third
// of the 16,600 elements it had before its uptime bars went to one element
// per day (docs/benchmarks.md).
const maxLargePageElements = 16_600 / 3

// TestLargePageInBrowser opens the large demo page (25 components, 90 days
// each) in chromium with JavaScript switched off: the page stays under
// maxLargePageElements, every day of every uptime bar is in the
// accessibility tree with its date and what happened, a day with downtime
// is reached with the Tab key and shows its tooltip, and a day with
// incidents opens a tooltip whose link the next Tab reaches and Enter
// follows.
func TestLargePageInBrowser(t *testing.T) {
	chromiumPath(t)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			env := freshEnv(t, dialect, "PAGE_NAME=Acme Cloud", "PAGE_TIME_ZONE=Europe/Berlin")
			if out, errOut, code := runBeacon(t, env, "", "demo", "--large"); code != 0 {
				t.Fatalf("demo --large: %d %s %s", code, out, errOut)
			}
			s := startServer(t, env)
			b := newBrowser(t)
			b.run(t, "switch JavaScript off", emulation.SetScriptExecutionDisabled(true))
			b.run(t, "open the large page", chromedp.Navigate(s.URL+"/"), chromedp.WaitReady(".bars", chromedp.ByQuery))

			var all []*cdp.Node
			b.run(t, "count the elements", chromedp.Nodes("*", &all, chromedp.ByQueryAll))
			if len(all) > maxLargePageElements {
				t.Errorf("the large page has %d elements, want at most %d", len(all), maxLargePageElements)
			}
			t.Logf("large page: %d elements", len(all))

			var days []*cdp.Node
			b.run(t, "find the days", chromedp.Nodes(".bars > *", &days, chromedp.ByQueryAll))
			if len(days) != 25*90 {
				t.Fatalf("%d days in the uptime bars, want %d", len(days), 25*90)
			}
			var downtime, incident *cdp.Node
			for _, d := range days {
				label, role := d.AttributeValue("aria-label"), d.AttributeValue("role")
				if !strings.Contains(label, ", 20") || !strings.Contains(label, ": ") || (role != "img" && role != "group") {
					t.Fatalf("day %s without its date and meaning: role %q, label %q", d.FullXPath(), role, label)
				}
				quiet := strings.Contains(d.AttributeValue("class"), "day-operational") && role == "img"
				if !quiet && !strings.Contains(d.AttributeValue("class"), "day-nodata") && d.AttributeValue("tabindex") != "0" {
					t.Errorf("day %q is not a tab stop", label)
				}
				if role == "img" && d.AttributeValue("tabindex") == "0" && downtime == nil {
					downtime = d
				}
				if role == "group" && incident == nil {
					incident = d
				}
			}
			if incident == nil {
				t.Fatal("the large page has no day with an incident")
			}

			// A screen reader finds each day under its label.
			sample := []*cdp.Node{days[0], days[len(days)-1], incident}
			if downtime != nil { // the large demo's downtime comes with incidents
				sample = append(sample, downtime)
			}
			for _, d := range sample {
				var nodes []*accessibility.Node
				b.run(t, "read the accessibility tree", chromedp.ActionFunc(func(ctx context.Context) error {
					var err error
					nodes, err = accessibility.GetPartialAXTree().WithBackendNodeID(d.BackendNodeID).WithFetchRelatives(false).Do(ctx)
					return err
				}))
				if len(nodes) == 0 || nodes[0].Ignored || nodes[0].Name == nil || !strings.Contains(string(nodes[0].Name.Value), d.AttributeValue("aria-label")) {
					t.Errorf("day %q is not in the accessibility tree under its label: %+v", d.AttributeValue("aria-label"), nodes)
				}
			}

			// The keyboard: a day with incidents takes the focus and opens
			// its tooltip; the next Tab reaches the incident's link and
			// Enter follows it.
			var links []*cdp.Node
			b.run(t, "focus the day with an incident",
				chromedp.Focus([]cdp.NodeID{incident.NodeID}, chromedp.ByNodeID),
				chromedp.WaitVisible(".tip a", chromedp.ByQuery, chromedp.FromNode(incident)),
				chromedp.Nodes(".tip a", &links, chromedp.ByQueryAll, chromedp.FromNode(incident)),
				chromedp.KeyEvent(kb.Tab))
			var active []*cdp.Node
			b.run(t, "find the focused link", chromedp.Nodes(":focus", &active, chromedp.ByQuery))
			if active[0].NodeID != links[0].NodeID {
				t.Fatalf("Tab from the day with an incident went to %s, not its link", active[0].FullXPath())
			}
			href := links[0].AttributeValue("href")
			b.run(t, "follow the incident's link with Enter",
				chromedp.KeyEvent(kb.Enter),
				chromedp.WaitVisible(".incident-header", chromedp.ByQuery))
			if loc := b.location(t); !strings.HasSuffix(loc, href) {
				t.Errorf("Enter on the tooltip's link led to %s, want %s", loc, href)
			}

			// From the top of the page, Tab reaches the first day with
			// downtime, and its tooltip (drawn by the stylesheet from its
			// label) shows.
			b.run(t, "back to the page", chromedp.Navigate(s.URL+"/"), chromedp.WaitReady(".bars", chromedp.ByQuery))
			var day *cdp.Node
			for i := 0; i < 200 && day == nil; i++ {
				b.run(t, "press Tab", chromedp.KeyEvent(kb.Tab), chromedp.Nodes(":focus", &active, chromedp.ByQuery))
				if strings.HasPrefix(active[0].AttributeValue("class"), "day-") {
					day = active[0]
				}
			}
			if day == nil {
				t.Fatal("200 presses of Tab did not reach a day of the uptime bars")
			}
			var tip string
			b.run(t, "read the tooltip", chromedp.Evaluate(`getComputedStyle(document.activeElement, "::after").content`, &tip))
			if label := day.AttributeValue("aria-label"); day.AttributeValue("role") == "img" && tip != `"`+label+`"` {
				t.Errorf("the focused day's tooltip is %s, want its label %q", tip, label)
			}
			if day.AttributeValue("role") == "group" {
				b.run(t, "see the focused day's tooltip", chromedp.WaitVisible(".tip", chromedp.ByQuery, chromedp.FromNode(day)))
			}
			b.noErrors(t)
		})
	}
}
