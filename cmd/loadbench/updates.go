package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// apiClient posts updates through Beacon's management API (/v1).
type apiClient struct {
	token, pageID, incidentID string
	http                      *http.Client
}

// newAPIClient finds the page and an open incident of the large demo
// through base with the token.
func newAPIClient(base, token string) (*apiClient, error) {
	c := &apiClient{token: token, http: &http.Client{Timeout: 30 * time.Second}}
	var pages []struct{ ID string }
	if err := c.getJSON(base+"/v1/pages", &pages); err != nil {
		return nil, err
	}
	if len(pages) != 1 {
		return nil, fmt.Errorf("GET /v1/pages: %d pages", len(pages))
	}
	c.pageID = pages[0].ID
	var open []struct{ ID string }
	if err := c.getJSON(base+"/v1/pages/"+c.pageID+"/incidents/unresolved", &open); err != nil {
		return nil, err
	}
	if len(open) == 0 {
		return nil, errors.New("the demo has no open incident")
	}
	c.incidentID = open[0].ID
	return c, nil
}

func (c *apiClient) getJSON(url string, v any) error {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// postUpdate posts a public update with text on the open incident through
// base, and returns once Beacon has answered.
func (c *apiClient) postUpdate(base, text string) error {
	body, _ := json.Marshal(map[string]any{"incident": map[string]any{
		"status": "identified", "body": text, "deliver_notifications": false}})
	req, _ := http.NewRequest(http.MethodPatch, base+"/v1/pages/"+c.pageID+"/incidents/"+c.incidentID, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("PATCH incident: %s: %s", resp.Status, b)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// reader fetches public pages as a browser would (gzip, decompressed by
// the transport), on its own connections.
var reader = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}

// contains fetches url and reports whether its body contains text.
func contains(url, text string) (bool, error) {
	resp, err := reader.Get(url)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return false, err
	}
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return bytes.Contains(b, []byte(text)), nil
}

// propagation is one update's timings: its PATCH, and for each watched
// server the time from sending the PATCH until its "/" showed the update.
type propagation struct {
	write time.Duration
	seen  []time.Duration
}

// measurePropagation posts n updates through via, one after the other,
// and times until each watched server's "/" shows each of them.
func measurePropagation(c *apiClient, via *server, watch []*server, n int) ([]propagation, error) {
	var out []propagation
	for i := range n {
		text := fmt.Sprintf("Propagation check %d %s", i, token())
		start := time.Now()
		if err := c.postUpdate(via.url, text); err != nil {
			return out, err
		}
		p := propagation{write: time.Since(start), seen: make([]time.Duration, len(watch))}
		var wg sync.WaitGroup
		errs := make([]error, len(watch))
		for j, s := range watch {
			wg.Go(func() {
				for {
					ok, err := contains(s.url+"/", text)
					switch {
					case err != nil:
						errs[j] = err
						return
					case ok:
						p.seen[j] = time.Since(start)
						return
					case time.Since(start) > 10*time.Second:
						errs[j] = fmt.Errorf("%s: update not shown after 10s", s.name)
						return
					}
					time.Sleep(time.Millisecond)
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return out, err
		}
		out = append(out, p)
		time.Sleep(100 * time.Millisecond)
	}
	return out, nil
}

// freshness is what checkFreshness saw.
type freshness struct {
	updates   int             // updates posted and answered
	stale     []string        // pages that lacked an update right after its response
	errors    []error         // failed writes or reads
	writes    []time.Duration // PATCH round trips
	firstRead []time.Duration // the first GET / after each update's response
}

// checkFreshness posts an update through s every interval until ctx ends;
// after each update's response, the next GET of every path must show it.
func checkFreshness(ctx context.Context, c *apiClient, s *server, paths []string, every time.Duration) freshness {
	var f freshness
	tick := time.NewTicker(every)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return f
		case <-tick.C:
		}
		text := fmt.Sprintf("Freshness check %d %s", i, token())
		start := time.Now()
		if err := c.postUpdate(s.url, text); err != nil {
			f.errors = append(f.errors, err)
			continue
		}
		f.writes = append(f.writes, time.Since(start))
		f.updates++
		for j, p := range paths {
			start := time.Now()
			ok, err := contains(s.url+p, text)
			if j == 0 {
				f.firstRead = append(f.firstRead, time.Since(start))
			}
			switch {
			case err != nil:
				f.errors = append(f.errors, err)
			case !ok:
				f.stale = append(f.stale, fmt.Sprintf("%s after update %d", p, i))
			}
		}
	}
}

// token makes update texts unique, so a page shows one only once posted.
func token() string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	var b strings.Builder
	for range 10 {
		b.WriteByte(letters[rand.IntN(len(letters))])
	}
	return b.String()
}
