package images

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Mode selects the event source a deployment serves.
type Mode int

const (
	// FunctionURL serves Lambda function URL events (the default origin).
	FunctionURL Mode = iota
	// ObjectLambda serves S3 Object Lambda GetObject events (legacy opt-in).
	ObjectLambda
)

// Environment variables read by ConfigFromEnv.
const (
	EnvBucket         = "IMAGES_BUCKET"
	EnvMaxObjectBytes = "IMAGES_MAX_OBJECT_BYTES"
	EnvCacheControl   = "IMAGES_CACHE_CONTROL"
	EnvKeepICC        = "IMAGES_KEEP_ICC"
	EnvPathPrefix     = "IMAGES_PATH_PREFIX"
	EnvFetchTimeout   = "IMAGES_FETCH_TIMEOUT"
	EnvS3PathStyle    = "IMAGES_S3_PATH_STYLE"
)

// Defaults and limits.
const (
	// DefaultMaxObjectBytes (4 MiB) keeps the base64 body (5.6 MB) of a
	// buffered function URL response under Lambda's 6 MB response payload
	// limit, with room for headers.
	DefaultMaxObjectBytes = 4 << 20
	// MaxBufferedObjectBytes is the largest MaxObjectBytes accepted in
	// FunctionURL mode: base64 grows 4/3, and 16 KiB stay for headers and
	// JSON framing under a 6,000,000-byte limit (the smaller reading of
	// "6 MB").
	MaxBufferedObjectBytes = (6_000_000 - 16<<10) / 4 * 3
	// MaxObjectLambdaBytes caps MaxObjectBytes in ObjectLambda mode, where
	// the result is streamed to S3 and only Lambda memory limits it.
	MaxObjectLambdaBytes = 64 << 20
	// DefaultCacheControl caches at the edge for a day, as the original
	// sample did.
	DefaultCacheControl = "public, max-age=86400"
	// DefaultFetchTimeout bounds one S3 read, retries included.
	DefaultFetchTimeout = 10 * time.Second
)

// Config is the handler configuration, read from the environment once per
// container.
type Config struct {
	// Bucket is the private bucket holding the originals (FunctionURL mode).
	Bucket string
	// MaxObjectBytes is the largest original served; larger objects get 413.
	MaxObjectBytes int64
	// CacheControl is sent with every successful response.
	CacheControl string
	// KeepICC keeps embedded colour profiles (see strip.Options).
	KeepICC bool
	// PathPrefix is removed from the request path to form the object key,
	// e.g. "/images/"; it starts and ends with "/".
	PathPrefix string
	// FetchTimeout bounds reading the original.
	FetchTimeout time.Duration
	// S3PathStyle makes the S3 client use path-style addressing, which local
	// S3 fakes need. Read by the cmd wiring only.
	S3PathStyle bool
}

// ConfigFromEnv reads and validates the configuration for mode, reporting
// every problem at once.
func ConfigFromEnv(getenv func(string) string, mode Mode) (Config, error) {
	c := Config{
		Bucket:         strings.TrimSpace(getenv(EnvBucket)),
		MaxObjectBytes: DefaultMaxObjectBytes,
		CacheControl:   DefaultCacheControl,
		KeepICC:        true,
		PathPrefix:     "/",
		FetchTimeout:   DefaultFetchTimeout,
	}
	var errs []error
	if v := getenv(EnvMaxObjectBytes); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q is not an integer", EnvMaxObjectBytes, v))
		}
		c.MaxObjectBytes = n
	}
	if v, ok := lookup(getenv, EnvCacheControl); ok {
		c.CacheControl = v
	}
	if v := getenv(EnvKeepICC); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q is not a boolean", EnvKeepICC, v))
		}
		c.KeepICC = b
	}
	if v := getenv(EnvPathPrefix); v != "" {
		c.PathPrefix = v
	}
	if v := getenv(EnvFetchTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q is not a duration", EnvFetchTimeout, v))
		}
		c.FetchTimeout = d
	}
	if v := getenv(EnvS3PathStyle); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q is not a boolean", EnvS3PathStyle, v))
		}
		c.S3PathStyle = b
	}
	if err := c.Validate(mode); err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}

// lookup returns a variable's value and whether it is set to anything but
// whitespace.
func lookup(getenv func(string) string, key string) (string, bool) {
	v := strings.TrimSpace(getenv(key))
	return v, v != ""
}

// Validate checks c for mode and names every bad value.
func (c Config) Validate(mode Mode) error {
	var errs []error
	maxBytes := int64(MaxBufferedObjectBytes)
	if mode == ObjectLambda {
		maxBytes = MaxObjectLambdaBytes
	}
	if mode == FunctionURL && c.Bucket == "" {
		errs = append(errs, fmt.Errorf("%s is required", EnvBucket))
	}
	if c.MaxObjectBytes < 1 || c.MaxObjectBytes > maxBytes {
		errs = append(errs, fmt.Errorf("%s=%d must be between 1 and %d", EnvMaxObjectBytes, c.MaxObjectBytes, maxBytes))
	}
	if strings.ContainsAny(c.CacheControl, "\r\n") {
		errs = append(errs, fmt.Errorf("%s must be a single header line", EnvCacheControl))
	}
	if !strings.HasPrefix(c.PathPrefix, "/") || !strings.HasSuffix(c.PathPrefix, "/") {
		errs = append(errs, fmt.Errorf("%s=%q must start and end with /", EnvPathPrefix, c.PathPrefix))
	}
	if c.FetchTimeout <= 0 || c.FetchTimeout > 5*time.Minute {
		errs = append(errs, fmt.Errorf("%s=%s must be between 0 and 5m", EnvFetchTimeout, c.FetchTimeout))
	}
	return errors.Join(errs...)
}
