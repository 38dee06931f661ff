package edge

import _ "embed"

// NormalizeJS is the CloudFront Function that canonicalises the images
// behaviour's query string (see normalize.js).
//
//go:embed normalize.js
var NormalizeJS string

// MaxCodeBytes is CloudFront Functions' limit on a function's code.
const MaxCodeBytes = 10 * 1024
