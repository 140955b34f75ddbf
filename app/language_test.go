package app_test

import (
	"context"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app"
	"github.com/beaconstatus/beacon/app/links"
	"github.com/beaconstatus/beacon/app/notify"
	"github.com/beaconstatus/beacon/app/smtptest"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// A reader who subscribes on the Korean page is remembered as Korean: the
// confirmation and the incident's update reach them in Korean, over SMTP;
// a subscriber from the English page gets the same update in English.
func TestEmailInSubscribersLanguage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		srv := smtptest.Start(t, smtptest.Options{})
		a, _ := mailApp(t, db, srv, nil, fastRetries, map[string]string{"BRAND_ACCENT_COLOR": "#0b5cad"})
		h := a.Handler()
		api := models.Component{Name: "API"}
		if err := db.CreateComponent(context.Background(), &api, "test"); err != nil {
			t.Fatal(err)
		}
		subscribe := func(email, acceptLanguage string) {
			req := httptest.NewRequest(http.MethodPost, "/subscribe", strings.NewReader(url.Values{"email": {email}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", "https://status.acme.test")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.Header.Set("Accept-Language", acceptLanguage)
			rec := serve(h, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("subscribe %s: %d %s", email, rec.Code, rec.Body)
			}
		}
		subscribe("minji@example.test", "ko-KR,ko;q=0.9,en;q=0.5")
		subscribe("ann@example.test", "en-GB,en;q=0.9")
		for email, want := range map[string]string{"minji@example.test": "ko", "ann@example.test": "en"} {
			s, err := db.FindSubscriber(context.Background(), email)
			if err != nil {
				t.Fatal(err)
			}
			if s.Language != want {
				t.Errorf("%s subscribed in %q, want %q", email, s.Language, want)
			}
		}

		runNotifier(t, a)
		eventually(t, "two confirmations", func() bool { return srv.Total() >= 2 })
		confirm := map[string]parsedMail{}
		for _, m := range srv.Messages() {
			confirm[m.To[0]] = parseMail(t, m)
		}
		ko := confirm["minji@example.test"]
		dec := new(mime.WordDecoder)
		subject, _ := dec.DecodeHeader(ko.Header.Get("Subject"))
		if subject != "[Acme Cloud] 구독 확인" {
			t.Errorf("Korean confirmation subject %q", subject)
		}
		for _, part := range []string{ko.Text, ko.HTML} {
			mustHave(t, "Korean confirmation", part, "이 메시지를 무시하세요", "구독 관리 또는 해지")
		}
		mustHave(t, "Korean confirmation HTML", ko.HTML, `<html lang="ko">`, "구독 확인하기", "background:#0b5cad", "border-top:4px solid #0b5cad")
		mustHave(t, "English confirmation", confirm["ann@example.test"].Text, "If it was not you, ignore this message")

		// Both confirm; an incident update reaches each in their language.
		for _, email := range []string{"minji@example.test", "ann@example.test"} {
			s, err := db.FindSubscriber(context.Background(), email)
			if err != nil {
				t.Fatal(err)
			}
			rec := serve(h, httptest.NewRequest(http.MethodPost, a.SubscriberLinkPath(links.Confirm, s.ID, s.TokenVersion, time.Now()), nil))
			if rec.Code != http.StatusOK {
				t.Fatalf("confirm %s: %d", email, rec.Code)
			}
		}
		openIncident(t, db, models.NewIncident{Name: "API errors", Body: "We are looking into it.", Notify: true,
			Components: map[string]string{api.ID: models.PartialOutage}})
		a.WakeNotifier()
		eventually(t, "the updates", func() bool { return srv.Total() >= 4 })
		update := map[string]parsedMail{}
		for _, m := range srv.Messages()[2:] {
			update[m.To[0]] = parseMail(t, m)
		}
		ko = update["minji@example.test"]
		subject, _ = dec.DecodeHeader(ko.Header.Get("Subject"))
		if subject != "[Acme Cloud] 조사 중: API errors" {
			t.Errorf("Korean update subject %q", subject)
		}
		mustHave(t, "Korean update", ko.Text, "영향: API", "API: 정상 운영 → 부분 장애", "게시: 20", "년", "구독 관리", "구독 해지")
		mustHave(t, "English update", update["ann@example.test"].Text, "Affected: API", "API: Operational → Partial Outage", "Manage your subscription")
	})
}

func mustHave(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}

// The page answers in the reader's language: Accept-Language among the
// enabled ones, the switch's cookie over it, PAGE_LANGUAGE as the default;
// <html lang> matches; the snapshot keeps one rendition per language
// (a second request is a hit, not a render) and says Vary.
func TestPageLanguages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		addComponent(t, db, models.Component{Name: "API", Showcase: true})
		a := newTestApp(t, db, map[string]string{"PAGE_LANGUAGE": "de"})
		h := a.Handler()
		page := func(acceptLanguage, cookie string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if acceptLanguage != "" {
				req.Header.Set("Accept-Language", acceptLanguage)
			}
			if cookie != "" {
				req.Header.Set("Cookie", "lang="+cookie)
			}
			return serve(h, req)
		}
		for _, tt := range []struct{ accept, cookie, lang, says string }{
			{"", "", "de", "Alle Systeme betriebsbereit"},
			{"fr-FR,fr;q=0.9", "", "de", "Systemstatus"},
			{"ko-KR,ko;q=0.9", "", "ko", "모든 시스템 정상 운영 중"},
			{"en-US,en;q=0.8", "", "en", "All Systems Operational"},
			{"en-US", "ko", "ko", "시스템 상태"},
		} {
			rec := page(tt.accept, tt.cookie)
			body := rec.Body.String()
			if rec.Code != http.StatusOK || !strings.Contains(body, `<html lang="`+tt.lang+`">`) || !strings.Contains(body, tt.says) {
				t.Errorf("Accept-Language %q, cookie %q: %d, want %s saying %q", tt.accept, tt.cookie, rec.Code, tt.lang, tt.says)
			}
			if v := rec.Header().Get("Vary"); v != "Accept-Encoding, Accept-Language, Cookie" {
				t.Errorf("Vary %q", v)
			}
		}
		// One rendition per language: asking again renders nothing.
		builds := func(key string) uint64 { n, _ := a.SnapshotBuilds(key); return n }
		before := builds("/\x00ko")
		if before == 0 {
			t.Fatal("no Korean rendition")
		}
		page("ko", "")
		if builds("/\x00ko") != before {
			t.Error("the Korean page was rendered again")
		}
		if builds("/") == 0 || builds("/\x00en") == 0 {
			t.Error("no German (default) or English rendition")
		}

		// The feeds' fixed words and the badge follow too.
		for path, wants := range map[string][]string{
			"/history.atom": {"Status von Acme Cloud: Störungsverlauf", "Störungen und geplante Wartungen von Acme Cloud."},
			"/history.rss":  {"Status von Acme Cloud: Störungsverlauf"},
			"/badge.svg":    {"Alle Systeme betriebsbereit"},
		} {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("Accept-Language", "de-DE")
			body := serve(h, req).Body.String()
			for _, w := range wants {
				if !strings.Contains(body, w) {
					t.Errorf("%s in German lacks %q", path, w)
				}
			}
		}

		// The switch: a cookie and back to the page; an unknown code is a 400 naming lang, said in the reader's language (German, the default here).
		rec := get(t, h, "/language?lang=ko&next=/history")
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/history" || !strings.Contains(rec.Header().Get("Set-Cookie"), "lang=ko") {
			t.Errorf("switch: %d %q %q", rec.Code, rec.Header().Get("Location"), rec.Header().Get("Set-Cookie"))
		}
		if rec := get(t, h, "/language?lang=ko&next=//evil.test/"); rec.Header().Get("Location") != "/" {
			t.Errorf("switch to another site: %q", rec.Header().Get("Location"))
		}
		rec = get(t, h, "/language?lang=xx")
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "lang muss eine der Sprachen") || rec.Header().Get("Set-Cookie") != "" {
			t.Errorf("unknown language: %d %s", rec.Code, rec.Header().Get("Set-Cookie"))
		}
	})
}

// PAGE_LANGUAGES and PAGE_LANGUAGE with a code Beacon does not ship, or a
// default that is not enabled, stop the server with the variable named;
// so does bad branding in the environment.
func TestLanguageAndBrandingConfig(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		says string
	}{
		{map[string]string{"PAGE_LANGUAGES": "en,xx"}, "PAGE_LANGUAGES"},
		{map[string]string{"PAGE_LANGUAGE": "fr"}, "PAGE_LANGUAGE"},
		{map[string]string{"PAGE_LANGUAGES": "de", "PAGE_LANGUAGE": "ko"}, "PAGE_LANGUAGE"},
	} {
		if _, err := app.LoadConfig(envOf(tt.env)); err == nil || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%v: %v, want an error naming %s", tt.env, err, tt.says)
		}
	}
	cfg, err := app.LoadConfig(envOf(map[string]string{"PAGE_LANGUAGES": "ko, de"}))
	if err != nil || strings.Join(cfg.Languages, ",") != "ko,de" || cfg.Language != "ko" {
		t.Errorf("PAGE_LANGUAGES=ko, de: %v %v %q", err, cfg.Languages, cfg.Language)
	}
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		for env, says := range map[string]string{
			"BRAND_ACCENT_COLOR": "BRAND_ACCENT_COLOR has a contrast of",
			"BRAND_LOGO_FILE":    "BRAND_LOGO_FILE: cannot read",
			"BRAND_FOOTER_LINKS": "BRAND_FOOTER_LINKS must be links",
		} {
			value := map[string]string{"BRAND_ACCENT_COLOR": "#eeeeee", "BRAND_LOGO_FILE": "/nonexistent.svg", "BRAND_FOOTER_LINKS": "nolabel"}[env]
			cfg, err := app.LoadConfig(func(k string) string {
				if k == env {
					return value
				}
				return testEnv[k]
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := app.New(context.Background(), cfg, db, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), says) {
				t.Errorf("%s=%s: %v, want %q", env, value, err, says)
			}
		}
	})
}

// The public words issues 15 and 17 added follow the reader's language
// too: the subscribe form's webhook field, the answer naming the endpoint
// with its secret, the contact's confirmation naming the endpoint, the
// footer's calendar link and the calendar's own name.
func TestChannelWordsInLanguages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		mm := &notify.MemoryMailer{}
		a, _ := hookApp(t, db, mm, nil)
		h := a.Handler()
		getIn := func(path, lang string) string {
			t.Helper()
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("Accept-Language", lang)
			rec := serve(h, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s in %s: %d", path, lang, rec.Code)
			}
			return rec.Body.String()
		}
		mustHave(t, "German subscribe form", getIn("/subscribe", "de-DE"), "Oder Meldungen per Webhook erhalten", "Webhook-URL")
		mustHave(t, "Korean status page", getIn("/", "ko-KR"), `<a href="/maintenance.ics">점검 일정 캘린더</a>`,
			"예정된 점검 (iCalendar)", "웹훅으로도 받을 수 있습니다")
		mustHave(t, "German calendar", getIn("/maintenance.ics", "de"), "X-WR-CALNAME:Acme Cloud: geplante Wartungen")
		mustHave(t, "English calendar", getIn("/maintenance.ics", "en"), "X-WR-CALNAME:Acme Cloud scheduled maintenance")

		// A webhook subscribed on the Korean page: the answer and the
		// contact's confirmation are Korean and name the endpoint.
		req := httptest.NewRequest(http.MethodPost, "/subscribe", strings.NewReader(url.Values{
			"email": {"ops@example.com"}, "endpoint": {"https://203.0.113.7/hook"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept-Language", "ko")
		body := wantPage(t, serve(h, req), http.StatusOK)
		mustHave(t, "Korean webhook answer", body, "웹훅 <strong>https://203.0.113.7/hook</strong>(으)로 업데이트가 전송됩니다",
			"<code>X-Beacon-Signature: t=…,v1=…</code> 헤더", "다시 표시되지 않습니다")
		runNotifier(t, a)
		eventually(t, "the contact asked to confirm", func() bool { return len(mm.Messages()) == 1 })
		m := mm.Messages()[0]
		mustHave(t, "Korean confirmation subject", m.Subject, "구독 확인")
		mustHave(t, "Korean confirmation", m.Text, "웹훅 https://203.0.113.7/hook(으)로 보내 달라고 요청했습니다")
		mustHave(t, "Korean confirmation HTML", m.HTML, "웹훅 <strong>https://203.0.113.7/hook</strong>(으)로", `<html lang="ko">`)
	})
}
