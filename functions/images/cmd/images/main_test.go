package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/edgekit/edgekit/functions/images/internal/fakes3"
)

// isolateAWS points the SDK's shared config at nothing, so only the
// variables a test sets are in effect.
func isolateAWS(t *testing.T) {
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE":             filepath.Join(t.TempDir(), "none"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_REGION":                  fakes3.Region,
		"AWS_ACCESS_KEY_ID":           "AKIDFAKE",
		"AWS_SECRET_ACCESS_KEY":       "SECRETFAKE",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_ENDPOINT_URL":            "",
		"AWS_ENDPOINT_URL_S3":         "",
	} {
		t.Setenv(k, v)
	}
}

// TestSetupHonoursEndpointOverrides builds the handler exactly as main does
// and serves a request from a fake S3 reached through each standard
// endpoint variable.
func TestSetupHonoursEndpointOverrides(t *testing.T) {
	img, err := os.ReadFile("../../testdata/jpeg-baseline.jpg")
	if err != nil {
		t.Fatal(err)
	}
	for _, endpointVar := range []string{"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"} {
		t.Run(endpointVar, func(t *testing.T) {
			isolateAWS(t)
			s := fakes3.New(t, "originals")
			s.Put(t, "originals", "a/b.jpg", img)
			t.Setenv(endpointVar, s.URL)
			env := map[string]string{
				"IMAGES_BUCKET":        "originals",
				"IMAGES_PATH_PREFIX":   "/images/",
				"IMAGES_S3_PATH_STYLE": "true",
			}
			h, err := setup(context.Background(), func(k string) string { return env[k] }, slog.New(slog.NewJSONHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			var ev events.LambdaFunctionURLRequest
			raw, _ := os.ReadFile("../../testdata/functionurl-get.json")
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatal(err)
			}
			ev.RawPath = "/images/a/b.jpg"
			resp, err := h.Handle(context.Background(), ev)
			if err != nil || resp.StatusCode != http.StatusOK || resp.Headers["Content-Type"] != "image/jpeg" {
				t.Fatalf("resp %d %v err %v body %.100s", resp.StatusCode, resp.Headers, err, resp.Body)
			}
			if s.Hits("a/b.jpg") != 1 {
				t.Fatal("the fake S3 was not used")
			}
		})
	}
}

func TestSetupFailsOnBadConfig(t *testing.T) {
	isolateAWS(t)
	env := map[string]string{"IMAGES_MAX_OBJECT_BYTES": "-1"}
	var logs bytes.Buffer
	if _, err := setup(context.Background(), func(k string) string { return env[k] }, slog.New(slog.NewJSONHandler(&logs, nil))); err == nil {
		t.Fatal("setup accepted a configuration without bucket and with a negative size")
	}
}
