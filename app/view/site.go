// Package view builds what the pages show: the view models of the public
// pages (status page, incidents, history, postmortems), the page's times
// in its time zone, the uptime bars, and the Renderer that executes the
// templates of views/. Public pages, the console's previews and the feeds
// share it.
package view

import (
	"time"

	"github.com/beaconstatus/beacon/app/lang"
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
	Langs               *lang.Catalog // the enabled languages (nil: English only)
	Lang                *lang.Lang    // the language the views are worded in (nil: the default)
	Branding            func() *Brand // the page's branding now (nil, or nil returned: none)
}

// In is the site worded in l (nil: the default language).
func (site *Site) In(l *lang.Lang) *Site {
	s := *site
	s.Lang = l
	return &s
}

// L is the language the site's views are worded in.
func (site *Site) L() *lang.Lang {
	if site.Lang != nil {
		return site.Lang
	}
	if site.Langs != nil {
		return site.Langs.Default()
	}
	return englishOnly().Default()
}
