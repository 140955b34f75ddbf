// Package migrations embeds Beacon's versioned SQL migrations, one folder per
// SQL dialect with the same version numbers in each.
package migrations

import "embed"

// FS holds postgres/*.sql and sqlite/*.sql.
//
//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS
