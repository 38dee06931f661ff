package images_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/edgekit/edgekit/functions/images"
	"github.com/edgekit/edgekit/functions/images/internal/fakes3"
	"github.com/edgekit/edgekit/functions/images/strip"
)

// written is one WriteGetObjectResponse call as S3 would receive it.
type written struct {
	route, token, errorCode, errorMessage, contentType, cacheControl string
	status                                                           int32
	body                                                             []byte
	contentLength                                                    int64
}

// fakeWriter records WriteGetObjectResponse calls, optionally failing.
type fakeWriter struct {
	mu    sync.Mutex
	calls []written
	err   error
}

func (f *fakeWriter) WriteGetObjectResponse(ctx context.Context, in *s3.WriteGetObjectResponseInput, _ ...func(*s3.Options)) (*s3.WriteGetObjectResponseOutput, error) {
	w := written{
		route: aws.ToString(in.RequestRoute), token: aws.ToString(in.RequestToken),
		errorCode: aws.ToString(in.ErrorCode), errorMessage: aws.ToString(in.ErrorMessage),
		contentType: aws.ToString(in.ContentType), cacheControl: aws.ToString(in.CacheControl),
		status: aws.ToInt32(in.StatusCode), contentLength: aws.ToInt64(in.ContentLength),
	}
	if in.Body != nil {
		w.body, _ = io.ReadAll(in.Body)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, w)
	if f.err != nil {
		return nil, f.err
	}
	return &s3.WriteGetObjectResponseOutput{}, nil
}

// olEvent loads the documented Object Lambda event with inputS3Url
// pointing at key in the fake (with presigned-style query parameters).
func olEvent(t *testing.T, s *fakes3.Server, key, userQuery string) events.S3ObjectLambdaEvent {
	t.Helper()
	var ev events.S3ObjectLambdaEvent
	if err := json.Unmarshal(fixture(t, "objectlambda-get.json"), &ev); err != nil {
		t.Fatal(err)
	}
	ev.GetObjectContext.InputS3URL = s.URL + "/" + bucket + "/" + key +
		"?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=61&X-Amz-Signature=00"
	if userQuery != "" {
		ev.UserRequest.URL += "?" + userQuery
	}
	return ev
}

type olEnv struct {
	h  *images.ObjectLambdaHandler
	s3 *fakes3.Server
	w  *fakeWriter
}

func newOLEnv(t *testing.T, timeout time.Duration) *olEnv {
	t.Helper()
	s := fakes3.New(t, bucket)
	for _, name := range []string{"jpeg-baseline.jpg", "png-rgba.png", "webp-lossless.webp", "not-supported.gif"} {
		s.Put(t, bucket, "photos/"+name, fixture(t, name))
	}
	jpeg := fixture(t, "jpeg-baseline.jpg")
	s.Put(t, bucket, "photos/truncated.jpg", jpeg[:len(jpeg)-100])
	s.Put(t, bucket, "photos/big.jpg", append(bytes.Clone(jpeg), make([]byte, 70<<10)...))
	cfg := testConfig()
	cfg.Bucket = "" // not needed in this mode
	cfg.FetchTimeout = timeout
	w := &fakeWriter{}
	h, err := images.NewObjectLambdaHandler(cfg, w, images.NewInputClient(timeout), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return &olEnv{h: h, s3: s, w: w}
}

func TestObjectLambdaServes(t *testing.T) {
	e := newOLEnv(t, 2*time.Second)
	tests := []struct {
		name, key, query, contentType string
	}{
		{"jpeg_stripped", "photos/jpeg-baseline.jpg", "", "image/jpeg"},
		{"webp_stripped", "photos/webp-lossless.webp", "", "image/webp"},
		{"png_exif_json", "photos/png-rgba.png", "showExif=true", "application/json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.w.calls = nil
			if err := e.h.Handle(context.Background(), olEvent(t, e.s3, tc.key, tc.query)); err != nil {
				t.Fatal(err)
			}
			if len(e.w.calls) != 1 {
				t.Fatalf("%d WriteGetObjectResponse calls", len(e.w.calls))
			}
			c := e.w.calls[0]
			if c.status != 200 || c.route != "io-euc1-001" || c.token != "OutputTokenExample" ||
				c.contentType != tc.contentType || c.cacheControl != "public, max-age=600" ||
				c.errorCode != "" || c.contentLength != int64(len(c.body)) {
				t.Fatalf("call = %+v", c)
			}
			if tc.contentType == "application/json" {
				if !strings.Contains(string(c.body), `"latitude":-33.8688`) {
					t.Fatalf("body = %s", c.body)
				}
				return
			}
			want, _, _ := strip.Strip(fixture(t, strings.TrimPrefix(tc.key, "photos/")), strip.Options{KeepICC: true})
			if !bytes.Equal(c.body, want) {
				t.Fatal("body is not the stripped image")
			}
		})
	}
}

func TestObjectLambdaFailures(t *testing.T) {
	tests := []struct {
		name   string
		key    string
		fault  *fakes3.Fault
		status int32
		code   string
	}{
		{"fails_missing_key", "photos/nope.jpg", nil, 404, "NoSuchKey"},
		{"fails_oversize", "photos/big.jpg", nil, 413, "EntityTooLarge"},
		{"fails_oversize_without_length", "photos/jpeg-baseline.jpg", &fakes3.Fault{Stream: 200 << 10}, 413, "EntityTooLarge"},
		{"fails_gif", "photos/not-supported.gif", nil, 415, "UnsupportedMediaType"},
		{"fails_truncated", "photos/truncated.jpg", nil, 422, "MalformedImage"},
		{"fails_s3_500", "photos/jpeg-baseline.jpg", &fakes3.Fault{Status: 500, Code: "InternalError"}, 502, "BadGateway"},
		{"fails_s3_503", "photos/jpeg-baseline.jpg", &fakes3.Fault{Status: 503, Code: "SlowDown"}, 503, "SlowDown"},
		{"fails_s3_403", "photos/jpeg-baseline.jpg", &fakes3.Fault{Status: 403, Code: "AccessDenied"}, 502, "BadGateway"},
		{"fails_timeout", "photos/jpeg-baseline.jpg", &fakes3.Fault{Delay: 5 * time.Second}, 503, "SlowDown"},
		{"fails_truncated_body", "photos/jpeg-baseline.jpg", &fakes3.Fault{Truncate: true}, 502, "BadGateway"},
		{"fails_redirect_not_followed", "photos/jpeg-baseline.jpg", &fakes3.Fault{Redirect: "/" + bucket + "/photos/png-rgba.png"}, 502, "BadGateway"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newOLEnv(t, 300*time.Millisecond)
			if tc.fault != nil {
				e.s3.Fail(tc.key, *tc.fault)
			}
			start := time.Now()
			if err := e.h.Handle(context.Background(), olEvent(t, e.s3, tc.key, "")); err != nil {
				t.Fatal(err)
			}
			if time.Since(start) > 2*time.Second {
				t.Fatalf("took %v", time.Since(start))
			}
			if len(e.w.calls) != 1 {
				t.Fatalf("%d calls", len(e.w.calls))
			}
			c := e.w.calls[0]
			if c.status != tc.status || c.errorCode != tc.code || c.errorMessage == "" || len(c.body) != 0 {
				t.Fatalf("call = %+v", c)
			}
			if e.s3.Hits("photos/png-rgba.png") != 0 {
				t.Fatal("redirect was followed")
			}
		})
	}
}

func TestObjectLambdaUnanswerable(t *testing.T) {
	e := newOLEnv(t, time.Second)
	noContext := olEvent(t, e.s3, "photos/jpeg-baseline.jpg", "")
	noContext.GetObjectContext = nil
	noToken := olEvent(t, e.s3, "photos/jpeg-baseline.jpg", "")
	noToken.GetObjectContext.OutputToken = ""
	badScheme := olEvent(t, e.s3, "photos/jpeg-baseline.jpg", "")
	badScheme.GetObjectContext.InputS3URL = "file:///etc/passwd"
	tests := []struct {
		name      string
		ev        events.S3ObjectLambdaEvent
		writerErr error
		wantErr   bool
		wantCalls int
		status    int32
	}{
		{"fails_without_get_object_context", noContext, nil, true, 0, 0},
		{"fails_without_token", noToken, nil, true, 0, 0},
		{"fails_non_http_input_url", badScheme, nil, false, 1, 500},
		{"fails_write_response_error", olEvent(t, e.s3, "photos/jpeg-baseline.jpg", ""), errors.New("WGOR 500"), true, 1, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.w.calls, e.w.err = nil, tc.writerErr
			err := e.h.Handle(context.Background(), tc.ev)
			if (err != nil) != tc.wantErr || len(e.w.calls) != tc.wantCalls {
				t.Fatalf("err %v, %d calls", err, len(e.w.calls))
			}
			if tc.wantCalls > 0 && e.w.calls[0].status != tc.status {
				t.Fatalf("status %d, want %d", e.w.calls[0].status, tc.status)
			}
		})
	}
}
