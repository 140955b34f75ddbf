package main_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

var activeIncidentRE = regexp.MustCompile(`active: ([a-z0-9]+)\)`)

// TestWidgetInBrowser embeds the widget on another site that has a strict
// Content-Security-Policy: it reads the summary across origins, shows the
// demo's open incident with a link to it, and can be dismissed.
func TestWidgetInBrowser(t *testing.T) {
	chromiumPath(t)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			env := freshEnv(t, dialect, "PAGE_NAME=Acme Cloud")
			out, errOut, code := runBeacon(t, env, "", "demo")
			m := activeIncidentRE.FindStringSubmatch(out)
			if code != 0 || m == nil {
				t.Fatalf("demo: %d %s %s", code, out, errOut)
			}
			s := startServer(t, env)
			customer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src "+s.URL+"; connect-src "+s.URL)
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><head><title>Customer</title></head>`+
					`<body><h1>Customer site</h1><script src="%s/widget.js" async></script></body></html>`, s.URL)
			}))
			t.Cleanup(customer.Close)

			b := newBrowser(t)
			b.run(t, "open the customer's page", chromedp.Navigate(customer.URL),
				chromedp.WaitVisible(".beacon-widget", chromedp.ByQuery))
			var text, href string
			var ok bool
			b.run(t, "read the banner",
				chromedp.Text(".beacon-widget", &text, chromedp.ByQuery),
				chromedp.AttributeValue(".beacon-widget a", "href", &href, &ok, chromedp.ByQuery))
			mustContain(t, "the banner", text, "Delayed webhook deliveries", "Monitoring", "View status")
			if !ok || !strings.HasSuffix(href, "/incidents/"+m[1]) {
				t.Errorf("banner links to %q, want the incident %s", href, m[1])
			}
			b.run(t, "dismiss the banner",
				chromedp.Click(".beacon-widget button", chromedp.ByQuery),
				chromedp.WaitNotPresent(".beacon-widget", chromedp.ByQuery))
			b.noErrors(t)
		})
	}
}
