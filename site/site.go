// Package site embeds the small static site served from the site bucket. It is
// the seed's demo: a form on index.html whose submit is redirected at the edge
// to other.html with the query string kept.
package site

import "embed"

// Files holds the site under "files/".
//
//go:embed files
var Files embed.FS
