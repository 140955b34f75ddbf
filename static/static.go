// Package static holds the public page's stylesheet, script and icons,
// embedded in the binary and served under content-hashed URLs.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"sort"
	"strings"
)

//go:embed css js img
var files embed.FS

// Prefix is the URL path under which assets are served.
const Prefix = "/static/"

// CacheControl is the Cache-Control value for hashed asset URLs: their
// content never changes, so browsers may keep them forever.
const CacheControl = "public, max-age=31536000, immutable"

// hashLen is how many hex digits of the SHA-256 go into a URL.
const hashLen = 10

// Assets is the table of embedded files and their content-hashed URLs.
type Assets struct {
	byName map[string]*Asset // "css/app.css"
	byPath map[string]*Asset // "css/app.3f2a1b9c0d.css"
}

// Asset is one embedded file, ready to be served.
type Asset struct {
	Name        string // path inside the package, e.g. "css/app.css"
	URL         string // hashed URL, e.g. "/static/css/app.3f2a1b9c0d.css"
	ContentType string
	ETag        string // quoted content hash
	Body        []byte
	Gzip        []byte // gzip-compressed Body, nil when compressing does not pay
}

// New reads every embedded file, hashes it and precomputes its gzip form.
// It panics only if the embedded file system cannot be read, which is a
// build error rather than a runtime condition.
func New() *Assets {
	a, err := load(files)
	if err != nil {
		panic(fmt.Sprintf("static: %v", err))
	}
	return a
}

// load builds the asset table from fsys.
func load(fsys fs.FS) (*Assets, error) {
	a := &Assets{byName: map[string]*Asset{}, byPath: map[string]*Asset{}}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])[:hashLen]
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hash + ext
		asset := &Asset{
			Name:        name,
			URL:         Prefix + hashed,
			ContentType: contentType(ext),
			ETag:        `"` + hash + `"`,
			Body:        body,
			Gzip:        compress(body),
		}
		a.byName[name] = asset
		a.byPath[hashed] = asset
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// URL returns the hashed URL of the named file, e.g. "css/app.css" →
// "/static/css/app.3f2a1b9c0d.css". An unknown name yields a URL that
// will not resolve, so a typo in a template shows up as a 404 rather than
// a crash on a customer's request (templates are checked by tests).
func (a *Assets) URL(name string) string {
	if asset, ok := a.byName[name]; ok {
		return asset.URL
	}
	return Prefix + name
}

// Lookup resolves a hashed URL path (with or without the "/static/" prefix)
// back to the file's content and content type.
func (a *Assets) Lookup(urlPath string) (body []byte, contentType string, ok bool) {
	asset, ok := a.Get(urlPath)
	if !ok {
		return nil, "", false
	}
	return asset.Body, asset.ContentType, true
}

// Get resolves a hashed URL path (with or without the "/static/" prefix)
// to its Asset, which also carries the precomputed gzip body and ETag.
func (a *Assets) Get(urlPath string) (*Asset, bool) {
	p := strings.TrimPrefix(urlPath, "/")
	p = strings.TrimPrefix(p, strings.TrimPrefix(Prefix, "/"))
	asset, ok := a.byPath[p]
	return asset, ok
}

// ServeHTTP serves a hashed asset with a year-long immutable cache,
// gzip-compressed when the client accepts it; anything else is a 404.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	asset, ok := a.Get(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", asset.ContentType)
	h.Set("Cache-Control", CacheControl)
	h.Set("ETag", asset.ETag)
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Header.Get("If-None-Match") == asset.ETag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := asset.Body
	if asset.Gzip != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			h.Set("Content-Encoding", "gzip")
			body = asset.Gzip
		}
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			return strings.ReplaceAll(strings.TrimSpace(params), " ", "") != "q=0"
		}
	}
	return false
}

// contentType maps the few extensions we ship to their media type.
func contentType(ext string) string {
	switch ext {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// compress returns the gzip form of body, or nil when it is not smaller.
func compress(body []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(body)
	zw.Close()
	if buf.Len() >= len(body) {
		return nil
	}
	return buf.Bytes()
}

// All is every asset, sorted by URL (a static copy of the site takes them
// all).
func (a *Assets) All() []*Asset {
	out := make([]*Asset, 0, len(a.byPath))
	for _, asset := range a.byPath {
		out = append(out, asset)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URL < out[j].URL })
	return out
}
