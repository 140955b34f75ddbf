package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// load is how wrk is run: connections, threads and duration.
type load struct {
	conns, threads int
	duration       time.Duration
}

// wrkResult is what one wrk run measured.
type wrkResult struct {
	rps      float64
	p50, p99 time.Duration
	requests int
	errors   int // socket errors and non-2xx/3xx answers
	command  string
}

// mixedScript makes wrk rotate over the paths, every other round with
// Accept-Encoding: gzip, as a crowd of browsers and API clients would.
const mixedScript = `local paths = {%s}
local i = 0
request = function()
  i = i + 1
  local headers = {}
  if math.floor(i / #paths) %% 2 == 0 then headers["Accept-Encoding"] = "gzip" end
  return wrk.format("GET", paths[(i %% #paths) + 1], headers)
end
`

// writeMixedScript writes the mixed-load script into dir.
func writeMixedScript(dir string, paths []string) (string, error) {
	quoted := make([]string, len(paths))
	for i, p := range paths {
		quoted[i] = strconv.Quote(p)
	}
	name := filepath.Join(dir, "mixed.lua")
	return name, os.WriteFile(name, []byte(fmt.Sprintf(mixedScript, strings.Join(quoted, ", "))), 0o644)
}

// runWrk runs wrk against url; gzip adds Accept-Encoding: gzip, script
// (if not empty) is a Lua script choosing the requests.
func runWrk(l load, url string, gzip bool, script string) (wrkResult, error) {
	args := []string{"-t", strconv.Itoa(l.threads), "-c", strconv.Itoa(l.conns),
		"-d", strconv.Itoa(int(l.duration.Seconds())) + "s", "--latency", "--timeout", "5s"}
	if gzip {
		args = append(args, "-H", "Accept-Encoding: gzip")
	}
	if script != "" {
		args = append(args, "-s", script)
	}
	args = append(args, url)
	r := wrkResult{command: "wrk " + strings.Join(quoteArgs(args), " ")}
	out, err := exec.Command("wrk", args...).CombinedOutput()
	if err != nil {
		return r, fmt.Errorf("%s: %v: %s", r.command, err, out)
	}
	return r, r.parse(string(out))
}

var (
	rpsLine      = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	requestsLine = regexp.MustCompile(`(\d+) requests in`)
	latencyLine  = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	socketErrors = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	non2xx       = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

func (r *wrkResult) parse(out string) error {
	m := rpsLine.FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("no Requests/sec in wrk output:\n%s", out)
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	if m := requestsLine.FindStringSubmatch(out); m != nil {
		r.requests, _ = strconv.Atoi(m[1])
	}
	for _, m := range latencyLine.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[m[3]]
		d := time.Duration(v * float64(unit))
		if m[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	if r.p50 == 0 || r.p99 == 0 {
		return fmt.Errorf("no latency distribution in wrk output:\n%s", out)
	}
	if m := socketErrors.FindStringSubmatch(out); m != nil {
		for _, s := range m[1:] {
			n, _ := strconv.Atoi(s)
			r.errors += n
		}
	}
	if m := non2xx.FindStringSubmatch(out); m != nil {
		n, _ := strconv.Atoi(m[1])
		r.errors += n
	}
	return nil
}

func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " ;:") && !strings.Contains(a, "://") {
			a = "'" + a + "'"
		}
		out[i] = a
	}
	return out
}
