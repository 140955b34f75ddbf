package app_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/app/demo"
	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
	"github.com/beaconstatus/beacon/static"
)

// BenchmarkStatusPageColdRender is the first GET / after an update's
// response, through the real router: the snapshot renders the page again
// (the database queries, building the view, the templates and the gzip
// form) before serving it, which is what every change costs. The update
// itself is not timed. "demo" is `beacon demo`, "large" the page the load
// run measures (`beacon demo --large`).
func BenchmarkStatusPageColdRender(b *testing.B) {
	for _, dialect := range []models.Dialect{models.SQLite, models.Postgres} {
		for _, demo := range []struct {
			name string
			load func(context.Context, *models.DB, time.Time) (demo.Summary, error)
		}{{"demo", demo.Load}, {"large", demo.LoadLarge}} {
			b.Run(string(dialect)+"/"+demo.name, func(b *testing.B) {
				p := newBenchPage(b, dialect, demo.load)
				p.getPage(b, "/", "Acme Cloud")
				var size int
				i := 0
				for b.Loop() {
					b.StopTimer()
					p.update(b, i)
					b.StartTimer()
					size = p.getPage(b, "/", fmt.Sprintf("Update %d:", i))
					i++
				}
				b.ReportMetric(float64(size), "bytes/page")
			})
		}
	}
}

// BenchmarkRenderOnly renders a status page shaped like the demo's (three
// groups and an ungrouped component, ten components with 90-day bars, an
// active incident and an upcoming maintenance) without touching a
// database: the templates' share of a cold render.
func BenchmarkRenderOnly(b *testing.B) {
	r, err := view.NewRenderer(static.New())
	if err != nil {
		b.Fatal(err)
	}
	view := demoShapedView()
	var buf bytes.Buffer
	if err := r.Render(&buf, "index.html", view); err != nil {
		b.Fatal(err)
	}
	size := buf.Len()
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := r.Render(&buf, "index.html", view); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size), "bytes/page")
}

// demoShapedView is an index PageView the size of the demo's.
func demoShapedView() view.PageView {
	now := time.Date(2026, 11, 24, 21, 0, 0, 0, time.UTC)
	at := func(t time.Time) view.DisplayTime {
		return view.DisplayTime{ISO: t.Format(time.RFC3339), Human: t.Format("Jan 2, 2006 15:04 MST"),
			Date: t.Format("Jan 2, 2006"), Clock: t.Format("15:04 MST")}
	}
	update := view.UpdateView{ID: "u1", Status: models.Monitoring, StatusLabel: "Monitoring", At: at(now),
		BodyHTML: "<p>Deliveries are flowing again and the backlog is draining; about 60% of delayed events have been delivered.</p>",
		Components: []view.ComponentChange{{Name: "Webhooks", OldStatus: models.PartialOutage,
			NewStatus: models.DegradedPerformance, NewLabel: "Degraded Performance"}}}
	v := view.PageView{
		Page:       view.PageInfo{ID: "page", Name: "Acme Cloud", URL: "https://status.acme.test", TimeZone: "UTC"},
		Status:     view.OverallStatus{Indicator: "major", Description: "Partial System Outage"},
		UpdatedAt:  at(now),
		Path:       "/",
		UptimeDays: view.UptimeDays,
		Active: []view.IncidentSummary{{ID: "i1", Name: "Delayed webhook deliveries", URL: "/incidents/i1",
			Kind: models.KindIncident, Impact: models.ImpactMajor, Status: models.Monitoring, StatusLabel: "Monitoring",
			Latest: &update, CreatedAt: at(now), Components: []string{"Webhooks", "API"}}},
		Maintenances: []view.IncidentSummary{{ID: "m1", Name: "Database upgrade", URL: "/incidents/m1",
			Kind: models.KindMaintenance, Impact: models.ImpactMaintenance, Status: models.Scheduled, StatusLabel: "Scheduled",
			CreatedAt: at(now), Window: "Nov 26, 2026 21:00 – 23:00 UTC", Components: []string{"Database", "API", "Web app"}}},
	}
	for g, members := range []int{3, 3, 3, 1} {
		group := view.GroupView{Status: models.Operational, StatusLabel: "Operational"}
		if g < 3 {
			group.ID, group.Name = fmt.Sprint("g", g), fmt.Sprint("Group ", g)
		}
		for c := range members {
			cv := view.ComponentView{ID: fmt.Sprint("c", g, c), Name: fmt.Sprint("Component ", g, c),
				Description: "Edge locations in Frankfurt, Amsterdam and London.",
				Status:      models.Operational, StatusLabel: "Operational", Uptime: "99.95%"}
			for d := range view.UptimeDays {
				day := now.AddDate(0, 0, d-view.UptimeDays+1)
				dv := view.DayView{Date: day.Format("Jan 2, 2006"), ISODate: day.Format("2006-01-02"),
					Level: "operational", Label: "No downtime"}
				if d%17 == 5 {
					dv.Level, dv.Label = "partial", "Partial outage for 55 mins"
					dv.Incidents = []view.IncidentLink{{Name: "Elevated API error rates", URL: "/incidents/x"}}
				}
				cv.Days = append(cv.Days, dv)
			}
			group.Components = append(group.Components, cv)
		}
		v.Groups = append(v.Groups, group)
	}
	return v
}

// BenchmarkPostUpdate is an operator's most frequent write under stress: a
// PATCH through the management API that posts an update with a component
// change on the demo data, in one transaction with its audit record.
func BenchmarkPostUpdate(b *testing.B) {
	for _, dialect := range []models.Dialect{models.SQLite, models.Postgres} {
		b.Run(string(dialect), func(b *testing.B) {
			db := dbtest.MustOpenDB(b, dialect)
			ctx := context.Background()
			if _, err := demo.Load(ctx, db, time.Now()); err != nil {
				b.Fatalf("LoadDemo: %v", err)
			}
			h := newTestApp(b, db, benchEnv).Handler()
			secret, _, err := db.CreateAPIToken(ctx, "bench", models.RoleEditor)
			if err != nil {
				b.Fatal(err)
			}
			pageID, _ := db.GetSetting(ctx, models.SettingPageID)
			unresolved, err := db.ListUnresolved(ctx)
			if err != nil || len(unresolved) == 0 || len(unresolved[0].Components) == 0 {
				b.Fatalf("demo has no open incident with components: %v", err)
			}
			in := unresolved[0]
			statuses := []string{models.DegradedPerformance, models.PartialOutage}
			i := 0
			for b.Loop() {
				body := fmt.Sprintf(`{"incident": {"status": "identified", "body": "Update %d: still rolling back.", "components": {%q: %q}}}`,
					i, in.Components[0].ID, statuses[i%2])
				req := httptest.NewRequest(http.MethodPatch, "/v1/pages/"+pageID+"/incidents/"+in.ID, bytes.NewReader([]byte(body)))
				req.Header.Set("Authorization", "Bearer "+secret)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("PATCH = %d: %s", rec.Code, rec.Body)
				}
				i++
			}
		})
	}
}
