// Package view builds what the pages show: the view models of the public
// pages (status page, incidents, history, postmortems), the page's times
// in its time zone, the uptime bars, and the Renderer that executes the
// templates of views/. Public pages, the console's previews and the feeds
// share it.
package view

import (
	"sync/atomic"
	"time"

	"github.com/beaconstatus/beacon/app/lang"
	"github.com/beaconstatus/beacon/models"
)

// Site is the public page as the views see it: its settings, its
// database and its clock. Its methods build the views.
type Site struct {
	DB                  *models.DB
	Identity            *PageIdentity // the page's id, name, website and time zone now
	BaseURL             string        // BASE_URL, for absolute links
	PartialOutageWeight float64       // UPTIME_PARTIAL_WEIGHT
	Now                 func() time.Time
	Langs               *lang.Catalog // the enabled languages (nil: English only)
	Lang                *lang.Lang    // the language the views are worded in (nil: the default)
	Branding            func() *Brand // the page's branding now (nil, or nil returned: none)
}

// Identity is what the page is called, where its organisation's website
// is and the time zone it shows every time in: PAGE_NAME and
// PAGE_TIME_ZONE, or the settings stored by PATCH /v1/pages/{id}.
type Identity struct {
	Info     PageInfo       // the page's id, name, URL and time zone name
	Website  string         // the organisation's website ("": none)
	TimeZone *time.Location // every time is shown in it
}

// PageIdentity holds the page's Identity now. A change to the settings
// stores a new one (on this replica after the write, on the others when
// they hear of it); every reader loads the current one, without a lock.
type PageIdentity struct{ p atomic.Pointer[Identity] }

// NewPageIdentity is a holder of id.
func NewPageIdentity(id Identity) *PageIdentity {
	p := &PageIdentity{}
	p.Store(id)
	return p
}

// Load is the identity now.
func (p *PageIdentity) Load() Identity { return *p.p.Load() }

// Store makes id the identity now (a nil time zone is UTC).
func (p *PageIdentity) Store(id Identity) {
	if id.TimeZone == nil {
		id.TimeZone = time.UTC
	}
	p.p.Store(&id)
}

// Info is the page's id, name, URL and time zone name now.
func (site *Site) Info() PageInfo { return site.Identity.Load().Info }

// Zone is the time zone every time is shown in now.
func (site *Site) Zone() *time.Location { return site.Identity.Load().TimeZone }

// Website is the organisation's website now ("": none).
func (site *Site) Website() string { return site.Identity.Load().Website }

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
