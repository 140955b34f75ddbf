package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// Days before a component existed, or before its start date, have no data:
// the bar shows them as such, the percentage leaves them out and says since
// when it counts; the uptime document agrees. The start date is set through
// the API and the console, and a bad one is refused naming the field.
func TestUptimeCountsFromTheComponentsStart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		api := newAPIClient(t, db, models.RoleEditor)
		h := api.h
		loc := berlin(t)
		now := time.Now()
		day := func(daysAgo int) time.Time { // midnight in the page's zone
			l := now.In(loc)
			return time.Date(l.Year(), l.Month(), l.Day()-daysAgo, 0, 0, 0, 0, loc)
		}

		// A component ten days old, down for twelve hours five days ago.
		created := day(10).Add(9 * time.Hour)
		comp := addComponent(t, db, models.Component{Name: "API", CreatedAt: created, Showcase: true})
		for _, ch := range []models.StatusChange{
			{ComponentID: comp.ID, OldStatus: models.Operational, NewStatus: models.MajorOutage, ChangedAt: day(5).Add(6 * time.Hour)},
			{ComponentID: comp.ID, OldStatus: models.MajorOutage, NewStatus: models.Operational, ChangedAt: day(5).Add(18 * time.Hour)},
		} {
			if err := db.Gorm.Create(&ch).Error; err != nil {
				t.Fatal(err)
			}
		}
		item := componentItem(t, wantPage(t, get(t, h, "/"), http.StatusOK), "API")
		contains(t, item, "uptime since "+created.In(loc).Format("Jan 2, 2006"),
			`aria-label="`+day(11).Format("Jan 2, 2006")+`: No data"`,
			`aria-label="`+day(5).Format("Jan 2, 2006")+`: Major outage for 12 hrs"`)
		lacks(t, item, "100.00%")

		// A bad start date is refused, naming the field; nothing changes.
		for _, bad := range []string{`"bogus"`, `"2026-13-45"`, `"01.11.2026"`, `17`} {
			rec := api.do(http.MethodPatch, "/components/"+comp.ID, `{"component": {"start_date": `+bad+`}}`, nil)
			if bad == `17` {
				if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "component.start_date") {
					t.Errorf("start_date 17 = %d %s, want 400 naming component.start_date", rec.Code, rec.Body)
				}
				continue
			}
			wantFieldError(t, "PATCH start_date "+bad, rec, "component.start_date")
		}
		wantFieldError(t, "POST start_date bogus", api.do(http.MethodPost, "/components",
			`{"component": {"name": "Web", "start_date": "bogus"}}`, nil), "component.start_date")
		if got, _ := db.GetComponent(ctx, comp.ID); got.StartDate != nil {
			t.Errorf("start date after bad requests = %v, want none", got.StartDate)
		}

		// Three days ago: the outage before it no longer counts.
		start := day(3).Format(time.DateOnly)
		var out struct {
			StartDate *string `json:"start_date"`
		}
		if rec := api.do(http.MethodPatch, "/components/"+comp.ID, `{"component": {"start_date": "`+start+`"}}`, &out); rec.Code != http.StatusOK {
			t.Fatalf("PATCH start_date = %d %s", rec.Code, rec.Body)
		}
		if out.StartDate == nil || *out.StartDate != start {
			t.Errorf("start_date in the answer = %v, want %s", out.StartDate, start)
		}
		api.do(http.MethodGet, "/components/"+comp.ID, nil, &out)
		if out.StartDate == nil || *out.StartDate != start {
			t.Errorf("start_date shown = %v, want %s", out.StartDate, start)
		}
		item = componentItem(t, wantPage(t, get(t, h, "/"), http.StatusOK), "API")
		contains(t, item, "100.00% uptime since "+day(3).Format("Jan 2, 2006"),
			`aria-label="`+day(5).Format("Jan 2, 2006")+`: No data"`,
			`aria-label="`+day(4).Format("Jan 2, 2006")+`: No data"`,
			`aria-label="`+day(3).Format("Jan 2, 2006")+`: No downtime"`)

		doc := getV2(t, h, "/api/v2/components/"+comp.ID+"/uptime.json")
		if doc["uptime_percentage"] != 100.0 || doc["since"] != start {
			t.Errorf("uptime.json: uptime_percentage %v since %v, want 100 since %s", doc["uptime_percentage"], doc["since"], start)
		}
		for _, d := range doc["days"].([]any) {
			d := d.(map[string]any)
			before := d["date"].(string) < start
			if before != (d["status"] == nil) || before != (d["uptime_percentage"] == nil) {
				t.Errorf("uptime.json day %v: status %v, uptime %v; start date %s", d["date"], d["status"], d["uptime_percentage"], start)
			}
		}
		if c := doc["component"].(map[string]any); c["start_date"] != start {
			t.Errorf("uptime.json component start_date = %v, want %s", c["start_date"], start)
		}

		// The console's edit form shows it, refuses a bad one and clears it.
		ed := signIn(t, h, db, models.RoleEditor)
		form := wantAdminPage(t, ed.Get("/admin/components/"+comp.ID+"/edit"), http.StatusOK)
		contains(t, form, `name="start_date"`, `value="`+start+`"`)
		edit := url.Values{"name": {"API"}, "status": {"operational"}, "showcase": {"1"}, "start_date": {"someday"}}
		if rec := ed.PostForm("/admin/components/"+comp.ID, edit); rec.Code != http.StatusUnprocessableEntity || fieldErrorOf(rec.Body.String(), "start_date") == "" {
			t.Errorf("console start_date someday = %d, want 422 on start_date", rec.Code)
		}
		edit.Set("start_date", "")
		wantRedirect(t, ed.PostForm("/admin/components/"+comp.ID, edit), "/admin/components")
		if got, _ := db.GetComponent(ctx, comp.ID); got.StartDate != nil {
			t.Errorf("start date after clearing = %v, want none", got.StartDate)
		}
		item = componentItem(t, wantPage(t, get(t, h, "/"), http.StatusOK), "API")
		contains(t, item, "uptime since "+created.In(loc).Format("Jan 2, 2006"))
	})
}

// A component added minutes ago says since when its percentage counts,
// not "90 days" of it.
func TestNewComponentsUptimeSaysSinceWhen(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		h := newTestApp(t, db, nil).Handler()
		created := time.Now().Add(-2 * time.Minute)
		comp := addComponent(t, db, models.Component{Name: "Search", CreatedAt: created, Status: models.MajorOutage, Showcase: true})
		item := componentItem(t, wantPage(t, get(t, h, "/"), http.StatusOK), "Search")
		contains(t, item, "0.00% uptime since "+created.In(berlin(t)).Format("Jan 2, 2006"))
		doc := getV2(t, h, "/api/v2/components/"+comp.ID+"/uptime.json")
		if doc["uptime_percentage"] != 0.0 {
			t.Errorf("uptime_percentage = %v, want 0", doc["uptime_percentage"])
		}
	})
}
