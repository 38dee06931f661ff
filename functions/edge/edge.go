// Package edge embeds the Lambda@Edge handler sources (dependency-free JavaScript)
// so that constructs bundle them at synth from any working directory, and so that
// Go's test cache sees every change to them.
package edge

import "embed"

// Sources holds lib/ (shared helpers) and one directory per edge handler, each
// with an index.js exporting `handler`. Tests and benchmarks are not embedded.
//
//go:embed lib redirect ingest
var Sources embed.FS
