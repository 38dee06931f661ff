// Package serve runs a synthesized CDK app's CloudFront distribution on
// 127.0.0.1: `edgekit serve` (and `make serve`) after `make synth`.
//
// Everything comes from the cloud assembly (cdk.out): the templates are
// resolved the way CloudFormation would resolve them (Ref, Fn::GetAtt,
// Fn::ImportValue and Fn::GetStackOutput across stacks, Fn::Join/Sub/Select/Split/If, and the
// cross-region SSM readers), with local physical ids in place of AWS's.
// There is no second description of the app: a behaviour, a policy or a
// function reaches serve only through what the CDK synthesized.
//
// # What runs
//
//   - The distribution: behaviours by path pattern in CloudFront's order
//     (first match, default last), allowed and cached methods, viewer
//     protocol policy (the main listener stands for HTTPS; -http-addr for
//     plain HTTP), default root object, custom error responses (the page
//     fetched through its own behaviour, cached for ErrorCachingMinTTL),
//     geo restriction, and the web ACL (rate-based rules, byte/regex/size/
//     geo/IP-set matches with text transformations; AWS managed rule
//     groups cannot be evaluated locally and never match, which start-up
//     says).
//   - The cache: keys from the cache policy (path, selected query strings,
//     headers, cookies, normalised Accept-Encoding), TTLs from the origin's
//     Cache-Control/Expires clamped to the policy's, errors cached for 10 s
//     or the custom error response's TTL; X-Cache says Hit, Miss, Error,
//     LambdaGeneratedResponse... Managed policies are referenced by id only,
//     so their published settings are a table here (policies.go).
//   - Origin request and response headers policies: forwarded headers,
//     cookies and query strings, CloudFront's own headers (Via,
//     X-Forwarded-For, X-Amz-Cf-Id, CloudFront-Viewer-Country...); security,
//     custom and removed headers, CORS. Gzip compression as CloudFront does
//     it at cache fill (Brotli is served as gzip).
//   - Lambda@Edge, from the Edge stack's assets (version -> function ->
//     zip), in Node.js 22 harness processes (harness/harness.cjs): one
//     invocation per container at a time, new containers (cold starts) when
//     all are busy, idle ones stopped after -idle; the four events in order;
//     include-body with CloudFront's truncation (40 KB viewer, 1 MB origin,
//     inputTruncated); generated-response limits; disallowed and read-only
//     headers, read-only fields and result shapes checked as CloudFront
//     does (a refused result is a 502, the reason in the log); errors and
//     timeouts are 503. CloudFront Functions (cloudfront-js-1.0/2.0) run in
//     vm contexts of one process with their small library.
//   - Function URL origins: the Go handler is rebuilt for this machine from
//     the import path its staged arm64 bootstrap records (debug/buildinfo),
//     or run under qemu-aarch64 when that fails, behind a local Lambda
//     Runtime API; Node.js functions run in the harness. AWS_IAM URLs need a
//     SigV4 signature by a principal serve issued (the signer's role, or
//     CloudFront's origin access control, which serve applies) and the
//     permissions the templates grant: lambda:InvokeFunctionUrl and
//     lambda:InvokeFunction, from the caller's role or the function's
//     AWS::Lambda::Permission resources. Anything else is Lambda's 403.
//   - Local AWS on one endpoint (every function's AWS_ENDPOINT_URL):
//     S3 (gofakes3 over folders: <state>/<region>/s3/buckets/<bucket>/<key>,
//     so files can be dropped in by hand; BucketDeployment sources are
//     synced at start), Firehose (PutRecord/PutRecordBatch, written as the
//     delivered objects under the destination bucket's prefix), SSM
//     (parameters the templates create, plus Options.Seed), DynamoDB
//     (dynalite, tables from the templates). Each call is SigV4-verified and
//     checked against the caller's IAM policies and the resource's policy.
//
// # What does not
//
// Origin groups, signed URLs and cookies, field-level encryption, KeyValue
// Store, custom origins outside the app, Python edge functions, streaming
// function URLs, API Gateway, Firehose transformations: the model refuses
// them with an UnsupportedError naming the feature. Not emulated (no
// error): request collapsing, origin shield, real-time and standard logs,
// AWS managed WAF rule groups, KMS, Brotli, HTTP/2 and 3, TLS.
//
// Nothing serve starts listens beyond 127.0.0.1, and no function gets
// serve's own environment: each runs with fresh random credentials for its
// role and the local endpoint as its only AWS.
package serve
