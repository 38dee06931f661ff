package signer_test

// The deployed signer bundle against aws-sdk-go-v2's v4.Signer: realistic
// origin-request events (the suite's fixtures, plus hostile variations) go
// through the bundle's handler in one node process, and for each signed
// request the SDK signs the same request (method, origin host, origin path +
// uri, query, payload hash, time, credentials, region from the host) as a
// function URL client would. The Authorization headers must be identical.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/edgekit/edgekit/constructs/edgefunction/bundle"
	"github.com/edgekit/edgekit/functions/books/signer"
)

var creds = aws.Credentials{
	AccessKeyID:     "ASIAEDGEKITSDKCHECK1",
	SecretAccessKey: "sdk-check-secret-key/with+special=chars",
	SessionToken:    "IQoJb3JpZ2luX2VjEdgekitSdkCheckToken==",
}

// runner loads the bundle and answers every event of its stdin (a JSON
// array) with the handler's result, in order.
const runner = `
const { handler } = require(process.argv[2]);
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", async () => {
  const events = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const out = [];
  const log = console.log;
  console.log = () => {};
  for (const ev of events) out.push(await handler(ev, {}));
  console.log = log;
  process.stdout.write(JSON.stringify(out));
});
`

type header struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type cfRequest struct {
	Method      string              `json:"method"`
	URI         string              `json:"uri"`
	Querystring string              `json:"querystring"`
	Headers     map[string][]header `json:"headers"`
	Origin      struct {
		Custom struct {
			DomainName string `json:"domainName"`
			Path       string `json:"path"`
		} `json:"custom"`
	} `json:"origin"`
	Body *struct {
		Data     string `json:"data"`
		Encoding string `json:"encoding"`
	} `json:"body"`
	Status string `json:"status"` // set on generated responses only
}

func loadFixture(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "test", "fixtures", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func requestOf(ev map[string]any) map[string]any {
	return ev["Records"].([]any)[0].(map[string]any)["cf"].(map[string]any)["request"].(map[string]any)
}

func TestSignaturesMatchAWSSDK(t *testing.T) {
	cfgJSON, err := os.ReadFile(filepath.Join("..", "testdata", "handler-config.json"))
	if err != nil {
		t.Fatalf("%v (go test ./constructs/books writes it)", err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(cfgJSON, &cfg); err != nil {
		t.Fatal(err)
	}
	// Two regions, so the region-from-host cases have somewhere to go, and
	// an API Gateway rule: the same code signs for another service by config.
	origins := cfg["origins"].([]any)
	origins[0].(map[string]any)["regions"] = []string{"eu-central-1", "us-west-2"}
	cfg["origins"] = append(origins, map[string]any{
		"name": "api-gateway", "service": "execute-api", "hostPattern": "{id}.execute-api.{region}.amazonaws.com", "regions": []string{"eu-central-1"},
	})
	res, err := bundle.Build(bundle.Options{Sources: signer.Sources, Entry: "index.js", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.js"), res.Code, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "run.cjs"), []byte(runner), 0o644); err != nil {
		t.Fatal(err)
	}

	type variant struct {
		name    string
		fixture string
		mutate  func(r map[string]any)
	}
	body := func(b []byte) map[string]any {
		return map[string]any{"inputTruncated": false, "action": "read-only", "encoding": "base64", "data": base64.StdEncoding.EncodeToString(b)}
	}
	binary := make([]byte, 4096)
	for i := range binary {
		binary[i] = byte(i*131 + i/7)
	}
	variants := []variant{
		{"create", "origin-request-books-create.json", nil},
		{"list", "origin-request-books-list.json", nil},
		{"update", "origin-request-books-update.json", nil},
		{"no_body", "origin-request-books-list.json", func(r map[string]any) { delete(r, "body") }},
		{"binary_body", "origin-request-books-create.json", func(r map[string]any) { r["body"] = body(binary) }},
		{"text_body", "origin-request-books-create.json", func(r map[string]any) {
			r["body"] = map[string]any{"inputTruncated": false, "action": "read-only", "encoding": "text", "data": `{"title":"Größe 𝄞"}`}
		}},
		{"query_latin1_escape", "origin-request-books-list.json", func(r map[string]any) { r["querystring"] = "author=%E9crivain&limit=5" }},
		{"query_mixed_escapes", "origin-request-books-list.json", func(r map[string]any) { r["querystring"] = "author=%C3%A9%ff%FE&next=abc" }},
		{"query_plus_and_repeats", "origin-request-books-list.json", func(r map[string]any) { r["querystring"] = "z=a+b&a=2&a=1&m=&author=%2B" }},
		{"path_escapes", "origin-request-books-list.json", func(r map[string]any) { r["uri"] = "/api/books/caf%C3%A9%20x" }},
		{"origin_path", "origin-request-books-list.json", func(r map[string]any) {
			r["origin"].(map[string]any)["custom"].(map[string]any)["path"] = "/prod"
		}},
		{"region_from_host", "origin-request-books-create.json", func(r map[string]any) {
			r["origin"].(map[string]any)["custom"].(map[string]any)["domainName"] = "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-west-2.on.aws"
		}},
		{"api_gateway_origin", "origin-request-books-list.json", func(r map[string]any) {
			r["origin"].(map[string]any)["custom"].(map[string]any)["domainName"] = "a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com"
			r["uri"] = "/prod/books"
		}},
		{"viewer_auth_injected", "origin-request-books-create.json", func(r map[string]any) {
			h := r["headers"].(map[string]any)
			h["authorization"] = []any{map[string]any{"key": "Authorization", "value": "AWS4-HMAC-SHA256 Credential=AKIAattacker/x"}}
			h["x-amz-security-token"] = []any{map[string]any{"key": "X-Amz-Security-Token", "value": "attacker"}}
			h["x-amz-content-sha256"] = []any{map[string]any{"key": "X-Amz-Content-Sha256", "value": "UNSIGNED-PAYLOAD"}}
			h["host"] = []any{map[string]any{"key": "Host", "value": "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz.lambda-url.us-west-2.on.aws"}}
		}},
	}
	var events []map[string]any
	for _, v := range variants {
		ev := loadFixture(t, v.fixture)
		if v.mutate != nil {
			v.mutate(requestOf(ev))
		}
		events = append(events, ev)
	}
	in, err := json.Marshal(events)
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node not found on PATH (make test puts Node 22 first): %v", err)
	}
	cmd := exec.Command(node, filepath.Join(dir, "run.cjs"), filepath.Join(dir, "index.js"))
	cmd.Stdin = bytes.NewReader(in)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+creds.SecretAccessKey,
		"AWS_SESSION_TOKEN="+creds.SessionToken, "AWS_REGION=ap-southeast-2")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	var results []cfRequest
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatal(err)
	}
	if len(results) != len(variants) {
		t.Fatalf("%d results for %d events", len(results), len(variants))
	}

	for i, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			got := results[i]
			if got.Status != "" {
				t.Fatalf("the signer answered %s instead of signing", got.Status)
			}
			first := func(name string) string {
				if l := got.Headers[name]; len(l) == 1 {
					return l[0].Value
				}
				t.Fatalf("header %s: %v", name, got.Headers[name])
				return ""
			}
			host := got.Origin.Custom.DomainName
			if first("host") != host {
				t.Fatalf("signed host %q, origin %q", first("host"), host)
			}
			labels := strings.Split(host, ".")
			region, service := labels[2], labels[1]
			if service == "lambda-url" {
				service = "lambda"
			}
			when, err := time.Parse("20060102T150405Z", first("x-amz-date"))
			if err != nil {
				t.Fatal(err)
			}
			payloadHash := first("x-amz-content-sha256")
			url := "https://" + host + got.Origin.Custom.Path + got.URI
			if got.Querystring != "" {
				url += "?" + got.Querystring
			}
			// No body on the SDK's request: it would sign Content-Length,
			// which the edge signer leaves to CloudFront. The payload hash
			// is handed over instead, as the edge signer's x-amz-content-sha256.
			req, err := http.NewRequest(got.Method, url, nil)
			if err != nil {
				t.Fatal(err)
			}
			if req.URL.RawQuery != got.Querystring {
				t.Fatalf("net/url changed the query %q to %q", got.Querystring, req.URL.RawQuery)
			}
			req.Header.Set("X-Amz-Content-Sha256", payloadHash)
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, payloadHash, service, region, when); err != nil {
				t.Fatal(err)
			}
			if want, have := req.Header.Get("Authorization"), first("authorization"); want != have {
				t.Errorf("Authorization differs from aws-sdk-go-v2:\n edge %s\n sdk  %s", have, want)
			}
			if first("x-amz-security-token") != creds.SessionToken {
				t.Errorf("session token %q", first("x-amz-security-token"))
			}
			if v.name == "region_from_host" && region != "us-west-2" {
				t.Errorf("region %q", region)
			}
			if v.name == "api_gateway_origin" && !strings.Contains(first("authorization"), "/eu-central-1/execute-api/aws4_request") {
				t.Errorf("API Gateway request not signed for execute-api: %s", first("authorization"))
			}
			if got.Body != nil && got.Body.Data != "" {
				raw := []byte(got.Body.Data)
				if got.Body.Encoding != "text" {
					if raw, err = base64.StdEncoding.DecodeString(got.Body.Data); err != nil {
						t.Fatal(err)
					}
				}
				if h := fmt.Sprintf("%x", sha256.Sum256(raw)); h != payloadHash {
					t.Errorf("x-amz-content-sha256 %s, body hash %s", payloadHash, h)
				}
			}
		})
	}
}
