// Package edge embeds the images pattern's viewer-side code: normalize.js, a
// CloudFront Function (viewer request, cloudfront-js-2.0) that rewrites the
// query string to exactly "showExif=true" or nothing, so that spellings such
// as ?showExif=TRUE, ?showExif=1 or extra parameters never split the cache.
// constructs/images deploys it inline with awscloudfront.FunctionCode_FromInline.
//
// Its node:test suite (test/normalize.test.mjs) loads the file in a bare
// JavaScript context, as CloudFront Functions does (no modules, no Node
// globals), and calls handler with events of the CloudFront Functions shape.
//
//	node --test functions/images/edge/test/*.test.mjs
package edge
