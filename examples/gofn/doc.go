// Package gofn is an example consumer of constructs/gofunction, in a module of
// its own: an app whose Go handler (hello/cmd/hello) lives in the app's module
// and is built by its import path at synth, behind an IAM-authenticated
// function URL, with cdk-nag's AwsSolutions checks applied.
package gofn
