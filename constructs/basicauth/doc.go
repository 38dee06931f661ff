// Package basicauth provides the constructs for private content behind HTTP
// Basic authentication at the edge (seed 003: a private S3 bucket read by one
// CloudFront distribution, with a Lambda@Edge viewer-request function asking
// for credentials).
//
//	viewer ─GET /private/x (Authorization: Basic …)─► CloudFront
//	           │ viewer request: Lambda@Edge checks the credential (scrypt hash
//	           │ from an SSM SecureString in us-east-1, cached per container),
//	           │ 401 + WWW-Authenticate on failure, 503 if the users cannot be
//	           │ read, else removes Authorization and lets the request on
//	           ▼
//	        cache ─miss─► OAC (SigV4) ─► private bucket (home region)
//
// Three pieces, for three kinds of stack:
//
//   - NewEdgeBasicAuth, in the us-east-1 stack: the function and a grant to
//     read exactly one SSM parameter, the users store.
//   - NewPrivateBucket, in the home region's storage stack.
//   - AttachPrivateBucket and AddBehavior, in the distribution's stack: the
//     bucket's policy (TLS only, reads by this distribution through OAC) and
//     the behaviour.
//
// Pattern wires them into the app from the edgekit:basicauth:* config. The
// users store is written by `go run ./cmd/edgekit users add|remove|list`
// (format in package functions/basicauth); CloudFormation never sees a
// credential, and the store does not exist until the first user is added:
// until then the function answers 503.
//
// Reading the users: every container reads the store from us-east-1 at cold
// start and again after UsersTTLSeconds, whichever region serves it, so a cold
// start far from Virginia pays a few round trips there (the handler allows
// 2.5 s). GetParameter's default throughput is 40 requests per second per
// account and region, shared with every other caller: with the default TTL
// that is about 12,000 containers; beyond that, enable SSM's higher
// throughput setting (billed per call) or raise the TTL.
//
// Brute force: Lambda@Edge containers share no state, so a per-user lockout
// cannot be kept at the edge. The shared WAF web ACL (constructs/waf) has a
// stricter rate rule on this path instead, and every guess costs the guesser
// one slow hash of server time.
package basicauth
