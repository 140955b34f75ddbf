package models_test

import (
	"strings"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// Only incidents and maintenance linked to one of the components, newest
// first, deleted ones left out, with their timelines.
func TestListIncidentsOfComponents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		api := addComponent(t, db, models.Component{Name: "API"})
		web := addComponent(t, db, models.Component{Name: "Web"})
		cdn := addComponent(t, db, models.Component{Name: "CDN"})
		now := time.Now().UTC().Truncate(time.Second)
		ago := func(d time.Duration) time.Time { return now.Add(-d) }
		h := time.Hour

		old := openIncident(t, db, models.NewIncident{Name: "old", StartedAt: ago(5 * h), Components: map[string]string{api.ID: models.MajorOutage}})
		postUpdate(t, db, old.ID, models.NewUpdate{Status: models.Resolved, Body: "Fixed.", At: ago(4 * h),
			Components: map[string]string{api.ID: models.Operational}})
		webOnly := openIncident(t, db, models.NewIncident{Name: "web", StartedAt: ago(3 * h), ComponentIDs: []string{web.ID}})
		later := openIncident(t, db, models.NewIncident{Name: "later", StartedAt: ago(2 * h)})
		postUpdate(t, db, later.ID, models.NewUpdate{Body: "Now the API too.", ComponentIDs: []string{api.ID}})
		from, until := now.Add(24*h), now.Add(25*h)
		maint := openIncident(t, db, models.NewIncident{Kind: models.KindMaintenance, Name: "maint", ComponentIDs: []string{api.ID, web.ID},
			ScheduledFor: &from, ScheduledUntil: &until})
		gone := openIncident(t, db, models.NewIncident{Name: "gone", StartedAt: ago(h), ComponentIDs: []string{api.ID}})
		if err := db.DeleteIncident(ctx, gone.ID); err != nil {
			t.Fatal(err)
		}
		openIncident(t, db, models.NewIncident{Name: "unlinked", StartedAt: ago(h)})
		names := map[string]string{old.ID: "old", webOnly.ID: "web", later.ID: "later", maint.ID: "maint"}

		for _, tt := range []struct {
			name  string
			ids   []string
			limit int
			want  string
		}{
			{"api", []string{api.ID}, 0, "maint later old"},
			{"web", []string{web.ID}, 0, "maint web"},
			{"api or web", []string{api.ID, web.ID}, 0, "maint later web old"},
			{"limited", []string{api.ID, web.ID}, 2, "maint later"},
			{"untouched", []string{cdn.ID}, 0, ""},
			{"none", nil, 0, ""},
		} {
			t.Run(tt.name, func(t *testing.T) {
				list, err := db.ListIncidentsOfComponents(ctx, tt.ids, tt.limit)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, in := range list {
					got = append(got, names[in.ID])
				}
				if strings.Join(got, " ") != tt.want {
					t.Errorf("ListIncidentsOfComponents = %q, want %q", strings.Join(got, " "), tt.want)
				}
			})
		}
		list, err := db.ListIncidentsOfComponents(ctx, []string{api.ID}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if last := list[len(list)-1]; len(last.Events) != 2 || len(last.Components) != 1 {
			t.Errorf("timeline not loaded: %d events, %d components", len(last.Events), len(last.Components))
		}
	})
}
