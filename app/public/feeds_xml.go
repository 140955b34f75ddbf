package public

import (
	"bytes"
	"encoding/xml"
	"html"
	"time"

	"github.com/gorilla/feeds"
)

// Atom and RSS are written by gorilla/feeds, with what it lacks added
// around it: Atom's feed id, author, rel="self" and rel="alternate" links
// and published times; RSS's atom:link rel="self", stable guids and
// generator.

// gorillaFeed turns a feedDoc into gorilla's feed. Atom takes the
// timeline as content and the plain text as summary; RSS readers show the
// description, so for RSS the timeline is the description. RSS readers
// render the channel's description as HTML, so its text (incident and
// component names) is escaped there; Atom's subtitle is text.
func (h *Handler) gorillaFeed(doc feedDoc, rss bool) *feeds.Feed {
	description := doc.Description
	if rss {
		description = html.EscapeString(description)
	}
	f := &feeds.Feed{
		Title:       doc.Title,
		Link:        &feeds.Link{Href: doc.AltURL},
		Description: description,
		Author:      &feeds.Author{Name: h.Site.Info().Name},
		Updated:     doc.Updated.UTC(),
	}
	for _, e := range doc.Entries {
		item := &feeds.Item{
			Title:       e.Title,
			Link:        &feeds.Link{Href: e.URL, Type: "text/html"},
			Id:          e.ID,
			IsPermaLink: "false",
			Created:     e.Published.UTC(),
			Updated:     e.Updated.UTC(),
			Description: html.EscapeString(e.Summary),
			Content:     e.ContentHTML,
		}
		if rss {
			// RSS has one date, and readers surface an item by it: the
			// last public change (a resolution, a postmortem revision),
			// as the items are ordered.
			item.Description, item.Content = e.ContentHTML, ""
			item.Created = e.Updated.UTC()
		}
		f.Add(item)
	}
	return f
}

// atomFeed is Atom's feed element, with the links, id and author gorilla
// leaves out (it writes a single link and uses it as the id).
type atomFeed struct {
	XMLName   xml.Name          `xml:"feed"`
	Xmlns     string            `xml:"xmlns,attr"`
	ID        string            `xml:"id"`
	Title     string            `xml:"title"`
	Subtitle  string            `xml:"subtitle,omitempty"`
	Updated   string            `xml:"updated"`
	Links     []feeds.AtomLink  `xml:"link"`
	Author    *feeds.AtomAuthor `xml:"author"`
	Generator atomGenerator     `xml:"generator"`
	Entries   []*feeds.AtomEntry
}

// atomGenerator names the software that wrote the feed.
type atomGenerator struct {
	URI  string `xml:"uri,attr"`
	Name string `xml:",chardata"`
}

// buildAtom writes an Atom 1.0 feed.
func (h *Handler) buildAtom(doc feedDoc) ([]byte, error) {
	g := (&feeds.Atom{Feed: h.gorillaFeed(doc, false)}).AtomFeed()
	self := h.feedURL(doc, formatAtom)
	out := atomFeed{
		Xmlns: "http://www.w3.org/2005/Atom", ID: self, Title: g.Title, Subtitle: g.Subtitle, Updated: g.Updated,
		Links: []feeds.AtomLink{
			{Href: self, Rel: "self", Type: "application/atom+xml"},
			{Href: doc.AltURL, Rel: "alternate", Type: "text/html"},
		},
		Author:    &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: h.Site.Info().Name, Uri: h.Site.BaseURL}},
		Generator: atomGenerator{URI: "https://github.com/beaconstatus/beacon", Name: "Beacon"},
		Entries:   g.Entries,
	}
	for i, e := range out.Entries {
		e.Published = doc.Entries[i].Published.UTC().Format(time.RFC3339)
	}
	return marshalXML(out)
}

// rssDoc is RSS 2.0's root, declaring the Atom namespace for the
// channel's rel="self" link.
type rssDoc struct {
	XMLName   xml.Name    `xml:"rss"`
	Version   string      `xml:"version,attr"`
	XmlnsAtom string      `xml:"xmlns:atom,attr"`
	Channel   *rssChannel `xml:"channel"`
}

// rssChannel is gorilla's channel with an atom:link to itself.
type rssChannel struct {
	XMLName xml.Name `xml:"channel"`
	*feeds.RssFeed
	Self rssAtomLink
}

// rssAtomLink is <atom:link href="..." rel="self" type="..."/>.
type rssAtomLink struct {
	XMLName xml.Name `xml:"atom:link"`
	Href    string   `xml:"href,attr"`
	Rel     string   `xml:"rel,attr"`
	Type    string   `xml:"type,attr"`
}

// buildRSS writes an RSS 2.0 feed.
func (h *Handler) buildRSS(doc feedDoc) ([]byte, error) {
	ch := (&feeds.Rss{Feed: h.gorillaFeed(doc, true)}).RssFeed()
	ch.Generator = "Beacon"
	ch.Language = "en"
	ch.ManagingEditor = "" // RSS wants an email address here; the page has none
	return marshalXML(rssDoc{
		Version: "2.0", XmlnsAtom: "http://www.w3.org/2005/Atom",
		Channel: &rssChannel{RssFeed: ch, Self: rssAtomLink{Href: h.feedURL(doc, formatRSS), Rel: "self", Type: "application/rss+xml"}},
	})
}

// marshalXML writes v as an indented XML document.
func marshalXML(v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
