package app

import (
	"net/url"
	"time"
)

// SubscriberLinkPath is the path of a signed subscriber link made at now,
// for the black-box tests (which cannot read the email the dispatcher sends).
func (a *App) SubscriberLinkPath(purpose, subscriberID string, version int, now time.Time) string {
	u, err := url.Parse(a.subscriberURL(purpose, subscriberID, version, now))
	if err != nil {
		panic(err)
	}
	return u.Path
}
