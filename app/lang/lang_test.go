package lang_test

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app/lang"
	"github.com/beaconstatus/beacon/models"
)

// TestCatalogsComplete fails on a message of the English catalog missing
// from another shipped catalog, or one that only another has: a new
// language (docs/languages.md) is complete when this passes.
func TestCatalogsComplete(t *testing.T) {
	en, err := lang.MessageIDs(lang.Default)
	if err != nil {
		t.Fatal(err)
	}
	shipped := lang.Shipped()
	for _, want := range []string{"en", "de", "ko"} {
		if !slices.Contains(shipped, want) {
			t.Errorf("%s is not shipped (have %v)", want, shipped)
		}
	}
	for _, code := range shipped {
		ids, err := lang.MessageIDs(code)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range en {
			if !slices.Contains(ids, id) {
				t.Errorf("catalog %s lacks %q", code, id)
			}
		}
		for _, id := range ids {
			if !slices.Contains(en, id) {
				t.Errorf("catalog %s has %q, which English does not", code, id)
			}
		}
	}
	// Each message of each language words without error: a broken
	// placeholder or plural shows as the bare id.
	c, err := lang.NewCatalog(nil, "en")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range c.Langs() {
		for _, id := range en {
			if got := l.T(id, "Name", "x", "Count", 2, "Email", "a@b.c", "Status", "s", "Zone", "z",
				"Percent", "1%", "Date", "d", "Duration", "1", "Page", 1, "Pages", 2, "Time", "t", "Component", "c", "Incident", "i"); got == id || got == "" {
				t.Errorf("%s: %q does not word", l.Code, id)
			}
		}
	}
}

func TestNegotiate(t *testing.T) {
	c, err := lang.NewCatalog(nil, "en")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ url, cookie, accept, want string }{
		{"/", "", "", "en"},
		{"/", "", "de-CH,de;q=0.9,en;q=0.5", "de"},
		{"/", "", "ko-KR,ko;q=0.9", "ko"},
		{"/", "", "fr-FR,fr;q=0.9", "en"},
		{"/", "", "garbage;;;q=x", "en"},
		{"/", "ko", "de", "ko"},
		{"/", "xx", "de", "de"},
		{"/?lang=de", "ko", "en", "de"},
		{"/?lang=zz", "", "ko", "ko"},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", tt.url, nil)
		if tt.cookie != "" {
			req.Header.Set("Cookie", "lang="+tt.cookie)
		}
		if tt.accept != "" {
			req.Header.Set("Accept-Language", tt.accept)
		}
		if got := c.Of(req).Code; got != tt.want {
			t.Errorf("%s cookie %q Accept-Language %q: %s, want %s", tt.url, tt.cookie, tt.accept, got, tt.want)
		}
	}
	only, err := lang.NewCatalog([]string{"de"}, "de")
	if err != nil {
		t.Fatal(err)
	}
	if only.Multi() || only.Of(httptest.NewRequest("GET", "/?lang=ko", nil)).Code != "de" {
		t.Error("a single enabled language is not the only answer")
	}
	if _, err := lang.NewCatalog([]string{"en", "xx"}, "en"); err == nil || !strings.Contains(err.Error(), `"xx"`) {
		t.Errorf("unknown language: %v", err)
	}
	if _, err := lang.NewCatalog([]string{"en"}, "de"); err == nil {
		t.Error("a default outside the enabled languages was accepted")
	}
}

func TestWording(t *testing.T) {
	c, err := lang.NewCatalog(nil, "en")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 5, 14, 7, 0, 0, time.UTC)
	for _, tt := range []struct{ code, date, dur string }{
		{"en", "Mar 5, 2026", "1 day 2 hrs"},
		{"de", "5. März 2026", "1 Tag 2 Std."},
		{"ko", "2026년 3월 5일", "1일 2시간"},
	} {
		l := c.Get(tt.code)
		if got := l.Format(at, "format_date"); got != tt.date {
			t.Errorf("%s date %q, want %q", tt.code, got, tt.date)
		}
		if got := l.Duration(26 * time.Hour); got != tt.dur {
			t.Errorf("%s duration %q, want %q", tt.code, got, tt.dur)
		}
	}
}

// Every status, postmortem section and figure the models know has its
// message, so a new one cannot show up as a bare key.
func TestCatalogCoversTheModels(t *testing.T) {
	ids, err := lang.MessageIDs(lang.Default)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{}
	for _, s := range models.PostmortemSections {
		want = append(want, "pm_section_"+s.Key)
	}
	for _, f := range models.Figures {
		want = append(want, "pm_figure_"+f.Key)
	}
	for _, s := range models.ActionItemStatuses {
		want = append(want, "action_"+s)
	}
	for _, s := range models.ComponentStatuses {
		want = append(want, "status_"+s)
	}
	for _, s := range []string{models.Investigating, models.Identified, models.Monitoring, models.Resolved, models.StatusPostmortem,
		models.Scheduled, models.InProgress, models.Verifying, models.Completed} {
		want = append(want, "incident_"+s)
	}
	for _, id := range want {
		if !slices.Contains(ids, id) {
			t.Errorf("the catalog lacks %q", id)
		}
	}
}
