package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// The mirror's figures (issue 18): how long from an API update until the
// status page in the mirror's bucket shows it, under load; and what the
// eager rebuilds of the core set cost the update-to-page time, against a
// server with them off (SNAPSHOT_EAGER=false), in the same run.

// seaweedVersion is the SeaweedFS that .ci/build-seaweedfs builds into
// the test cache.
const seaweedVersion = "v0.0.0-20261109003541-7506e5f91cd6"

// defaultWeed is where .ci/build-seaweedfs puts SeaweedFS.
func defaultWeed() string {
	cache := os.Getenv("BEACON_TEST_CACHE")
	if cache == "" {
		cache = "/var/cache/beacon-test"
	}
	return filepath.Join(cache, "seaweedfs-"+seaweedVersion, "weed")
}

// mirrorTarget is where the mirrored server uploads, and how to read an
// object back as a CDN would.
type mirrorTarget struct {
	kind string   // "SeaweedFS S3" or "file"
	env  []string // MIRROR_URL and the S3 variables
	read func(name string) ([]byte, error)
	stop func()
}

// startMirrorTarget starts SeaweedFS (weed server -s3) on loopback when
// the binary is there, else uses a directory.
func startMirrorTarget(weed, dir string) (*mirrorTarget, error) {
	if _, err := os.Stat(weed); err != nil {
		site := filepath.Join(dir, "mirror-site")
		return &mirrorTarget{kind: "file:// directory (no SeaweedFS at " + weed + ")",
			env:  []string{"MIRROR_URL=file://" + site},
			read: func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(site, name)) },
			stop: func() {}}, nil
	}
	ports := make([]string, 8)
	for i := range ports {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		ports[i] = addr[strings.LastIndex(addr, ":")+1:]
	}
	data := filepath.Join(dir, "weed")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	s := &server{name: "seaweedfs", log: filepath.Join(dir, "weed.log")}
	s.cmd = exec.Command(weed, "server", "-dir="+data, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-master.port="+ports[0], "-master.port.grpc="+ports[1], "-volume.port="+ports[2], "-volume.port.grpc="+ports[3],
		"-filer.port="+ports[4], "-filer.port.grpc="+ports[5], "-s3", "-s3.port="+ports[6], "-s3.port.grpc="+ports[7],
		"-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false", "-master.volumeSizeLimitMB=64", "-volume.max=32", // room for the bucket's collection beside the default one
		"-filer.localSocket="+filepath.Join(data, "filer.sock"), "-s3.localSocket="+filepath.Join(data, "s3.sock"))
	s.cmd.Dir = data
	if err := s.start(); err != nil {
		return nil, err
	}
	endpoint := "http://127.0.0.1:" + ports[6]
	deadline := time.Now().Add(60 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodPut, endpoint+"/status-mirror", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusConflict {
				break
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("SeaweedFS did not answer in 60 s (log: %s)", s.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return &mirrorTarget{kind: "SeaweedFS S3 (weed server -s3, loopback)",
		env: []string{"MIRROR_URL=s3://status-mirror/site", "AWS_ENDPOINT_URL=" + endpoint, "AWS_REGION=us-east-1",
			"AWS_ACCESS_KEY_ID=loadbench", "AWS_SECRET_ACCESS_KEY=loadbench-secret"},
		read: func(name string) ([]byte, error) {
			resp, err := reader.Get(endpoint + "/status-mirror/site/" + name)
			if err != nil {
				return nil, err
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return nil, fmt.Errorf("GET %s from the bucket: %s", name, resp.Status)
			}
			return io.ReadAll(resp.Body)
		},
		stop: func() { s.stop() }}, nil
}

// mirrorResult is the mirror's figures on one database.
type mirrorResult struct {
	kind  string
	lags  []time.Duration // PATCH sent → index.html in the bucket shows the update
	load  wrkResult       // the load on the mirrored server meanwhile
	ran   bool
	eager []propagation // update to page with the eager rebuilds (the default)
	lazy  []propagation // the same with SNAPSHOT_EAGER=false, interleaved
}

// waitMirrorSynced waits until s's /readyz says its mirror caught up once.
func waitMirrorSynced(s *server) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := reader.Get(s.url + "/readyz")
		if err == nil {
			var r struct {
				Mirror struct {
					LastSync string  `json:"last_sync"`
					Behind   float64 `json:"behind_seconds"`
				}
			}
			err = json.NewDecoder(resp.Body).Decode(&r)
			resp.Body.Close()
			if err == nil && r.Mirror.LastSync != "" && r.Mirror.Behind == 0 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("the mirror did not catch up in 2 minutes")
}

// measureMirrorLag posts n updates through s while wrk loads it with the
// mixed script, and times each from sending the PATCH until the mirror's
// index.html shows it.
func measureMirrorLag(c *apiClient, s *server, t *mirrorTarget, n int, l load, script string) ([]time.Duration, wrkResult, error) {
	var wg sync.WaitGroup
	var lr wrkResult
	var lerr error
	stopAt := time.Now().Add(l.duration)
	wg.Go(func() { lr, lerr = runWrk(l, s.url, false, script) })
	var lags []time.Duration
	var err error
	for i := 0; i < n && err == nil; i++ {
		text := fmt.Sprintf("Mirror check %d %s", i, token())
		start := time.Now()
		if err = c.postUpdate(s.url, text); err != nil {
			break
		}
		for {
			b, rerr := t.read("index.html")
			if rerr == nil && strings.Contains(string(b), text) {
				lags = append(lags, time.Since(start))
				break
			}
			if time.Since(start) > 30*time.Second {
				err = fmt.Errorf("update %d not in the mirror after 30 s (last read: %v)", i, rerr)
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		if time.Now().After(stopAt) {
			break // the load ended: measure no more under it
		}
		time.Sleep(200 * time.Millisecond)
	}
	wg.Wait()
	return lags, lr, errors.Join(err, lerr)
}

// dist99 is "median X, p99 Y, max Z" of durations.
func dist99(ds []time.Duration) string {
	if len(ds) == 0 {
		return "n/a"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return fmt.Sprintf("median %s, p99 %s, max %s", ms(s[len(s)/2]), ms(s[min(len(s)-1, len(s)*99/100)]), ms(s[len(s)-1]))
}

// writeMirror reports the mirror's figures.
func (m *mirrorResult) write(w io.Writer) {
	if len(m.eager) > 0 {
		var e, l []time.Duration
		for _, p := range m.eager {
			e = append(e, p.seen...)
		}
		for _, p := range m.lazy {
			l = append(l, p.seen...)
		}
		fmt.Fprintf(w, "Eager rebuilds of the core set (issue 18), their cost on the update-to-page time: %d updates, each posted through the default server (eager) and then through a second one on the same database with `SNAPSHOT_EAGER=false` (lazy, as before), idle: PATCH sent → `/` with the update: eager %s; lazy %s.\n\n",
			len(m.eager), dist99(e), dist99(l))
	}
	if m.ran {
		fmt.Fprintf(w, "Mirror lag (issue 18), to %s: %d updates posted through the API of a server with `MIRROR_URL` while wrk loads it with the mixed script (%.0f req/s, p99 %s, %d errors): PATCH sent → the bucket's `index.html` shows the update: **%s**.\n\n",
			m.kind, len(m.lags), m.load.rps, ms(m.load.p99), m.load.errors, dist99(m.lags))
	}
}
