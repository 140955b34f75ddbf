package app

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/beaconstatus/beacon/app/mirror"
	"github.com/beaconstatus/beacon/app/snapshot"
)

// coreDocuments are the page-wide documents of the core set: what must
// answer at once, however the page is reached, and what is saved to disk
// (SNAPSHOT_DIR) and mirrored (MIRROR_URL). CoreKeys adds each
// component's badge, feeds and calendar and each unresolved incident's page.
var coreDocuments = []string{
	"/", "/history", "/api",
	"/api/v2/summary.json", "/api/v2/status.json", "/api/v2/components.json",
	"/api/v2/incidents.json", "/api/v2/incidents/unresolved.json",
	"/api/v2/scheduled-maintenances.json", "/api/v2/scheduled-maintenances/upcoming.json",
	"/api/v2/scheduled-maintenances/active.json",
	"/history.atom", "/history.rss", "/history.json", "/maintenance.ics",
	"/badge.svg", "/widget.js",
}

// CoreKeys lists the snapshot keys of the core set now.
func (a *App) CoreKeys(ctx context.Context) ([]string, error) {
	keys := slices.Clone(coreDocuments)
	comps, err := a.db.ListComponents(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range comps {
		if c.IsGroup {
			continue
		}
		keys = append(keys, "/components/"+c.ID+"/badge.svg",
			"/components/"+c.ID+"/history.atom", "/components/"+c.ID+"/history.rss", "/components/"+c.ID+"/history.json",
			"/components/"+c.ID+"/maintenance.ics")
	}
	ids, err := a.db.UnresolvedIncidentIDs(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		keys = append(keys, "/incidents/"+id)
	}
	return append(keys, a.coreVariants(keys)...), nil
}

// coreVariants are the other languages' renditions in the core set: those
// of every worded page-wide document and unresolved incident's page, so a
// reader in any enabled language never waits either. Each component's
// badge and feeds (many, rarely read) and the public API's JSON (one
// rendition) stay the default language's only. Only the default
// language's renditions are saved to disk, mirrored and exported (see
// snapshot.Set.Plain).
func (a *App) coreVariants(keys []string) []string {
	if a.langs == nil || !a.langs.Multi() {
		return nil
	}
	def := a.langs.Default()
	var out []string
	for _, l := range a.langs.Langs() {
		if l == def {
			continue
		}
		for _, k := range keys {
			if strings.HasPrefix(k, "/api/") || strings.HasPrefix(k, "/components/") {
				continue
			}
			out = append(out, snapshot.VariantKey(k, l.Code))
		}
	}
	return out
}

// plainKeys are keys without the other languages' variants.
func plainKeys(keys []string) []string {
	out := keys[:0:0]
	for _, k := range keys {
		if _, v := snapshot.SplitKey(k); v == "" {
			out = append(out, k)
		}
	}
	return out
}

// coreBuilt is told of every core round that changed the set: it saves the
// set's default-language renditions to SNAPSHOT_DIR and hands them to the
// mirror (a standby server and a bucket answer every reader alike). It runs in the core
// round's goroutine, never in a request's.
func (a *App) coreBuilt(set snapshot.Set) {
	set = set.Plain() // the default language's renditions
	if a.cfg.SnapshotDir != "" {
		a.saves.offer(set)
	}
	if a.mirror != nil {
		a.mirror.Offer(set)
	}
}

// saver writes the latest core set offered to SNAPSHOT_DIR in its own
// goroutine, so a slow disk delays no rebuild; a set not yet written when
// a newer one comes is skipped.
type saver struct {
	mu      sync.Mutex
	pending *snapshot.Set
	kick    chan struct{}
}

func newSaver() *saver { return &saver{kick: make(chan struct{}, 1)} }

func (s *saver) offer(set snapshot.Set) {
	s.mu.Lock()
	s.pending = &set
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// run saves what is offered to dir until ctx ends, then what is left.
func (s *saver) run(ctx context.Context, dir string, log *slog.Logger) {
	for {
		var done bool
		select {
		case <-ctx.Done():
			done = true
		case <-s.kick:
		}
		s.mu.Lock()
		set := s.pending
		s.pending = nil
		s.mu.Unlock()
		if set != nil {
			if err := snapshot.Save(dir, *set); err != nil {
				log.Warn("snapshot: could not save the core set to disk", "dir", dir, "error", err)
			}
		}
		if done {
			return
		}
	}
}

// linkedPage finds the incident and postmortem pages an HTML page links to.
var linkedPage = regexp.MustCompile(`href="(/incidents/[a-z0-9]+(?:/postmortem)?)"`)

// Export writes the public site to target as static files: the core set,
// the incident and postmortem pages its pages link to, the postmortems
// page, every static asset, and the manifest of content types. It returns
// how many objects it wrote.
func (a *App) Export(ctx context.Context, target mirror.Target) (int, error) {
	keys, err := a.CoreKeys(ctx)
	if err != nil {
		return 0, err
	}
	keys = append(plainKeys(keys), "/postmortems") // the default language's
	set, err := a.snapshot.BuildKeys(ctx, keys)
	if err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	var linked []string
	for _, d := range set.Docs {
		for _, m := range linkedPage.FindAllSubmatch(d.Rendition.Body(), -1) {
			linked = append(linked, string(m[1]))
		}
	}
	more, err := a.snapshot.BuildKeys(ctx, append(keys, linked...))
	if err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	objs := mirror.Objects(more, a.public.Assets.All())
	// Files an earlier export wrote alike are left as they are.
	_, n, err := mirror.Sync(ctx, target, objs, mirror.ReadManifest(ctx, target), more.Generation, more.Built)
	return n, err
}
