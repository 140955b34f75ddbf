// Package views holds the HTML templates, embedded in the binary:
// layouts/ (base.html frames the public pages, admin.html the console),
// partials/ (blocks shared by both), public/ (one file per public page,
// each defining "content"), admin/ (one file per console page, each
// defining "content"), admin/partials/ (the console's form blocks) and
// email/ (the notification messages, text and HTML).
package views

import "embed"

// FS is the embedded template tree.
//
//go:embed layouts/*.html partials/*.html public/*.html admin/*.html admin/partials/*.html email/*
var FS embed.FS
