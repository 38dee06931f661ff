package images

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Error codes returned in the JSON error body {"error": code, "message": ...}.
const (
	CodeBadRequest          = "bad_request"
	CodeMethodNotAllowed    = "method_not_allowed"
	CodeNotFound            = "not_found"
	CodeTooLarge            = "too_large"
	CodeUnsupportedMedia    = "unsupported_media_type"
	CodeMalformedImage      = "malformed_image"
	CodeMalformedEXIF       = "malformed_exif"
	CodeUpstreamError       = "upstream_error"
	CodeUpstreamUnavailable = "upstream_unavailable"
	CodeInternal            = "internal_error"
)

// httpError is a failure mapped to what the client sees. Cause is for logs
// only: it may hold bucket names, offsets or SDK details.
type httpError struct {
	Status  int
	Code    string
	Message string
	Cause   error
}

func (e *httpError) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%d %s: %s: %v", e.Status, e.Code, e.Message, e.Cause)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
}

func (e *httpError) Unwrap() error { return e.Cause }

func newError(status int, code, msg string, cause error) *httpError {
	return &httpError{Status: status, Code: code, Message: msg, Cause: cause}
}

// asHTTPError turns any error into an httpError, unexpected ones into 500.
func asHTTPError(err error) *httpError {
	var he *httpError
	if errors.As(err, &he) {
		return he
	}
	return newError(http.StatusInternalServerError, CodeInternal, "internal error", err)
}

// throttleCodes are S3 (and generic AWS) error codes that mean "slow down,
// try again": the client gets 503 so caches and browsers retry later.
var throttleCodes = map[string]bool{
	"SlowDown":                true,
	"Throttling":              true,
	"ThrottlingException":     true,
	"RequestLimitExceeded":    true,
	"ServiceUnavailable":      true,
	"RequestTimeout":          true,
	"RequestTimeoutException": true,
}

// classifyS3Error maps a GetObject failure: a missing key is the client's
// 404; throttling and timeouts are 503 (transient); everything else,
// including AccessDenied and NoSuchBucket (deployment mistakes the client
// cannot fix), is 502.
func classifyS3Error(err error) *httpError {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch code := apiErr.ErrorCode(); {
		case code == "NoSuchBucket":
			// A 404 status, but the deployment's fault, not the client's.
			return newError(http.StatusBadGateway, CodeUpstreamError, "storage error", err)
		case code == "NoSuchKey" || code == "NotFound":
			return newError(http.StatusNotFound, CodeNotFound, "no such image", err)
		case throttleCodes[code]:
			return newError(http.StatusServiceUnavailable, CodeUpstreamUnavailable, "storage is busy, retry later", err)
		}
	}
	var respErr *smithyhttp.ResponseError
	if errors.As(err, &respErr) {
		switch s := respErr.HTTPStatusCode(); {
		case s == http.StatusNotFound:
			return newError(http.StatusNotFound, CodeNotFound, "no such image", err)
		case s == http.StatusTooManyRequests || s == http.StatusServiceUnavailable:
			return newError(http.StatusServiceUnavailable, CodeUpstreamUnavailable, "storage is busy, retry later", err)
		}
	}
	if isTimeout(err) {
		return newError(http.StatusServiceUnavailable, CodeUpstreamUnavailable, "storage timed out, retry later", err)
	}
	return newError(http.StatusBadGateway, CodeUpstreamError, "storage error", err)
}

// isTimeout reports deadline and network timeouts, however wrapped.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// classifyHTTPStatus maps the status of a fetch from an S3 presigned URL
// (Object Lambda's inputS3Url) like classifyS3Error.
func classifyHTTPStatus(status int) *httpError {
	cause := fmt.Errorf("input URL returned HTTP %d", status)
	switch {
	case status == http.StatusNotFound:
		return newError(http.StatusNotFound, CodeNotFound, "no such image", cause)
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		return newError(http.StatusServiceUnavailable, CodeUpstreamUnavailable, "storage is busy, retry later", cause)
	default:
		return newError(http.StatusBadGateway, CodeUpstreamError, "storage error", cause)
	}
}
