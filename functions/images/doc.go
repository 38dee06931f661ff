// Package images is the origin of the images pattern (seed 004): pictures
// kept in a private bucket are served through CloudFront with their
// metadata removed, and ?showExif=true returns the EXIF (GPS position
// included, in decimal degrees) as JSON instead.
//
// # Deployment modes
//
// The default is a Go Lambda function URL (auth type AWS_IAM, reached by
// CloudFront through origin access control) that reads the bucket with
// GetObject: Handler, wired by cmd/images. The original sample used S3
// Object Lambda, which is closed to new customers since 2025-11-07; for
// accounts that still use it, ObjectLambdaHandler (wired by
// cmd/images-objectlambda) answers Object Lambda GetObject events through
// WriteGetObjectResponse with the same processing.
//
// The modes are two commands rather than one binary switched by an
// environment variable: the event shapes differ, and a mistyped variable
// must not make a function parse one event as the other and answer with a
// confusing error at request time. Each binary links only the client it
// needs, and the construct picks the mode by import path.
//
// # What the origin does
//
// The content type comes from the bytes (package strip's Detect), never
// from the key or the stored Content-Type. Metadata is stripped losslessly:
// container structures are copied, pixels are never decoded or re-encoded
// (see package strip for what each format keeps; ICC colour profiles are
// kept unless IMAGES_KEEP_ICC=false, because they affect colours, not
// privacy). EXIF for ?showExif=true is taken from the container (JPEG APP1,
// PNG eXIf, WebP EXIF) and decoded by package exifjson.
//
// Responses: 200 with the stripped image (base64 body) or the EXIF JSON,
// Cache-Control from IMAGES_CACHE_CONTROL; errors are JSON
// {"error": code, "message": text}: 400 bad key or query, 404 missing key,
// 405 not GET/HEAD, 413 over IMAGES_MAX_OBJECT_BYTES, 415 not JPEG/PNG/WebP,
// 422 damaged image or EXIF, 502 storage error (including AccessDenied and
// NoSuchBucket, which are deployment mistakes), 503 storage throttling or
// timeout (with Retry-After). 4xx are cacheable for 60 s, 5xx never. A
// response is only built after the whole object was read and parsed, so a
// failure never yields half an image.
//
// # Limits
//
// A buffered function URL response is limited to 6 MB, and the body is
// base64 (4/3 larger), so IMAGES_MAX_OBJECT_BYTES defaults to 4 MiB and
// cannot exceed MaxBufferedObjectBytes (about 4.49 MB). The size is checked
// against the declared Content-Length before reading and again while
// reading. Memory per request is about one image buffer (stripping works in
// place) plus the base64 string and the runtime's JSON copy of it: roughly
// 4–5 × the object size; size the function's memory accordingly (512 MB is
// ample for 4 MiB). Larger images need response streaming or Object Lambda.
// EXIF blocks are capped at 256 KiB and their decoding is bounded (package
// exifjson). ?showExif=true reads the standard EXIF locations only; EXIF
// that old ImageMagick versions stored as hex text in a PNG zTXt chunk is
// not shown (it is stripped like any text chunk). A kept ICC profile keeps
// its own description text, and PNG iCCP its profile name.
//
// # Configuration (environment)
//
// IMAGES_BUCKET (required for the function URL mode), IMAGES_PATH_PREFIX
// (default "/", removed from the path to form the key, e.g. "/images/"),
// IMAGES_MAX_OBJECT_BYTES, IMAGES_CACHE_CONTROL (default
// "public, max-age=86400"), IMAGES_KEEP_ICC (default true),
// IMAGES_FETCH_TIMEOUT (default 10s), IMAGES_S3_PATH_STYLE (for local S3
// fakes). The AWS SDK's AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_S3 apply.
//
// # Object Lambda notes
//
// The original is fetched from the event's presigned inputS3Url with a
// bounded, non-redirecting HTTP client. Range requests are not supported:
// the whole transformed object is returned. Error statuses are written with
// S3-style codes (NoSuchKey, EntityTooLarge, UnsupportedMediaType,
// MalformedImage, BadGateway, SlowDown).
package images
