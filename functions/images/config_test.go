package images

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		mode    Mode
		want    Config
		wantErr []string
	}{
		{name: "defaults", env: map[string]string{EnvBucket: "b"}, want: Config{
			Bucket: "b", MaxObjectBytes: 4 << 20, CacheControl: "public, max-age=86400",
			KeepICC: true, PathPrefix: "/", FetchTimeout: 10 * time.Second,
		}},
		{name: "all_set", env: map[string]string{
			EnvBucket: " b ", EnvMaxObjectBytes: "1000", EnvCacheControl: "max-age=5",
			EnvKeepICC: "false", EnvPathPrefix: "/images/", EnvFetchTimeout: "3s", EnvS3PathStyle: "true",
		}, want: Config{
			Bucket: "b", MaxObjectBytes: 1000, CacheControl: "max-age=5", KeepICC: false,
			PathPrefix: "/images/", FetchTimeout: 3 * time.Second, S3PathStyle: true,
		}},
		{name: "object_lambda_needs_no_bucket_and_allows_64MiB", mode: ObjectLambda,
			env: map[string]string{EnvMaxObjectBytes: "67108864"}, want: Config{
				MaxObjectBytes: 64 << 20, CacheControl: "public, max-age=86400",
				KeepICC: true, PathPrefix: "/", FetchTimeout: 10 * time.Second,
			}},
		{name: "fails_every_problem_named", env: map[string]string{
			EnvMaxObjectBytes: "lots", EnvKeepICC: "maybe", EnvFetchTimeout: "soon", EnvS3PathStyle: "2",
			EnvPathPrefix: "images", EnvCacheControl: "a\r\nSet-Cookie: x",
		}, wantErr: []string{EnvBucket, EnvMaxObjectBytes, EnvKeepICC, EnvFetchTimeout, EnvS3PathStyle, EnvPathPrefix, EnvCacheControl}},
		{name: "fails_function_url_over_payload_limit", env: map[string]string{EnvBucket: "b", EnvMaxObjectBytes: "6000000"},
			wantErr: []string{"must be between 1 and 4487712"}},
		{name: "fails_zero_size", env: map[string]string{EnvBucket: "b", EnvMaxObjectBytes: "0"}, wantErr: []string{EnvMaxObjectBytes}},
		{name: "fails_object_lambda_over_64MiB", mode: ObjectLambda, env: map[string]string{EnvMaxObjectBytes: "67108865"},
			wantErr: []string{EnvMaxObjectBytes}},
		{name: "fails_timeout_over_5m", env: map[string]string{EnvBucket: "b", EnvFetchTimeout: "6m"}, wantErr: []string{EnvFetchTimeout}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ConfigFromEnv(func(k string) string { return tc.env[k] }, tc.mode)
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatal("no error")
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not name %q", err, w)
					}
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ConfigFromEnv = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// The default must fit a buffered function URL response once base64
// encoded (4/3) with headroom, under either reading of "6 MB".
func TestDefaultSizeFitsResponseLimit(t *testing.T) {
	if b64 := (DefaultMaxObjectBytes + 2) / 3 * 4; b64 > 6_000_000-16<<10 {
		t.Fatalf("base64 of the default size is %d bytes", b64)
	}
	if b64 := (MaxBufferedObjectBytes + 2) / 3 * 4; b64 > 6_000_000-16<<10 {
		t.Fatalf("base64 of the maximum size is %d bytes", b64)
	}
}

func TestReadBounded(t *testing.T) {
	data := bytes.Repeat([]byte("x"), 1000)
	tests := []struct {
		name     string
		r        io.Reader
		declared int64
		max      int64
		wantLen  int
		wantErr  string
	}{
		{"declared_exact", bytes.NewReader(data), 1000, 1000, 1000, ""},
		{"unknown_length", iotest.OneByteReader(bytes.NewReader(data)), -1, 1000, 1000, ""},
		{"empty", bytes.NewReader(nil), 0, 10, 0, ""},
		{"fails_declared_over_max", bytes.NewReader(data), 1000, 999, 0, "too_large"},
		{"fails_unknown_over_max", bytes.NewReader(data), -1, 999, 0, "too_large"},
		{"fails_lying_short_declaration", bytes.NewReader(data), 10, 999, 0, "too_large"},
		{"fails_longer_than_declared", bytes.NewReader(data), 10, 1000, 0, "1000 bytes, 10 declared"},
		{"fails_ends_early", bytes.NewReader(data[:500]), 1000, 1000, 0, "unexpected EOF"},
		{"fails_read_error", iotest.ErrReader(errors.New("reset by peer")), -1, 1000, 0, "reset by peer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readBounded(tc.r, tc.declared, tc.max)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || len(got) != tc.wantLen {
				t.Fatalf("got %d bytes, %v", len(got), err)
			}
		})
	}
}
