package models

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"
)

// Keys of the page's settings made through the management API (PATCH
// /v1/pages/{id}); each overrides its environment variable.
const (
	SettingPageName     = "page_name"      // over PAGE_NAME
	SettingPageTimeZone = "page_time_zone" // over PAGE_TIME_ZONE
	SettingPageURL      = "page_url"       // the organisation's website, linked from the page
)

// PageSettings are the page's stored settings; "" is not set.
type PageSettings struct {
	Name     string
	TimeZone string
	URL      string
}

// MaxPageNameLength bounds a page's name (as PAGE_NAME).
const MaxPageNameLength = 100

// LoadPageSettings reads the page's stored settings.
func (db *DB) LoadPageSettings(ctx context.Context) (PageSettings, error) {
	var ps PageSettings
	for key, dst := range map[string]*string{SettingPageName: &ps.Name, SettingPageTimeZone: &ps.TimeZone, SettingPageURL: &ps.URL} {
		v, err := db.GetSetting(ctx, key)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return ps, err
		}
		*dst = v
	}
	return ps, nil
}

// SavePageSettings validates and stores the fields of p that are not nil
// ("" clears the website).
func (db *DB) SavePageSettings(ctx context.Context, name, timeZone, website *string) error {
	v := &ValidationError{}
	if name != nil {
		*name = strings.TrimSpace(*name)
		switch {
		case *name == "":
			v.Add("name", "must not be empty")
		case len(*name) > MaxPageNameLength:
			v.Add("name", "must be at most %d characters", MaxPageNameLength)
		}
	}
	if timeZone != nil {
		*timeZone = strings.TrimSpace(*timeZone)
		if _, err := time.LoadLocation(*timeZone); err != nil || *timeZone == "" || *timeZone == "Local" || len(*timeZone) > 64 {
			v.Add("time_zone", "must be an IANA time zone name such as Europe/Berlin or UTC")
		}
	}
	if website != nil {
		*website = strings.TrimSpace(*website)
		if u, err := url.Parse(*website); *website != "" && (err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || len(*website) > 2000) {
			v.Add("url", "must be an absolute http(s) URL such as https://www.example.com")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	for key, val := range map[string]*string{SettingPageName: name, SettingPageTimeZone: timeZone, SettingPageURL: website} {
		if val != nil {
			if err := db.SetSetting(ctx, key, *val); err != nil {
				return err
			}
		}
	}
	return nil
}
