package public

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// Feeds of the page's history (/history.atom, .rss, .json), of one
// component (/components/{id}/history.*) and of one incident
// (/incidents/{id}.*). A feed is gathered from the database into a feedDoc,
// then written in its format by a pure function (feeds_xml.go,
// feeds_json.go), so a snapshot can build the bytes from data.

// FeedEntries is how many incidents and maintenance a history feed carries.
const FeedEntries = 50

// Feed formats, named by their file extension.
const (
	formatAtom = "atom"
	formatRSS  = "rss"
	formatJSON = "json"
)

// feedContentTypes are the media types of the feed formats.
var feedContentTypes = map[string]string{
	formatAtom: "application/atom+xml; charset=utf-8",
	formatRSS:  "application/rss+xml; charset=utf-8",
	formatJSON: "application/feed+json; charset=utf-8",
}

// feedDoc is a feed before it is written in a format.
type feedDoc struct {
	Title       string
	Description string
	SelfPath    string // the feed's path without extension, e.g. "/history"
	AltURL      string // absolute URL of the page the feed follows
	Updated     time.Time
	Entries     []feedEntry // most recently updated first
}

// feedEntry is one entry of a feed: an incident (its content the public
// timeline so far) or, in an incident's feed, one update.
type feedEntry struct {
	ID          string // a tag: URI that never changes
	Title       string
	URL         string // absolute
	Published   time.Time
	Updated     time.Time
	ContentHTML string
	Summary     string // plain text
	Tags        []string
}

// feedFormat is the format a feed route serves, from its extension.
func feedFormat(p string) string {
	return strings.TrimPrefix(path.Ext(p), ".")
}

// historyFeed is /history.atom, /history.rss and /history.json: the most
// recent incidents and maintenance, each with its public timeline.
func (h *Handler) historyFeed(c echo.Context) error {
	ctx := c.Request().Context()
	list, _, err := h.DB.ListIncidents(ctx, models.IncidentFilter{Limit: FeedEntries})
	if err != nil {
		return err
	}
	updated, err := h.DB.LastChange(ctx)
	if err != nil {
		return err
	}
	revised, err := h.revisionTimes(ctx, list)
	if err != nil {
		return err
	}
	l := h.site(c).L()
	doc := h.historyDoc(h.site(c), l.T("feed_history_title", "Name", h.Site.Info().Name),
		l.T("feed_history_description", "Name", h.Site.Info().Name), "/history", h.Site.BaseURL+"/history", list, revised, updated)
	return h.writeFeed(c, doc, feedFormat(c.Path()))
}

// componentFeed is /components/{id}/history.atom (.rss, .json): the
// incidents and maintenance that touched the component, or for a group
// any of its members.
func (h *Handler) componentFeed(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	if !models.ValidID(id) {
		return models.ErrNotFound
	}
	comps, err := h.DB.ListComponents(ctx)
	if err != nil {
		return err
	}
	var comp *models.Component
	ids := []string{id}
	for i := range comps {
		switch {
		case comps[i].ID == id:
			comp = &comps[i]
		case comps[i].GroupID != nil && *comps[i].GroupID == id:
			ids = append(ids, comps[i].ID)
		}
	}
	if comp == nil {
		return echo.NewHTTPError(http.StatusNotFound, "There is no component with this id.")
	}
	list, err := h.DB.ListIncidentsOfComponents(ctx, ids, FeedEntries)
	if err != nil {
		return err
	}
	updated, err := h.DB.LastChange(ctx)
	if err != nil {
		return err
	}
	revised, err := h.revisionTimes(ctx, list)
	if err != nil {
		return err
	}
	l := h.site(c).L()
	doc := h.historyDoc(h.site(c), l.T("feed_component_title", "Component", comp.Name, "Name", h.Site.Info().Name),
		l.T("feed_component_description", "Component", comp.Name),
		"/components/"+comp.ID+"/history", h.Site.BaseURL+"/", list, revised, updated)
	return h.writeFeed(c, doc, feedFormat(c.Path()))
}

// showIncidentOrFeed serves /incidents/{id} (the page) and the incident's
// feeds /incidents/{id}.atom, .rss and .json: the router cannot tell them
// apart, as the id and the extension share one path segment.
func (h *Handler) showIncidentOrFeed(c echo.Context) error {
	id, format, ok := strings.Cut(c.Param("id"), ".")
	if !ok {
		return h.showIncident(c)
	}
	if _, known := feedContentTypes[format]; !known || !models.ValidID(id) {
		return models.ErrNotFound
	}
	return web.AllowAnyOrigin(func(c echo.Context) error {
		ctx := c.Request().Context()
		in, err := h.DB.GetIncident(ctx, id)
		if err != nil {
			return err
		}
		revised, err := h.revisionTimes(ctx, []models.Incident{*in})
		if err != nil {
			return err
		}
		return h.writeFeed(c, h.incidentDoc(h.site(c), in, revised), format)
	})(c)
}

// historyDoc builds a history feed from the incidents: one entry per
// incident or maintenance. An empty feed was last updated when the page
// was (pageUpdated), or for a page never changed at the epoch: feeds must
// say when. A published postmortem is an entry of its own
// (tag:…:incident/{id}/postmortem) beside its incident's, updated by its
// latest revision (revised, by postmortem id).
func (h *Handler) historyDoc(site *view.Site, title, description, selfPath, altURL string, list []models.Incident,
	revised map[string]time.Time, pageUpdated time.Time) feedDoc {
	doc := feedDoc{Title: title, Description: description, SelfPath: selfPath, AltURL: altURL, Updated: pageUpdated}
	for i := range list {
		doc.Entries = append(doc.Entries, h.incidentEntry(site, &list[i]))
		if pm := list[i].PublishedPostmortem(); pm != nil {
			doc.Entries = append(doc.Entries, h.postmortemEntry(site, &list[i], pm, revised[pm.ID]))
		}
	}
	sortEntries(doc.Entries)
	if len(doc.Entries) > 0 {
		doc.Updated = doc.Entries[0].Updated
	}
	if doc.Updated.IsZero() {
		doc.Updated = time.Unix(0, 0).UTC()
	}
	return doc
}

// incidentDoc is the feed of one incident: an entry per public update,
// and one for its postmortem once published.
func (h *Handler) incidentDoc(site *view.Site, in *models.Incident, revised map[string]time.Time) feedDoc {
	doc := feedDoc{
		Title:       site.L().T("feed_incident_title", "Incident", in.Name, "Name", site.Info().Name),
		Description: site.L().T("feed_incident_description", "Incident", in.Name),
		SelfPath:    view.IncidentURL(in.ID),
		AltURL:      site.BaseURL + view.IncidentURL(in.ID),
		Updated:     in.UpdatedAt,
	}
	for _, e := range in.Updates() {
		label := site.IncidentStatusLabel(e.Status)
		entry := feedEntry{
			ID:          h.tagURI(in.CreatedAt, "incident/"+in.ID+"/update/"+e.ID),
			Title:       label + ": " + in.Name,
			URL:         site.BaseURL + view.IncidentURL(in.ID) + "#update-" + e.ID,
			Published:   e.OccurredAt,
			Updated:     view.MaxTime(e.OccurredAt, e.UpdatedAt),
			ContentHTML: h.updateHTML(site, &e, false),
			Summary:     label + " – " + view.Excerpt(template.HTML(e.BodyHTML), 280),
			Tags:        []string{in.Kind, e.Status},
		}
		doc.Entries = append(doc.Entries, entry)
		doc.Updated = view.MaxTime(doc.Updated, entry.Updated)
	}
	if pm := in.PublishedPostmortem(); pm != nil {
		// Its postmortem too, as the history feeds have it: a reader
		// following the incident hears of it.
		entry := h.postmortemEntry(site, in, pm, revised[pm.ID])
		doc.Entries = append(doc.Entries, entry)
		doc.Updated = view.MaxTime(doc.Updated, entry.Updated)
	}
	sortEntries(doc.Entries)
	return doc
}

// incidentEntry is an incident or maintenance as one entry: its content is
// the public timeline so far, its updated time the latest change, its id
// fixed for good.
func (h *Handler) incidentEntry(site *view.Site, in *models.Incident) feedEntry {
	updates := in.Updates()
	e := feedEntry{
		ID:        h.tagURI(in.CreatedAt, "incident/"+in.ID),
		Title:     in.Name,
		URL:       site.BaseURL + view.IncidentURL(in.ID),
		Published: in.StartedAt,
		Updated:   in.UpdatedAt,
		Tags:      []string{in.Kind, in.Status},
	}
	var b strings.Builder
	if w := site.Window(in.ScheduledFor, in.ScheduledUntil); w != "" {
		fmt.Fprintf(&b, "<p><strong>%s</strong> %s</p>\n", html.EscapeString(site.L().T("label_scheduled")), html.EscapeString(w))
	}
	if len(in.Components) > 0 {
		names := make([]string, len(in.Components))
		for i, c := range in.Components {
			names[i] = html.EscapeString(c.Name)
		}
		fmt.Fprintf(&b, "<p><strong>%s:</strong> %s</p>\n", html.EscapeString(site.L().T("affected_components")), strings.Join(names, ", "))
	}
	for i := range updates {
		b.WriteString(h.updateHTML(site, &updates[i], true))
		e.Updated = view.MaxTime(e.Updated, updates[i].UpdatedAt)
	}
	e.ContentHTML = b.String()
	if len(updates) > 0 {
		e.Summary = site.IncidentStatusLabel(updates[0].Status) + " – " + view.Excerpt(template.HTML(updates[0].BodyHTML), 280)
	} else {
		e.Summary = site.IncidentStatusLabel(in.Status)
	}
	return e
}

// postmortemEntry is a published postmortem as an entry: its summary (or
// its first section with text) and a link to the whole of it. Its updated
// time moves with each published revision (revisedAt, the latest one's),
// and with a new publication.
func (h *Handler) postmortemEntry(site *view.Site, in *models.Incident, pm *models.Postmortem, revisedAt time.Time) feedEntry {
	url := site.BaseURL + view.IncidentURL(in.ID) + "/postmortem"
	e := feedEntry{
		ID:        h.tagURI(in.CreatedAt, "incident/"+in.ID+"/postmortem"),
		Title:     site.L().T("postmortem") + ": " + in.Name,
		URL:       url,
		Published: *pm.FirstPublishedAt,
		Updated:   view.MaxTime(*pm.PublishedAt, revisedAt),
		Tags:      []string{"postmortem"},
	}
	var body string
	for _, s := range pm.Sections {
		if s.BodyHTML != "" && (body == "" || s.Key == "summary") {
			body = s.BodyHTML
		}
	}
	e.Summary = view.Excerpt(template.HTML(body), 280)
	// Its figures, counted from the same milestones as the pages'.
	var facts []string
	m := in.Milestones()
	for _, f := range models.Figures {
		if f.Key != "time_to_resolution" && f.Key != "customer_facing_duration" {
			continue
		}
		if d, ok := f.Of(m); ok {
			facts = append(facts, "<strong>"+html.EscapeString(site.L().T("pm_figure_"+f.Key))+":</strong> "+html.EscapeString(site.Duration(d)))
		}
	}
	if len(facts) > 0 {
		body += "\n<p>" + strings.Join(facts, " · ") + "</p>"
	}
	e.ContentHTML = body + fmt.Sprintf("\n<p><a href=\"%s\">%s</a></p>\n", html.EscapeString(url), html.EscapeString(site.L().T("pm_read_whole")))
	return e
}

// revisionTimes is when each published postmortem of the incidents got its
// latest revision, by postmortem id.
func (h *Handler) revisionTimes(ctx context.Context, list []models.Incident) (map[string]time.Time, error) {
	var ids []string
	for i := range list {
		if pm := list[i].PublishedPostmortem(); pm != nil {
			ids = append(ids, pm.ID)
		}
	}
	return h.DB.LatestRevisionTimes(ctx, ids)
}

// updateHTML is one public update as feed content: when and which status
// (withStatus), the message (sanitized when saved) and its component
// changes.
func (h *Handler) updateHTML(site *view.Site, e *models.TimelineEvent, withStatus bool) string {
	var b strings.Builder
	at := site.Time(e.OccurredAt)
	if withStatus {
		fmt.Fprintf(&b, "<p><small>%s</small><br><strong>%s</strong></p>\n",
			html.EscapeString(at.Human), html.EscapeString(site.IncidentStatusLabel(e.Status)))
	} else {
		fmt.Fprintf(&b, "<p><small>%s</small></p>\n", html.EscapeString(at.Human))
	}
	b.WriteString(e.BodyHTML)
	if !strings.HasSuffix(e.BodyHTML, "\n") {
		b.WriteString("\n")
	}
	if len(e.AffectedComponents) > 0 {
		b.WriteString("<ul>\n")
		for _, c := range e.AffectedComponents {
			fmt.Fprintf(&b, "<li>%s: %s → %s</li>\n", html.EscapeString(c.Name),
				html.EscapeString(site.StatusLabel(c.OldStatus)), html.EscapeString(site.StatusLabel(c.NewStatus)))
		}
		b.WriteString("</ul>\n")
	}
	return b.String()
}

// tagURI is a stable entry id (RFC 4151): the page's host, the day the
// thing was created, and what it is.
func (h *Handler) tagURI(created time.Time, specific string) string {
	host := "localhost"
	if u, err := url.Parse(h.Site.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return "tag:" + host + "," + created.UTC().Format(time.DateOnly) + ":" + specific
}

// sortEntries orders entries most recently updated first.
func sortEntries(list []feedEntry) {
	sort.SliceStable(list, func(i, j int) bool {
		if !list[i].Updated.Equal(list[j].Updated) {
			return list[i].Updated.After(list[j].Updated)
		}
		return list[i].ID < list[j].ID
	})
}

// writeFeed answers with the feed in a format, conditionally.
func (h *Handler) writeFeed(c echo.Context, doc feedDoc, format string) error {
	body, err := h.buildFeed(doc, format)
	if err != nil {
		return err
	}
	return web.WriteCacheable(c, web.Cacheable{ContentType: feedContentTypes[format], Body: body,
		Modified: doc.Updated, Cache: web.CacheFeeds})
}

// buildFeed writes a feed in a format: Atom 1.0, RSS 2.0 or JSON Feed 1.1.
func (h *Handler) buildFeed(doc feedDoc, format string) ([]byte, error) {
	switch format {
	case formatAtom:
		return h.buildAtom(doc)
	case formatRSS:
		return h.buildRSS(doc)
	case formatJSON:
		return h.buildJSONFeed(doc)
	}
	return nil, fmt.Errorf("app: unknown feed format %q", format)
}

// feedURL is the absolute URL of a feed in a format.
func (h *Handler) feedURL(doc feedDoc, format string) string {
	return h.Site.BaseURL + doc.SelfPath + "." + format
}
