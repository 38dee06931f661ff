// Package images will hold the images pattern's constructs (seed 004): the
// private images bucket, the Go origin on a function URL (AWS_IAM, CloudFront
// OAC with lambda:InvokeFunction granted too) built by constructs/gofunction
// from functions/images/cmd/images, the opt-in S3 Object Lambda access point,
// and the images behaviour with a cache key of showExif only. The handler
// (functions/images: lossless JPEG/PNG/WebP metadata stripping, EXIF as JSON,
// fuzzed parsers) is built and tested; these constructs are not yet, and the
// pattern is not registered in stacks.Patterns.
package images
