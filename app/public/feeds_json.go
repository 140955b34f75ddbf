package public

import (
	"bytes"
	"encoding/json"
	"time"
)

// JSON Feed 1.1 (https://jsonfeed.org/version/1.1), written directly:
// gorilla/feeds writes version 1.

// jsonFeed is a JSON Feed 1.1 document.
type jsonFeed struct {
	Version     string           `json:"version"`
	Title       string           `json:"title"`
	HomePageURL string           `json:"home_page_url"`
	FeedURL     string           `json:"feed_url"`
	Description string           `json:"description,omitempty"`
	Authors     []jsonFeedAuthor `json:"authors"`
	Language    string           `json:"language"`
	Items       []jsonFeedItem   `json:"items"`
}

// jsonFeedAuthor is the author of a feed.
type jsonFeedAuthor struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

// jsonFeedItem is one item of a JSON Feed.
type jsonFeedItem struct {
	ID            string   `json:"id"`
	URL           string   `json:"url"`
	Title         string   `json:"title"`
	ContentHTML   string   `json:"content_html"`
	Summary       string   `json:"summary,omitempty"`
	DatePublished string   `json:"date_published"`
	DateModified  string   `json:"date_modified"`
	Tags          []string `json:"tags,omitempty"`
}

// buildJSONFeed writes a JSON Feed 1.1.
func (h *Handler) buildJSONFeed(doc feedDoc) ([]byte, error) {
	f := jsonFeed{
		Version: "https://jsonfeed.org/version/1.1", Title: doc.Title,
		HomePageURL: doc.AltURL, FeedURL: h.feedURL(doc, formatJSON), Description: doc.Description,
		Authors:  []jsonFeedAuthor{{Name: h.Site.Info().Name, URL: h.Site.BaseURL}},
		Language: "en",
		Items:    make([]jsonFeedItem, 0, len(doc.Entries)),
	}
	for _, e := range doc.Entries {
		f.Items = append(f.Items, jsonFeedItem{
			ID: e.ID, URL: e.URL, Title: e.Title, ContentHTML: e.ContentHTML, Summary: e.Summary,
			DatePublished: e.Published.UTC().Format(time.RFC3339),
			DateModified:  e.Updated.UTC().Format(time.RFC3339),
			Tags:          e.Tags,
		})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
