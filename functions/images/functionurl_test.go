package images_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/edgekit/edgekit/functions/images"
	"github.com/edgekit/edgekit/functions/images/internal/fakes3"
	"github.com/edgekit/edgekit/functions/images/strip"
)

const bucket = "images-private"

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// urlEvent loads the documented function URL event shape and sets the
// request line.
func urlEvent(t testing.TB, method, rawPath, rawQuery string) events.LambdaFunctionURLRequest {
	t.Helper()
	var ev events.LambdaFunctionURLRequest
	if err := json.Unmarshal(fixture(t, "functionurl-get.json"), &ev); err != nil {
		t.Fatal(err)
	}
	ev.RequestContext.HTTP.Method = method
	ev.RawPath, ev.RequestContext.HTTP.Path = rawPath, rawPath
	ev.RawQueryString = rawQuery
	return ev
}

// testConfig is the configuration the handler tests run with.
func testConfig() images.Config {
	return images.Config{
		Bucket:         bucket,
		MaxObjectBytes: 64 << 10,
		CacheControl:   "public, max-age=600",
		KeepICC:        true,
		PathPrefix:     "/images/",
		FetchTimeout:   2 * time.Second,
	}
}

// env is a handler on a fake S3 holding every fixture under photos/ and a
// few special objects, with its log captured.
type env struct {
	h    *images.Handler
	s3   *fakes3.Server
	logs *bytes.Buffer
}

func newEnv(t *testing.T, cfg images.Config, attempts int) *env {
	t.Helper()
	s := fakes3.New(t, bucket)
	for _, name := range []string{
		"jpeg-baseline.jpg", "jpeg-progressive.jpg", "jpeg-cmyk.jpg", "png-rgba.png",
		"webp-lossy.webp", "webp-simple.webp", "not-supported.gif", "not-an-image.txt",
	} {
		s.Put(t, bucket, "photos/"+name, fixture(t, name))
	}
	jpeg := fixture(t, "jpeg-baseline.jpg")
	s.Put(t, bucket, "photos/truncated.jpg", jpeg[:len(jpeg)/2])
	s.Put(t, bucket, "photos/png-named.jpg", fixture(t, "png-rgba.png"))
	s.Put(t, bucket, "photos/my photo é.jpg", jpeg)
	s.Put(t, bucket, "photos/big.jpg", append(bytes.Clone(jpeg), make([]byte, 70<<10)...))
	s.Put(t, bucket, "photos/bad-exif.jpg", append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0,
		'M', 'M', 0, '*', 0xFF, 0xFF, 0xFF, 0xFF}, jpeg[2:]...))
	logs := &bytes.Buffer{}
	h, err := images.NewHandler(cfg, s.Client(attempts), slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return &env{h: h, s3: s, logs: logs}
}

func (e *env) do(t *testing.T, ev events.LambdaFunctionURLRequest) events.LambdaFunctionURLResponse {
	t.Helper()
	resp, err := e.h.Handle(context.Background(), ev)
	if err != nil {
		t.Fatalf("Handle returned an error: %v", err)
	}
	return resp
}

// checkError asserts an error response: status, JSON body with the code,
// no image bytes, and the cache policy for its class.
func checkError(t *testing.T, resp events.LambdaFunctionURLResponse, status int, code string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status = %d, want %d (body %s)", resp.StatusCode, status, resp.Body)
	}
	if resp.Headers["Content-Type"] != "application/json" || resp.IsBase64Encoded {
		t.Fatalf("error response is not JSON: %v", resp.Headers)
	}
	var body struct{ Error, Message string }
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || body.Error != code || body.Message == "" {
		t.Fatalf("body = %s, want error %q", resp.Body, code)
	}
	wantCC := "public, max-age=60"
	if status >= 500 {
		wantCC = "no-store"
	}
	if resp.Headers["Cache-Control"] != wantCC {
		t.Fatalf("Cache-Control = %q, want %q", resp.Headers["Cache-Control"], wantCC)
	}
}

func TestFunctionURLServesStrippedImages(t *testing.T) {
	e := newEnv(t, testConfig(), 1)
	tests := []struct {
		key, fixture, contentType string
	}{
		{"photos/jpeg-baseline.jpg", "jpeg-baseline.jpg", "image/jpeg"},
		{"photos/jpeg-progressive.jpg", "jpeg-progressive.jpg", "image/jpeg"},
		{"photos/png-rgba.png", "png-rgba.png", "image/png"},
		{"photos/webp-lossy.webp", "webp-lossy.webp", "image/webp"},
		{"photos/webp-simple.webp", "webp-simple.webp", "image/webp"},
		{"photos/png-named.jpg", "png-rgba.png", "image/png"},
		{"photos/my%20photo%20%C3%A9.jpg", "jpeg-baseline.jpg", "image/jpeg"},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			resp := e.do(t, urlEvent(t, http.MethodGet, "/images/"+tc.key, ""))
			if resp.StatusCode != http.StatusOK || !resp.IsBase64Encoded {
				t.Fatalf("status %d base64 %v body %.200s", resp.StatusCode, resp.IsBase64Encoded, resp.Body)
			}
			got, err := base64.StdEncoding.DecodeString(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			want, _, err := strip.Strip(fixture(t, tc.fixture), strip.Options{KeepICC: true})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("body is not the stripped image (%d bytes, want %d)", len(got), len(want))
			}
			for k, v := range map[string]string{
				"Content-Type":           tc.contentType,
				"Cache-Control":          "public, max-age=600",
				"X-Content-Type-Options": "nosniff",
			} {
				if resp.Headers[k] != v {
					t.Errorf("%s = %q, want %q", k, resp.Headers[k], v)
				}
			}
			if _, err := time.Parse(http.TimeFormat, resp.Headers["Last-Modified"]); err != nil {
				t.Errorf("Last-Modified %q: %v", resp.Headers["Last-Modified"], err)
			}
		})
	}
	if strings.Contains(e.logs.String(), "Jane Doe") {
		t.Fatal("image metadata reached the logs")
	}
}

func TestFunctionURLKeepICCOff(t *testing.T) {
	cfg := testConfig()
	cfg.KeepICC = false
	e := newEnv(t, cfg, 1)
	resp := e.do(t, urlEvent(t, http.MethodGet, "/images/photos/jpeg-baseline.jpg", ""))
	got, _ := base64.StdEncoding.DecodeString(resp.Body)
	if resp.StatusCode != http.StatusOK || bytes.Contains(got, []byte("ICC_PROFILE")) {
		t.Fatalf("status %d, ICC profile kept: %v", resp.StatusCode, bytes.Contains(got, []byte("ICC_PROFILE")))
	}
}

func TestFunctionURLHead(t *testing.T) {
	e := newEnv(t, testConfig(), 1)
	resp := e.do(t, urlEvent(t, http.MethodHead, "/images/photos/png-rgba.png", ""))
	if resp.StatusCode != http.StatusOK || resp.Body != "" || resp.Headers["Content-Type"] != "image/png" {
		t.Fatalf("HEAD = %d %q %v", resp.StatusCode, resp.Body, resp.Headers)
	}
	resp = e.do(t, urlEvent(t, http.MethodHead, "/images/photos/missing.png", ""))
	if resp.StatusCode != http.StatusNotFound || resp.Body != "" {
		t.Fatalf("HEAD missing = %d %q", resp.StatusCode, resp.Body)
	}
}

func TestFunctionURLShowEXIF(t *testing.T) {
	e := newEnv(t, testConfig(), 1)
	type doc struct {
		Format string
		Tags   map[string]any
		GPS    *struct {
			Latitude, Longitude float64
			Altitude            *float64
		}
	}
	tests := []struct {
		name, key, query string
		wantJSON         bool
		wantFormat       string
		wantGPS          bool
	}{
		{"jpeg_true", "photos/jpeg-baseline.jpg", "showExif=true", true, "jpeg", true},
		{"png_upper_case_value", "photos/png-rgba.png", "showExif=TRUE", true, "png", true},
		{"webp_lower_case_name_and_1", "photos/webp-lossy.webp", "showexif=1", true, "webp", true},
		{"other_params_ignored", "photos/jpeg-baseline.jpg", "utm=x&showExif=True&x=%3Cscript%3E", true, "jpeg", true},
		{"no_exif_in_image", "photos/webp-simple.webp", "showExif=true", true, "webp", false},
		{"false_serves_image", "photos/jpeg-baseline.jpg", "showExif=false", false, "", false},
		{"yes_is_not_true", "photos/jpeg-baseline.jpg", "showExif=yes", false, "", false},
		{"empty_value", "photos/jpeg-baseline.jpg", "showExif=", false, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.do(t, urlEvent(t, http.MethodGet, "/images/"+tc.key, tc.query))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
			}
			if !tc.wantJSON {
				if resp.Headers["Content-Type"] != "image/jpeg" || !resp.IsBase64Encoded {
					t.Fatalf("want the image, got %v", resp.Headers)
				}
				return
			}
			if resp.Headers["Content-Type"] != "application/json" || resp.IsBase64Encoded ||
				resp.Headers["Cache-Control"] != "public, max-age=600" {
				t.Fatalf("headers %v base64 %v", resp.Headers, resp.IsBase64Encoded)
			}
			var d doc
			if err := json.Unmarshal([]byte(resp.Body), &d); err != nil {
				t.Fatal(err)
			}
			if d.Format != tc.wantFormat || d.Tags == nil {
				t.Fatalf("doc = %+v", d)
			}
			if !tc.wantGPS {
				if d.GPS != nil || len(d.Tags) != 0 {
					t.Fatalf("want no EXIF, got %s", resp.Body)
				}
				return
			}
			if d.GPS == nil || d.GPS.Latitude != -33.8688 || d.GPS.Longitude != -151.2093 ||
				d.GPS.Altitude == nil || *d.GPS.Altitude != 58.25 {
				t.Fatalf("gps = %s", resp.Body)
			}
			if d.Tags["Make"] != "EdgekitCam" || d.Tags["BodySerialNumber"] != "SN12345" {
				t.Fatalf("tags = %v", d.Tags)
			}
		})
	}
	if strings.Contains(e.logs.String(), "EdgekitCam") {
		t.Fatal("EXIF values reached the logs")
	}
}

func TestFunctionURLFailures(t *testing.T) {
	e := newEnv(t, testConfig(), 1)
	e.s3.Fail("photos/chunked.jpg", fakes3.Fault{Stream: 200 << 10})
	tests := []struct {
		name, method, path, query string
		status                    int
		code                      string
	}{
		{"fails_missing_key", "GET", "/images/photos/nope.jpg", "", 404, images.CodeNotFound},
		{"fails_outside_prefix", "GET", "/other/photos/jpeg-baseline.jpg", "", 404, images.CodeNotFound},
		{"fails_oversize_declared", "GET", "/images/photos/big.jpg", "", 413, images.CodeTooLarge},
		{"fails_oversize_without_length", "GET", "/images/photos/chunked.jpg", "", 413, images.CodeTooLarge},
		{"fails_gif", "GET", "/images/photos/not-supported.gif", "", 415, images.CodeUnsupportedMedia},
		{"fails_text", "GET", "/images/photos/not-an-image.txt", "showExif=true", 415, images.CodeUnsupportedMedia},
		{"fails_truncated_jpeg", "GET", "/images/photos/truncated.jpg", "", 422, images.CodeMalformedImage},
		{"fails_truncated_jpeg_exif", "GET", "/images/photos/truncated.jpg", "showExif=true", 422, images.CodeMalformedImage},
		{"fails_bad_exif_block", "GET", "/images/photos/bad-exif.jpg", "showExif=true", 422, images.CodeMalformedEXIF},
		{"fails_post", "POST", "/images/photos/jpeg-baseline.jpg", "", 405, images.CodeMethodNotAllowed},
		{"fails_put", "PUT", "/images/photos/jpeg-baseline.jpg", "", 405, images.CodeMethodNotAllowed},
		{"fails_lower_case_method", "get", "/images/photos/jpeg-baseline.jpg", "", 405, images.CodeMethodNotAllowed},
		{"fails_empty_method", "", "/images/photos/jpeg-baseline.jpg", "", 405, images.CodeMethodNotAllowed},
		{"fails_dot_dot", "GET", "/images/photos/../secret.jpg", "", 400, images.CodeBadRequest},
		{"fails_encoded_dot_dot", "GET", "/images/photos/%2E%2E/secret.jpg", "", 400, images.CodeBadRequest},
		{"fails_dot_segment", "GET", "/images/./jpeg-baseline.jpg", "", 400, images.CodeBadRequest},
		{"fails_empty_key", "GET", "/images/", "", 400, images.CodeBadRequest},
		{"fails_empty_segment", "GET", "/images/photos//jpeg-baseline.jpg", "", 400, images.CodeBadRequest},
		{"fails_trailing_slash", "GET", "/images/photos/", "", 400, images.CodeBadRequest},
		{"fails_nul", "GET", "/images/photos/a%00.jpg", "", 400, images.CodeBadRequest},
		{"fails_newline_injection", "GET", "/images/photos/a%0D%0ASet-Cookie:x.jpg", "", 400, images.CodeBadRequest},
		{"fails_del", "GET", "/images/photos/a%7F.jpg", "", 400, images.CodeBadRequest},
		{"fails_backslash", "GET", "/images/photos%5C..%5Csecret.jpg", "", 400, images.CodeBadRequest},
		{"fails_bad_escape", "GET", "/images/photos/%zz.jpg", "", 400, images.CodeBadRequest},
		{"fails_invalid_utf8", "GET", "/images/photos/%FF%FE.jpg", "", 400, images.CodeBadRequest},
		{"fails_key_over_1024", "GET", "/images/" + strings.Repeat("k", 1025), "", 400, images.CodeBadRequest},
		{"fails_path_over_4096", "GET", "/images/" + strings.Repeat("%41", 1400), "", 400, images.CodeBadRequest},
		{"fails_query_over_4096", "GET", "/images/photos/jpeg-baseline.jpg", "a=" + strings.Repeat("b", 5000), 400, images.CodeBadRequest},
		{"fails_malformed_query", "GET", "/images/photos/jpeg-baseline.jpg", "showExif=%zz", 400, images.CodeBadRequest},
		{"fails_html_key_not_echoed", "GET", "/images/%3Cscript%3Ealert(1)%3C%2Fscript%3E.jpg", "", 404, images.CodeNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.do(t, urlEvent(t, tc.method, tc.path, tc.query))
			checkError(t, resp, tc.status, tc.code)
			if tc.status == 405 && resp.Headers["Allow"] != "GET, HEAD" {
				t.Errorf("Allow = %q", resp.Headers["Allow"])
			}
			if strings.Contains(resp.Body, "script") || strings.Contains(resp.Body, bucket) {
				t.Errorf("body echoes request or internals: %s", resp.Body)
			}
		})
	}
	if e.s3.Hits("../secret.jpg") != 0 || e.s3.Hits("secret.jpg") != 0 {
		t.Fatal("a rejected key reached S3")
	}
}

func TestFunctionURLStorageFaults(t *testing.T) {
	tests := []struct {
		name   string
		fault  fakes3.Fault
		status int
		code   string
	}{
		{"fails_internal_error", fakes3.Fault{Status: 500, Code: "InternalError"}, 502, images.CodeUpstreamError},
		{"fails_slow_down", fakes3.Fault{Status: 503, Code: "SlowDown"}, 503, images.CodeUpstreamUnavailable},
		{"fails_throttling_400", fakes3.Fault{Status: 400, Code: "Throttling"}, 503, images.CodeUpstreamUnavailable},
		{"fails_too_many_requests", fakes3.Fault{Status: 429, Code: "TooManyRequests"}, 503, images.CodeUpstreamUnavailable},
		{"fails_access_denied", fakes3.Fault{Status: 403, Code: "AccessDenied"}, 502, images.CodeUpstreamError},
		{"fails_no_such_bucket", fakes3.Fault{Status: 404, Code: "NoSuchBucket"}, 502, images.CodeUpstreamError},
		{"fails_bare_404", fakes3.Fault{Status: 404, Garbage: true}, 404, images.CodeNotFound},
		{"fails_garbage_500", fakes3.Fault{Status: 500, Garbage: true}, 502, images.CodeUpstreamError},
		{"fails_timeout", fakes3.Fault{Delay: 5 * time.Second}, 503, images.CodeUpstreamUnavailable},
		{"fails_truncated_body", fakes3.Fault{Truncate: true}, 502, images.CodeUpstreamError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.FetchTimeout = 300 * time.Millisecond
			e := newEnv(t, cfg, 1)
			e.s3.Fail("photos/jpeg-baseline.jpg", tc.fault)
			start := time.Now()
			resp := e.do(t, urlEvent(t, http.MethodGet, "/images/photos/jpeg-baseline.jpg", ""))
			checkError(t, resp, tc.status, tc.code)
			if time.Since(start) > 2*time.Second {
				t.Fatalf("took %v: the fetch timeout did not bound the request", time.Since(start))
			}
			if tc.status == 503 && resp.Headers["Retry-After"] == "" {
				t.Error("503 without Retry-After")
			}
			if !strings.Contains(e.logs.String(), `"level":"ERROR"`) && tc.status >= 500 {
				t.Errorf("5xx not logged as an error: %s", e.logs)
			}
		})
	}
}

func TestFunctionURLRetriesTransientFaults(t *testing.T) {
	e := newEnv(t, testConfig(), 3)
	e.s3.Fail("photos/jpeg-baseline.jpg", fakes3.Fault{Times: 2, Status: 503, Code: "SlowDown"})
	resp := e.do(t, urlEvent(t, http.MethodGet, "/images/photos/jpeg-baseline.jpg", ""))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d after retries: %s", resp.StatusCode, resp.Body)
	}
	if hits := e.s3.Hits("photos/jpeg-baseline.jpg"); hits != 3 {
		t.Fatalf("%d requests, want 3", hits)
	}
}

func TestNewHandler(t *testing.T) {
	s := fakes3.New(t, bucket)
	log := slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))
	bad := testConfig()
	bad.Bucket = ""
	tests := []struct {
		name string
		cfg  images.Config
		s3   images.ObjectGetter
		log  *slog.Logger
		ok   bool
	}{
		{"valid", testConfig(), s.Client(1), log, true},
		{"fails_no_bucket", bad, s.Client(1), log, false},
		{"fails_no_client", testConfig(), nil, log, false},
		{"fails_no_logger", testConfig(), s.Client(1), nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := images.NewHandler(tc.cfg, tc.s3, tc.log)
			if (err == nil) != tc.ok || (h != nil) != tc.ok {
				t.Fatalf("NewHandler = %v, %v", h, err)
			}
		})
	}
}

// TestFunctionURLRawEvents goes through lambda.NewHandler, the wrapper
// lambda.Start uses: raw event JSON in, raw response JSON out.
func TestFunctionURLRawEvents(t *testing.T) {
	e := newEnv(t, testConfig(), 1)
	invoke := lambda.NewHandler(e.h.Handle)
	good := fixture(t, "functionurl-get.json")
	tests := []struct {
		name    string
		payload []byte
		status  int
		wantErr bool
	}{
		{"documented_event", good, 200, false},
		{"unknown_fields_ignored", bytes.Replace(good, []byte(`"version"`), []byte(`"extra": {"a": [1, 2]}, "version"`), 1), 200, false},
		{"fails_wrong_type_raw_path", bytes.Replace(good, []byte(`"rawPath": "/images/photos/jpeg-baseline.jpg"`), []byte(`"rawPath": 12`), 1), 0, true},
		{"fails_not_json", []byte("\x00not json"), 0, true},
		{"fails_empty_object", []byte("{}"), 405, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := invoke.Invoke(context.Background(), tc.payload)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("accepted: %s", out)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var resp events.LambdaFunctionURLResponse
			if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode != tc.status {
				t.Fatalf("status %d (want %d), err %v", resp.StatusCode, tc.status, err)
			}
		})
	}
}
