// Package images is the images pattern's constructs (seed 004): originals
// kept in a private bucket are served through CloudFront without their
// metadata, and ?showExif=true returns their EXIF as JSON instead. The
// handler is functions/images; this package deploys it.
//
//	viewer ──► CloudFront /images/*  (Cdn stack)
//	            │ viewer request: CloudFront Function, query → "showExif=true" or ""
//	            │ cache key: path + showExif; origin request: showExif only
//	            ▼ origin access control (SigV4, always)
//	           function URL, AWS_IAM  (Api stack) ── Go, arm64, provided.al2023
//	            │ execution role: s3:GetObject, s3:ListBucket
//	            ▼
//	           images bucket  (Storage stack): private, SSE-S3, versioned, TLS only
//
// # Constructs, by stack
//
//   - Storage: NewBucket, the private bucket of originals; with Object Lambda
//     also NewSupportingAccessPoint.
//   - Api: NewOrigin, the Go function and its AWS_IAM function URL; or, in
//     the legacy mode, NewObjectLambdaOrigin.
//   - Cdn: AttachFunctionURLOrigin (or AttachObjectLambdaOrigin) and
//     NewBehavior.
//
// Pattern wires them from the edgekit:images:* section (Config).
//
// # Why each piece lives where it does
//
// Every grant that names the distribution (the function's two invoke
// permissions, the Object Lambda access point policy) is created in the Cdn
// stack on imported references: written in the Api or Storage stack it would
// make that stack depend on the Cdn stack, which already depends on it (a
// cycle). The bucket's policy names no distribution, because CloudFront
// never reads the bucket: the function does, with its own role. So the
// bucket keeps its TLS-only policy with it.
//
// The CDK's FunctionUrlOrigin.withOriginAccessControl is not used: it grants
// lambda:InvokeFunctionUrl only, while function URLs need
// lambda:InvokeFunction too for IAM callers (new URLs since October 2025,
// every URL from 2026-11-01; aws/aws-cdk #35872). AttachFunctionURLOrigin
// creates an access control of type lambda and both permissions itself:
// InvokeFunctionUrl for AWS_IAM URLs only (lambda:FunctionUrlAuthType),
// InvokeFunction through the URL only (lambda:InvokedViaFunctionUrl), each
// for this distribution only (AWS:SourceArn).
//
// # Keys
//
// The object key is the request path without its leading slash:
// GET /images/cat.jpg reads images/cat.jpg. Both modes read the same keys
// (Object Lambda cannot rewrite them), so switching modes needs no upload.
//
// # Cache key normalisation: a CloudFront Function
//
// The cache key holds the path and showExif only (no headers, no cookies),
// so other parameters cannot split the cache, but spellings of showExif
// still would: ?showExif=TRUE, ?showExif=1 and ?showExif=yes would be three
// cached copies of one document. A viewer-request CloudFront Function
// (functions/images/edge/normalize.js, cloudfront-js-2.0) rewrites the query
// string to exactly "showExif=true" when the value is true, 1 or yes in any
// case, and to nothing otherwise, dropping every other parameter. A
// CloudFront Function rather than Lambda@Edge because the job needs no body,
// no network and no origin event: it runs in every edge location before the
// cache lookup, in well under a millisecond, at $0.10 per million requests
// against Lambda@Edge's $0.60 plus duration, and needs no us-east-1 function
// and version plumbing. Its 10 KB code limit is checked at synth.
//
// # Limits
//
// The function URL response is buffered (at most 6 MB) and carries the image
// base64-encoded, so maxObjectBytes is at most 4,487,712 (default 4 MiB).
// Memory defaults to 1 GB (at least 512 MB: a request holds about five copies
// of the image), the timeout to 20 s (at least 15 s, below CloudFront's 30 s
// origin read timeout), the S3 read to 10 s.
//
// # Legacy: S3 Object Lambda
//
// S3 Object Lambda is closed to new customers since 2025-11-07; accounts
// that still have it can set edgekit:images:objectLambda=true (default
// false). CloudFront then signs requests (access control of type s3) to an
// Object Lambda access point alias; S3 invokes the function built from
// functions/images/cmd/images-objectlambda, which reads the original through
// the event's presigned URL and answers with WriteGetObjectResponse. The
// supporting access point and the bucket let CloudFront read only when S3
// Object Lambda calls on its behalf (aws:CalledVia), the Object Lambda access
// point policy and the function's invoke permission name the distribution.
// Object Lambda raises the object limit to 64 MiB (no base64 response), but
// its function must answer within 60 s.
//
// # cdk-nag
//
// One suppression: AwsSolutions-IAM5 on the origin role's s3:GetObject on
// <bucket>/* (the origin serves any original of its own bucket).
package images
