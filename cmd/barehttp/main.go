// Command barehttp is the benchmarks' yardstick: a bare net/http server
// that fetches some of a running Beacon's responses once (plain and gzip)
// and serves the same bytes, with the same headers, from memory. The load
// run measures Beacon beside it (docs/benchmarks.md).
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// response is one fetched answer: its headers and body.
type response struct {
	header http.Header
	body   []byte
}

// page is one path's plain and gzip answers.
type page struct{ plain, gzip response }

func main() {
	from := flag.String("from", "http://127.0.0.1:8080", "Beacon's base URL to fetch the bytes from")
	addr := flag.String("addr", "127.0.0.1:8081", "address to listen on")
	paths := flag.String("paths", "/,/api/v2/summary.json,/history.atom", "comma-separated paths to serve")
	flag.Parse()

	pages := map[string]*page{}
	for _, p := range strings.Split(*paths, ",") {
		plain, err := fetch(*from+p, "identity")
		if err != nil {
			log.Fatal(err)
		}
		gz, err := fetch(*from+p, "gzip")
		if err != nil {
			log.Fatal(err)
		}
		pages[p] = &page{plain: plain, gzip: gz}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stdout, "serving %d paths on http://%s\n", len(pages), ln.Addr())
	log.Fatal(http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := pages[r.URL.Path]
		if p == nil {
			http.NotFound(w, r)
			return
		}
		resp := p.plain
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			resp = p.gzip
		}
		h := w.Header()
		for k, v := range resp.header {
			h[k] = v
		}
		w.Write(resp.body)
	})))
}

// fetch gets url with the Accept-Encoding given (so the transport does not
// decompress it) and keeps the headers a client sees, but those that vary
// per response.
func fetch(url, encoding string) (response, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Accept-Encoding", encoding)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return response{}, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	h := resp.Header.Clone()
	for _, k := range []string{"Date", "X-Request-Id"} {
		h.Del(k)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return response{header: h, body: body}, nil
}
