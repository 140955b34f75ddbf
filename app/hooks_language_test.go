package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/app/notify"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// Chat subscribers (Slack, Discord, Teams) get their messages in their own
// language, field labels included: the console form offers the language
// (PAGE_LANGUAGE first and by default); a code that is not enabled is a
// 422 naming the field, with nothing stored.
func TestChatInSubscribersLanguage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		api := addComponent(t, db, models.Component{Name: "API"})
		slackKo, discordKo, teamsDe, slackDefault := newReceiver(t, nil), newReceiver(t, nil), newReceiver(t, nil), newReceiver(t, nil)
		a, _ := hookApp(t, db, &notify.MemoryMailer{}, nil)
		editor := signIn(t, a.Handler(), db, models.RoleEditor)

		form := wantAdminPage(t, editor.Get("/admin/subscribers/new"), http.StatusOK)
		contains(t, form, `name="language"`, `<option value="en">English</option>`, `<option value="ko">한국어</option>`)
		if strings.Index(form, `<option value="en">`) > strings.Index(form, `<option value="ko">`) {
			t.Error("the page's language (en) is not the first, default, choice")
		}

		rec := editor.PostForm("/admin/subscribers", url.Values{"channel": {"slack"}, "endpoint": {slackKo.URL + "/x"},
			"language": {"xx"}, "kinds": {"incidents"}})
		body := wantAdminPage(t, rec, http.StatusUnprocessableEntity)
		contains(t, body, "must be one of en, de, ko", `href="#f-language"`)
		if n, err := db.CountSubscribersWithStatus(context.Background(), ""); err != nil || n != 0 {
			t.Fatalf("%d subscribers stored after a bad language (%v), want none", n, err)
		}

		for _, s := range []struct {
			channel, language string
			rv                *receiver
		}{{"slack", "ko", slackKo}, {"discord", "ko", discordKo}, {"teams", "de", teamsDe}, {"slack", "", slackDefault}} {
			wantRedirect(t, editor.PostForm("/admin/subscribers", url.Values{"channel": {s.channel}, "endpoint": {s.rv.URL + "/hook"},
				"language": {s.language}, "component_ids": {api.ID}, "kinds": {"incidents"}}), "/admin/subscribers")
		}

		openIncident(t, db, models.NewIncident{Name: "API errors", Status: models.Investigating, Body: "Requests fail.",
			Impact: models.ImpactMajor, Components: map[string]string{api.ID: models.PartialOutage}, Notify: true})
		runNotifier(t, a)
		eventually(t, "all delivered", func() bool { return settled(t, db) })

		one := func(name string, rv *receiver) string {
			t.Helper()
			got := rv.Received()
			if len(got) != 1 {
				t.Fatalf("%s got %d messages, want 1", name, len(got))
			}
			return string(got[0].Body)
		}
		var slack struct {
			Blocks []struct {
				Fields []struct{ Text string } `json:"fields"`
			} `json:"blocks"`
		}
		ko := one("Korean Slack", slackKo)
		if err := json.Unmarshal([]byte(ko), &slack); err != nil || len(slack.Blocks) < 2 || len(slack.Blocks[1].Fields) < 3 {
			t.Fatalf("Korean Slack message: %v %s", err, ko)
		}
		for i, want := range []string{"*상태*\n조사 중", "*영향*\n심각", "*영향받는 구성 요소*\nAPI"} {
			if got := slack.Blocks[1].Fields[i].Text; got != want {
				t.Errorf("Korean Slack field %d = %q, want %q", i, got, want)
			}
		}
		contains(t, ko, "장애 보기", "Acme Cloud 상태")
		for _, english := range []string{"*Status*", "*Impact*", "View incident", "Investigating"} {
			if strings.Contains(ko, english) {
				t.Errorf("the Korean Slack message says %q: %s", english, ko)
			}
		}
		contains(t, one("Korean Discord", discordKo), `"name":"상태"`, `"name":"영향"`, `"value":"심각"`, `"username":"Acme Cloud 상태"`)
		contains(t, one("German Teams", teamsDe), `"title":"Status"`, `"title":"Auswirkung"`, `"value":"erheblich"`, `"title":"Störung ansehen"`)
		contains(t, one("default Slack", slackDefault), `*Status*\nInvestigating`, `*Impact*\nmajor`, "View incident")
	})
}
