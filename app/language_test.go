package app_test

import (
	"context"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app/links"
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
		a, _ := mailApp(t, db, srv, nil, fastRetries, nil)
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
		mustHave(t, "Korean confirmation HTML", ko.HTML, `<html lang="ko">`, "구독 확인하기")
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
