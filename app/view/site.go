// Package view builds what the pages show: the view models of the public
// pages (status page, incidents, history, postmortems), the page's times
// in its time zone, the uptime bars, and the Renderer that executes the
// templates of views/. Public pages, the console's previews and the feeds
// share it.
package view

import (
	"time"

	"github.com/beaconstatus/beacon/models"
)

// Site is the public page as the views see it: its settings, its
// database and its clock. Its methods build the views.
type Site struct {
	DB                  *models.DB
	Info                PageInfo       // the page's id, name, URL and time zone name
	BaseURL             string         // BASE_URL, for absolute links
	TimeZone            *time.Location // PAGE_TIME_ZONE: every time is shown in it
	PartialOutageWeight float64        // UPTIME_PARTIAL_WEIGHT
	Now                 func() time.Time
}
