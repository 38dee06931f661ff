// Package basicauth holds the Basic-auth pattern's handler side: the
// Lambda@Edge viewer-request handler (index.js, users.js, credentials.js),
// embedded for constructs/basicauth to bundle at synth, and the users store
// format shared by that handler and the `edgekit users` command.
//
// The users store is one SSM SecureString parameter in us-east-1 (see
// constructs/basicauth for its name). Its value is text:
//
//	# edgekit basicauth users v1
//	alice:scrypt$2048$8$1$<salt>$<key>
//	jürgen:scrypt$2048$8$1$<salt>$<key>
//
// The first line names the format; every other non-empty line is
// "<user>:<hash>". A hash is "scrypt$N$r$p$salt$key": the scrypt cost
// parameters in decimal, then the salt and the derived key in unpadded
// standard base64 (the PHC string alphabet). The parameters travel with each
// hash, so they can be raised for new passwords without invalidating old ones.
// User names and passwords are Unicode NFC (RFC 7617 with charset="UTF-8") and
// are hashed as their UTF-8 bytes.
//
// Everything here is pure Go (no AWS, no CDK), so the command-line tool and
// tests can use it without the CDK's runtime. The node:test suite, the fake SSM
// endpoint and the fixtures are in test/, the benchmark in bench/.
package basicauth

import "embed"

// Sources holds the handler modules; the entry is "index.js".
//
//go:embed *.js
var Sources embed.FS
