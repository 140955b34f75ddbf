// Package mirror copies the public site to another failure domain: a
// directory (beacon export, MIRROR_URL=file:///dir) or an S3-compatible
// bucket (MIRROR_URL=s3://bucket/prefix), as static files any web server,
// object store or CDN can serve. Mirror receives every round of the
// snapshot's core set and uploads, in its own goroutine, only the objects
// that changed; a slow or failing target never delays a write or a page.
package mirror

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/beaconstatus/beacon/app/snapshot"
	"github.com/beaconstatus/beacon/static"
)

// Object is one file of the static site.
type Object struct {
	Name         string // path in the site, without a leading slash: index.html, api/v2/summary.json
	ContentType  string
	CacheControl string
	Body         []byte
}

// Target is where the static site goes: a directory or a bucket. Put
// replaces the object of that name; Get returns an object's body, or an
// error wrapping ErrNotExist.
type Target interface {
	Put(ctx context.Context, o Object) error
	Get(ctx context.Context, name string) ([]byte, error)
	String() string // for logs and /readyz, without credentials
}

// ErrNotExist is the error of Get for an object the target does not have.
var ErrNotExist = errors.New("mirror: no such object")

// ManifestName is the site's manifest: every object's content type, cache
// policy and hash, so a static host can be configured to serve them right
// (and the mirror knows what it uploaded before).
const ManifestName = "beacon-manifest.json"

// SiteManifest is the content of ManifestName.
type SiteManifest struct {
	Generation uint64                `json:"generation"`
	Updated    time.Time             `json:"updated"` // when the set was built
	Objects    map[string]ObjectInfo `json:"objects"`
}

// ObjectInfo describes one object of the site.
type ObjectInfo struct {
	Path         string `json:"path"` // the URL path Beacon serves it at
	ContentType  string `json:"content_type"`
	CacheControl string `json:"cache_control"`
	SHA256       string `json:"sha256"`
}

// ObjectName is the file name a document of the snapshot is kept under in
// a static site, so that its links work when served from a bucket: an
// HTML page at a path without an extension becomes a directory's
// index.html ("/" → index.html, /incidents/ab → incidents/ab/index.html);
// anything else keeps its path. A key with a query cannot be a file: ok
// is false.
func ObjectName(key, contentType string) (name string, ok bool) {
	if !strings.HasPrefix(key, "/") || strings.ContainsAny(key, "?#") || strings.Contains(key, "..") {
		return "", false
	}
	p := strings.TrimPrefix(key, "/")
	if p == "" {
		return "index.html", true
	}
	last := p[strings.LastIndex(p, "/")+1:]
	if strings.HasPrefix(contentType, "text/html") && !strings.Contains(last, ".") {
		return strings.TrimSuffix(p, "/") + "/index.html", true
	}
	return p, true
}

// Objects is the static site of a core set: its documents and every
// static asset.
func Objects(set snapshot.Set, assets []*static.Asset) []Object {
	out := make([]Object, 0, len(set.Docs)+len(assets))
	for _, d := range set.Docs {
		ct := d.Rendition.ContentType()
		name, ok := ObjectName(d.Key, ct)
		if !ok {
			continue
		}
		out = append(out, Object{Name: name, ContentType: ct, CacheControl: d.Rendition.CacheControl(), Body: d.Rendition.Body()})
	}
	for _, a := range assets {
		out = append(out, Object{Name: strings.TrimPrefix(a.URL, "/"), ContentType: a.ContentType,
			CacheControl: static.CacheControl, Body: a.Body})
	}
	// The status page first, then the other pages and the API, then the
	// rest: Sync uploads in this order.
	sort.SliceStable(out, func(i, j int) bool {
		if pi, pj := uploadRank(out[i].Name), uploadRank(out[j].Name); pi != pj {
			return pi < pj
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// uploadRank orders the uploads: what readers reach first goes first.
func uploadRank(name string) int {
	switch {
	case name == "index.html":
		return 0
	case strings.HasPrefix(name, "api/"), strings.HasPrefix(name, "incidents/"), strings.HasPrefix(name, "history"):
		return 1
	case strings.HasPrefix(name, "static/"):
		return 2 // content-hashed: uploaded once
	}
	return 3
}

// syncWorkers is how many uploads run at once.
const syncWorkers = 4

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// pathOf is the URL path an object is served at by Beacon.
func pathOf(name string) string {
	if name == "index.html" {
		return "/"
	}
	return "/" + strings.TrimSuffix(name, "/index.html")
}

// Sync writes objs to t, skipping those the target already holds with the
// same hash (have, from the target's manifest or the last Sync), then the
// manifest when anything changed. It returns what the target holds
// afterwards and how many objects it uploaded; on an error, the map has
// what it uploaded so far.
func Sync(ctx context.Context, t Target, objs []Object, have map[string]ObjectInfo, generation uint64, updated time.Time) (map[string]ObjectInfo, int, error) {
	next := make(map[string]ObjectInfo, len(have)+len(objs))
	for k, v := range have {
		next[k] = v
	}
	var todo []Object
	var infos []ObjectInfo
	for _, o := range objs {
		info := ObjectInfo{Path: pathOf(o.Name), ContentType: o.ContentType, CacheControl: o.CacheControl, SHA256: sum(o.Body)}
		if next[o.Name] != info {
			todo, infos = append(todo, o), append(infos, info)
		}
	}
	// Up to syncWorkers uploads at once, taken in order.
	var mu sync.Mutex
	var firstErr error
	uploaded := 0
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(syncWorkers, len(todo)) {
		wg.Go(func() {
			for i := range work {
				err := t.Put(ctx, todo[i])
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("mirror: put %s: %w", todo[i].Name, err)
				} else if err == nil {
					next[todo[i].Name] = infos[i]
					uploaded++
				}
				mu.Unlock()
			}
		})
	}
	for i := range todo {
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return next, uploaded, firstErr
	}
	if uploaded == 0 && len(have) > 0 {
		return next, 0, nil
	}
	// Objects uploaded before and not in this set (a resolved incident's
	// page) stay, so links to them keep working; the manifest keeps them.
	m := SiteManifest{Generation: generation, Updated: updated.UTC(), Objects: next}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return next, uploaded, err
	}
	if err := t.Put(ctx, Object{Name: ManifestName, ContentType: "application/json", CacheControl: "no-cache", Body: b}); err != nil {
		return next, uploaded, fmt.Errorf("mirror: put %s: %w", ManifestName, err)
	}
	return next, uploaded, nil
}

// ReadManifest reads what the target holds from its manifest; an empty
// map when it has none or it cannot be read (everything is uploaded).
func ReadManifest(ctx context.Context, t Target) map[string]ObjectInfo {
	b, err := t.Get(ctx, ManifestName)
	if err != nil {
		return map[string]ObjectInfo{}
	}
	var m SiteManifest
	if json.Unmarshal(b, &m) != nil || m.Objects == nil {
		return map[string]ObjectInfo{}
	}
	delete(m.Objects, ManifestName)
	return m.Objects
}
