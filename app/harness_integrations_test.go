package app_test

// The integrations' side of the harness: a real Prometheus Alertmanager
// (built into the test cache by .ci/build-alertmanager), and webhook
// requests signed exactly as Slack, PagerDuty and GitHub sign theirs.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models/dbtest"
)

// alertmanagerVersion is the Alertmanager the tests start.
const alertmanagerVersion = "v0.35.0"

var (
	alertmanagerOnce sync.Once
	alertmanagerPath string
	alertmanagerErr  error
)

// alertmanagerBinary is the path of the real Alertmanager, built into
// ${BEACON_TEST_CACHE:-/var/cache/beacon-test} by .ci/build-alertmanager
// when absent. When it cannot be had the test fails under CI and is
// skipped, loudly, elsewhere.
func alertmanagerBinary(t *testing.T) string {
	t.Helper()
	alertmanagerOnce.Do(func() {
		cache := os.Getenv("BEACON_TEST_CACHE")
		if cache == "" {
			cache = "/var/cache/beacon-test"
		}
		alertmanagerPath = filepath.Join(cache, "alertmanager-"+alertmanagerVersion, "alertmanager")
		if _, err := os.Stat(alertmanagerPath); err == nil {
			return
		}
		script, err := filepath.Abs(filepath.Join("..", ".ci", "build-alertmanager"))
		if err != nil {
			alertmanagerErr = err
			return
		}
		out, err := exec.Command(script).CombinedOutput()
		if err != nil {
			alertmanagerErr = fmt.Errorf("%s: %v\n%s", script, err, out)
			return
		}
		_, alertmanagerErr = os.Stat(alertmanagerPath)
	})
	if alertmanagerErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI: the real Alertmanager is needed and could not be built: %v", alertmanagerErr)
		}
		t.Skipf("SKIPPED: no real Alertmanager (run .ci/build-alertmanager): %v", alertmanagerErr)
	}
	return alertmanagerPath
}

// alertmanager is a running Alertmanager.
type alertmanager struct {
	URL string
}

// startAlertmanager runs the real Alertmanager with one webhook receiver
// calling webhookURL, grouping by alert name with short waits, until the
// test ends.
func startAlertmanager(t *testing.T, webhookURL string) *alertmanager {
	t.Helper()
	bin := alertmanagerBinary(t)
	dir := t.TempDir()
	config := fmt.Sprintf(`route:
  receiver: beacon
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: beacon
    webhook_configs:
      - url: %q
        send_resolved: true
`, webhookURL)
	if err := os.WriteFile(filepath.Join(dir, "alertmanager.yml"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	port := loopbackPort(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--config.file="+filepath.Join(dir, "alertmanager.yml"),
		"--storage.path="+filepath.Join(dir, "data"), "--web.listen-address=127.0.0.1:"+strconv.Itoa(port),
		"--cluster.listen-address=", "--log.level=warn")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start alertmanager: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("alertmanager log:\n%s", logs.String())
		}
	})
	am := &alertmanager{URL: "http://127.0.0.1:" + strconv.Itoa(port)}
	waitUntil(t, "alertmanager ready", func() bool {
		resp, err := http.Get(am.URL + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return am
}

// push sends alerts through Alertmanager's own API (POST /api/v2/alerts).
func (am *alertmanager) push(t *testing.T, alerts ...map[string]any) {
	t.Helper()
	body, err := json.Marshal(alerts)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(am.URL+"/api/v2/alerts", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("push alerts: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("push alerts: status %d", resp.StatusCode)
	}
}

func loopbackPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitUntil polls cond until it holds, failing at the test's wait deadline.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := dbtest.WaitDeadline(t)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// inboundHook is a request to an integration's URL.
type inboundHook struct {
	path        string
	contentType string
	body        string
	header      http.Header
}

func (w inboundHook) send(h http.Handler) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, w.path, strings.NewReader(w.body))
	req.Header.Set("Content-Type", w.contentType)
	for k, v := range w.header {
		req.Header[k] = v
	}
	return serve(h, req)
}

func hmacSHA256Hex(secret, msg string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// slackRequest is a request signed as Slack signs one, at ts.
func slackRequest(path, secret, contentType, body string, ts time.Time) inboundHook {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	return inboundHook{path: path, contentType: contentType, body: body, header: http.Header{
		"X-Slack-Request-Timestamp": {stamp},
		"X-Slack-Signature":         {"v0=" + hmacSHA256Hex(secret, "v0:"+stamp+":"+body)},
	}}
}

// pagerDutyRequest is a v3 webhook signed as PagerDuty signs one.
func pagerDutyRequest(path, secret, body string) inboundHook {
	return inboundHook{path: path, contentType: "application/json", body: body, header: http.Header{
		"X-Pagerduty-Signature": {"v1=" + hmacSHA256Hex(secret, body)},
	}}
}

// gitHubRequest is a webhook signed as GitHub signs one.
func gitHubRequest(path, secret, event, delivery, body string) inboundHook {
	return inboundHook{path: path, contentType: "application/json", body: body, header: http.Header{
		"X-Hub-Signature-256": {"sha256=" + hmacSHA256Hex(secret, body)},
		"X-Github-Event":      {event},
		"X-Github-Delivery":   {delivery},
	}}
}
