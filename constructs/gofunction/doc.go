// Package gofunction builds a Go main package into a Lambda function at synth:
//
//	gofunction.NewGoFunction(stack, "Api", &gofunction.GoFunctionProps{
//		Package: "github.com/edgekit/edgekit/functions/books/cmd/api",
//	})
//
// It is the building block of every regional Go handler of edgekit, shaped
// like the CDK's Go Lambda construct (a package by import path, flat props)
// but with a deterministic package, its own least-privilege role and log
// group, and a build cache.
//
// # Regional only
//
// Lambda@Edge runs Node.js and Python only, so Go code serves CloudFront as an
// origin (a function URL behind origin access control) or behind API Gateway,
// never as an edge trigger. The edge half of a pattern is JavaScript
// (constructs/edgefunction); this package is its regional half.
//
// # Runtime and architecture
//
// Go compiles to a static executable, so it needs no managed language
// runtime: provided.al2023 (Amazon Linux 2023, the OS-only runtime that
// replaced go1.x) starts the executable named bootstrap. The default is arm64
// (Graviton): about 20% cheaper per GB-second than x86_64 and at least as fast
// for Go; x86_64 stays available for dependencies that need it. Builds use
// CGO_ENABLED=0, so nothing depends on the image's libc.
//
// The lambda.norpc build tag drops aws-lambda-go's net/rpc entry point, which
// only the retired go1.x runtime used: a smaller binary and a shorter cold start.
//
// # Reproducible packages
//
// The build is
//
//	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -tags lambda.norpc \
//		-trimpath -buildvcs=false -ldflags "-s -w" -o bootstrap <package>
//
// run in Dir. -trimpath removes the checkout's path from the binary and
// -buildvcs=false the commit and dirty flag, so the same sources and the same
// Go toolchain give the same bytes on every machine and in every directory;
// -s -w drop the symbol table and DWARF (stack traces keep function names and
// lines). The zip holds one entry, bootstrap, with mode 0755 and a fixed
// mtime (1980-01-01), deflated: equal binaries give equal zips, so the asset
// hash, the S3 key and the template change only when the code does, and a
// deploy with unchanged code updates nothing. The zip is handed to the CDK as
// a .zip file asset (uploaded as is) from a content-addressed path under the
// temp directory, so no local path reaches the template.
//
// # Build cache
//
// A synth of an app with many Go functions must stay fast, so builds are
// cached at two levels:
//
//   - In the process: a (Dir, Package, GOARCH, tags) tuple is built once;
//     Prebuild builds several packages concurrently (one go build each, at
//     most GOMAXPROCS at a time) so the constructors that follow find them
//     ready.
//   - On disk, under os.UserCacheDir()/edgekit/gofunction (moved or switched
//     off with EDGEKIT_GOFUNCTION_CACHE=<dir>|off): zips by a key over every
//     build input. On a hit go build does not run at all.
//
// A stale hit would deploy old code, so the key covers everything go build
// reads: the go version and the go env values that change its output
// (GOFLAGS, GOEXPERIMENT, GOARM64, GOAMD64, GOFIPS140, GOWORK and the go.work
// file), the flags and tags, and every non-standard package in the dependency
// closure reported by `go list -deps`. A package in the module cache is named
// by module@version (the cache is read-only and verified against go.sum); any
// other package (the main module, directory replacements, vendor/) by the
// content of every file go build reads (Go, assembly, syso and embedded
// files) and its module's go.mod; plus the main package's default.pgo. A zip
// is stored only when the key is the same after the build as before it, so
// an edit during the build cannot label new code with an old key. Unused
// entries are pruned after 30 days. The key holds no directory: checkouts in
// different places share entries. Inputs named by a path inside GOFLAGS
// (-overlay) are not read: do not build Lambda functions with an overlay.
//
// Measured on two cores with the edgekit handlers (5.8 to 9.6 MB binaries,
// 2.4 to 3.7 MB zips): a hit costs one `go env` and one `go list`, 0.04 to
// 0.08 s; a miss with a warm Go build cache 0.5 to 1 s (link and zip); with
// an empty Go build cache 20 to 40 s, compiling the standard library and the
// AWS SDK for linux/arm64 once. `go run ./constructs/gofunction/internal/gobench`
// prints these numbers for every handler.
//
// # Secrets
//
// Environment variables are configuration, not secrets: they are readable in
// the template, the console and by anyone allowed to describe the function.
// NewGoFunction rejects names that look like secrets and values that hold AWS
// access keys or private keys; handlers read secrets from Secrets Manager or
// SSM at cold start, by a name passed in the environment.
//
// # cdk-nag
//
// The role has no managed policy (AwsSolutions-IAM4) and no wildcard of its
// own (AwsSolutions-IAM5): the only statement allows writing to the
// function's log group. provided.al2023 is outside AwsSolutions-L1 (the rule
// skips OS-only runtimes). A stack with GoFunctions and nothing else passes
// AwsSolutionsChecks without suppressions.
package gofunction
