package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// The problems a reader sees on the public side are in their language:
// the subscribe form's field problems (after the field's translated name,
// 422, nothing stored), the expired-link page and the 404 page. The API
// keeps its English messages.
func TestPublicProblemsInLanguages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		post := func(lang string, form url.Values) *httptest.ResponseRecorder {
			t.Helper()
			req := httptest.NewRequest(http.MethodPost, "/subscribe", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.Header.Set("Accept-Language", lang)
			return serve(h, req)
		}
		for _, tt := range []struct {
			name, lang string
			form       url.Values
			field      string
			wants      []string
			english    string
		}{
			{"German bad email", "de-DE", url.Values{"email": {"nicht-eine-adresse"}}, "email",
				[]string{`<html lang="de"`, "<title>Abonnieren · ", "Es gibt ein Problem", "E-Mail-Adresse muss eine E-Mail-Adresse wie name@example.com sein."},
				"must be an email address"},
			{"Korean empty email", "ko-KR", url.Values{"email": {""}}, "email",
				[]string{`<html lang="ko"`, "<title>구독 · ", "문제가 있습니다", "이메일 주소 항목을 입력해 주세요."},
				"must not be empty"},
			{"Korean webhook scheme", "ko", url.Values{"email": {"ops@example.com"}, "endpoint": {"ftp://example.com/hook"}}, "endpoint",
				[]string{"웹훅 URL 값은 http:// 또는 https:// URL이어야 합니다."},
				"must be an http"},
			{"German unknown component", "de", url.Values{"email": {"ann@example.com"}, "component_ids": {"nosuchcomponent"}}, "component_ids",
				[]string{"Komponenten enthält eine Komponente, die es (nicht mehr) gibt"},
				"has no component"},
			{"Korean unknown kind", "ko", url.Values{"email": {"ann@example.com"}, "kinds": {"gossip"}}, "kinds",
				[]string{"업데이트 항목은 장애, 점검, 사후 분석 중에서 골라 주세요."},
				"must be incidents"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				rec := post(tt.lang, tt.form)
				body := wantPage(t, rec, http.StatusUnprocessableEntity)
				mustHave(t, tt.name, body, append(tt.wants, `href="#f-`+tt.field+`"`)...)
				if strings.Contains(body, tt.english) {
					t.Errorf("%s: the page still says the English %q", tt.name, tt.english)
				}
				n, err := db.CountSubscribersWithStatus(context.Background(), "")
				if err != nil {
					t.Fatal(err)
				}
				if n != 0 {
					t.Errorf("%s: %d subscribers stored, want none", tt.name, n)
				}
			})
		}

		getIn := func(path, lang string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("Accept-Language", lang)
			return serve(h, req)
		}
		mustHave(t, "German 404", wantPage(t, getIn("/nope", "de"), http.StatusNotFound),
			`<html lang="de"`, "Seite nicht gefunden", "Die gesuchte Seite gibt es nicht.")
		mustHave(t, "Korean 404", wantPage(t, getIn("/incidents/"+models.NewID(), "ko"), http.StatusNotFound),
			`<html lang="ko"`, "페이지를 찾을 수 없습니다", "찾으시는 페이지가 없습니다.")
		mustHave(t, "English 404", wantPage(t, getIn("/nope", "en"), http.StatusNotFound),
			"Page not found", "The page you are looking for does not exist.")
		mustHave(t, "Korean expired link", wantPage(t, getIn("/subscriptions/manage/not-a-token", "ko"), http.StatusNotFound),
			"유효하지 않은 링크입니다")

		mustHave(t, "German unknown language", wantPage(t, getIn("/language?lang=xx", "de"), http.StatusBadRequest),
			"Ungültige Anfrage", "lang muss eine der Sprachen")

		// Too many requests for one address: the form again, saying so in Korean.
		var rec *httptest.ResponseRecorder
		for i := 0; i < 6; i++ {
			rec = post("ko", url.Values{"email": {"minji@example.com"}})
		}
		mustHave(t, "Korean throttle", wantPage(t, rec, http.StatusTooManyRequests),
			"구독 요청이 너무 많습니다. 아무것도 보내지 않았습니다.", "후에 다시 시도해 주세요")

		// The API stays English.
		rec = getIn("/v1/nope", "de")
		if rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "Seite") {
			t.Errorf("API 404 in German: %d %s, want English JSON", rec.Code, rec.Body)
		}
	})
}
