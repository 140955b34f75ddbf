package web_test

import (
	"errors"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// A write's effects are carried out after its commit, once, and only when
// it touched something; a failed write has none and leaves no audit entry.
func TestWritesCarryOutEffectsAfterCommit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		var got []web.Effects
		w := web.NewWrites(db, func(eff web.Effects) { got = append(got, eff) })
		c := echo.New().NewContext(httptest.NewRequest("POST", "/", nil), httptest.NewRecorder())
		web.SetActor(c, models.Actor{Type: models.ActorUser, ID: "u1", Name: "Ann"})
		ok := func(tx *models.DB) (string, any, error) { return "t1", nil, nil }

		if err := w.Do(c, web.Private, "token.create", "token", ok); err != nil {
			t.Fatal(err)
		}
		if len(got) != 0 {
			t.Fatalf("a private write carried out %v", got)
		}
		if err := w.Do(c, web.Incident("0123456789abcdef"), "incident.update", "incident", ok); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Public.All || len(got[0].Public.Incidents) != 1 || !got[0].Mail {
			t.Fatalf("effects of an incident write = %+v", got)
		}
		failed := errors.New("refused")
		if err := w.Do(c, web.Everything, "component.create", "component", func(tx *models.DB) (string, any, error) {
			return "", nil, failed
		}); !errors.Is(err, failed) {
			t.Fatalf("err = %v", err)
		}
		if len(got) != 1 {
			t.Errorf("a failed write carried out its effects: %+v", got[1:])
		}
		list, err := db.ListAudit(c.Request().Context(), 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 {
			t.Errorf("%d audit entries, want 2 (the failed write leaves none)", len(list))
		}
	})
}

// An id that is not an incident's touches everything: the write fails
// anyway, and nothing is left stale.
func TestIncidentEffectsOfABadID(t *testing.T) {
	if eff := web.Incident("../x"); !eff.Public.All || !eff.Mail {
		t.Errorf("Incident(bad id) = %+v, want Everything", eff)
	}
	if web.Private.Public.Touched() || web.Mail.Public.Touched() || !web.Everything.Public.Touched() {
		t.Error("Touched is wrong for the common effects")
	}
}
