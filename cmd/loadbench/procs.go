package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// database is a fresh Beacon database for one part of the run.
type database struct {
	dialect string // "sqlite" or "postgres"
	url     string // DATABASE_URL
	drop    func() error
}

// newSQLite makes the URL of a fresh SQLite file in dir.
func newSQLite(dir string) *database {
	return &database{dialect: "sqlite", url: "sqlite:" + filepath.Join(dir, "beacon.db"), drop: func() error { return nil }}
}

// newPostgres creates a fresh database on the server at admin (a
// postgres:// URL without a database) with psql, and drops it after.
func newPostgres(admin string) (*database, error) {
	name := fmt.Sprintf("beacon_bench_%d", os.Getpid())
	maintenance := strings.TrimSuffix(admin, "/") + "/postgres"
	psql := func(sql string) error {
		out, err := exec.Command("psql", maintenance, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql).CombinedOutput()
		if err != nil {
			return fmt.Errorf("psql %q: %v: %s", sql, err, out)
		}
		return nil
	}
	if err := psql("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
		return nil, err
	}
	if err := psql("CREATE DATABASE " + name); err != nil {
		return nil, err
	}
	return &database{
		dialect: "postgres",
		url:     strings.TrimSuffix(admin, "/") + "/" + name + "?sslmode=disable",
		drop:    func() error { return psql("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") },
	}, nil
}

// beaconCmd runs a beacon sub-command to completion on db and returns its
// standard output.
func beaconCmd(bin string, db *database, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+db.url)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("beacon %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}

// server is a process started by the run: beacon serve or barehttp.
type server struct {
	name string
	url  string
	cmd  *exec.Cmd
	log  string // file with its standard error
	done chan error
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startBeacon runs beacon serve on db, on a free loopback port, with the
// default (info) log level: one log line per request, written to a file
// as in production. It returns once /readyz answers 200.
func startBeacon(bin, dir, name string, db *database, env ...string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(addr)
	s := &server{name: name, url: "http://" + addr, log: filepath.Join(dir, name+".log")}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env = append(os.Environ(), "DATABASE_URL="+db.url, "PORT="+port, "BASE_URL="+s.url, "PAGE_NAME=Acme Cloud",
		"SNAPSHOT_DIR="+filepath.Join(dir, name+"-snapshot"))
	s.cmd.Env = append(s.cmd.Env, env...)
	if err := s.start(); err != nil {
		return nil, err
	}
	return s, s.waitReady(s.url + "/readyz")
}

// startBare runs barehttp serving the targets' bytes fetched from beacon.
func startBare(bin, dir string, beacon *server, paths []string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	s := &server{name: "bare", url: "http://" + addr, log: filepath.Join(dir, "bare.log")}
	s.cmd = exec.Command(bin, "-from", beacon.url, "-addr", addr, "-paths", strings.Join(paths, ","))
	if err := s.start(); err != nil {
		return nil, err
	}
	return s, s.waitReady(s.url + paths[0])
}

func (s *server) start() error {
	f, err := os.Create(s.log)
	if err != nil {
		return err
	}
	s.cmd.Stdout, s.cmd.Stderr = f, f
	if err := s.cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("start %s: %w", s.name, err)
	}
	s.done = make(chan error, 1)
	go func() { s.done <- s.cmd.Wait(); f.Close() }()
	return nil
}

func (s *server) waitReady(url string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			return fmt.Errorf("%s exited before it was ready (%v); see %s", s.name, err, s.log)
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready after 30s; see %s", s.name, s.log)
}

// stop asks the process to shut down gracefully and waits for it.
func (s *server) stop() error {
	if s == nil || s.cmd.Process == nil {
		return nil
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		var exit *exec.ExitError
		if errors.As(err, &exit) && s.name == "bare" {
			return nil // barehttp has no graceful shutdown
		}
		return err
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		return fmt.Errorf("%s did not stop within 15s", s.name)
	}
}

// rssKB reads the resident memory of the process from /proc, in KiB.
func (s *server) rssKB() (int, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

// problems counts the WARN and ERROR lines of a beacon log.
func (s *server) problems() (warn, errs int, first string) {
	f, err := os.Open(s.log)
	if err != nil {
		return 0, 0, err.Error()
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.Contains(line, "level=ERROR"):
			errs++
		case strings.Contains(line, "level=WARN") && !strings.Contains(line, "no administrator yet"):
			warn++
		default:
			continue
		}
		if first == "" {
			first = line
		}
	}
	return warn, errs, first
}

// rssSampler records a process's resident memory every interval.
type rssSampler struct {
	mu      sync.Mutex
	samples []int // KiB
	stop    context.CancelFunc
	done    chan struct{}
}

func sampleRSS(s *server, every time.Duration) *rssSampler {
	ctx, cancel := context.WithCancel(context.Background())
	r := &rssSampler{stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if kb, err := s.rssKB(); err == nil {
				r.mu.Lock()
				r.samples = append(r.samples, kb)
				r.mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return r
}

// finish stops sampling and returns the samples.
func (r *rssSampler) finish() []int {
	r.stop()
	<-r.done
	return r.samples
}
