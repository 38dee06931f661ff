package books

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/smithy-go"
)

// Error codes of the JSON error body {"error": code, "message": text}.
const (
	codeInvalidJSON          = "invalid_json"
	codeInvalidBody          = "invalid_body_encoding"
	codeUnknownField         = "unknown_field"
	codeMissingField         = "missing_field"
	codeInvalidField         = "invalid_field"
	codeInvalidID            = "invalid_id"
	codeInvalidQuery         = "invalid_query"
	codeInvalidLimit         = "invalid_limit"
	codeInvalidToken         = "invalid_token"
	codeInvalidIfMatch       = "invalid_if_match"
	codePreconditionConflict = "precondition_conflict"
	codeNotFound             = "not_found"
	codeMethodNotAllowed     = "method_not_allowed"
	codeVersionConflict      = "version_conflict"
	codePreconditionFailed   = "precondition_failed"
	codeBodyTooLarge         = "body_too_large"
	codeUnsupportedMediaType = "unsupported_media_type"
	codePreconditionRequired = "precondition_required"
	codeInternal             = "internal"
	codeUnavailable          = "unavailable"
	codeTimeout              = "timeout"
)

// apiError is an error the client may see: a status, a stable code and a
// message written by this package (never a dependency's error text).
type apiError struct {
	Status  int
	Code    string
	Message string
	// Headers are added to the error response (Allow, ETag, Retry-After).
	Headers map[string]string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func newError(status int, code, msg string) *apiError {
	return &apiError{Status: status, Code: code, Message: msg}
}

func (e *apiError) withHeader(k, v string) *apiError {
	if e.Headers == nil {
		e.Headers = map[string]string{}
	}
	e.Headers[k] = v
	return e
}

// retryAfterSeconds is sent with every 503: the SDK has already retried with
// backoff, so one more second lets a throttled partition's capacity refill.
const retryAfterSeconds = "1"

// transientCodes are DynamoDB error codes that mean "try again later": the
// request was valid and nothing was written. The SDK's standard retryer has
// already retried them, so the client gets 503 with Retry-After.
var transientCodes = map[string]bool{
	"ProvisionedThroughputExceededException": true,
	"ThrottlingException":                    true,
	"RequestLimitExceeded":                   true,
	"InternalServerError":                    true,
	"ServiceUnavailable":                     true,
	"TransactionConflictException":           true,
	"ReplicatedWriteConflictException":       true,
}

// dependencyError maps an unexpected DynamoDB failure to what the client may
// see. op names the operation for the message only.
func dependencyError(ctx context.Context, err error, write bool) *apiError {
	var quota ratelimit.QuotaExceededError
	var api smithy.APIError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || ctx.Err() != nil:
		msg := "the request did not complete in time; retry it"
		if write {
			// A write whose reply was lost may have been applied: say so, so a
			// client retries with its precondition (which then detects it).
			msg = "the request did not complete in time and may or may not have been applied; read the book before retrying"
		}
		return newError(503, codeTimeout, msg).withHeader("retry-after", retryAfterSeconds)
	case errors.As(err, &quota):
		return newError(503, codeUnavailable, "the service is busy; retry later").withHeader("retry-after", retryAfterSeconds)
	case errors.As(err, &api) && transientCodes[api.ErrorCode()]:
		return newError(503, codeUnavailable, "the service is busy; retry later").withHeader("retry-after", retryAfterSeconds)
	default:
		return newError(500, codeInternal, "internal error")
	}
}
