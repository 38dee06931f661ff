// Package ingest embeds the ingest pattern's Lambda@Edge handler
// (origin-request, Firehose PutRecordBatch; index.js, parse.js, firehose.js) for
// constructs/ingest to bundle at synth. Its node:test suite, fake Firehose and
// fixtures are in test/, its benchmark in bench/.
package ingest

import "embed"

// Sources holds the handler modules; the entry is "index.js".
//
//go:embed *.js
var Sources embed.FS
