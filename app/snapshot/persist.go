package snapshot

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// The core set is saved to a directory after each round that changed it,
// so a server that starts while the database is unreachable can serve it
// (see Saved). The directory holds manifest.json and the bodies under
// objects/, each named by the SHA-256 of its bytes; a save writes the new
// bodies first, then the manifest through a temporary file and a rename,
// then removes the bodies no manifest names: a reader sees the whole old
// set or the whole new one, never a mix.

// ManifestName is the manifest's file name in the snapshot directory.
const ManifestName = "manifest.json"

// manifestVersion is the format of the manifest.
const manifestVersion = 1

// Manifest describes a saved core set.
type Manifest struct {
	Version    int        `json:"version"`
	Generation uint64     `json:"generation"`
	SavedAt    time.Time  `json:"saved_at"` // when the set was built: the page's "last updated"
	Documents  []SavedDoc `json:"documents"`
}

// SavedDoc is one saved document.
type SavedDoc struct {
	Key          string      `json:"key"`
	File         string      `json:"file"` // objects/<sha256>
	ContentType  string      `json:"content_type"`
	CacheControl string      `json:"cache_control"`
	ETag         string      `json:"etag"`
	LastModified time.Time   `json:"last_modified"`
	Header       http.Header `json:"header,omitempty"` // other headers of the answer (CORS)
}

// Body is the rendition's body as served without compression.
func (r *Rendition) Body() []byte { return r.body }

// ETag is the rendition's strong ETag (quoted).
func (r *Rendition) ETag() string { return r.etag }

// Modified is when the rendition's body last changed.
func (r *Rendition) Modified() time.Time { return r.modified }

// ContentType is the rendition's Content-Type.
func (r *Rendition) ContentType() string { return r.plainHeader.Get(echo.HeaderContentType) }

// CacheControl is the rendition's Cache-Control.
func (r *Rendition) CacheControl() string { return r.plainHeader.Get("Cache-Control") }

// extraHeader is the rendition's headers but those the snapshot derives
// from the body (length, encoding, ETag, Last-Modified, Vary, Content-Type).
func (r *Rendition) extraHeader() http.Header {
	h := http.Header{}
	for k, v := range r.plainHeader {
		switch k {
		case echo.HeaderContentLength, echo.HeaderContentEncoding, "Etag", echo.HeaderLastModified, echo.HeaderVary,
			echo.HeaderContentType, "Cache-Control":
			continue
		}
		h[k] = v
	}
	return h
}

// Restore makes a rendition from saved parts: body, content type, cache
// control, other headers and when the body last changed. It is stale at
// once: a live snapshot rebuilds it at the first chance.
func Restore(body []byte, contentType, cacheControl string, header http.Header, modified time.Time) (*Rendition, error) {
	rec := newResponseRecorder()
	for k, v := range header {
		rec.header[http.CanonicalHeaderKey(k)] = v
	}
	rec.header.Set(echo.HeaderContentType, contentType)
	rec.header.Set("Cache-Control", cacheControl)
	rec.body.Write(body)
	r, err := newRendition(rec, 0, modified, nil, nil) // one rendition for every reader: Vary: Accept-Encoding
	if err != nil {
		return nil, err
	}
	r.modified = modified.UTC().Truncate(time.Second)
	lm := []string{r.modified.Format(http.TimeFormat)}
	r.plainHeader[echo.HeaderLastModified], r.gzipHeader[echo.HeaderLastModified] = lm, lm
	return r, nil
}

// Save writes set to dir atomically (see above).
func Save(dir string, set Set) error {
	objects := filepath.Join(dir, "objects")
	if err := os.MkdirAll(objects, 0o755); err != nil {
		return fmt.Errorf("snapshot: save: %w", err)
	}
	m := Manifest{Version: manifestVersion, Generation: set.Generation, SavedAt: set.Built.UTC(), Documents: []SavedDoc{}}
	keep := map[string]bool{}
	for _, d := range set.Docs {
		r := d.Rendition
		sum := sha256.Sum256(r.body)
		name := hex.EncodeToString(sum[:])
		keep[name] = true
		path := filepath.Join(objects, name)
		if _, err := os.Stat(path); err != nil {
			if err := writeAtomic(path, r.body); err != nil {
				return err
			}
		}
		m.Documents = append(m.Documents, SavedDoc{Key: d.Key, File: "objects/" + name, ContentType: r.ContentType(),
			CacheControl: r.CacheControl(), ETag: r.etag, LastModified: r.modified, Header: r.extraHeader()})
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("snapshot: save: %w", err)
	}
	if err := writeAtomic(filepath.Join(dir, ManifestName), b); err != nil {
		return err
	}
	if f, err := os.Open(dir); err == nil { // the rename itself durable
		f.Sync()
		f.Close()
	}
	// Bodies no longer named by the manifest.
	if names, err := os.ReadDir(objects); err == nil {
		for _, n := range names {
			if !keep[n.Name()] {
				os.Remove(filepath.Join(objects, n.Name()))
			}
		}
	}
	return nil
}

// writeAtomic writes b to path through a synced temporary file renamed
// over it.
func writeAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("snapshot: save: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("snapshot: save: %w", err)
	}
	return nil
}

// Saved is a core set loaded from disk: what a server that started while
// the database was unreachable serves.
type Saved struct {
	Manifest   Manifest
	renditions map[string]*Rendition
}

// Get returns the saved rendition of a request's key (see Key), or nil.
func (s *Saved) Get(key string) *Rendition { return s.renditions[key] }

// Len is the number of saved documents.
func (s *Saved) Len() int { return len(s.renditions) }

// ErrNoSnapshot is Load's error when the directory holds no saved set.
var ErrNoSnapshot = errors.New("snapshot: no saved snapshot")

// Load reads the set saved in dir, checking every body against its name.
func Load(dir string) (*Saved, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s", ErrNoSnapshot, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot: load: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("snapshot: load %s: %w", ManifestName, err)
	}
	if m.Version != manifestVersion {
		return nil, fmt.Errorf("snapshot: load: manifest version %d, want %d", m.Version, manifestVersion)
	}
	s := &Saved{Manifest: m, renditions: map[string]*Rendition{}}
	for _, d := range m.Documents {
		name, ok := strings.CutPrefix(d.File, "objects/")
		if !ok || strings.ContainsAny(name, `/\`) || !strings.HasPrefix(d.Key, "/") {
			return nil, fmt.Errorf("snapshot: load: bad document %q", d.Key)
		}
		body, err := os.ReadFile(filepath.Join(dir, "objects", name))
		if err != nil {
			return nil, fmt.Errorf("snapshot: load %s: %w", d.Key, err)
		}
		if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != name {
			return nil, fmt.Errorf("snapshot: load %s: the body does not match its hash", d.Key)
		}
		r, err := Restore(body, d.ContentType, d.CacheControl, d.Header, d.LastModified)
		if err != nil {
			return nil, fmt.Errorf("snapshot: load %s: %w", d.Key, err)
		}
		s.renditions[d.Key] = r
	}
	return s, nil
}
