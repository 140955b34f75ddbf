package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/app/smtptest"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// Every email about one incident threads in mail clients (References and
// In-Reply-To name one id per incident), Message-IDs carry the page's id
// (a reset database does not reuse them), each message has a List-Id, its
// text part is plain text, and an update names its component changes.
func TestNotifyThreadsAndPlainText(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		srv := smtptest.Start(t, smtptest.Options{})
		addSubscribers(t, db, 1)
		api := addComponent(t, db, models.Component{Name: "API"})
		a := openIncident(t, db, models.NewIncident{Name: "API errors", Body: "Looking into **errors**.", Notify: true})
		postUpdate(t, db, a.ID, models.NewUpdate{Status: models.Identified, Body: "A [deploy](https://example.com/d) broke it.",
			Components: map[string]string{api.ID: models.PartialOutage}, Notify: true})
		b := openIncident(t, db, models.NewIncident{Name: "Slow pages", Body: "Looking.", Notify: true})
		app, _ := mailApp(t, db, srv, nil, fastRetries, nil)
		runNotifier(t, app)
		eventually(t, "settled", func() bool { return settled(t, db) && len(srv.Messages()) == 3 })

		pageID, err := db.GetSetting(ctx, models.SettingPageID)
		if err != nil {
			t.Fatal(err)
		}
		thread := map[string]string{}
		var lists []string
		for _, m := range srv.Messages() {
			p := parseMail(t, m)
			subject := p.Header.Get("Subject")
			if id := p.Header.Get("Message-Id"); !strings.Contains(id, "beacon."+pageID+".") {
				t.Errorf("%s: Message-ID %s lacks the page's id %s", subject, id, pageID)
			}
			refs, reply := p.Header.Get("References"), p.Header.Get("In-Reply-To")
			if refs == "" || refs != reply {
				t.Errorf("%s: References %q, In-Reply-To %q", subject, refs, reply)
			}
			thread[subject] = refs
			lists = append(lists, p.Header.Get("List-Id"))
			for _, markdown := range []string{"**", "]("} {
				if strings.Contains(p.Text, markdown) {
					t.Errorf("%s: the text part has Markdown %q:\n%s", subject, markdown, p.Text)
				}
			}
			if strings.Contains(subject, "Identified") {
				contains(t, p.Text, "A deploy (https://example.com/d) broke it.", "API: Operational → Partial Outage")
			}
		}
		if thread["[Acme Cloud] Investigating: API errors"] != thread["[Acme Cloud] Identified: API errors"] ||
			thread["[Acme Cloud] Investigating: API errors"] == thread["[Acme Cloud] Investigating: Slow pages"] {
			t.Errorf("threads by subject: %v (incidents %s, %s)", thread, a.ID, b.ID)
		}
		if lists[0] == "" || lists[0] != lists[1] || lists[1] != lists[2] || !strings.Contains(lists[0], pageID) {
			t.Errorf("List-Id headers: %q", lists)
		}
	})
}
