// Package edgelib embeds the JavaScript shared by every Lambda@Edge handler
// (SigV4 signing, CloudFront responses, the synth-time config contract, and
// awsclient: the one AWS JSON 1.1 client, node:https with keep-alive). Bundles import a module of it as
// "edgekit:lib/<name>" (e.g. `import { signRequest } from "edgekit:lib/sigv4"`);
// the bundler (constructs/edgefunction/bundle) resolves that specifier here, so
// each helper exists once and every bundle gets only what it imports.
package edgelib

import "embed"

// Sources holds the library modules, "<name>.js" for "edgekit:lib/<name>".
// Tests, the test kit and fixtures are not embedded.
//
//go:embed *.js
var Sources embed.FS
