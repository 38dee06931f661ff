package images

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/edgekit/edgekit/config"
	imagesfn "github.com/edgekit/edgekit/functions/images"
)

// Config is the images section of the configuration (edgekit:images:*).
type Config struct {
	// Enabled switches the pattern: the bucket, the origin function and the
	// behaviour.
	Enabled bool `context:"edgekit:images:enabled" doc:"images pattern on/off"`
	// Path is the behaviour's path pattern; the object key is the request
	// path without its leading "/" (so /images/cat.jpg reads images/cat.jpg).
	Path string `context:"edgekit:images:path" doc:"path pattern of the images behavior (/<prefix>/*); the key is the path without its leading /"`
	// MaxObjectBytes is the largest original served; larger ones get 413.
	MaxObjectBytes int `context:"edgekit:images:maxObjectBytes" doc:"largest original served (≤ 4,487,712 for the function URL origin, whose response is base64 under Lambda's 6 MB; ≤ 64 MiB with Object Lambda)"`
	// CacheControl is sent with every successful response.
	CacheControl string `context:"edgekit:images:cacheControl" doc:"Cache-Control of served images and EXIF documents"`
	// KeepIccProfile keeps embedded colour profiles when stripping.
	KeepIccProfile bool `context:"edgekit:images:keepIccProfile" doc:"keep ICC colour profiles (they affect colours, not privacy)"`
	// ObjectLambda serves through an S3 Object Lambda access point instead of
	// the function URL: only for accounts that still have Object Lambda
	// (closed to new customers since 2025-11-07).
	ObjectLambda bool `context:"edgekit:images:objectLambda" doc:"legacy: serve through S3 Object Lambda (closed to new customers since 2025-11-07) instead of the function URL"`
}

// DefaultPath is the images behaviour's default path pattern.
const DefaultPath = "/images/*"

// SetDefaults implements config.Section.
func (c *Config) SetDefaults(config.App) {
	*c = Config{
		Enabled:        true,
		Path:           DefaultPath,
		MaxObjectBytes: imagesfn.DefaultMaxObjectBytes,
		CacheControl:   imagesfn.DefaultCacheControl,
		KeepIccProfile: true,
	}
}

// Validate implements config.Section.
func (c *Config) Validate(_ config.App, p *config.Problems) {
	if err := validPath(c.Path); err != "" {
		p.Add(&c.Path, err)
	}
	if limit := maxObjectBytes(c.ObjectLambda); c.MaxObjectBytes < 1 || c.MaxObjectBytes > limit {
		p.Add(&c.MaxObjectBytes, fmt.Sprintf("must be 1..%d (%s)", limit, limitReason(c.ObjectLambda)))
	}
	if err := validCacheControl(c.CacheControl); err != "" {
		p.Add(&c.CacheControl, err)
	}
}

// maxObjectBytes is the handler's limit for the mode.
func maxObjectBytes(objectLambda bool) int {
	if objectLambda {
		return imagesfn.MaxObjectLambdaBytes
	}
	return imagesfn.MaxBufferedObjectBytes
}

func limitReason(objectLambda bool) string {
	if objectLambda {
		return "the Object Lambda handler's memory bound"
	}
	return "a function URL response is at most 6 MB and the image travels base64-encoded"
}

// pathRe is a CloudFront path pattern "/<segments>/*" whose segments hold
// only unreserved URL characters: the prefix is then the object key prefix
// as is, with nothing to escape.
var pathRe = regexp.MustCompile(`^/[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*/\*$`)

func validPath(path string) string {
	if !pathRe.MatchString(path) {
		return "must be /<prefix>/* with a prefix of A-Z, a-z, 0-9, '.', '_', '~', '-' and '/' (e.g. /images/*)"
	}
	for _, seg := range strings.Split(path[1:len(path)-2], "/") {
		if seg == "." || seg == ".." {
			return "must not contain . or .. segments"
		}
	}
	if len(path) > 255 {
		return "must be at most 255 characters (CloudFront path pattern limit)"
	}
	return ""
}

func validCacheControl(v string) string {
	if v == "" || len(v) > 256 {
		return "must be 1-256 characters"
	}
	for _, r := range v {
		if r < 0x20 || r > 0x7e {
			return "must be printable ASCII on one line"
		}
	}
	return ""
}
