// Package redirect embeds the redirect pattern's Lambda@Edge handler
// (viewer-request redirects, index.js) for constructs/redirect to bundle at
// synth. Its node:test suite is in test/, its benchmark in bench/.
package redirect

import "embed"

// Sources holds the handler modules; the entry is "index.js".
//
//go:embed *.js
var Sources embed.FS
