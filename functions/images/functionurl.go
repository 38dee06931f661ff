package images

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/edgekit/edgekit/functions/images/strip"
)

// ObjectGetter is the one S3 call the function URL handler makes.
// *s3.Client implements it.
type ObjectGetter interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// Limits on the request line, checked before any work.
const (
	maxRawPath = 4096
	maxKey     = 1024 // S3's own key length limit, in bytes
	maxQuery   = 4096
)

// Cache-Control for errors: a missing or bad image may be fixed soon, so 4xx
// are cached briefly at the edge (absorbing floods of the same bad URL);
// 5xx are never cached.
const (
	clientErrorCacheControl = "public, max-age=60"
	serverErrorCacheControl = "no-store"
)

// Handler serves images from a private bucket to a Lambda function URL
// (reached through CloudFront with origin access control): the object's
// metadata is stripped, or with ?showExif=true its EXIF is returned as
// JSON.
type Handler struct {
	cfg Config
	s3  ObjectGetter
	log *slog.Logger
}

// NewHandler validates cfg for FunctionURL mode and returns a handler.
func NewHandler(cfg Config, s3 ObjectGetter, log *slog.Logger) (*Handler, error) {
	if err := cfg.Validate(FunctionURL); err != nil {
		return nil, fmt.Errorf("images config: %w", err)
	}
	if s3 == nil || log == nil {
		return nil, errors.New("images: S3 client and logger are required")
	}
	return &Handler{cfg: cfg, s3: s3, log: log}, nil
}

// Handle serves one function URL request. It never returns an error: every
// failure becomes an HTTP response with a JSON body, and the cause is logged.
func (h *Handler) Handle(ctx context.Context, req events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
	start := time.Now()
	method := req.RequestContext.HTTP.Method
	attrs := []any{slog.String("method", method)}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, slog.String("requestId", lc.AwsRequestID))
	}
	res, key, err := h.serve(ctx, req)
	if key != "" {
		attrs = append(attrs, slog.String("key", key))
	}
	attrs = append(attrs, slog.Duration("duration", time.Since(start)))
	if err != nil {
		he := asHTTPError(err)
		level := slog.LevelInfo
		if he.Status >= 500 {
			level = slog.LevelError
		}
		h.log.Log(ctx, level, "request failed", append(attrs, slog.Int("status", he.Status),
			slog.String("code", he.Code), slog.Any("cause", he.Cause))...)
		resp := errorResponse(he)
		if method == http.MethodHead {
			resp.Body = ""
		}
		return resp, nil
	}
	h.log.InfoContext(ctx, "request served", append(attrs, slog.Int("status", http.StatusOK),
		slog.String("format", res.Format.String()), slog.Int("bytes", len(res.Body)))...)
	headers := map[string]string{
		"Content-Type":           res.ContentType,
		"Cache-Control":          h.cfg.CacheControl,
		"X-Content-Type-Options": "nosniff",
	}
	if res.lastModified != nil {
		headers["Last-Modified"] = res.lastModified.UTC().Format(http.TimeFormat)
	}
	resp := events.LambdaFunctionURLResponse{StatusCode: http.StatusOK, Headers: headers}
	if method == http.MethodHead {
		return resp, nil
	}
	if res.ContentType == "application/json" {
		resp.Body = string(res.Body)
	} else {
		resp.Body = encodeBase64(res.Body)
		resp.IsBase64Encoded = true
	}
	return resp, nil
}

// encodeBase64 encodes into one string-sized allocation
// (base64.StdEncoding.EncodeToString allocates the bytes and then copies
// them into a string: a third image-sized buffer per request).
func encodeBase64(b []byte) string {
	var sb strings.Builder
	sb.Grow(base64.StdEncoding.EncodedLen(len(b)))
	enc := base64.NewEncoder(base64.StdEncoding, &sb)
	_, _ = enc.Write(b) // writes to a strings.Builder cannot fail
	_ = enc.Close()
	return sb.String()
}

// served is a result plus the S3 object's modification time.
type served struct {
	result
	lastModified *time.Time
}

// serve does the work and returns the key it resolved (for logs).
func (h *Handler) serve(ctx context.Context, req events.LambdaFunctionURLRequest) (served, string, error) {
	switch req.RequestContext.HTTP.Method {
	case http.MethodGet, http.MethodHead:
	default:
		return served{}, "", newError(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "only GET and HEAD are allowed", nil)
	}
	key, err := objectKey(req.RawPath, h.cfg.PathPrefix)
	if err != nil {
		return served{}, "", err
	}
	showEXIF, err := wantsEXIF(req)
	if err != nil {
		return served{}, key, err
	}
	data, modified, err := h.fetch(ctx, key)
	if err != nil {
		return served{}, key, err
	}
	res, err := process(data, showEXIF, strip.Options{KeepICC: h.cfg.KeepICC})
	return served{result: res, lastModified: modified}, key, err
}

// fetch reads the whole original, bounded in size and time.
func (h *Handler) fetch(ctx context.Context, key string) ([]byte, *time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.FetchTimeout)
	defer cancel()
	out, err := h.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(h.cfg.Bucket), Key: aws.String(key)})
	if err != nil {
		return nil, nil, classifyS3Error(fmt.Errorf("get object: %w", err))
	}
	defer out.Body.Close()
	declared := int64(-1)
	if out.ContentLength != nil {
		declared = *out.ContentLength
	}
	data, err := readBounded(out.Body, declared, h.cfg.MaxObjectBytes)
	if err != nil {
		var he *httpError
		if errors.As(err, &he) {
			return nil, nil, he
		}
		return nil, nil, classifyS3Error(fmt.Errorf("read object body: %w", err))
	}
	return data, out.LastModified, nil
}

// objectKey derives the S3 key from the percent-encoded request path (as
// function URLs deliver it): the configured prefix is removed, the rest is
// decoded and must be a plausible key. Dot segments, empty segments and
// control characters are refused: CloudFront and browsers normalise them
// away, so a request carrying them was crafted.
func objectKey(rawPath, prefix string) (string, error) {
	bad := func(msg string) error { return newError(http.StatusBadRequest, CodeBadRequest, msg, nil) }
	if len(rawPath) > maxRawPath {
		return "", bad("the path is too long")
	}
	if !strings.HasPrefix(rawPath, prefix) {
		return "", newError(http.StatusNotFound, CodeNotFound, "no such image", fmt.Errorf("path outside prefix %q", prefix))
	}
	key, err := url.PathUnescape(rawPath[len(prefix):])
	switch {
	case err != nil:
		return "", bad("the path has an invalid percent-encoding")
	case key == "":
		return "", bad("the path names no image")
	case len(key) > maxKey:
		return "", bad("the key is longer than 1024 bytes")
	case !utf8.ValidString(key):
		return "", bad("the key is not valid UTF-8")
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7F || r == '\\' {
			return "", bad("the key contains control characters or backslashes")
		}
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", bad("the key has empty or dot segments")
		}
	}
	return key, nil
}

// wantsEXIF reads showExif from the query: true or 1, case-insensitive in
// name and value (the CDN normalises the name, but direct calls may not).
func wantsEXIF(req events.LambdaFunctionURLRequest) (bool, error) {
	if len(req.RawQueryString) > maxQuery {
		return false, newError(http.StatusBadRequest, CodeBadRequest, "the query string is too long", nil)
	}
	q := url.Values{}
	if req.RawQueryString == "" {
		for k, v := range req.QueryStringParameters {
			q.Set(k, v)
		}
	} else {
		var err error
		if q, err = url.ParseQuery(req.RawQueryString); err != nil {
			return false, newError(http.StatusBadRequest, CodeBadRequest, "the query string is malformed", err)
		}
	}
	return showEXIF(q), nil
}

// wantsEXIFURL reads showExif from a full URL (Object Lambda's userRequest).
func wantsEXIFURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	return showEXIF(u.Query())
}

// showEXIF prefers the exact name and otherwise takes the first
// case-insensitive match in sorted order, so the answer is deterministic.
func showEXIF(q url.Values) bool {
	if vs, ok := q["showExif"]; ok && len(vs) > 0 {
		return truthy(vs[0])
	}
	keys := slices.Sorted(maps.Keys(q))
	for _, k := range keys {
		if strings.EqualFold(k, "showExif") && len(q[k]) > 0 {
			return truthy(q[k][0])
		}
	}
	return false
}

func truthy(v string) bool {
	return strings.EqualFold(v, "true") || v == "1"
}

// errorResponse renders the JSON error body.
func errorResponse(he *httpError) events.LambdaFunctionURLResponse {
	body, _ := json.Marshal(map[string]string{"error": he.Code, "message": he.Message})
	cc := clientErrorCacheControl
	if he.Status >= 500 {
		cc = serverErrorCacheControl
	}
	headers := map[string]string{
		"Content-Type":           "application/json",
		"Cache-Control":          cc,
		"X-Content-Type-Options": "nosniff",
	}
	if he.Status == http.StatusMethodNotAllowed {
		headers["Allow"] = "GET, HEAD"
	}
	if he.Status == http.StatusServiceUnavailable {
		headers["Retry-After"] = "1"
	}
	return events.LambdaFunctionURLResponse{StatusCode: he.Status, Headers: headers, Body: string(body)}
}
