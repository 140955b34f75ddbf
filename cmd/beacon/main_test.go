package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models/dbtest"
)

// beaconBin is the binary built once for the test run.
var beaconBin string

// servers bounds how many beacon servers run at once (the machine is small).
var servers = make(chan struct{}, 3)

// client is the tests' HTTP client. It has no timeout of its own: each
// request is bounded by the test's dbtest.WaitDeadline (see do).
var client = &http.Client{}

// waitContext is a context that ends at dbtest.WaitDeadline, or with the
// test.
func waitContext(t *testing.T) context.Context {
	ctx, cancel := context.WithDeadline(t.Context(), dbtest.WaitDeadline(t))
	t.Cleanup(cancel)
	return ctx
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "beacon-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "make temp dir:", err)
		os.Exit(1)
	}
	os.Chmod(dir, 0o755) // another user may run it (TestServeReadOnlySQLite)
	beaconBin = filepath.Join(dir, "beacon")
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		goTool = "go"
	}
	if out, err := exec.Command(goTool, "build", "-o", beaconBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build beacon: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := dbtest.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// syncBuffer is a bytes.Buffer safe for a process writing while a test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// beaconEnv is a clean environment: PATH, HOME and the given variables.
func beaconEnv(vars ...string) []string {
	return append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, vars...)
}

// sqliteURL is DATABASE_URL for a fresh SQLite file in the test's temp dir.
func sqliteURL(t *testing.T) string {
	return "DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "beacon.db")
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// runBeacon runs the binary to completion (killed at the test's
// dbtest.WaitDeadline) and returns its output and exit code.
func runBeacon(t *testing.T, env []string, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithDeadline(context.Background(), dbtest.WaitDeadline(t))
	defer cancel()
	cmd := exec.CommandContext(ctx, beaconBin, args...)
	cmd.Env, cmd.Dir = env, t.TempDir()
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("run beacon %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("beacon %s did not finish by the test's deadline; stderr:\n%s", strings.Join(args, " "), errOut.String())
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

// server is a running 'beacon serve'.
type server struct {
	URL    string
	Logs   *syncBuffer // stdout and stderr
	Env    []string    // the environment it runs with, for other commands
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has exited
}

// startServer starts 'beacon serve' on a free port with env, waits until
// /healthz answers and kills it when the test ends.
func startServer(t *testing.T, env []string) *server {
	t.Helper()
	return startServerWith(t, env, nil)
}

// startServerWith is startServer with the process's attributes (another
// user, say).
func startServerWith(t *testing.T, env []string, attr *syscall.SysProcAttr) *server {
	t.Helper()
	servers <- struct{}{}
	port := freePort(t)
	s := &server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Logs: &syncBuffer{}, Env: env, exited: make(chan struct{})}
	s.cmd = exec.Command(beaconBin, "serve")
	s.cmd.Env, s.cmd.Dir = append(env[:len(env):len(env)], fmt.Sprint("PORT=", port)), t.TempDir()
	s.cmd.Stdout, s.cmd.Stderr = s.Logs, s.Logs
	if s.cmd.SysProcAttr = attr; attr != nil {
		s.cmd.Dir = "/" // another user may not enter the test's directories
	}
	if err := s.cmd.Start(); err != nil {
		<-servers
		t.Fatalf("start beacon serve: %v", err)
	}
	go func() { s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-s.exited
		<-servers
		if t.Failed() {
			t.Logf("beacon serve output:\n%s", s.Logs)
		}
	})
	for deadline := dbtest.WaitDeadline(t); ; {
		select {
		case <-s.exited:
			t.Fatalf("beacon serve exited (%v) before answering /healthz", s.cmd.ProcessState)
		default:
		}
		req, err := http.NewRequest("GET", s.URL+"/healthz", nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp, err := do(t, req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("beacon serve did not answer /healthz by the test's deadline")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// get fetches a URL and returns the status, headers and body.
func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := do(t, req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	return resp.StatusCode, resp.Header, string(body)
}

// do sends the request with the client, bounded by the test's
// dbtest.WaitDeadline.
func do(t *testing.T, req *http.Request) (*http.Response, error) {
	return client.Do(req.WithContext(waitContext(t)))
}

// waitFor polls cond until it holds, or until the test's
// dbtest.WaitDeadline; it reports whether cond held.
func waitFor(t *testing.T, cond func() bool) bool {
	for end := dbtest.WaitDeadline(t); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

func mustContain(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%s does not contain %q", what, w)
		}
	}
}

func hasPanic(s string) bool {
	return strings.Contains(s, "panic") || strings.Contains(s, "goroutine ")
}

func TestServeDemo(t *testing.T) {
	t.Parallel()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			var env []string
			if dialect == "sqlite" {
				env = beaconEnv(sqliteURL(t))
			} else {
				env = beaconEnv("DATABASE_URL=" + dbtest.NewEmptyPostgres(t))
				out, errOut, code := runBeacon(t, env, "", "migrate")
				if code != 0 || !strings.Contains(out, "Migrated") {
					t.Fatalf("beacon migrate: exit %d, stdout %q, stderr %q; want 0 and Migrated", code, out, errOut)
				}
				out, errOut, code = runBeacon(t, env, "", "migrate")
				if code != 0 || !strings.Contains(out, "up to date") {
					t.Fatalf("second beacon migrate: exit %d, stdout %q, stderr %q; want 0 and up to date", code, out, errOut)
				}
			}
			out, errOut, code := runBeacon(t, env, "", "demo")
			if code != 0 || !strings.Contains(out, "Loaded the demo page") {
				t.Fatalf("beacon demo: exit %d, stdout %q, stderr %q", code, out, errOut)
			}
			s := startServer(t, append(env, "PAGE_NAME=Acme Cloud", "PAGE_TIME_ZONE=Europe/Berlin"))

			// The status page.
			status, h, page := get(t, s.URL+"/")
			if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				t.Fatalf("GET /: %d %s, want 200 text/html", status, h.Get("Content-Type"))
			}
			mustContain(t, "status page", page, "Acme Cloud", "API", "Webhooks", "90 days ago", "uptime", "Delayed webhook deliveries")
			if !regexp.MustCompile(`Partial System Outage|Partially Degraded Service|Major System Outage`).MatchString(page) {
				t.Errorf("status page has no outage banner")
			}

			// The active incident, linked from the page.
			m := regexp.MustCompile(`href="(/incidents/[a-z0-9]+)">Delayed webhook deliveries<`).FindStringSubmatch(page)
			if m == nil {
				t.Fatalf("no link to the active incident on the status page")
			}
			status, _, incident := get(t, s.URL+m[1])
			if status != http.StatusOK {
				t.Fatalf("GET %s: %d, want 200", m[1], status)
			}
			mustContain(t, "incident page", incident, "Delayed webhook deliveries", "Investigating", "Identified", "Monitoring")

			status, _, notFound := get(t, s.URL+"/incidents/doesnotexist")
			if status != http.StatusNotFound || !strings.Contains(notFound, "<html") || !strings.Contains(notFound, "not") {
				t.Errorf("GET /incidents/doesnotexist: %d, want 404 with an HTML page saying not found; body:\n%.300s", status, notFound)
			}

			// History.
			status, _, history := get(t, s.URL+"/history")
			if status != http.StatusOK || !regexp.MustCompile(`(January|February|March|April|May|June|July|August|September|October|November|December) 20\d\d`).MatchString(history) {
				t.Errorf("GET /history: %d, want 200 with month names", status)
			}
			if status, _, _ := get(t, s.URL+"/history?page=abc"); status != http.StatusBadRequest {
				t.Errorf("GET /history?page=abc: %d, want 400", status)
			}

			// Readiness.
			status, _, body := get(t, s.URL+"/readyz")
			var ready struct{ Status string }
			if err := json.Unmarshal([]byte(body), &ready); status != http.StatusOK || err != nil || ready.Status != "ready" {
				t.Errorf("GET /readyz: %d %q, want 200 with status ready", status, body)
			}

			// A content-hashed stylesheet, cached for good.
			css := regexp.MustCompile(`/static/css/app\.[0-9a-f]+\.css`).FindString(page)
			if css == "" {
				t.Fatalf("no /static/css/app.<hash>.css link on the status page")
			}
			status, h, _ = get(t, s.URL+css)
			if status != http.StatusOK || !strings.Contains(h.Get("Cache-Control"), "immutable") {
				t.Errorf("GET %s: %d Cache-Control %q, want 200 immutable", css, status, h.Get("Cache-Control"))
			}

			if !waitFor(t, func() bool { return strings.Contains(s.Logs.String(), "request_id=") }) {
				t.Errorf("no request log lines with request_id in the server's output")
			}
		})
	}
}

func TestPendingMigrationsRefuseToStart(t *testing.T) {
	t.Parallel()
	t.Run("postgres", func(t *testing.T) {
		env := beaconEnv("DATABASE_URL="+dbtest.NewEmptyPostgres(t), fmt.Sprint("PORT=", freePort(t)))
		start := time.Now()
		_, errOut, code := runBeacon(t, env, "", "serve")
		if code == 0 || !strings.Contains(errOut, "beacon migrate") {
			t.Errorf("beacon serve on an unmigrated PostgreSQL: exit %d, stderr %q; want non-zero, naming beacon migrate", code, errOut)
		}
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("beacon serve took %v to refuse", d)
		}
	})
	t.Run("sqlite", func(t *testing.T) {
		s := startServer(t, beaconEnv(sqliteURL(t)))
		status, _, body := get(t, s.URL+"/readyz")
		if status != http.StatusOK || !strings.Contains(body, `"ready"`) {
			t.Errorf("GET /readyz on a self-migrated SQLite: %d %q, want 200 ready", status, body)
		}
	})
}

func TestBadConfiguration(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ set, want string }{
		{"PORT=abc", "PORT"},
		{"PORT=70000", "PORT"},
		{"DATABASE_URL=mysql://x", "DATABASE_URL"},
		{"PAGE_TIME_ZONE=Mars/Olympus", "PAGE_TIME_ZONE"},
		{"LOG_FORMAT=xml", "LOG_FORMAT"},
		{"BASE_URL=not-a-url", "BASE_URL"},
		{"SECRET_KEY=short", "SECRET_KEY"},
	} {
		t.Run(tc.set, func(t *testing.T) {
			t.Parallel()
			// The variable under test comes last and wins over the valid defaults.
			env := beaconEnv(sqliteURL(t), fmt.Sprint("PORT=", freePort(t)), tc.set)
			_, errOut, code := runBeacon(t, env, "", "serve")
			if code != 1 || !strings.Contains(errOut, tc.want) || hasPanic(errOut) {
				t.Errorf("beacon serve with %s: exit %d, stderr %q; want 1 naming %s", tc.set, code, errOut, tc.want)
			}
		})
	}
	t.Run("postgres not listening", func(t *testing.T) {
		t.Parallel()
		dbURL := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/x?sslmode=disable&connect_timeout=2", freePort(t))
		start := time.Now()
		_, errOut, code := runBeacon(t, beaconEnv("DATABASE_URL="+dbURL, fmt.Sprint("PORT=", freePort(t))), "", "serve")
		if code != 1 || !strings.Contains(errOut, "database") || hasPanic(errOut) {
			t.Errorf("beacon serve without PostgreSQL: exit %d, stderr %q; want 1 and a message about the database", code, errOut)
		}
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("beacon serve took %v to give up on the database", d)
		}
	})
}

func TestCommandLine(t *testing.T) {
	t.Parallel()
	env := beaconEnv(sqliteURL(t))
	// expect runs beacon and checks its exit code; it returns stdout and stderr.
	expect := func(t *testing.T, want int, stdin string, args ...string) (string, string) {
		t.Helper()
		out, errOut, code := runBeacon(t, env, stdin, args...)
		if code != want {
			t.Errorf("beacon %s: exit %d, want %d; stdout %q, stderr %q", strings.Join(args, " "), code, want, out, errOut)
		}
		return out, errOut
	}
	oneLine := func(t *testing.T, s string, wants ...string) {
		t.Helper()
		if s = strings.TrimSpace(s); s == "" || strings.Contains(s, "\n") {
			t.Errorf("stderr %q, want one line", s)
		}
		mustContain(t, "stderr", s, wants...)
	}

	t.Run("version", func(t *testing.T) {
		out, _ := expect(t, 0, "", "version")
		mustContain(t, "version", out, "beacon ")
	})
	t.Run("help", func(t *testing.T) {
		out, _ := expect(t, 0, "", "help")
		mustContain(t, "help", out, "serve", "migrate", "user", "token", "demo", "version")
		expect(t, 0, "", "demo", "-h")
	})
	t.Run("usage errors", func(t *testing.T) {
		_, errOut := expect(t, 2, "", "frobnicate")
		oneLine(t, errOut, "beacon help")
		_, errOut = expect(t, 2, "", "migrate", "--nope")
		oneLine(t, errOut, "nope")
		expect(t, 2, "", "token", "add")
	})
	t.Run("user add", func(t *testing.T) {
		const password = "correct horse battery\n"
		out, _ := expect(t, 0, password, "user", "add", "--email", "ops@example.com", "--role", "admin", "--password-stdin")
		mustContain(t, "user add", out, "ops@example.com")
		out, errOut, code := runBeacon(t, env, password, "user", "add", "--email", "ops@example.com", "--role", "admin", "--password-stdin")
		if code == 0 || !strings.Contains(errOut, "exists") {
			t.Errorf("adding ops@example.com twice: exit %d, stdout %q, stderr %q; want non-zero, saying it exists", code, out, errOut)
		}
		expect(t, 2, password, "user", "add", "--email", "root@example.com", "--role", "root", "--password-stdin")
		_, errOut = expect(t, 1, "short\n", "user", "add", "--email", "dev@example.com", "--role", "editor", "--password-stdin")
		mustContain(t, "short password", errOut, "password")
	})
	t.Run("token add", func(t *testing.T) {
		out, _ := expect(t, 0, "", "token", "add", "--name", "ci")
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		last := lines[len(lines)-1]
		if !regexp.MustCompile(`^bcn_\S+$`).MatchString(last) {
			t.Errorf("last line of token add %q, want only the bcn_ token", last)
		}
	})
}

func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	s := startServer(t, beaconEnv(sqliteURL(t)))
	// A served request leaves an idle keep-alive connection, which must not
	// hold up the shutdown. (Beacon has no slow endpoint to keep a request
	// in flight; net/http drops requests whose headers arrive after
	// shutdown starts.)
	if status, _, _ := get(t, s.URL+"/"); status != http.StatusOK {
		t.Fatalf("GET /: %d, want 200", status)
	}

	start := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// It exits 0 and logs "stopped" only when the shutdown finished
	// within SHUTDOWN_TIMEOUT (15s): a connection holding it up fails the
	// checks below, however long the machine takes.
	select {
	case <-s.exited:
	case <-time.After(time.Until(dbtest.WaitDeadline(t))):
		t.Fatalf("beacon serve did not exit after SIGTERM")
	}
	t.Logf("exited %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	if code := s.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("beacon serve exited %d after SIGTERM, want 0", code)
	}
	logs := s.Logs.String()
	mustContain(t, "server log", logs, "shutting down", "stopped")
	if strings.Index(logs, "stopped") < strings.Index(logs, "shutting down") {
		t.Errorf("server log says stopped before shutting down")
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(s.URL, "http://"), time.Second); err == nil {
		t.Errorf("the port still accepts connections after the server exited")
	}
}
