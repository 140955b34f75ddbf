package app_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// TestMaintenanceCalendar: /maintenance.ics lists scheduled maintenance
// as iCalendar events a real parser reads back: a stable UID, the window,
// the name escaped and folded; a change keeps the UID and raises SEQUENCE;
// a deleted maintenance stays as STATUS:CANCELLED; the per-component
// calendar lists only that component's; the page links to it.
func TestMaintenanceCalendar(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		a := newTestApp(t, db, nil)
		h := a.Handler()
		api := addComponent(t, db, models.Component{Name: "API"})
		web := addComponent(t, db, models.Component{Name: "Web"})
		start := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Minute)
		until := start.Add(2 * time.Hour)
		name := `Database upgrade; phase 1, part "a" \ with a name long enough to be folded — über Ünïcödé ✓✓✓`
		upgrade := openIncident(t, db, models.NewIncident{Kind: models.KindMaintenance, Name: name, Status: models.Scheduled,
			ScheduledFor: &start, ScheduledUntil: &until, ComponentIDs: []string{api.ID}})
		cdn := openIncident(t, db, models.NewIncident{Kind: models.KindMaintenance, Name: "CDN move", Status: models.Scheduled,
			ScheduledFor: &start, ScheduledUntil: &until, ComponentIDs: []string{web.ID}})
		// Both were scheduled an hour ago.
		db.Gorm.Exec(`UPDATE incidents SET created_at = ?, updated_at = ?`, time.Now().UTC().Add(-time.Hour), time.Now().UTC().Add(-time.Hour))
		a.InvalidateSnapshot()

		parse := func(path string) map[string]*ics.VEvent {
			t.Helper()
			rec := get(t, h, path)
			if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/calendar") {
				t.Fatalf("GET %s = %d %q", path, rec.Code, rec.Header().Get("Content-Type"))
			}
			raw := rec.Body.Bytes()
			if !bytes.HasSuffix(raw, []byte("\r\n")) {
				t.Errorf("%s does not end with CRLF", path)
			}
			for i, line := range bytes.Split(bytes.TrimSuffix(raw, []byte("\r\n")), []byte("\r\n")) {
				if len(line) > 75 || bytes.ContainsAny(line, "\r\n") {
					t.Errorf("%s line %d: %d octets or a bare line break: %q", path, i, len(line), line)
				}
			}
			cal, err := ics.ParseCalendar(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("parse %s: %v\n%s", path, err, raw)
			}
			events := map[string]*ics.VEvent{}
			for _, e := range cal.Events() {
				events[e.Id()] = e
			}
			return events
		}
		prop := func(e *ics.VEvent, p ics.ComponentProperty) string {
			if v := e.GetProperty(p); v != nil {
				return v.Value
			}
			return ""
		}

		all := parse("/maintenance.ics")
		if len(all) != 2 {
			t.Fatalf("%d events, want 2", len(all))
		}
		var uid string
		for id, e := range all {
			if strings.Contains(id, upgrade.ID) {
				uid = id
				if got := ics.FromText(prop(e, ics.ComponentPropertySummary)); got != name {
					t.Errorf("SUMMARY = %q, want %q", got, name)
				}
				if s, err := e.GetStartAt(); err != nil || !s.Equal(start) {
					t.Errorf("DTSTART = %v (%v), want %v", s, err, start)
				}
				if s, err := e.GetEndAt(); err != nil || !s.Equal(until) {
					t.Errorf("DTEND = %v (%v), want %v", s, err, until)
				}
				if prop(e, ics.ComponentPropertyStatus) != "CONFIRMED" || !strings.Contains(ics.FromText(prop(e, ics.ComponentPropertyDescription)), "Affected: API") {
					t.Errorf("event %s", e.Serialize())
				}
			}
		}
		if uid == "" {
			t.Fatalf("no event for the upgrade: %v", all)
		}
		seq0, _ := strconv.Atoi(prop(all[uid], ics.ComponentPropertySequence))

		only := parse("/components/" + api.ID + "/maintenance.ics")
		if len(only) != 1 || only[uid] == nil {
			t.Errorf("the API's calendar: %v", only)
		}

		// Moved: the same UID, a higher SEQUENCE.
		later := start.Add(24 * time.Hour)
		laterUntil := later.Add(time.Hour)
		if _, err := db.UpdateIncident(ctx, upgrade.ID, models.IncidentPatch{ScheduledFor: &later, ScheduledUntil: &laterUntil}, "test"); err != nil {
			t.Fatal(err)
		}
		// Deleted: kept as cancelled.
		if err := db.DeleteIncident(ctx, cdn.ID); err != nil {
			t.Fatal(err)
		}
		a.InvalidateSnapshot()
		all = parse("/maintenance.ics")
		moved := all[uid]
		if moved == nil {
			t.Fatalf("the moved maintenance lost its UID: %v", all)
		}
		if s, _ := moved.GetStartAt(); !s.Equal(later) {
			t.Errorf("moved DTSTART = %v, want %v", s, later)
		}
		if seq, _ := strconv.Atoi(prop(moved, ics.ComponentPropertySequence)); seq <= seq0 {
			t.Errorf("SEQUENCE %d after a change, was %d", seq, seq0)
		}
		cancelled := 0
		for id, e := range all {
			if strings.Contains(id, cdn.ID) && prop(e, ics.ComponentPropertyStatus) == "CANCELLED" {
				cancelled++
			}
		}
		if cancelled != 1 {
			t.Errorf("the deleted maintenance is not listed as cancelled: %v", all)
		}

		contains(t, wantPage(t, get(t, h, "/"), 200), `href="/maintenance.ics"`, `type="text/calendar"`)
		if rec := get(t, h, "/components/"+models.NewID()+"/maintenance.ics"); rec.Code != 404 {
			t.Errorf("an unknown component's calendar = %d", rec.Code)
		}
	})
}
