package snapshot

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"
)

// The core set is what must answer at once however the page is reached,
// and (its plain renditions, the default language's) what is saved to
// disk and mirrored: the status page, the public
// API's documents, the history feeds, badges, the widget and the pages of
// unresolved incidents (the App's CoreKeys lists them). Its renditions are
// rebuilt eagerly, in the background, after every change and at start, so
// none waits for a first request; they are never dropped for being idle.
// Bursts of changes are coalesced into one round (coreSettle), which never
// delays the write that caused it.

// coreSettle is how long the core round waits after a change for more
// changes to coalesce with (a burst of writes, one round); coreMaxSettle bounds
// the wait under a steady stream of changes.
const (
	coreSettle    = 25 * time.Millisecond
	coreMaxSettle = 250 * time.Millisecond
)

// Document is one rendition of the core set under its key.
type Document struct {
	Key       string
	Rendition *Rendition
}

// Set is the core set as one round built it: every document that has a
// good rendition (the last good one where a rebuild failed).
type Set struct {
	Generation uint64    // the snapshot's generation when the round started
	Built      time.Time // when the round ended
	Changed    time.Time // when the change the round answers was made (for the mirror's lag)
	Docs       []Document
}

// SetCore gives the snapshot the function that lists the core set's keys
// (it reads the database: unresolved incidents, components) and the
// function told of each round's set (saved to disk, mirrored). Call it
// before RunCore.
func (s *Cache) SetCore(keys func(ctx context.Context) ([]string, error), built func(Set)) {
	s.coreKeys, s.coreBuilt = keys, built
}

// kickCore asks for a core round; it never blocks.
func (s *Cache) kickCore() {
	now := s.now().UnixNano()
	s.changedAt.CompareAndSwap(0, now)
	select {
	case s.coreKick <- struct{}{}:
	default:
	}
}

// RunCore rebuilds the core set at once, then after every change (and at
// the periodic refresh, for time-driven content), until ctx ends.
func (s *Cache) RunCore(ctx context.Context) {
	if s.coreKeys == nil {
		return
	}
	s.kickCore()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.coreKick:
		}
		// Coalesce a burst: wait until no change came for coreSettle, at
		// most coreMaxSettle.
		deadline := time.NewTimer(coreMaxSettle)
	settle:
		for {
			t := time.NewTimer(coreSettle)
			select {
			case <-ctx.Done():
				t.Stop()
				deadline.Stop()
				return
			case <-s.coreKick:
				t.Stop()
				continue
			case <-t.C:
				break settle
			case <-deadline.C:
				t.Stop()
				break settle
			}
		}
		deadline.Stop()
		if _, err := s.BuildCore(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("snapshot: core set not rebuilt", "error", err)
		}
	}
}

// BuildCore runs one core round now: it lists the core keys, rebuilds
// those that are missing or stale, and tells the set to the function given
// to SetCore when it differs from the last one told. A rebuild that fails
// (the database is down) ends the round; the set keeps its last good
// renditions.
func (s *Cache) BuildCore(ctx context.Context) (Set, error) {
	s.coreMu.Lock()
	defer s.coreMu.Unlock()
	changed := s.changedAt.Swap(0)
	gen := s.gen.Load()
	keys, err := s.coreKeys(ctx)
	if err != nil {
		s.restoreChanged(changed)
		return Set{}, err
	}
	// Three passes, each told at once: the status page and the pages of
	// unresolved incidents, what readers reach first; the public API,
	// feeds, badge and widget; then each component's badge and feeds, many
	// and rarely read.
	start := time.Now()
	entries := s.pinCore(keys)
	passes := make([][]*snapEntry, 3)
	for _, e := range entries {
		url, _ := SplitKey(e.key) // every language's status page goes first
		switch {
		case url == "/" || e.incident != "":
			passes[0] = append(passes[0], e)
		case strings.HasPrefix(url, "/components/"):
			passes[2] = append(passes[2], e)
		default:
			passes[1] = append(passes[1], e)
		}
	}
	var set Set
	for pass, part := range passes {
		if len(part) == 0 && pass > 0 {
			continue
		}
		if _, err = s.buildSet(ctx, gen, part); err != nil {
			break
		}
		// The set: every core entry's current rendition (the later
		// passes' last good ones, until they have run).
		set = Set{Generation: gen, Built: s.now(), Changed: s.now()}
		for _, e := range entries {
			if r := e.current.Load(); r != nil {
				set.Docs = append(set.Docs, Document{Key: e.key, Rendition: r})
			}
		}
		if changed != 0 {
			set.Changed = time.Unix(0, changed)
		}
		if s.coreBuilt != nil && !sameSet(set, s.lastCore) {
			s.coreBuilt(set)
		}
		s.lastCore = set
	}
	s.log.Debug("snapshot: core round", "documents", len(set.Docs), "took", time.Since(start).String(), "error", err)
	if err != nil {
		s.restoreChanged(changed)
		return set, err
	}
	return set, nil
}

// buildSet rebuilds the entries that are missing or stale, and returns
// the set of their renditions. The first rebuild that fails (the database
// is down) ends the work; the set keeps the last good renditions.
func (s *Cache) buildSet(ctx context.Context, gen uint64, entries []*snapEntry) (Set, error) {
	var firstErr error
	for _, e := range entries {
		if ctx.Err() != nil {
			return Set{}, ctx.Err()
		}
		if r := e.current.Load(); r != nil && !s.stale(e, r, s.now()) {
			continue
		}
		if _, err := s.rebuild(ctx, e, 0); err != nil {
			if _, ok := err.(errNotCacheable); ok {
				continue // not a page (an incident deleted meanwhile)
			}
			firstErr = err
			break
		}
	}
	set := Set{Generation: gen, Built: s.now(), Changed: s.now()}
	for _, e := range entries {
		if r := e.current.Load(); r != nil {
			set.Docs = append(set.Docs, Document{Key: e.key, Rendition: r})
		}
	}
	return set, firstErr
}

// BuildKeys builds the renditions of keys (as a request would, without
// marking them core) and returns their set, for a static copy of the
// site: a key whose answer is not a page is left out.
func (s *Cache) BuildKeys(ctx context.Context, keys []string) (Set, error) {
	keys = slices.Clone(keys)
	sort.Strings(keys)
	keys = slices.Compact(keys)
	var entries []*snapEntry
	for _, k := range keys {
		if e := s.entry(k); e != nil {
			entries = append(entries, e)
		}
	}
	return s.buildSet(ctx, s.gen.Load(), entries)
}

// restoreChanged puts back the time of a change a failed round did not
// answer, unless a newer one is recorded.
func (s *Cache) restoreChanged(changed int64) {
	if changed != 0 {
		s.changedAt.CompareAndSwap(0, changed)
	}
}

// pinCore marks the entries of keys as core (created if need be, kept
// while idle) and the others as not, and returns the entries of keys.
func (s *Cache) pinCore(keys []string) []*snapEntry {
	keys = slices.Clone(keys)
	sort.Strings(keys)
	keys = slices.Compact(keys)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().UnixNano()
	for _, e := range s.entries {
		e.core.Store(false)
	}
	out := make([]*snapEntry, 0, len(keys))
	for _, key := range keys {
		e := s.entries[key]
		if e == nil {
			e = &snapEntry{key: key, incident: incidentOf(key)}
			e.lastUsed.Store(now)
			s.entries[key] = e
		}
		e.core.Store(true)
		out = append(out, e)
	}
	return out
}

// sameSet reports whether two sets hold the same documents with the same
// bodies.
func sameSet(a, b Set) bool {
	if len(a.Docs) != len(b.Docs) {
		return false
	}
	for i := range a.Docs {
		if a.Docs[i].Key != b.Docs[i].Key || a.Docs[i].Rendition.etag != b.Docs[i].Rendition.etag {
			return false
		}
	}
	return true
}

// Current reports whether key has a rendition that is not stale, without
// creating, using or rebuilding anything (tests).
func (s *Cache) Current(key string) bool {
	s.mu.RLock()
	e := s.entries[key]
	s.mu.RUnlock()
	if e == nil {
		return false
	}
	r := e.current.Load()
	return r != nil && !s.stale(e, r, s.now())
}

// Plain is the set without its variants (other languages' renditions):
// the documents whose key is a URL, as saved to disk and mirrored.
func (set Set) Plain() Set {
	out := set
	out.Docs = make([]Document, 0, len(set.Docs))
	for _, d := range set.Docs {
		if _, v := SplitKey(d.Key); v == "" {
			out.Docs = append(out.Docs, d)
		}
	}
	return out
}
