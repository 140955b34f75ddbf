// Package views holds the HTML templates of the public status page,
// embedded in the binary: layouts/ (the page frame), partials/ (shared
// blocks) and public/ (one file per page, each defining "content").
package views

import "embed"

// FS is the embedded template tree.
//
//go:embed layouts/*.html partials/*.html public/*.html
var FS embed.FS
