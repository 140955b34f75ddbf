package app_test

import (
	"context"
	"fmt"
	"mime"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/beaconstatus/beacon/app/smtptest"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// ctx is the context of the notify tests' database calls.
var ctx = context.Background()

var (
	listUnsubscribeRE = regexp.MustCompile(`^<(https://status\.acme\.test/subscriptions/unsubscribe/[A-Za-z0-9_.-]+)>$`)
	manageLinkRE      = regexp.MustCompile(`https://status\.acme\.test/subscriptions/manage/[A-Za-z0-9_.-]+`)
)

// An incident update reaches every matching confirmed subscriber exactly
// once over SMTP, with the headers a mailbox needs, on connections reused
// by each worker.
func TestNotifyFanOutOverSMTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		srv := smtptest.Start(t, smtptest.Options{Username: "beacon", Password: "s3cret"})
		api := addComponent(t, db, models.Component{Name: "API"}).ID
		web := addComponent(t, db, models.Component{Name: "Web"}).ID
		want := addSubscribers(t, db, 40)
		ids := map[string]string{}
		ids["api@example.test"] = addSubscriber(t, db, subscriber{Email: "api@example.test", Components: []string{api}})
		want = append(want, "api@example.test")
		for _, s := range []subscriber{
			{Email: "web@example.test", Components: []string{web}},
			{Email: "pending@example.test", Status: "pending"},
			{Email: "left@example.test", Status: "unsubscribed"},
			{Email: "maintenance-only@example.test", NoIncidents: true},
		} {
			addSubscriber(t, db, s)
		}
		in := openIncident(t, db, models.NewIncident{Name: "API errors", Body: "We are **investigating**.",
			Components: map[string]string{api: models.MajorOutage}, Notify: true})

		a, _ := mailApp(t, db, srv, nil, fastRetries, nil)
		runNotifier(t, a)
		eventually(t, "all sent", func() bool { return settled(t, db) })

		if st := dbtest.DeliveryStatuses(t, db); st[models.DeliverySent] != len(want) || len(st) != 1 {
			t.Errorf("deliveries = %v, want %d sent", st, len(want))
		}
		counts := srv.Counts()
		for _, e := range want {
			if counts[e] != 1 {
				t.Errorf("%s received %d messages, want 1", e, counts[e])
			}
		}
		if len(counts) != len(want) {
			t.Errorf("%d addresses received mail, want %d: %v", len(counts), len(want), counts)
		}
		if s := srv.Sessions(); s > 4 {
			t.Errorf("%d SMTP sessions for %d messages: the workers' 4 connections are not reused", s, len(want))
		}

		for _, m := range srv.Messages() {
			if m.To[0] != "api@example.test" {
				continue
			}
			p := parseMail(t, m)
			h := p.Header
			d := deliveryOf(t, db, "api@example.test")
			if from, err := mail.ParseAddress(h.Get("From")); err != nil || from.Name != "Acme Status" ||
				from.Address != "status@acme.test" || m.From != "status@acme.test" {
				t.Errorf("From = %q (%v), envelope %q", h.Get("From"), err, m.From)
			}
			if h.Get("To") != "api@example.test" {
				t.Errorf("To = %q", h.Get("To"))
			}
			if s := h.Get("Subject"); s != "[Acme Cloud] Investigating: API errors" {
				t.Errorf("Subject = %q", s)
			}
			if id := h.Get("Message-Id"); id == "" || id != d.MessageID || !strings.HasSuffix(id, "@status.acme.test>") {
				t.Errorf("Message-ID = %q, delivery recorded %q", id, d.MessageID)
			}
			if date, err := h.Date(); err != nil || time.Since(date) > time.Hour {
				t.Errorf("Date = %q (%v)", h.Get("Date"), err)
			}
			lu := listUnsubscribeRE.FindStringSubmatch(h.Get("List-Unsubscribe"))
			if lu == nil {
				t.Fatalf("List-Unsubscribe = %q", h.Get("List-Unsubscribe"))
			}
			if tok := linkToken(t, lu[1], "https://status.acme.test", "unsubscribe"); tok[0] != "unsubscribe" || tok[1] != ids["api@example.test"] || tok[2] != "1" {
				t.Errorf("unsubscribe link carries %v", tok)
			}
			if h.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
				t.Errorf("List-Unsubscribe-Post = %q", h.Get("List-Unsubscribe-Post"))
			}
			for part, body := range map[string]string{"text": p.Text, "html": p.HTML} {
				link := manageLinkRE.FindString(body)
				if link == "" {
					t.Errorf("%s part has no manage link:\n%s", part, body)
				} else if tok := linkToken(t, link, "https://status.acme.test", "manage"); tok[1] != ids["api@example.test"] {
					t.Errorf("manage link of the %s part carries %v", part, tok)
				}
				if !strings.Contains(body, "https://status.acme.test/incidents/"+in.ID) {
					t.Errorf("%s part has no link to the incident", part)
				}
			}
			// The text part is plain text: the Markdown's words, not its syntax.
			if !strings.Contains(p.Text, "We are investigating.") || !strings.Contains(p.HTML, "<strong>investigating</strong>") {
				t.Errorf("the update's message is missing:\n%s\n%s", p.Text, p.HTML)
			}
		}
	})
}

// A message's strings are escaped in HTML and cannot add headers.
func TestNotifyEscapesAndBlocksHeaderInjection(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		srv := smtptest.Start(t, smtptest.Options{})
		addSubscriber(t, db, subscriber{Email: "ann@example.test"})
		openIncident(t, db, models.NewIncident{Name: "Errors <b>& \"all\"\r\nBcc: evil@example.test", Notify: true,
			Body: "<script>alert(1)</script>\r\nBcc: evil@example.test"})
		a, _ := mailApp(t, db, srv, nil, fastRetries, nil)
		runNotifier(t, a)
		eventually(t, "sent", func() bool { return srv.Total() == 1 })

		m := srv.Messages()[0]
		if len(m.To) != 1 || m.To[0] != "ann@example.test" {
			t.Errorf("envelope recipients = %v", m.To)
		}
		p := parseMail(t, m)
		if b := p.Header.Get("Bcc"); b != "" {
			t.Errorf("a Bcc header was injected: %q", b)
		}
		dec := new(mime.WordDecoder)
		subject, _ := dec.DecodeHeader(p.Header.Get("Subject"))
		if subject != `[Acme Cloud] Investigating: Errors <b>& "all" Bcc: evil@example.test` {
			t.Errorf("Subject = %q", subject)
		}
		if strings.Contains(p.HTML, "<b>&") || strings.Contains(p.HTML, "<script>") || !strings.Contains(p.HTML, "Errors &lt;b&gt;&amp; &#34;all&#34;") {
			t.Errorf("HTML part is not escaped:\n%s", p.HTML)
		}
	})
}

// A recipient the server refuses for good (5xx) fails at once with the
// server's answer; one refused for now (4xx) is tried again and sent.
func TestNotifyRefusedRecipients(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		srv := smtptest.Start(t, smtptest.Options{})
		var mu sync.Mutex
		busy := 0
		srv.OnRcpt(func(to string) error {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case strings.HasPrefix(to, "nobody"):
				return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
			case to == "busy@example.test" && busy < 2:
				busy++
				return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
			}
			return nil
		})
		good := addSubscribers(t, db, 12)
		addSubscriber(t, db, subscriber{Email: "nobody1@example.test"})
		addSubscriber(t, db, subscriber{Email: "nobody2@example.test"})
		addSubscriber(t, db, subscriber{Email: "busy@example.test"})
		openIncident(t, db, models.NewIncident{Name: "API errors", Notify: true})
		a, _ := mailApp(t, db, srv, nil, fastRetries, nil)
		runNotifier(t, a)
		eventually(t, "settled", func() bool { return settled(t, db) })

		for _, e := range append(good, "busy@example.test") {
			if n := srv.Received(e); n != 1 {
				t.Errorf("%s received %d, want 1", e, n)
			}
		}
		for _, e := range []string{"nobody1@example.test", "nobody2@example.test"} {
			d := deliveryOf(t, db, e)
			if d.Status != models.DeliveryFailed || d.Attempts != 1 || d.LastError != "550 5.1.1 No such user here" {
				t.Errorf("delivery to %s = %s after %d attempts: %q", e, d.Status, d.Attempts, d.LastError)
			}
		}
		if d := deliveryOf(t, db, "busy@example.test"); d.Status != models.DeliverySent || d.Attempts != 3 || d.LastError != "" {
			t.Errorf("delivery to busy = %+v, want sent at the third attempt", d)
		}
		n := outbox(t, db)[0]
		rep, err := db.GetNotificationReport(ctx, n.ID)
		if err != nil || rep.Counts != (models.DeliveryCounts{Sent: 13, Failed: 2}) {
			t.Errorf("report = %+v (%v)", rep, err)
		}
	})
}

// A server that stalls past the SMTP timeout is given up on for that
// attempt and tried again; the message arrives once.
func TestNotifySMTPTimeout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		srv := smtptest.Start(t, smtptest.Options{})
		release := make(chan struct{})
		var once sync.Once
		srv.OnData(func(from string, to []string) error {
			stalled := false
			once.Do(func() { stalled = true })
			if stalled {
				<-release // longer than the client waits
				return &smtp.SMTPError{Code: 451, Message: "too late"}
			}
			return nil
		})
		t.Cleanup(func() { close(release) })
		emails := addSubscribers(t, db, 6)
		openIncident(t, db, models.NewIncident{Name: "API errors", Notify: true})
		a, _ := mailApp(t, db, srv, nil, fastRetries, map[string]string{"SMTP_URL": srv.URL() + "&timeout=300ms"})
		runNotifier(t, a)
		eventually(t, "settled", func() bool { return settled(t, db) })

		retried := 0
		for _, e := range emails {
			if n := srv.Received(e); n != 1 {
				t.Errorf("%s received %d, want 1", e, n)
			}
			d := deliveryOf(t, db, e)
			if d.Status != models.DeliverySent {
				t.Errorf("delivery to %s is %s", e, d.Status)
			}
			if d.Attempts == 2 {
				retried++
			}
		}
		if retried != 1 {
			t.Errorf("%d deliveries took two attempts, want the stalled one", retried)
		}
	})
}

// With the mail server down, deliveries wait (the reason shows in the
// report) without failing; when it is back they all go, once each.
func TestNotifyServerDownThenBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		srv := smtptest.Start(t, smtptest.Options{})
		srv.Stop()
		emails := addSubscribers(t, db, 20)
		openIncident(t, db, models.NewIncident{Name: "API errors", Notify: true})
		a, _ := mailApp(t, db, srv, nil, fastRetries, nil)
		runNotifier(t, a)
		n := outbox(t, db)[0]
		var problems []models.FailureReason
		eventually(t, "reported", func() bool {
			problems, _ = db.DeliveryProblems(ctx, n.ID, true, 5)
			return len(problems) > 0
		})
		if !strings.HasPrefix(problems[0].Reason, "cannot reach the mail server: dial tcp "+srv.Addr) {
			t.Errorf("reason = %q", problems[0].Reason)
		}
		if st := dbtest.DeliveryStatuses(t, db); st[models.DeliveryFailed] != 0 || st[models.DeliverySent] != 0 {
			t.Errorf("while down: %v", st)
		}

		srv.Restart(t)
		eventually(t, "settled", func() bool { return settled(t, db) })
		for _, e := range emails {
			if got := srv.Received(e); got != 1 {
				t.Errorf("%s received %d, want 1", e, got)
			}
		}
		if st := dbtest.DeliveryStatuses(t, db); st[models.DeliverySent] != len(emails) {
			t.Errorf("after: %v", st)
		}
	})
}

// A subscriber who leaves between dispatch and send is skipped.
func TestNotifySkipsUnsubscribed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		srv := smtptest.Start(t, smtptest.Options{})
		addSubscribers(t, db, 3)
		gone := addSubscriber(t, db, subscriber{Email: "gone@example.test"})
		openIncident(t, db, models.NewIncident{Name: "API errors", Notify: true})
		if _, err := db.DispatchNext(ctx, 100, time.Now()); err != nil {
			t.Fatal(err)
		}
		db.Gorm.Exec(`UPDATE subscribers SET status = 'unsubscribed' WHERE id = ?`, gone)
		a, _ := mailApp(t, db, srv, nil, fastRetries, nil)
		runNotifier(t, a)
		eventually(t, "settled", func() bool { return settled(t, db) })
		if srv.Received("gone@example.test") != 0 || srv.Total() != 3 {
			t.Errorf("sent %d, to gone %d", srv.Total(), srv.Received("gone@example.test"))
		}
		if d := deliveryOf(t, db, "gone@example.test"); d.Status != models.DeliverySkipped || d.LastError != "the subscriber is unsubscribed" {
			t.Errorf("delivery to gone = %+v", d)
		}
	})
}

// Without STARTTLS offered, a server is not used unless the URL says
// starttls=optional (or it is on this machine: the test server is, so the
// URL says starttls=required): nothing is sent in clear text, and the
// console says why.
func TestNotifyRequiresSTARTTLS(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		srv := smtptest.Start(t, smtptest.Options{})
		addSubscribers(t, db, 2)
		openIncident(t, db, models.NewIncident{Name: "API errors", Notify: true})
		a, _ := mailApp(t, db, srv, nil, fastRetries, map[string]string{"SMTP_URL": "smtp://" + srv.Addr + "?starttls=required&timeout=2s"})
		runNotifier(t, a)
		var problems []models.FailureReason
		eventually(t, "reported", func() bool {
			problems, _ = db.DeliveryProblems(ctx, outbox(t, db)[0].ID, true, 5)
			return len(problems) > 0
		})
		if !strings.Contains(problems[0].Reason, "STARTTLS") || srv.Total() != 0 {
			t.Errorf("reason %q, %d sent", problems[0].Reason, srv.Total())
		}
	})
}

// A confirmation goes to its (pending) subscriber only, with the confirm
// link.
func TestNotifyConfirmation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		srv := smtptest.Start(t, smtptest.Options{})
		addSubscribers(t, db, 2)
		id := addSubscriber(t, db, subscriber{Email: "new@example.test", Status: "pending"})
		if err := db.Enqueue(ctx, &models.Notification{Kind: models.NotifySubscriberConfirm, SubscriberID: &id}, nil, nil); err != nil {
			t.Fatal(err)
		}
		a, _ := mailApp(t, db, srv, nil, fastRetries, nil)
		runNotifier(t, a)
		eventually(t, "settled", func() bool { return settled(t, db) })
		msgs := srv.Messages()
		if len(msgs) != 1 || msgs[0].To[0] != "new@example.test" {
			t.Fatalf("sent %d messages: %+v", len(msgs), msgs)
		}
		p := parseMail(t, msgs[0])
		if s := p.Header.Get("Subject"); s != "[Acme Cloud] Confirm your subscription" {
			t.Errorf("Subject = %q", s)
		}
		link := regexp.MustCompile(`https://status\.acme\.test/subscriptions/confirm/[A-Za-z0-9_.-]+`).FindString(p.Text)
		if link == "" || !strings.Contains(p.HTML, link) {
			t.Fatalf("no confirm link:\n%s", p.Text)
		}
		if tok := linkToken(t, link, "https://status.acme.test", "confirm"); tok[1] != id {
			t.Errorf("confirm link carries %v", tok)
		}
		if manageLinkRE.FindString(p.Text) == "" {
			t.Error("no manage link")
		}
	})
}

// The email of a published postmortem names the incident and its
// components and carries the summary (it once had an empty subject:
// "[Acme Cloud] Postmortem: ").
func TestNotifyPostmortemPublished(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		srv := smtptest.Start(t, smtptest.Options{})
		api := addComponent(t, db, models.Component{Name: "API"})
		addSubscriber(t, db, subscriber{Email: "sam@example.test", Components: []string{api.ID}})
		in := openIncident(t, db, models.NewIncident{Name: "API errors", Components: map[string]string{api.ID: models.MajorOutage}})
		if _, err := db.PostUpdate(ctx, in.ID, models.NewUpdate{Status: models.Resolved, Body: "Fixed.", RestoreComponents: true, Actor: "test"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.StartPostmortem(ctx, in.ID, "test"); err != nil {
			t.Fatal(err)
		}
		summary := models.PostmortemInput{Sections: map[string]string{models.SectionSummary: "Requests **failed** for ten minutes."}}
		if _, err := db.SavePostmortem(ctx, in.ID, summary, "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PublishPostmortem(ctx, in.ID, true, "test"); err != nil {
			t.Fatal(err)
		}
		a, _ := mailApp(t, db, srv, nil, fastRetries, nil)
		runNotifier(t, a)
		eventually(t, "settled", func() bool { return settled(t, db) })
		msgs := srv.Messages()
		if len(msgs) != 1 {
			t.Fatalf("sent %d messages, want the postmortem only", len(msgs))
		}
		p := parseMail(t, msgs[0])
		if s := p.Header.Get("Subject"); s != "[Acme Cloud] Postmortem: API errors" {
			t.Errorf("Subject = %q", s)
		}
		for _, want := range []string{"Postmortem: API errors", "Affected: API", "Requests failed for ten minutes.", "/incidents/" + in.ID,
			"Time to resolution: less than a minute · Customer-facing duration: less than a minute"} {
			if !strings.Contains(p.Text, want) {
				t.Errorf("the text lacks %q:\n%s", want, p.Text)
			}
		}
		if !strings.Contains(p.HTML, "Requests <strong>failed</strong> for ten minutes.") {
			t.Errorf("the HTML lacks the summary:\n%s", p.HTML)
		}
	})
}

// Stopping the notifier lets the message being sent finish and be
// recorded, and gives back what the workers had claimed.
func TestNotifyStopGivesBackClaims(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		srv := smtptest.Start(t, smtptest.Options{})
		held, release := make(chan string, 10), make(chan struct{})
		srv.OnData(func(from string, to []string) error {
			held <- to[0]
			<-release
			return nil
		})
		addSubscribers(t, db, 30)
		openIncident(t, db, models.NewIncident{Name: "API errors", Notify: true})
		if step, err := db.DispatchNext(ctx, 100, time.Now()); err != nil || !step.Done {
			t.Fatalf("dispatch: %+v, %v", step, err)
		}
		tuning := fastRetries
		tuning.ClaimBatch = 10
		a, _ := mailApp(t, db, srv, nil, tuning, map[string]string{"MAIL_WORKERS": "1"})
		stop := runNotifier(t, a)
		first := <-held
		stopped := make(chan struct{})
		go func() { stop(); close(stopped) }()
		close(release)
		<-stopped

		st := dbtest.DeliveryStatuses(t, db)
		if st[models.DeliverySent] != 1 || st[models.DeliveryPending] != 29 || st[models.DeliverySending] != 0 {
			t.Errorf("after stop: %v, want 1 sent and 29 pending", st)
		}
		if d := deliveryOf(t, db, first); d.Status != models.DeliverySent {
			t.Errorf("the message in flight is %s", d.Status)
		}
	})
}

// A worker starts a send only while fewer than NotifyTuning.Unrecorded of
// its messages wait to be recorded: when the server reads the k-th
// message of the one worker, at least k-Unrecorded are recorded sent. So
// a crash leaves at most Unrecorded acknowledged messages to be sent
// again (1: each is recorded before the next is sent).
func TestNotifyUnrecordedBound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		addSubscribers(t, db, 60)
		openIncident(t, db, models.NewIncident{Name: "API errors", Notify: true})
		for _, window := range []int{1, 4} {
			db.Gorm.Exec(`UPDATE deliveries SET status = 'pending', leased_by = '', lease_until = NULL`)
			srv := smtptest.Start(t, smtptest.Options{})
			var mu sync.Mutex
			var read, worst int
			srv.OnData(func(from string, to []string) error {
				var recorded int
				if err := db.Gorm.Raw(`SELECT COUNT(*) FROM deliveries WHERE status = 'sent'`).Scan(&recorded).Error; err != nil {
					t.Error(err)
				}
				mu.Lock()
				defer mu.Unlock()
				read++
				worst = max(worst, read-recorded)
				return nil
			})
			tuning := fastRetries
			tuning.ClaimBatch, tuning.Unrecorded = 25, window
			a, _ := mailApp(t, db, srv, nil, tuning, map[string]string{"MAIL_WORKERS": "1"})
			stop := runNotifier(t, a)
			eventually(t, "all sent", func() bool { return settled(t, db) })
			stop()
			if srv.Total() != 60 {
				t.Errorf("Unrecorded %d: the server got %d messages, want 60", window, srv.Total())
			}
			if worst > window {
				t.Errorf("Unrecorded %d: the server read a message while %d sent before it were unrecorded", window, worst-1)
			}
			t.Logf("Unrecorded %d: at most %d messages unrecorded at a send", window, worst)
		}
	})
}

// Three replicas' notifiers on one database work on one fan-out: each
// sends some of it, and each delivery is sent once.
func TestNotifyThreeReplicas(t *testing.T) {
	const replicas = 3
	for _, dialect := range []models.Dialect{models.Postgres, models.SQLite} {
		t.Run(string(dialect), func(t *testing.T) {
			dsn := dbtest.NewDSN(t, dialect)
			var dbs []*models.DB
			for range replicas {
				db, err := models.Open(ctx, dialect, dsn, nil)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				dbs = append(dbs, db)
			}
			db := dbs[0]
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			srv := smtptest.Start(t, smtptest.Options{})
			everySenderSends(srv, replicas)
			emails := addSubscribers(t, db, 300)
			openIncident(t, db, models.NewIncident{Name: "API errors", Notify: true})
			in := openIncident(t, db, models.NewIncident{Name: "Web errors", Notify: true})
			postUpdate(t, db, in.ID, models.NewUpdate{Status: models.Resolved, Notify: true})
			for i, r := range dbs {
				a, _ := mailApp(t, r, srv, nil, fastRetries, map[string]string{
					"MAIL_FROM": fmt.Sprintf("Acme Status <replica%d@acme.test>", i),
					"SMTP_URL":  srv.URL() + "&timeout=60s", // longer than everySenderSends holds a message
				})
				runNotifier(t, a)
			}
			eventually(t, "settled", func() bool { return settled(t, db) })
			for _, e := range emails {
				if n := srv.Received(e); n != 3 {
					t.Errorf("%s received %d messages, want 3", e, n)
				}
			}
			if srv.Total() != 900 {
				t.Errorf("the SMTP server got %d messages, want 900", srv.Total())
			}
			var workers []string
			db.Gorm.Raw(`SELECT DISTINCT message_id FROM deliveries`).Scan(&workers)
			if len(workers) != 900 {
				t.Errorf("%d distinct Message-IDs, want 900", len(workers))
			}
			wantEveryReplicaSent(t, srv, replicas)
		})
	}
}

// outbox returns the notifications, oldest first.
func outbox(t testing.TB, db *models.DB) []models.Notification {
	t.Helper()
	var list []models.Notification
	if err := db.Gorm.Order("id").Find(&list).Error; err != nil {
		t.Fatal(err)
	}
	if len(list) == 0 {
		t.Fatal("the outbox is empty")
	}
	return list
}
