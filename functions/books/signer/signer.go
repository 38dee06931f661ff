// Package signer embeds the books pattern's Lambda@Edge origin-request
// signer (index.js, origins.js, body.js) for constructs/books to bundle at
// synth. It signs each request CloudFront forwards to an IAM-authenticated
// origin (a Lambda function URL, or later an API Gateway endpoint) with
// SigV4, using the edge function's own role. Its node:test suite is in
// ../test, its benchmark in ../bench.
package signer

import "embed"

// Sources holds the handler modules; the entry is "index.js".
//
//go:embed *.js
var Sources embed.FS
