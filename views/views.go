// Package views holds the HTML templates, embedded in the binary:
// layouts/ (base.html frames the public pages, admin.html the console),
// partials/ (blocks shared by both), public/ (one file per public page,
// each defining "content"), admin/ (one file per console page, each
// defining "content"), admin/partials/ (the console's form blocks) and
// email/ (the notification messages, text and HTML) and i18n/ (the
// message catalogs of the public side, one per language).
package views

import "embed"

// FS is the embedded template tree.
//
//go:embed layouts/*.html partials/*.html public/*.html admin/*.html admin/partials/*.html email/* i18n/*.toml
var FS embed.FS
