package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/edgekit/edgekit/functions/images/internal/fakes3"
	"github.com/edgekit/edgekit/functions/images/strip"
)

// wgorRequest is what the fake WriteGetObjectResponse endpoint received.
type wgorRequest struct {
	path   string
	header http.Header
	body   []byte
}

// TestSetupWritesThroughEndpointOverride builds the handler as main does,
// with AWS_ENDPOINT_URL_S3 pointing at a fake WriteGetObjectResponse
// endpoint, and checks the request the SDK sends there.
func TestSetupWritesThroughEndpointOverride(t *testing.T) {
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE":             filepath.Join(t.TempDir(), "none"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_REGION":                  fakes3.Region,
		"AWS_ACCESS_KEY_ID":           "AKIDFAKE",
		"AWS_SECRET_ACCESS_KEY":       "SECRETFAKE",
		"AWS_PROFILE":                 "",
		"AWS_ENDPOINT_URL":            "",
	} {
		t.Setenv(k, v)
	}
	var mu sync.Mutex
	var got []wgorRequest
	wgor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, wgorRequest{path: r.URL.Path, header: r.Header.Clone(), body: body})
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(wgor.Close)
	t.Setenv("AWS_ENDPOINT_URL_S3", wgor.URL)

	img, err := os.ReadFile("../../testdata/png-rgba.png")
	if err != nil {
		t.Fatal(err)
	}
	input := fakes3.New(t, "ap")
	input.Put(t, "ap", "photo.png", img)

	h, err := setup(context.Background(), func(string) string { return "" }, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.S3ObjectLambdaEvent
	raw, _ := os.ReadFile("../../testdata/objectlambda-get.json")
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	ev.GetObjectContext.InputS3URL = input.URL + "/ap/photo.png?X-Amz-Signature=00"
	if err := h.Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d WriteGetObjectResponse requests", len(got))
	}
	req := got[0]
	want, _, _ := strip.Strip(img, strip.Options{KeepICC: true})
	for k, v := range map[string]string{
		"X-Amz-Request-Route":            "io-euc1-001",
		"X-Amz-Request-Token":            "OutputTokenExample",
		"X-Amz-Fwd-Status":               "200",
		"X-Amz-Fwd-Header-Content-Type":  "image/png",
		"X-Amz-Fwd-Header-Cache-Control": "public, max-age=86400",
	} {
		if req.header.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, req.header.Get(k), v)
		}
	}
	if req.path != "/WriteGetObjectResponse" || !bytes.Equal(req.body, want) {
		t.Fatalf("path %q, body %d bytes (want %d)", req.path, len(req.body), len(want))
	}
}
