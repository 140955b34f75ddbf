package main_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/beaconstatus/beacon/models/dbtest"
)

// chromiumPath finds Debian's chromium. Without it the browser tests are
// skipped loudly, or fail when CI is set.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is required when CI is set (apt-get install chromium)")
	}
	fmt.Fprintln(os.Stderr, "\n!!! SKIPPING browser tests: chromium not found (apt-get install chromium)")
	t.Skip("chromium not found")
	return ""
}

// browser is a headless chromium tab that records the page's script
// errors, failed loads and CSP violations.
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

// newBrowser starts a headless chromium for the test, closed when it
// ends. Starting it and each step of b.run are bounded by the test's
// dbtest.WaitDeadline, not by fixed timeouts: on a loaded machine
// chromium may take long to start and a step minutes, and a page that
// never shows what a step waits for still fails the test, naming the step.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	start := time.Until(dbtest.WaitDeadline(t))
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, // root in CI containers
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
		chromedp.WSURLReadTimeout(start), // chromedp's default: 20s
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx, chromedp.WithBrowserOption(chromedp.WithDialTimeout(start))) // default: 10s
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	return watch(t, ctx)
}

// newWindow is another person's window in the same chromium: a tab in a
// browser context of its own, so it shares no cookies with b.
func (b *browser) newWindow(t *testing.T) *browser {
	t.Helper()
	// chromedp's WithNewBrowserContext opens its tab without a window,
	// which headless chromium refuses ("no browser is open"): open a
	// window in the new context here and attach to it.
	var id target.ID
	b.run(t, "open a new window", chromedp.ActionFunc(func(ctx context.Context) error {
		browser := cdp.WithExecutor(ctx, chromedp.FromContext(ctx).Browser)
		bc, err := target.CreateBrowserContext().WithDisposeOnDetach(true).Do(browser)
		if err != nil {
			return err
		}
		id, err = target.CreateTarget("about:blank").WithBrowserContextID(bc).WithNewWindow(true).Do(browser)
		return err
	}))
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithTargetID(id))
	t.Cleanup(cancel)
	return watch(t, ctx)
}

// watch starts recording the tab's errors.
func watch(t *testing.T, ctx context.Context) *browser {
	t.Helper()
	b := &browser{ctx: ctx}
	chromedp.ListenTarget(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			b.errors = append(b.errors, "exception: "+ev.ExceptionDetails.Error())
		case *page.EventJavascriptDialogOpening:
			// No page of Beacon's should raise a dialog the test did not
			// expect (a "Leave site?" prompt): record it and dismiss it so
			// the page goes on.
			b.errors = append(b.errors, "dialog: "+string(ev.Type)+" "+ev.Message)
			go chromedp.Run(ctx, page.HandleJavaScriptDialog(true))
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.LevelError {
				b.errors = append(b.errors, "console: "+ev.Entry.Text)
			}
		}
	})
	if err := chromedp.Run(ctx, log.Enable()); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

// run performs the actions, failing the test with what step failed.
func (b *browser) run(t *testing.T, step string, actions ...chromedp.Action) {
	t.Helper()
	ctx, cancel := context.WithDeadline(b.ctx, dbtest.WaitDeadline(t))
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		// Where it was, for the message (the deadline may be past: the
		// margin before go test's own leaves time for this).
		var url string
		lctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		defer cancel()
		chromedp.Run(lctx, chromedp.Location(&url))
		t.Fatalf("%s (at %s): %v", step, url, err)
	}
}

// text returns the visible text of the page's body.
func (b *browser) text(t *testing.T) string {
	t.Helper()
	var s string
	b.run(t, "read the page", chromedp.Text("body", &s, chromedp.ByQuery))
	return s
}

func (b *browser) location(t *testing.T) string {
	t.Helper()
	var s string
	b.run(t, "read the location", chromedp.Location(&s))
	return s
}

// noErrors fails on any script error, failed load or CSP violation seen.
func (b *browser) noErrors(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errors {
		t.Errorf("browser: %s", e)
	}
}

var setupCodeRE = regexp.MustCompile(`setup_code=([A-Z0-9]{4}(?:-[A-Z0-9]{4}){3})`)

// demoServer serves the demo page from a fresh database of the dialect and
// returns the server and the setup code it logged (no administrator yet).
// vars add to or override its environment.
func demoServer(t *testing.T, dialect string, vars ...string) (*server, string) {
	t.Helper()
	env := freshEnv(t, dialect, append([]string{"PAGE_NAME=Acme Cloud", "PAGE_TIME_ZONE=Europe/Berlin"}, vars...)...)
	if out, errOut, code := runBeacon(t, env, "", "demo"); code != 0 {
		t.Fatalf("demo: %d %s %s", code, out, errOut)
	}
	s := startServer(t, env)
	var code string
	if !waitFor(t, func() bool {
		m := setupCodeRE.FindStringSubmatch(s.Logs.String())
		if m != nil {
			code = m[1]
		}
		return m != nil
	}) {
		t.Fatalf("no setup code in the server log:\n%s", s.Logs)
	}
	return s, code
}

// TestConsoleInBrowser is an operator's first day in a real browser: set up
// the first administrator with the code from the log, open an incident on
// a component, post an update, and read both on the public page.
func TestConsoleInBrowser(t *testing.T) {
	chromiumPath(t)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			s, code := demoServer(t, dialect)
			b := newBrowser(t)

			// First run: /admin leads to the setup form.
			b.run(t, "open the console", chromedp.Navigate(s.URL+"/admin"), chromedp.WaitVisible(`input[name=setup_code]`, chromedp.ByQuery))
			b.run(t, "create the first administrator",
				chromedp.SendKeys(`input[name=setup_code]`, code, chromedp.ByQuery),
				chromedp.SendKeys(`input[name=email]`, "ops@acme.test", chromedp.ByQuery),
				chromedp.SendKeys(`input[name=name]`, "Olivia Ops", chromedp.ByQuery),
				chromedp.SendKeys(`input[name=password]`, "correct horse battery", chromedp.ByQuery),
				chromedp.Click(`form[action="/admin/setup"] button[type=submit]`, chromedp.ByQuery),
				chromedp.WaitVisible(`a[href="/admin/incidents/new"]`, chromedp.ByQuery),
			)

			// Open an incident from the dashboard: API goes into a major outage.
			b.run(t, "open the new incident form",
				chromedp.Click(`a[href="/admin/incidents/new"]`, chromedp.ByQuery),
				chromedp.WaitVisible(`form[action="/admin/incidents"] input[name=name]`, chromedp.ByQuery),
			)
			var apiSelect []*cdp.Node
			b.run(t, "find the API component", chromedp.Nodes(`//label[.//span[normalize-space()="API"]]/following-sibling::select`, &apiSelect, chromedp.BySearch))
			b.run(t, "fill in the incident",
				chromedp.SendKeys(`form[action="/admin/incidents"] input[name=name]`, "Checkout API errors", chromedp.ByQuery),
				chromedp.SendKeys(`form[action="/admin/incidents"] textarea[name=body]`, "We are investigating **failed** checkouts.", chromedp.ByQuery),
				chromedp.SetValue([]cdp.NodeID{apiSelect[0].NodeID}, "major_outage", chromedp.ByNodeID),
				chromedp.Click(`form[action="/admin/incidents"] button.primary[type=submit]`, chromedp.ByQuery),
				chromedp.WaitVisible(`#post-update form textarea[name=body]`, chromedp.ByQuery),
			)
			consoleURL := b.location(t)
			id := consoleURL[strings.LastIndex(consoleURL, "/")+1:]
			if page := b.text(t); !strings.Contains(page, "Checkout API errors") || !strings.Contains(page, "failed checkouts") {
				t.Fatalf("console incident page lacks the incident:\n%s", page)
			}

			// Post an update.
			b.run(t, "post an update",
				chromedp.Click(`#post-update input[name=status][value=identified]`, chromedp.ByQuery),
				chromedp.SendKeys(`#post-update textarea[name=body]`, "A bad deploy; rolling back now.", chromedp.ByQuery),
				chromedp.Click(`#post-update button.primary[type=submit]`, chromedp.ByQuery),
				// The page comes back with the update in its timeline.
				chromedp.WaitVisible(`//p[contains(., "A bad deploy; rolling back now.")]`, chromedp.BySearch),
			)

			// The public page shows both, and API in a major outage.
			b.run(t, "read the status page", chromedp.Navigate(s.URL+"/"), chromedp.WaitVisible(`main`, chromedp.ByQuery))
			page := b.text(t)
			mustContain(t, "public status page", page, "Checkout API errors", "A bad deploy; rolling back now.", "Major Outage")
			b.run(t, "read the incident page", chromedp.Navigate(s.URL+"/incidents/"+id), chromedp.WaitVisible(`main`, chromedp.ByQuery))
			page = b.text(t)
			mustContain(t, "public incident page", page, "Checkout API errors", "Identified", "A bad deploy; rolling back now.", "We are investigating failed checkouts.")
			b.noErrors(t)
		})
	}
}
