// Command loadbench is Beacon's load run (make bench-load, issue 7): on a
// fresh SQLite file and a fresh PostgreSQL database it loads the large
// demo, starts the beacon binary on loopback beside barehttp (a bare
// net/http server serving the same bytes from memory), and measures with
// wrk: requests/s and latency of the public page, the v2 summary and the
// Atom feed, with and without gzip; the time from an API update to the new
// page, on one node and across replicas; resident memory idle and over a
// long run; and that no page is stale after an update's response while
// the load goes on. It prints a Markdown report for docs/benchmarks.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"slices"
	"strings"
	"time"
)

// options are the run's flags.
type options struct {
	beacon, bare     string
	postgres         string
	databases        []string
	load             load
	rounds           int
	memory, freshFor time.Duration
	propagations     int
	replicas         int
	keep             bool
	mirror           bool
	weed             string
	mirrorFor        time.Duration
}

// targets are the paths measured, as in issue 7.
var targets = []string{"/", "/api/v2/summary.json", "/history.atom"}

func main() {
	var o options
	var dbs string
	flag.StringVar(&o.beacon, "beacon", "bin/beacon", "the beacon binary")
	flag.StringVar(&o.bare, "bare", "bin/barehttp", "the barehttp binary")
	flag.StringVar(&o.postgres, "postgres", "postgres://postgres@127.0.0.1:5432", "PostgreSQL server (no database) to create the bench database on")
	flag.StringVar(&dbs, "db", "sqlite,postgres", "databases to run on")
	flag.IntVar(&o.load.conns, "c", 64, "wrk connections")
	flag.IntVar(&o.load.threads, "t", 2, "wrk threads")
	flag.DurationVar(&o.load.duration, "d", 10*time.Second, "duration of each wrk run")
	flag.IntVar(&o.rounds, "rounds", 3, "wrk runs per target and server, alternating which server goes first; the median is reported")
	flag.DurationVar(&o.memory, "memory", 2*time.Minute, "length of the memory run under mixed load (0: skip it and the update run)")
	flag.DurationVar(&o.freshFor, "fresh", time.Minute, "length of the run posting an update every second under load (0: skip it and the memory run)")
	flag.IntVar(&o.propagations, "n", 20, "updates timed from the API to the page")
	flag.IntVar(&o.replicas, "replicas", 3, "replicas on PostgreSQL for the propagation across replicas")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (databases, logs)")
	flag.BoolVar(&o.mirror, "mirror", true, "measure the eager rebuilds' cost and the mirror's lag (issue 18)")
	flag.StringVar(&o.weed, "weed", defaultWeed(), "SeaweedFS binary for the mirror's bucket (.ci/build-seaweedfs); absent: a file:// mirror")
	flag.DurationVar(&o.mirrorFor, "mirror-load", 20*time.Second, "length of the load during which the mirror's lag is measured")
	out := flag.String("o", "", "also write the report to this file")
	flag.Parse()
	o.databases = strings.Split(dbs, ",")
	log.SetFlags(log.Ltime)

	dir, err := os.MkdirTemp("", "loadbench-")
	if err != nil {
		log.Fatal(err)
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}
	rep := &report{opts: o, started: time.Now()}
	rep.machine()
	for _, d := range o.databases {
		res, err := runDatabase(o, dir, d)
		if err != nil {
			log.Printf("%s: %v", d, err)
			rep.failed = true
			if res == nil {
				res = &result{dialect: d}
			}
			res.err = err.Error()
		}
		rep.results = append(rep.results, res)
	}
	w := io.Writer(os.Stdout)
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		w = io.MultiWriter(os.Stdout, f)
	}
	rep.write(w)
	if rep.failed {
		os.Exit(1)
	}
}

// runDatabase is the whole run on one database.
func runDatabase(o options, dir, dialect string) (res *result, err error) {
	res = &result{dialect: dialect}
	sub, err := os.MkdirTemp(dir, dialect+"-")
	if err != nil {
		return nil, err
	}
	var db *database
	switch dialect {
	case "sqlite":
		db = newSQLite(sub)
	case "postgres":
		if db, err = newPostgres(o.postgres); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown database %q (sqlite or postgres)", dialect)
	}
	defer func() {
		if derr := db.drop(); derr != nil && err == nil {
			err = derr
		}
	}()

	// The large demo and an API token.
	if dialect == "postgres" {
		if _, err := beaconCmd(o.beacon, db, "migrate"); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	if _, err := beaconCmd(o.beacon, db, "demo", "--large"); err != nil {
		return nil, err
	}
	res.demoLoad = time.Since(start)
	out, err := beaconCmd(o.beacon, db, "token", "add", "--name", "loadbench", "--role", "editor")
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]

	var servers []*server
	defer func() {
		for _, s := range servers {
			if serr := s.stop(); serr != nil && err == nil {
				err = serr
			}
		}
	}()
	beacon, err := startBeacon(o.beacon, sub, "beacon", db)
	if err != nil {
		return nil, err
	}
	servers = append(servers, beacon)
	for _, p := range targets {
		for _, gz := range []bool{false, true} {
			if _, err := runWrk(load{conns: 1, threads: 1, duration: time.Second}, beacon.url+p, gz, ""); err != nil {
				return nil, err // also warms the snapshot
			}
		}
	}
	bare, err := startBare(o.bare, sub, beacon, targets)
	if err != nil {
		return nil, err
	}
	servers = append(servers, bare)
	res.pageBytes = pageSizes(beacon.url)
	time.Sleep(2 * time.Second)
	res.idleRSS, _ = beacon.rssKB()
	log.Printf("%s: demo loaded in %v, idle RSS %d KiB", dialect, res.demoLoad.Round(time.Millisecond), res.idleRSS)

	// Throughput beside the bare server.
	rss := sampleRSS(beacon, time.Second)
	for _, p := range targets {
		for _, gz := range []bool{false, true} {
			pair := pairResult{path: p, gzip: gz}
			var beaconRuns, bareRuns []wrkResult
			for round := range o.rounds {
				order := []*server{beacon, bare}
				if round%2 == 1 {
					order = []*server{bare, beacon}
				}
				for _, s := range order {
					r, err := runWrk(o.load, s.url+p, gz, "")
					if err != nil {
						return res, err
					}
					if s == beacon {
						beaconRuns = append(beaconRuns, r)
					} else {
						bareRuns = append(bareRuns, r)
					}
				}
			}
			pair.beacon, pair.bare = median(beaconRuns), median(bareRuns)
			log.Printf("%s %s gzip=%v: beacon %.0f/s p99 %v, bare %.0f/s p99 %v", dialect, p, gz,
				pair.beacon.rps, pair.beacon.p99, pair.bare.rps, pair.bare.p99)
			res.pairs = append(res.pairs, pair)
		}
	}
	res.throughputRSS = rss.finish()
	if err := bare.stop(); err != nil {
		return res, err
	}
	servers = servers[:1]

	// From an API update to the new page: one node, then across replicas.
	api, err := newAPIClient(beacon.url, token)
	if err != nil {
		return res, err
	}
	if res.oneNode, err = measurePropagation(api, beacon, []*server{beacon}, o.propagations); err != nil {
		return res, err
	}
	if o.mirror {
		if err := measureEagerCost(o, sub, db, api, beacon, &res.mirror); err != nil {
			return res, err
		}
	}
	if dialect == "postgres" && o.replicas > 1 {
		replicas := []*server{beacon}
		for i := 1; i < o.replicas; i++ {
			r, err := startBeacon(o.beacon, sub, fmt.Sprintf("replica%d", i), db)
			if err != nil {
				return res, err
			}
			servers = append(servers, r)
			replicas = append(replicas, r)
			if _, err := contains(r.url+"/", ""); err != nil {
				return res, err
			}
		}
		for i := range o.propagations {
			via := replicas[i%len(replicas)]
			var others []*server
			for _, r := range replicas {
				if r != via {
					others = append(others, r)
				}
			}
			p, err := measurePropagation(api, via, others, 1)
			if err != nil {
				return res, err
			}
			res.replicas = append(res.replicas, p...)
		}
		for _, r := range replicas[1:] {
			if err := r.stop(); err != nil {
				return res, err
			}
		}
		servers = servers[:1]
		res.replicaCount = len(replicas)
	}
	log.Printf("%s: propagation measured", dialect)
	if o.mirror {
		if err := measureMirror(o, sub, db, api, &res.mirror); err != nil {
			return res, err
		}
	}

	// Memory over a long mixed run (-memory 0 skips it).
	script, err := writeMixedScript(sub, targets)
	if err != nil {
		return res, err
	}
	if o.memory > 0 {
		res.mixedCommand = fmt.Sprintf("wrk -t %d -c %d -d %ds --latency -s mixed.lua URL", o.load.threads, o.load.conns, int(o.memory.Seconds()))
		res.memoryFor = o.memory
		rss = sampleRSS(beacon, time.Second)
		ml := o.load
		ml.duration = o.memory
		res.memoryLoad, err = runWrk(ml, beacon.url, false, script)
		res.memoryRSS = rss.finish()
		if err != nil {
			return res, err
		}
		log.Printf("%s: memory run done", dialect)
	}

	// The same load while an update is posted every second (-fresh 0
	// skips it).
	if o.freshFor > 0 {
		fl := o.load
		fl.duration = o.freshFor
		ctx, cancel := context.WithCancel(context.Background())
		freshDone := make(chan freshness)
		go func() { freshDone <- checkFreshness(ctx, api, beacon, targets, time.Second) }()
		rss = sampleRSS(beacon, time.Second)
		res.freshLoad, err = runWrk(fl, beacon.url, false, script)
		cancel()
		res.fresh = <-freshDone
		res.freshRSS = rss.finish()
		if err != nil {
			return res, err
		}
		res.freshRan = true
		log.Printf("%s: freshness run done: %d updates, %d stale, %d errors", dialect, res.fresh.updates, len(res.fresh.stale), len(res.fresh.errors))
	}
	time.Sleep(5 * time.Second)
	res.afterRSS, _ = beacon.rssKB()
	res.logWarn, res.logErr, res.logFirst = beacon.problems()
	res.logRead = true
	return res, nil
}

// median is the runs' median requests/s, p50 and p99 (each on its own),
// and all their errors: the machine is shared, and a median shrugs off a
// run another process disturbed.
func median(runs []wrkResult) wrkResult {
	m := wrkResult{command: runs[0].command}
	var rps []float64
	var p50, p99 []time.Duration
	for _, r := range runs {
		rps, p50, p99 = append(rps, r.rps), append(p50, r.p50), append(p99, r.p99)
		m.requests += r.requests
		m.errors += r.errors
	}
	slices.Sort(rps)
	slices.Sort(p50)
	slices.Sort(p99)
	mid := len(runs) / 2
	if len(runs)%2 == 0 {
		m.rps = (rps[mid-1] + rps[mid]) / 2
		m.p50, m.p99 = (p50[mid-1]+p50[mid])/2, (p99[mid-1]+p99[mid])/2
		return m
	}
	m.rps, m.p50, m.p99 = rps[mid], p50[mid], p99[mid]
	return m
}

// pageSizes are the byte sizes of the targets, plain and gzip.
func pageSizes(base string) map[string][2]int {
	out := map[string][2]int{}
	for _, p := range targets {
		var sizes [2]int
		for i, enc := range []string{"identity", "gzip"} {
			if r, err := fetch(base+p, enc); err == nil {
				sizes[i] = r
			}
		}
		out[p] = sizes
	}
	return out
}

// measureEagerCost times updates through beacon (eager rebuilds, the
// default) and through a second server on db with SNAPSHOT_EAGER=false,
// interleaved.
func measureEagerCost(o options, dir string, db *database, api *apiClient, beacon *server, m *mirrorResult) error {
	lazy, err := startBeacon(o.beacon, dir, "lazy", db, "SNAPSHOT_EAGER=false")
	if err != nil {
		return err
	}
	defer lazy.stop()
	if _, err := contains(lazy.url+"/", ""); err != nil {
		return err
	}
	for range o.propagations {
		e, err := measurePropagation(api, beacon, []*server{beacon}, 1)
		if err != nil {
			return err
		}
		l, err := measurePropagation(api, lazy, []*server{lazy}, 1)
		if err != nil {
			return err
		}
		m.eager, m.lazy = append(m.eager, e...), append(m.lazy, l...)
	}
	log.Printf("%s: eager rebuilds' cost measured", db.dialect)
	return nil
}

// measureMirror starts the mirror's target and a server mirroring to it,
// and times updates until the bucket shows them, under load.
func measureMirror(o options, dir string, db *database, api *apiClient, m *mirrorResult) error {
	t, err := startMirrorTarget(o.weed, dir)
	if err != nil {
		return err
	}
	defer t.stop()
	m.kind = t.kind
	s, err := startBeacon(o.beacon, dir, "mirrored", db, t.env...)
	if err != nil {
		return err
	}
	defer s.stop()
	if err := waitMirrorSynced(s); err != nil {
		return err
	}
	script, err := writeMixedScript(dir, targets)
	if err != nil {
		return err
	}
	l := o.load
	l.duration = o.mirrorFor
	m.lags, m.load, err = measureMirrorLag(api, s, t, o.propagations, l, script)
	m.ran = err == nil
	log.Printf("%s: mirror lag measured (%s): %s", db.dialect, t.kind, dist99(m.lags))
	return err
}
