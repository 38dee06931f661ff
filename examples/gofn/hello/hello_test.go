package hello_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/edgekit/edgekit/examples/gofn/hello"
)

func loadEvent(t *testing.T) events.LambdaFunctionURLRequest {
	t.Helper()
	b, err := os.ReadFile("testdata/get.json")
	if err != nil {
		t.Fatal(err)
	}
	var e events.LambdaFunctionURLRequest
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestHandle(t *testing.T) {
	tests := []struct {
		name       string
		mutate     func(e *events.LambdaFunctionURLRequest)
		wantStatus int
		wantBody   map[string]string
	}{
		{"greets", func(*events.LambdaFunctionURLRequest) {}, 200, map[string]string{"message": "hi Ada"}},
		{"unicode_name", func(e *events.LambdaFunctionURLRequest) { e.QueryStringParameters["name"] = "Zoë-Ann 2" }, 200,
			map[string]string{"message": "hi Zoë-Ann 2"}},
		{"fails_post", func(e *events.LambdaFunctionURLRequest) { e.RequestContext.HTTP.Method = "POST" }, 405,
			map[string]string{"error": "method_not_allowed", "message": "only GET is supported"}},
		{"fails_missing_name", func(e *events.LambdaFunctionURLRequest) { e.QueryStringParameters = nil }, 400,
			map[string]string{"error": "missing_name", "message": "the name query parameter is required"}},
		{"fails_long_name", func(e *events.LambdaFunctionURLRequest) { e.QueryStringParameters["name"] = strings.Repeat("a", 65) }, 400,
			map[string]string{"error": "invalid_name", "message": "name must be valid UTF-8 of at most 64 characters"}},
		{"fails_invalid_utf8", func(e *events.LambdaFunctionURLRequest) { e.QueryStringParameters["name"] = "a\xff" }, 400,
			map[string]string{"error": "invalid_name", "message": "name must be valid UTF-8 of at most 64 characters"}},
		{"fails_markup_injection", func(e *events.LambdaFunctionURLRequest) {
			e.QueryStringParameters["name"] = `<script>alert(1)</script>`
		}, 400, map[string]string{"error": "invalid_name", "message": "name may hold letters, digits, spaces and '-'"}},
		{"fails_header_injection", func(e *events.LambdaFunctionURLRequest) { e.QueryStringParameters["name"] = "a\r\nSet-Cookie: x=1" }, 400,
			map[string]string{"error": "invalid_name", "message": "name may hold letters, digits, spaces and '-'"}},
	}
	h := hello.Handler{Greeting: "hi"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := loadEvent(t)
			tt.mutate(&e)
			resp, err := h.Handle(context.Background(), e)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus || resp.Headers["content-type"] != "application/json" {
				t.Fatalf("status %d content-type %q, want %d application/json", resp.StatusCode, resp.Headers["content-type"], tt.wantStatus)
			}
			var got map[string]string
			if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
				t.Fatalf("body %q is not a JSON object of strings: %v", resp.Body, err)
			}
			if len(got) != len(tt.wantBody) {
				t.Fatalf("body %v, want %v", got, tt.wantBody)
			}
			for k, v := range tt.wantBody {
				if got[k] != v {
					t.Fatalf("body %v, want %v", got, tt.wantBody)
				}
			}
		})
	}
}
