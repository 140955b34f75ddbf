package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"
)

// result is everything measured on one database.
type result struct {
	dialect   string
	demoLoad  time.Duration
	pageBytes map[string][2]int // plain, gzip

	pairs         []pairResult
	idleRSS       int // KiB, before the load
	throughputRSS []int

	oneNode      []propagation
	replicas     []propagation
	replicaCount int

	mixedCommand string
	memoryFor    time.Duration
	memoryLoad   wrkResult
	memoryRSS    []int

	freshLoad wrkResult
	fresh     freshness
	freshRan  bool
	freshRSS  []int
	afterRSS  int

	mirror mirrorResult // issue 18

	logRead         bool
	logWarn, logErr int
	logFirst        string

	err string // why the run on this database stopped early
}

// The targets of issue 7.
const (
	minRatio     = 0.80                   // of the bare server's requests/s
	maxP99Ratio  = 1.5                    // of the bare server's p99
	maxOneNode   = 100 * time.Millisecond // API update to new page, one node: "well under"
	maxReplicas  = time.Second            // across replicas
	flatMemoryBy = 0.10                   // the second half's peak over the first half's
)

// pairResult is one target measured on Beacon and on the bare server.
type pairResult struct {
	path         string
	gzip         bool
	beacon, bare wrkResult
}

// report is the Markdown the run prints.
type report struct {
	opts    options
	started time.Time
	host    string
	results []*result
	failed  bool
}

func (r *report) machine() {
	cpu := "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	load := loadAverage()
	wrk := "wrk"
	if out, err := exec.Command("wrk", "-v").CombinedOutput(); err == nil || len(out) > 0 {
		wrk, _, _ = strings.Cut(strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0]), " Copyright")
	}
	r.host = fmt.Sprintf("%d CPUs (%s), %s, %s, load average at start %s", runtime.NumCPU(), cpu, runtime.Version(), wrk, load)
}

// loadAverage is the machine's 1, 5 and 15-minute load average.
func loadAverage() string {
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		return strings.Join(strings.Fields(string(b))[:3], " ")
	}
	return "?"
}

func (r *report) write(w io.Writer) {
	o := r.opts
	fmt.Fprintf(w, "### Load run %s\n\n", r.started.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "Machine: %s; at the end %s (%s).\n\n", r.host, loadAverage(), time.Since(r.started).Round(time.Second))
	fmt.Fprintf(w, "Command: `%s`.\n\n", strings.Join(os.Args, " "))
	fmt.Fprintf(w, "Per target and server: `wrk -t %d -c %d -d %ds --latency [-H 'Accept-Encoding: gzip'] URL`, %d rounds alternating which server goes first (Beacon, bare, then bare, Beacon...); each figure is the median of its rounds.\n\n",
		o.load.threads, o.load.conns, int(o.load.duration.Seconds()), o.rounds)
	for _, res := range r.results {
		res.write(w)
	}
}

func (res *result) write(w io.Writer) {
	fmt.Fprintf(w, "#### %s\n\n", res.dialect)
	if res.err != "" {
		fmt.Fprintf(w, "**The run stopped early:** `%s`. Only the phases shown below ran.\n\n", res.err)
	}
	if res.demoLoad > 0 {
		fmt.Fprintf(w, "`beacon demo --large` took %v. Page sizes (plain / gzip):", res.demoLoad.Round(time.Millisecond))
		for _, p := range targets {
			s := res.pageBytes[p]
			fmt.Fprintf(w, " `%s` %s / %s;", p, kb(s[0]), kb(s[1]))
		}
		fmt.Fprint(w, "\n\n")
	}

	if len(res.pairs) > 0 {
		fmt.Fprintf(w, "Targets: Beacon ≥ %.0f%% of the bare server's req/s, p99 ≤ %.1f× the bare server's.\n\n", 100*minRatio, maxP99Ratio)
		fmt.Fprintln(w, "| target | encoding | Beacon req/s | bare req/s | ratio | Beacon p50 | bare p50 | Beacon p99 | bare p99 | p99 ratio | errors | targets |")
		fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
		metRPS, metP99 := 0, 0
		for _, p := range res.pairs {
			enc := "plain"
			if p.gzip {
				enc = "gzip"
			}
			ratio, p99Ratio := p.beacon.rps/p.bare.rps, float64(p.beacon.p99)/float64(p.bare.p99)
			var missed []string
			if ratio >= minRatio {
				metRPS++
			} else {
				missed = append(missed, "req/s")
			}
			if p99Ratio <= maxP99Ratio {
				metP99++
			} else {
				missed = append(missed, "p99")
			}
			verdict := "met"
			if len(missed) > 0 {
				verdict = "**missed: " + strings.Join(missed, ", ") + "**"
			}
			fmt.Fprintf(w, "| `%s` | %s | %.0f | %.0f | **%.0f%%** | %s | %s | %s | %s | **%.2f×** | %d | %s |\n",
				p.path, enc, p.beacon.rps, p.bare.rps, 100*ratio,
				ms(p.beacon.p50), ms(p.bare.p50), ms(p.beacon.p99), ms(p.bare.p99),
				p99Ratio, p.beacon.errors+p.bare.errors, verdict)
		}
		fmt.Fprintf(w, "\nreq/s target met on %d of %d rows, p99 target on %d of %d.\n\n", metRPS, len(res.pairs), metP99, len(res.pairs))
	}

	if len(res.oneNode) > 0 {
		var writes, seen []time.Duration
		for _, p := range res.oneNode {
			writes = append(writes, p.write)
			seen = append(seen, p.seen...)
		}
		fmt.Fprintf(w, "API update to new page, one node (%d updates, idle): PATCH %s; PATCH sent → `/` served with the update %s (target: well under %s, %s).\n\n",
			len(res.oneNode), dist(writes), dist(seen), ms(maxOneNode), verdict(len(seen) > 0 && slices.Max(seen) < maxOneNode))
	}
	if len(res.replicas) > 0 {
		var seen []time.Duration
		for _, p := range res.replicas {
			seen = append(seen, p.seen...)
		}
		fmt.Fprintf(w, "Across %d replicas (%d updates, each posted through one replica in turn and watched on the others): PATCH sent → the other replicas' `/` shows it %s (target: under %s, %s).\n\n",
			res.replicaCount, len(res.replicas), dist(seen), ms(maxReplicas), verdict(len(seen) > 0 && slices.Max(seen) < maxReplicas))
	}

	res.mirror.write(w)

	if res.idleRSS > 0 || len(res.throughputRSS) > 0 {
		fmt.Fprintf(w, "Memory (VmRSS): idle after warm-up %s; during the throughput runs %s.", mb(res.idleRSS), rssRange(res.throughputRSS))
		if len(res.memoryRSS) > 0 {
			fmt.Fprintf(w, " Over the %s mixed run (`%s`: %.0f req/s, p99 %s, %d errors): %s; %s.",
				res.memoryFor, res.mixedCommand, res.memoryLoad.rps, ms(res.memoryLoad.p99), res.memoryLoad.errors,
				rssCurve(res.memoryRSS), flatness(res.memoryRSS))
		}
		if len(res.freshRSS) > 0 {
			fmt.Fprintf(w, " During the update run %s.", rssRange(res.freshRSS))
		}
		if res.logRead {
			fmt.Fprintf(w, " Idle 5 s after %s.", mb(res.afterRSS))
		}
		fmt.Fprint(w, "\n\n")
	}

	if res.freshRan {
		f := res.fresh
		ok := len(f.stale) == 0 && len(f.errors) == 0 && res.freshLoad.errors == 0 && f.updates > 0
		fmt.Fprintf(w, "Updates under load: %d updates posted once a second through the API during the mixed load (%.0f req/s, p50 %s, p99 %s, **%d wrk errors**); after each update's response the next GET of %s: **%d stale**, %d errors (target: none of either, %s). PATCH under load %s; first `/` after it %s.\n\n",
			f.updates, res.freshLoad.rps, ms(res.freshLoad.p50), ms(res.freshLoad.p99), res.freshLoad.errors,
			"`"+strings.Join(targets, "`, `")+"`", len(f.stale), len(f.errors), verdict(ok), dist(f.writes), dist(f.firstRead))
		for _, s := range f.stale {
			fmt.Fprintf(w, "- stale: %s\n", s)
		}
		for _, e := range f.errors {
			fmt.Fprintf(w, "- error: %v\n", e)
		}
	}
	if res.logRead {
		fmt.Fprintf(w, "Beacon's log: %d warnings, %d errors.", res.logWarn, res.logErr)
		if res.logFirst != "" {
			fmt.Fprintf(w, " First: `%s`", res.logFirst)
		}
		fmt.Fprint(w, "\n\n")
	}
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "**missed**"
}

// flatness says whether memory stayed flat over a run: the peak of its
// second half within flatMemoryBy of the peak of its first half.
func flatness(s []int) string {
	if len(s) < 4 {
		return "too short to tell whether it is flat"
	}
	first, second := slices.Max(s[:len(s)/2]), slices.Max(s[len(s)/2:])
	growth := float64(second-first) / float64(first)
	word := "flat"
	if growth > flatMemoryBy {
		word = "**not flat**"
	}
	return fmt.Sprintf("%s (peak of the second half %+.1f%% over the first half's)", word, 100*growth)
}

// dist is "p50 X, max Y" of durations.
func dist(ds []time.Duration) string {
	if len(ds) == 0 {
		return "n/a"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return fmt.Sprintf("median %s, p90 %s, max %s", ms(s[len(s)/2]), ms(s[len(s)*9/10]), ms(s[len(s)-1]))
}

func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 1:
		return fmt.Sprintf("%.2f ms", v)
	case v < 100:
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.0f ms", v)
}

func kb(n int) string { return fmt.Sprintf("%.1f KB", float64(n)/1000) }

func mb(kib int) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }

func rssRange(s []int) string {
	if len(s) == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%s–%s", mb(slices.Min(s)), mb(slices.Max(s)))
}

// rssCurve shows memory along a run: at its start, each quarter, and the
// peak.
func rssCurve(s []int) string {
	if len(s) < 5 {
		return rssRange(s)
	}
	var marks []string
	for q := range 5 {
		marks = append(marks, mb(s[min(q*len(s)/4, len(s)-1)]))
	}
	return fmt.Sprintf("%s at 0, ¼, ½, ¾ and the end (peak %s)", strings.Join(marks, " → "), mb(slices.Max(s)))
}

// fetch returns the size of url's body in the encoding asked for.
func fetch(url, encoding string) (int, error) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept-Encoding", encoding)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return len(b), err
}
