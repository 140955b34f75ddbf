// Package snapshot serves the public pages, feeds and public API from
// memory. See Cache.
package snapshot

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/beaconstatus/beacon/app/web"
	"github.com/labstack/echo/v4"
	"golang.org/x/sync/singleflight"
)

// Cache, the snapshot, serves the public pages, feeds and public API from memory:
// each response rendered once, with its gzip form, a strong ETag for each
// and Last-Modified. A hit does no database and no template work. A change
// (Invalidate, after a write here or another replica's announcement) marks stale what it
// touched and rebuilds the renditions in use at once; until a rebuild
// succeeds the last good Rendition keeps being served, so the page stays up
// while the database is down.
//
// What a change touched: most changes (components, a new incident or
// maintenance, the scheduler's transitions, anything not said otherwise)
// touch everything. A change scoped to some incidents (an update posted;
// an incident or maintenance, its timeline, its postmortem or an action
// item edited: see web.Incident) touches the page-wide renditions (/, history,
// the page's feeds, the public API, badges, widget: anything not under
// /incidents/{id}) and those of these incidents (/incidents/{id}, its feeds
// and its postmortem pages); another incident's pages stay as they are.

// What the snapshot keeps is bounded by the content, not by the requests:
// a rendition is keyed by its path and only the query parameters its route
// reads, in canonical form (web.CachedQuery: /?cb=1 is /, /history?page=02
// is /history?page=2), and an answer that is not a 200 page (a 404 for an
// unknown id or page, a 400 for a bad parameter) is served live and kept
// nowhere. The periodic refresh rebuilds only what was asked for lately.

// Snapshot limits and timings.
const (
	// maxEntries is a last bound on the memory: beyond it, new keys are
	// served live (rendered per request) until old ones are dropped.
	maxEntries = 2000
	// MaxAge rebuilds renditions at least this often, so
	// time-driven content (uptime bars, maintenance windows) stays right.
	MaxAge = 30 * time.Second
	// inUse is how recently a rendition must have been asked for to be
	// rebuilt by the periodic refresh; one asked for less often is rebuilt
	// when it is next asked for.
	inUse = 2 * MaxAge
	// idleAfter drops renditions no one asked for in this long.
	idleAfter = 10 * time.Minute
	// buildWait is how long a request waits for a rebuild when there is a
	// last good rendition to serve instead (a database that hangs rather
	// than refuses must not hold the public pages).
	buildWait = 2 * time.Second
	// buildTimeout bounds a rebuild's work, so a hung database does not
	// hold connections and builds for ever; the largest page renders in
	// well under a second.
	buildTimeout = 30 * time.Second
)

// Cache is the in-memory snapshot of rendered public responses.
type Cache struct {
	handler http.Handler // the router: a rebuild is an internal GET through it
	now     func() time.Time
	log     *slog.Logger

	// gen is bumped by every change: a page-wide Rendition of an older
	// generation is stale. allGen is the generation of the last change
	// that touched everything: an incident's Rendition older than it, or
	// than its entry's touched, is stale.
	gen     atomic.Uint64
	allGen  atomic.Uint64
	mu      sync.RWMutex // guards entries
	entries map[string]*snapEntry
	builds  singleflight.Group
	// variant names the rendition of a request among those of its URL
	// (the reader's language); "" for the plain one. vary is the Vary
	// header of every answer: Accept-Encoding and what variant reads.
	variant func(*http.Request) string
	varies  func(path string) bool
	vary    []string

	// The core set (core.go): its keys, who is told of each round, the
	// kick that asks for a round, when the oldest change not yet answered
	// by a round was made (unix nanoseconds; 0: none), the round's lock and
	// the last set told.
	coreKeys  func(ctx context.Context) ([]string, error)
	coreBuilt func(Set)
	coreKick  chan struct{}
	changedAt atomic.Int64
	coreMu    sync.Mutex
	lastCore  Set
}

// variantSep separates a key's URL from its variant.
const variantSep = "\x00"

// SetVariant makes the snapshot keep one rendition per variant of a URL:
// variant names a request's ("" for the plain one, built by a request
// without the headers); headers are the request headers it reads, added
// to Vary of the paths varies accepts (the others have one rendition). A
// rebuild of a variant asks for it with Accept-Language.
func (s *Cache) SetVariant(variant func(*http.Request) string, varies func(path string) bool, headers ...string) {
	s.variant = func(req *http.Request) string {
		if !varies(req.URL.Path) {
			return ""
		}
		return variant(req)
	}
	s.varies = varies
	s.vary = []string{strings.Join(append([]string{echo.HeaderAcceptEncoding}, headers...), ", ")}
}

// VariantKey is the key of key's rendition named variant (a language
// code); "" names the plain one, key itself.
func VariantKey(key, variant string) string {
	if variant == "" {
		return key
	}
	return key + variantSep + variant
}

// SplitKey parts a key into its URL (what Key returns) and its variant
// ("" for the plain rendition).
func SplitKey(key string) (url, variant string) {
	url, variant, _ = strings.Cut(key, variantSep)
	return url, variant
}

// KeyOf is the key a request is looked up by on the hit path: Key of its
// URL and its variant.
func (s *Cache) KeyOf(req *http.Request) string {
	key := Key(req.URL)
	if s.variant != nil {
		if v := s.variant(req); v != "" {
			key += variantSep + v
		}
	}
	return key
}

// snapEntry is one URL's current Rendition.
type snapEntry struct {
	key      string
	incident string // the incident whose page (feed, postmortem) this is; "" for a page-wide one
	current  atomic.Pointer[Rendition]
	lastUsed atomic.Int64  // unix nanoseconds
	touched  atomic.Uint64 // generation of the last change scoped to incident
	builds   atomic.Uint64 // renders run for this entry (tests count them)
	core     atomic.Bool   // in the core set: rebuilt eagerly, never dropped for being idle
	// building is when the running rebuild started (unix nanoseconds; 0:
	// none runs). One running for longer than buildWait (the database
	// hangs) is not waited for again: requests get the last good Rendition
	// at once.
	building atomic.Int64
}

// Rendition is one rendered response, immutable once built.
type Rendition struct {
	gen      uint64
	built    time.Time
	modified time.Time // when the body last changed
	body     []byte
	gzip     []byte
	etag     string // strong, of the body as is
	gzipETag string // strong, of the gzip form
	// plainHeader and gzipHeader are every header of a 200 answer in each
	// encoding, made once: a hit assigns their values to the response
	// without allocating. They, and their value slices, are never changed.
	plainHeader, gzipHeader http.Header
	// plainETagValue and gzipETagValue are the ETag header values, for a 304 that
	// revalidates the other encoding's copy.
	plainETagValue, gzipETagValue []string
}

// New is an empty cache; its rebuilds are internal requests to the
// handler given to SetHandler.
func New(now func() time.Time, log *slog.Logger) *Cache {
	return &Cache{now: now, log: log, entries: map[string]*snapEntry{}, coreKick: make(chan struct{}, 1)}
}

// SetHandler is the router a rebuild is an internal GET through (the
// router's snapshotted routes use the cache: it is built first).
func (s *Cache) SetHandler(h http.Handler) { s.handler = h }

// buildKey marks an internal rebuild request, so the snapshot middleware
// lets it through to the real handler.
type buildKey struct{}

func IsBuild(ctx context.Context) bool { return ctx.Value(buildKey{}) != nil }

// Key is the key a request's URL is looked up by on the hit path: its path
// and its query with the parameters sorted, so ?a=1&b=2 and ?b=2&a=1 find
// the same Rendition. Renditions are kept only under canonical keys (see
// keyOf): a URL with any other query misses here and is answered by Serve.
func Key(u *url.URL) string {
	if u.RawQuery == "" {
		return u.Path
	}
	q := u.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		for j, v := range q[k] {
			if i+j > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v))
		}
	}
	return u.Path + "?" + b.String()
}

// keyOf is the key a cached route keeps a request's Rendition under: its
// path, and the canonical form of the parameters the route reads (query);
// ok is false when one of them is bad.
func keyOf(u *url.URL, query web.CachedQuery) (key string, ok bool) {
	if u.RawQuery == "" {
		return u.Path, true
	}
	q, ok := query(u.Query())
	if !ok {
		return "", false
	}
	if q == "" {
		return u.Path, true
	}
	return u.Path + "?" + q, true
}

// incidentOf is the incident whose pages key belongs to:
// /incidents/{id}, its feeds /incidents/{id}.atom (.rss, .json) and its
// postmortem pages /incidents/{id}/postmortem...; "" for any other key,
// which is page-wide.
func incidentOf(key string) string {
	key, _, _ = strings.Cut(key, variantSep)
	path, _, _ := strings.Cut(key, "?")
	rest, ok := strings.CutPrefix(path, "/incidents/")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	id, _, _ = strings.Cut(id, ".")
	return id
}

// Invalidate marks stale what a change touched: the renditions of the
// given incidents and every page-wide one, or with no incidents
// everything. It rebuilds those in use in the background; a request that
// arrives before its rebuild waits for it.
func (s *Cache) Invalidate(incidents ...string) {
	s.mu.Lock() // an entry created after this sees the new generation
	g := s.gen.Add(1)
	if len(incidents) == 0 {
		s.allGen.Store(g)
	} else {
		for _, e := range s.entries {
			if e.incident != "" && slices.Contains(incidents, e.incident) {
				e.touched.Store(g)
			}
		}
	}
	s.mu.Unlock()
	s.kickCore()
	go s.refresh(context.Background())
}

// refresh rebuilds the renditions asked for lately (inUse) that are stale
// or old, and drops those no one asked for in idleAfter. The others are
// rebuilt when they are next asked for: the idle work is bounded by what
// is in use, not by what was ever asked for.
func (s *Cache) refresh(ctx context.Context) {
	now := s.now()
	s.mu.Lock()
	var due []*snapEntry
	for key, e := range s.entries {
		if e.core.Load() {
			continue // the core round rebuilds it (core.go)
		}
		idle := now.Sub(time.Unix(0, e.lastUsed.Load()))
		if idle > idleAfter {
			delete(s.entries, key)
			continue
		}
		if r := e.current.Load(); idle <= inUse && r != nil && s.stale(e, r, now) {
			due = append(due, e)
		}
	}
	s.mu.Unlock()
	for _, e := range due {
		if ctx.Err() != nil {
			return
		}
		s.rebuild(ctx, e, 0) // a failure keeps the last good Rendition
	}
}

// stale reports whether e's Rendition r must be rebuilt: a change touched
// it since it was built, or it is old.
func (s *Cache) stale(e *snapEntry, r *Rendition, now time.Time) bool {
	if now.Sub(r.built) > MaxAge {
		return true
	}
	if e.incident == "" {
		return r.gen != s.gen.Load()
	}
	return r.gen < s.allGen.Load() || r.gen < e.touched.Load()
}

// entry returns the entry of key, creating it unless the cache is full.
func (s *Cache) entry(key string) *snapEntry {
	now := s.now().UnixNano()
	s.mu.RLock()
	e := s.entries[key]
	s.mu.RUnlock()
	if e == nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		if e = s.entries[key]; e == nil {
			if len(s.entries) >= maxEntries {
				return nil
			}
			e = &snapEntry{key: key, incident: incidentOf(key)}
			s.entries[key] = e
		}
	}
	e.use(now)
	return e
}

// slowBuild reports whether e's running rebuild started more than
// buildWait ago.
func (e *snapEntry) slowBuild() bool {
	start := e.building.Load()
	return start != 0 && time.Since(time.Unix(0, start)) > buildWait
}

// use records that e was asked for at now (unix nanoseconds).
func (e *snapEntry) use(now int64) {
	if e.lastUsed.Load() < now {
		e.lastUsed.Store(now)
	}
}

// drop removes e, unless another entry took its key meanwhile.
func (s *Cache) drop(e *snapEntry) {
	s.mu.Lock()
	if s.entries[e.key] == e {
		delete(s.entries, e.key)
	}
	s.mu.Unlock()
}

// Len is the number of renditions (and keys waiting for their first) the
// snapshot holds.
func (s *Cache) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.entries)
}

// errNotCacheable is a rebuild whose answer is not a 200 page (a 404, a
// redirect): it is served live instead.
type errNotCacheable struct{ status int }

func (e errNotCacheable) Error() string {
	return fmt.Sprintf("snapshot: status %d is not cached", e.status)
}

// errBuildFailed is a rebuild answered with a 5xx: the database is down,
// or something broke.
type errBuildFailed struct {
	key    string
	status int
}

func (e errBuildFailed) Error() string {
	return fmt.Sprintf("snapshot: rebuild of %s answered %d", e.key, e.status)
}

// errBuildSlow is a rebuild that did not finish in the time the request
// could wait: it goes on, and the request gets the last good Rendition.
var errBuildSlow = errors.New("snapshot: rebuild still running")

// rebuild renders the entry again through the router, once however many
// requests ask at the same time, and installs the result. It waits for the
// build at most wait (0: until it ends, within buildTimeout; below 0: not
// at all, the build goes on) and while ctx lasts.
func (s *Cache) rebuild(ctx context.Context, e *snapEntry, wait time.Duration) (*Rendition, error) {
	// Read the generation first: a change during the build leaves the
	// result stale. A request joins only a build that started after the
	// last change it may have seen, never an older one.
	gen := s.gen.Load()
	done := s.builds.DoChan(e.key+"\x00"+strconv.FormatUint(gen, 10), func() (any, error) {
		// The build outlives the request that started it (others may
		// wait for it), but not buildTimeout.
		bctx, cancel := context.WithTimeout(context.WithValue(context.WithoutCancel(ctx), buildKey{}, true), buildTimeout)
		defer cancel()
		target, variant, _ := strings.Cut(e.key, variantSep)
		req, err := http.NewRequestWithContext(bctx, http.MethodGet, target, nil)
		if err != nil {
			return nil, err
		}
		if variant != "" {
			req.Header.Set("Accept-Language", variant)
		}
		rec := newResponseRecorder()
		e.builds.Add(1)
		e.building.Store(time.Now().UnixNano())
		defer e.building.Store(0)
		s.handler.ServeHTTP(rec, req)
		if rec.status >= 500 {
			// The database is down (503) or something broke: keep serving
			// the last good Rendition.
			return nil, errBuildFailed{e.key, rec.status}
		}
		if rec.status != http.StatusOK || rec.header.Get("Set-Cookie") != "" ||
			strings.Contains(rec.header.Get("Cache-Control"), "no-store") {
			return nil, errNotCacheable{rec.status}
		}
		previous := e.current.Load()
		var vary []string
		if s.varies != nil && s.varies(req.URL.Path) {
			vary = s.vary
		}
		r, err := newRendition(rec, gen, s.now(), previous, vary)
		if err != nil {
			return nil, err
		}
		// Install it unless a build of a later generation got there first.
		for previous == nil || previous.gen <= gen {
			if e.current.CompareAndSwap(previous, r) {
				break
			}
			previous = e.current.Load()
		}
		return r, nil
	})
	var timeout <-chan time.Time
	if wait < 0 {
		return nil, errBuildSlow
	}
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case res := <-done:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*Rendition), nil
	case <-timeout:
		return nil, errBuildSlow
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// newRendition packs a recorded response: gzip form, ETag, a
// Last-Modified that moves only when the body does, and the headers of
// both encodings.
func newRendition(rec *responseRecorder, gen uint64, now time.Time, previous *Rendition, vary []string) (*Rendition, error) {
	body := rec.body.Bytes()
	etag := web.ETagOf(body)
	r := &Rendition{gen: gen, built: now, modified: now.UTC().Truncate(time.Second), etag: etag, gzipETag: web.GzipETag(etag)}
	if previous != nil && previous.etag == r.etag && bytes.Equal(previous.body, body) {
		// Unchanged (the periodic refresh, mostly): keep the bytes and
		// their gzip form, which costs several milliseconds of CPU on a
		// large page.
		r.modified, r.body, r.gzip = previous.modified, previous.body, previous.gzip
	} else {
		r.body = bytes.Clone(body)
		var err error
		if r.gzip, err = gzipped(r.body); err != nil {
			return nil, err
		}
	}

	// The headers the handler set (CORS, Link...), but those the snapshot
	// sets itself.
	common := http.Header{}
	for k, v := range rec.header {
		switch k {
		case echo.HeaderContentType, echo.HeaderContentLength, echo.HeaderContentEncoding, echo.HeaderVary,
			"Cache-Control", echo.HeaderLastModified, "Etag", echo.HeaderXRequestID, "Date":
			continue
		}
		if slices.Contains(web.SecurityHeaderNames, k) {
			continue // securityHeaders sets them on every answer
		}
		common[k] = slices.Clip(slices.Clone(v))
	}
	cacheControl := rec.header.Get("Cache-Control")
	if cacheControl == "" {
		cacheControl = web.CachePages.Browser
		common[web.HeaderCDNCacheControl] = []string{web.CachePages.CDN}
	}
	common[echo.HeaderContentType] = []string{rec.header.Get(echo.HeaderContentType)}
	common["Cache-Control"] = []string{cacheControl}
	common[echo.HeaderLastModified] = []string{r.modified.Format(http.TimeFormat)}
	common[echo.HeaderVary] = []string{echo.HeaderAcceptEncoding}
	if vary != nil {
		common[echo.HeaderVary] = vary
	}
	r.plainHeader, r.gzipHeader = common.Clone(), common.Clone()
	r.plainETagValue, r.gzipETagValue = []string{r.etag}, []string{r.gzipETag}
	r.plainHeader["Etag"], r.gzipHeader["Etag"] = r.plainETagValue, r.gzipETagValue
	r.plainHeader[echo.HeaderContentLength] = []string{strconv.Itoa(len(r.body))}
	r.gzipHeader[echo.HeaderContentLength] = []string{strconv.Itoa(len(r.gzip))}
	r.gzipHeader[echo.HeaderContentEncoding] = []string{"gzip"}
	return r, nil
}

// gzipped is body compressed as small as gzip makes it: done once per
// change, sent many times.
func gzipped(body []byte) ([]byte, error) {
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return gz.Bytes(), nil
}

// Serve serves a public GET from the snapshot: fresh when it can, the last
// good Rendition when a rebuild fails or is slow (the database is down or
// hangs), and live when the answer is not a cacheable page. query names
// the parameters the route reads (see web.CachedQuery); any other is
// ignored.
func (s *Cache) Serve(next echo.HandlerFunc, query web.CachedQuery) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if IsBuild(req.Context()) {
			return next(c)
		}
		key, ok := keyOf(req.URL, query)
		if !ok {
			return next(c) // a bad parameter: the handler says so (a 4xx)
		}
		if s.variant != nil {
			if v := s.variant(req); v != "" {
				key += variantSep + v
			}
		}
		e := s.entry(key)
		if e == nil {
			return next(c) // the cache is full: serve live
		}
		r := e.current.Load()
		if r == nil || s.stale(e, r, s.now()) {
			wait := buildWait
			switch {
			case r == nil:
				wait = 0 // nothing to serve instead
			case e.slowBuild():
				wait = -1 // the running rebuild hangs: don't wait for it again
			}
			fresh, err := s.rebuild(req.Context(), e, wait)
			var nc errNotCacheable
			switch {
			case err == nil:
				r = fresh
			case errors.As(err, &nc):
				s.drop(e)
				return next(c)
			case r == nil:
				// Nothing good to fall back on, and no entry kept for a
				// key that never had a page. A rebuild that failed (the
				// database is down or hangs) is answered as such (a 503),
				// not tried again live; anything else (a URL that makes no
				// request) is the live answer.
				s.drop(e)
				if errors.As(err, new(errBuildFailed)) || errors.Is(err, context.Canceled) {
					return err
				}
				return next(c)
			default:
				web.Logger(req.Context(), s.log).Warn("snapshot: serving the last good page", "path", e.key, "error", err)
			}
		}
		WriteRendition(c.Response(), req, r)
		return nil
	}
}

// WriteRendition answers with a Rendition: 304 on a matching
// If-None-Match (or If-Modified-Since), gzip when the client takes it.
// Every snapshot hit runs it: it allocates nothing. It returns the status
// and the number of body bytes written.
func WriteRendition(w http.ResponseWriter, req *http.Request, r *Rendition) (status, n int) {
	h := w.Header()
	body, header := r.body, r.plainHeader
	etag, other, otherValue := r.etag, r.gzipETag, r.gzipETagValue
	if acceptsGzip(req) {
		body, header = r.gzip, r.gzipHeader
		etag, other, otherValue = r.gzipETag, r.etag, r.plainETagValue
	}
	for k, v := range header {
		if old := h[k]; k == echo.HeaderVary && len(old) > 0 {
			v = append(slices.Clip(old), v...) // a copy: v is shared
		}
		h[k] = v
	}
	if match, ok := web.NotModified(req, r.modified, etag, other); ok {
		if match == 1 {
			h["Etag"] = otherValue // the copy the client holds is current
		}
		delete(h, echo.HeaderContentEncoding)
		delete(h, echo.HeaderContentLength)
		w.WriteHeader(http.StatusNotModified)
		return http.StatusNotModified, 0
	}
	w.WriteHeader(http.StatusOK)
	if req.Method != http.MethodHead {
		n, _ = w.Write(body) // an error: the client went away
	}
	return http.StatusOK, n
}

// Hit returns the fresh Rendition of key, if the snapshot has one; it
// creates nothing and rebuilds nothing.
func (s *Cache) Hit(key string) *Rendition {
	s.mu.RLock()
	e := s.entries[key]
	s.mu.RUnlock()
	if e == nil {
		return nil
	}
	r := e.current.Load()
	now := s.now()
	if r == nil || s.stale(e, r, now) {
		return nil
	}
	e.use(now.UnixNano())
	return r
}

// acceptsGzip reports whether the request's Accept-Encoding takes gzip
// (and not with q=0).
func acceptsGzip(req *http.Request) bool {
	rest := req.Header.Get(echo.HeaderAcceptEncoding)
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		if _, q, ok := strings.Cut(strings.ReplaceAll(params, " ", ""), "q="); ok {
			if v, err := strconv.ParseFloat(q, 64); err != nil || v <= 0 {
				return false
			}
		}
		return true
	}
	return false
}

// responseRecorder captures a response rendered for the snapshot.
type responseRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newResponseRecorder() *responseRecorder {
	return &responseRecorder{header: http.Header{}, status: http.StatusOK}
}

func (r *responseRecorder) Header() http.Header         { return r.header }
func (r *responseRecorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *responseRecorder) WriteHeader(code int)        { r.status = code }

// Refresh rebuilds what is in use every few seconds (time-driven content:
// uptime bars, maintenance windows) until ctx ends.
func (s *Cache) Refresh(ctx context.Context) {
	tick := time.NewTicker(MaxAge / 3)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			s.refresh(ctx)
			select { // the core round rebuilds what got old
			case s.coreKick <- struct{}{}:
			default:
			}
		}
	}
}

// Generation counts the changes the snapshot has been told of: one more
// at each Invalidate.
func (s *Cache) Generation() uint64 { return s.gen.Load() }

// Builds is how many times the snapshot has rendered key, and its current
// Rendition (nil when it has none), to tell a rebuilt page from one left
// as it was.
func (s *Cache) Builds(key string) (builds uint64, current *Rendition) {
	s.mu.RLock()
	e := s.entries[key]
	s.mu.RUnlock()
	if e == nil {
		return 0, nil
	}
	return e.builds.Load(), e.current.Load()
}
