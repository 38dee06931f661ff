// Package harness holds the Node.js program serve runs Lambda@Edge
// functions, Node.js function URL functions and CloudFront Functions in.
package harness

import _ "embed"

// Source is harness.cjs: one Lambda container ("lambda" mode) or the
// CloudFront Functions runtime ("cff" mode), JSON lines in on stdin, out on
// file descriptor 3.
//
//go:embed harness.cjs
var Source []byte
