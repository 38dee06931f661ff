package images

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/edgekit/edgekit/functions/images/strip"
)

// ResponseWriter is the one S3 call the Object Lambda handler makes.
// *s3.Client implements it.
type ResponseWriter interface {
	WriteGetObjectResponse(ctx context.Context, in *s3.WriteGetObjectResponseInput, optFns ...func(*s3.Options)) (*s3.WriteGetObjectResponseOutput, error)
}

// Doer fetches the original from Object Lambda's presigned inputS3Url.
// *http.Client implements it.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// NewInputClient returns the HTTP client for inputS3Url: bounded in time,
// and refusing redirects (a presigned S3 URL answers directly; following
// a redirect would send the request somewhere it was not signed for).
func NewInputClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// s3ErrorCodes are the S3-style error codes Object Lambda returns to the
// caller for each status (S3 renders them as its usual XML error).
var s3ErrorCodes = map[int]string{
	http.StatusBadRequest:            "InvalidRequest",
	http.StatusNotFound:              "NoSuchKey",
	http.StatusRequestEntityTooLarge: "EntityTooLarge",
	http.StatusUnsupportedMediaType:  "UnsupportedMediaType",
	http.StatusUnprocessableEntity:   "MalformedImage",
	http.StatusBadGateway:            "BadGateway",
	http.StatusServiceUnavailable:    "SlowDown",
	http.StatusInternalServerError:   "InternalError",
}

// ObjectLambdaHandler serves S3 Object Lambda GetObject events with the
// same processing as Handler. S3 Object Lambda is closed to new customers
// since 2025-11-07; this mode exists for accounts that already use it.
type ObjectLambdaHandler struct {
	cfg    Config
	writer ResponseWriter
	input  Doer
	log    *slog.Logger
}

// NewObjectLambdaHandler validates cfg for ObjectLambda mode.
func NewObjectLambdaHandler(cfg Config, writer ResponseWriter, input Doer, log *slog.Logger) (*ObjectLambdaHandler, error) {
	if err := cfg.Validate(ObjectLambda); err != nil {
		return nil, fmt.Errorf("images config: %w", err)
	}
	if writer == nil || input == nil || log == nil {
		return nil, errors.New("images: response writer, input client and logger are required")
	}
	return &ObjectLambdaHandler{cfg: cfg, writer: writer, input: input, log: log}, nil
}

// Handle processes one GetObject event and answers through
// WriteGetObjectResponse. Failures of the image or its storage are answered
// with an error status there; an error is returned only when no answer
// could be written (the event is unusable or WriteGetObjectResponse
// failed), so the invocation is marked failed in Lambda's metrics.
func (h *ObjectLambdaHandler) Handle(ctx context.Context, ev events.S3ObjectLambdaEvent) error {
	start := time.Now()
	gc := ev.GetObjectContext
	if gc == nil || gc.OutputRoute == "" || gc.OutputToken == "" {
		return errors.New("object lambda event has no getObjectContext route and token")
	}
	attrs := []any{slog.String("xAmzRequestId", ev.XAmzRequestID)}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, slog.String("requestId", lc.AwsRequestID))
	}
	in := &s3.WriteGetObjectResponseInput{
		RequestRoute: aws.String(gc.OutputRoute),
		RequestToken: aws.String(gc.OutputToken),
	}
	res, err := h.serve(ctx, gc.InputS3URL, wantsEXIFURL(ev.UserRequest.URL))
	attrs = append(attrs, slog.Duration("duration", time.Since(start)))
	if err != nil {
		he := asHTTPError(err)
		level := slog.LevelInfo
		if he.Status >= 500 {
			level = slog.LevelError
		}
		h.log.Log(ctx, level, "object lambda request failed", append(attrs, slog.Int("status", he.Status),
			slog.String("code", he.Code), slog.Any("cause", he.Cause))...)
		code := s3ErrorCodes[he.Status]
		if code == "" {
			code = "InternalError"
		}
		in.StatusCode = aws.Int32(int32(he.Status))
		in.ErrorCode = aws.String(code)
		in.ErrorMessage = aws.String(he.Message)
		in.CacheControl = aws.String(serverErrorCacheControl)
		if he.Status < 500 {
			in.CacheControl = aws.String(clientErrorCacheControl)
		}
	} else {
		h.log.InfoContext(ctx, "object lambda request served", append(attrs, slog.Int("status", http.StatusOK),
			slog.String("format", res.Format.String()), slog.Int("bytes", len(res.Body)))...)
		in.StatusCode = aws.Int32(http.StatusOK)
		in.Body = bytes.NewReader(res.Body)
		in.ContentLength = aws.Int64(int64(len(res.Body)))
		in.ContentType = aws.String(res.ContentType)
		in.CacheControl = aws.String(h.cfg.CacheControl)
	}
	wctx, cancel := context.WithTimeout(ctx, h.cfg.FetchTimeout)
	defer cancel()
	if _, err := h.writer.WriteGetObjectResponse(wctx, in); err != nil {
		return fmt.Errorf("write get object response: %w", err)
	}
	return nil
}

func (h *ObjectLambdaHandler) serve(ctx context.Context, inputURL string, showEXIF bool) (result, error) {
	data, err := h.fetch(ctx, inputURL)
	if err != nil {
		return result{}, err
	}
	return process(data, showEXIF, strip.Options{KeepICC: h.cfg.KeepICC})
}

// fetch downloads the original from the presigned URL, bounded in size and
// time.
func (h *ObjectLambdaHandler) fetch(ctx context.Context, inputURL string) ([]byte, error) {
	u, err := url.Parse(inputURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, newError(http.StatusInternalServerError, CodeInternal, "internal error", errors.New("inputS3Url is not an http(s) URL"))
	}
	ctx, cancel := context.WithTimeout(ctx, h.cfg.FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("build input request: %w", err)
	}
	resp, err := h.input.Do(req)
	if err != nil {
		return nil, classifyS3Error(fmt.Errorf("get inputS3Url: %w", err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, classifyHTTPStatus(resp.StatusCode)
	}
	data, err := readBounded(resp.Body, resp.ContentLength, h.cfg.MaxObjectBytes)
	if err != nil {
		var he *httpError
		if errors.As(err, &he) {
			return nil, he
		}
		return nil, classifyS3Error(fmt.Errorf("read inputS3Url body: %w", err))
	}
	return data, nil
}
