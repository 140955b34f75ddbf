package view

import (
	"context"
	"time"

	"github.com/beaconstatus/beacon/models"
)

// State is what the summary, status and components documents and the
// badges are built from: one read of the database.
type State struct {
	Updated    time.Time          // when anything on the page last changed
	Components []models.Component // as ListComponents returns them
	Unresolved []models.Incident  // as ListUnresolved returns them
}

// State reads the page's current state.
func (site *Site) State(ctx context.Context) (State, error) {
	var st State
	var err error
	if st.Updated, err = site.DB.LastChange(ctx); err != nil {
		return st, err
	}
	if st.Components, err = site.DB.ListComponents(ctx); err != nil {
		return st, err
	}
	st.Unresolved, err = site.DB.ListUnresolved(ctx)
	return st, err
}
