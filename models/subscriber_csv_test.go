package models_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

func TestImportSubscribers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		eu := addComponent(t, db, models.Component{ID: "grpeu", Name: "Europe", IsGroup: true})
		api := addComponent(t, db, models.Component{ID: "compapi", Name: "API", GroupID: &eu.ID})
		addComponent(t, db, models.Component{Name: "Web"})
		addComponent(t, db, models.Component{Name: "web"})
		subscribe(t, db, "known@example.com", models.EveryNotification(), subNow, models.SubscribeCreated)
		left := subscribe(t, db, "left@example.com", models.EveryNotification(), subNow, models.SubscribeCreated)
		if _, err := db.Unsubscribe(ctx, left.ID, 0, subNow); err != nil {
			t.Fatal(err)
		}

		file := "\ufeffEmail,Components,Incidents,Maintenance,Postmortems,Notes\n" +
			"ann@example.com,,,,,whole page\n" + // line 2
			"bob@example.com,europe;compapi,yes,no,no,\n" + // 3: a name and an id
			"not-an-address,,,,,\n" + // 4
			"cy@example.com,Nowhere,,,,\n" + // 5
			"dee@example.com,,maybe,,,\n" + // 6
			"\n" + // a blank line
			"KNOWN@example.com,,,,,\n" + // 8: already subscribed
			"left@example.com,,,,,\n" + // 9: unsubscribed
			"ann@example.com,,,,,\n" + // 10: twice in the file
			"eve@example.com,web,,,,\n" + // 11: two components are called web
			"fay@example.com,\"API\",\"no\",\"no\",\"no\",\n" + // 12
			"gus@exa\"mple.com,,,,,\n" + // 13: a bare quote
			"'=hal@example.com,,,,,\n" + // 14: an escaped cell
			"\"ida@example.com\r\nBcc: x@example.com\",,,,,\n" // 15: a header injection
		rep, err := db.ImportSubscribers(ctx, strings.NewReader(file), false, subNow)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rows != 13 || rep.Added != 3 || rep.Skipped != 2 {
			t.Errorf("report: %d rows, %d added, %d skipped; want 13, 3, 2", rep.Rows, rep.Added, rep.Skipped)
		}
		wantErrs := map[int]string{
			4: "email must be an email address", 5: `no component or group is called "Nowhere"`, 6: "incidents must be yes or no",
			9: "unsubscribed on 2026-11-24: only they can subscribe again", 11: `several components are called "web"`,
			12: "cannot all be no", 13: "is not valid CSV", 15: "email must",
		}
		got := map[int]string{}
		for _, e := range rep.Errors {
			got[e.Line] = e.Message
		}
		for line, want := range wantErrs {
			if !strings.Contains(got[line], want) {
				t.Errorf("line %d: error %q, want one containing %q", line, got[line], want)
			}
		}
		if len(rep.Errors) != len(wantErrs) {
			t.Errorf("errors = %+v, want lines %v", rep.Errors, wantErrs)
		}

		for email, want := range map[string][]string{"ann@example.com": nil, "bob@example.com": {api.ID, eu.ID}, "=hal@example.com": nil} {
			s, err := db.FindSubscriber(ctx, email)
			if err != nil {
				t.Fatalf("%s not imported: %v", email, err)
			}
			if s.Status != models.SubscriberPending || s.Source != models.SourceImport || !reflect.DeepEqual(s.ComponentIDs, want) ||
				s.AllComponents != (want == nil) || confirmations(t, db, s.ID) != 1 {
				t.Errorf("%s imported as %+v", email, s)
			}
		}
		bob, _ := db.FindSubscriber(ctx, "bob@example.com")
		if !bob.NotifyIncidents || bob.NotifyMaintenance || bob.NotifyPostmortems {
			t.Errorf("bob's kinds: %+v", bob)
		}
		for _, email := range []string{"not-an-address", "cy@example.com", "dee@example.com", "eve@example.com", "fay@example.com"} {
			if _, err := db.FindSubscriber(ctx, email); err == nil {
				t.Errorf("%s imported from a bad row", email)
			}
		}
		if s, _ := db.FindSubscriber(ctx, "left@example.com"); s.Status != models.SubscriberUnsubscribed {
			t.Errorf("import changed an unsubscribed address: %+v", s)
		}

		// Skipping confirmation: confirmed, nothing queued.
		rep, err = db.ImportSubscribers(ctx, strings.NewReader("email\nvouched@example.com\n"), true, subNow)
		if err != nil || rep.Added != 1 {
			t.Fatalf("import skipping confirmation: %+v, %v", rep, err)
		}
		v, _ := db.FindSubscriber(ctx, "vouched@example.com")
		if v.Status != models.SubscriberConfirmed || confirmations(t, db, v.ID) != 0 {
			t.Errorf("vouched = %+v", v)
		}
	})
}

// A file that cannot be taken as a whole imports nothing.
func TestImportSubscribersBadFile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		var big strings.Builder
		big.WriteString("email\n")
		for i := 0; i <= models.MaxImportRows; i++ {
			fmt.Fprintf(&big, "user%d@example.com\n", i)
		}
		for name, file := range map[string]string{
			"empty":           "",
			"no email column": "address,components\nann@example.com,\n",
			"too many rows":   big.String(),
			"broken header":   "em\"ail\n",
		} {
			err := subsUnchanged(t, db, func() error {
				_, err := db.ImportSubscribers(ctx, strings.NewReader(file), true, subNow)
				return err
			})
			if err == nil {
				t.Errorf("%s: imported", name)
				continue
			}
			wantInvalid(t, err, "file")
		}
	})
}

// An export imports back into another database as it was.
func TestExportSubscribersRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		eu := addComponent(t, db, models.Component{ID: "grpeu", Name: "Europe", IsGroup: true})
		api := addComponent(t, db, models.Component{ID: "-api", Name: "-API", GroupID: &eu.ID})
		// Seeded in one import: every row has the same created_at, so the
		// export's batches page by id too.
		var seed strings.Builder
		seed.WriteString("email,components,incidents\n")
		for i := 0; i < 1203; i++ { // more than one batch
			email, comps, inc := fmt.Sprintf("user%04d@example.com", i), "", "yes"
			if i == 7 {
				email = "'=1+2@example.com" // a formula to a spreadsheet
			}
			if i%3 == 0 {
				comps, inc = api.ID+";"+eu.ID, "no"
			}
			fmt.Fprintf(&seed, "%s,%s,%s\n", email, comps, inc)
		}
		if rep, err := db.ImportSubscribers(ctx, strings.NewReader(seed.String()), true, subNow); err != nil || rep.Added != 1203 {
			t.Fatalf("seed: %+v, %v", rep, err)
		}
		var out bytes.Buffer
		if err := db.ExportSubscribers(ctx, &out, models.SubscriberFilter{}); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(bytes.NewReader(out.Bytes())).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1204 || strings.Join(rows[0], ",") != "email,status,components,component_names,incidents,maintenance,postmortems,source,created_at,confirmed_at,unsubscribed_at,id" {
			t.Fatalf("%d rows, header %v", len(rows), rows[0])
		}
		seen := map[string]bool{}
		for _, r := range rows[1:] {
			seen[r[0]] = true
			for _, cell := range r {
				if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
					t.Errorf("cell %q would run as a formula", cell)
				}
			}
		}
		if len(seen) != 1203 || !seen["'=1+2@example.com"] {
			t.Errorf("export has %d distinct addresses", len(seen))
		}

		other := dbtest.MustOpenDB(t, db.Dialect)
		addComponent(t, other, models.Component{ID: "grpeu", Name: "Europe", IsGroup: true})
		addComponent(t, other, models.Component{ID: "-api", Name: "-API", GroupID: ptr("grpeu")})
		rep, err := other.ImportSubscribers(ctx, bytes.NewReader(out.Bytes()), true, subNow)
		if err != nil || rep.Added != 1203 || len(rep.Errors) != 0 {
			t.Fatalf("import of the export: %+v, %v", rep, err)
		}
		for _, email := range []string{"=1+2@example.com", "user0003@example.com", "user0004@example.com"} {
			a, _ := db.FindSubscriber(ctx, email)
			b, err := other.FindSubscriber(ctx, email)
			if err != nil {
				t.Fatalf("%s: %v", email, err)
			}
			if a.Email != b.Email || !reflect.DeepEqual(a.Choices(), b.Choices()) {
				t.Errorf("%s: exported %+v, imported %+v", email, a.Choices(), b.Choices())
			}
		}

		// A filtered export.
		out.Reset()
		if err := db.ExportSubscribers(ctx, &out, models.SubscriberFilter{Query: "user000"}); err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(out.String(), "\n"); n != 10 { // header + user0000..user0009 less user0007
			t.Errorf("filtered export has %d lines:\n%s", n, out.String())
		}
	})
}
