package books_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// runtimeAPI is a minimal Lambda Runtime API (the endpoints a provided.al2023
// bootstrap built with -tags lambda.norpc talks to): it hands out queued
// events on /next and collects /response and /error posts, so the real
// binary can be run and timed on this machine.
type runtimeAPI struct {
	srv     *httptest.Server
	events  chan []byte
	results chan runtimeResult
	done    chan struct{}

	mu        sync.Mutex
	firstNext time.Time
	seq       int
}

type runtimeResult struct {
	kind string // "response", "error" or "init-error"
	body []byte
	at   time.Time
}

func newRuntimeAPI(t testing.TB) *runtimeAPI {
	t.Helper()
	r := &runtimeAPI{events: make(chan []byte, 1), results: make(chan runtimeResult, 4), done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		if r.firstNext.IsZero() {
			r.firstNext = time.Now()
		}
		r.seq++
		id := fmt.Sprintf("8476a536-e9f4-11e8-9739-2dfe598c%04d", r.seq)
		r.mu.Unlock()
		select {
		case ev := <-r.events:
			h := w.Header()
			h.Set("Lambda-Runtime-Aws-Request-Id", id)
			h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(10*time.Second).UnixMilli(), 10))
			h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-central-1:123456789012:function:edgekit-books")
			h.Set("Lambda-Runtime-Trace-Id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1")
			h.Set("Content-Type", "application/json")
			_, _ = w.Write(ev)
		case <-req.Context().Done():
		case <-r.done:
		}
	})
	post := func(kind string) http.HandlerFunc {
		return func(w http.ResponseWriter, req *http.Request) {
			b, _ := io.ReadAll(req.Body)
			r.results <- runtimeResult{kind: kind, body: b, at: time.Now()}
			w.WriteHeader(http.StatusAccepted)
		}
	}
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", post("response"))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", post("error"))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", post("init-error"))
	r.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		close(r.done)
		r.srv.Close()
	})
	return r
}

// addr is the AWS_LAMBDA_RUNTIME_API value (host:port, no scheme).
func (r *runtimeAPI) addr() string { return strings.TrimPrefix(r.srv.URL, "http://") }

// invoke queues one event and waits for the function's answer.
func (r *runtimeAPI) invoke(t testing.TB, ev events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, runtimeResult) {
	t.Helper()
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	r.events <- payload
	select {
	case res := <-r.results:
		if res.kind != "response" {
			t.Fatalf("function reported %s: %s", res.kind, res.body)
		}
		var resp events.LambdaFunctionURLResponse
		if err := json.Unmarshal(res.body, &resp); err != nil {
			t.Fatalf("response %q: %v", res.body, err)
		}
		return resp, res
	case <-time.After(20 * time.Second):
		t.Fatal("no answer from the function")
	}
	return events.LambdaFunctionURLResponse{}, runtimeResult{}
}

var builtBinary struct {
	once sync.Once
	path string
	err  error
}

// buildBootstrap builds cmd/books for this machine the way the construct
// builds it for Lambda (lambda.norpc, trimpath, stripped), once per test
// binary.
func buildBootstrap(t testing.TB) string {
	t.Helper()
	builtBinary.once.Do(func() {
		dir, err := os.MkdirTemp("", "books-bootstrap-")
		if err != nil {
			builtBinary.err = err
			return
		}
		out := filepath.Join(dir, "bootstrap")
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", out, "./functions/books/cmd/books")
		cmd.Dir = repoRoot(t)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			builtBinary.err = fmt.Errorf("go build: %v\n%s", err, b)
			return
		}
		builtBinary.path = out
	})
	if builtBinary.err != nil {
		t.Fatal(builtBinary.err)
	}
	return builtBinary.path
}

// removeBuiltBinary is called from TestMain after all tests and benchmarks.
func removeBuiltBinary() {
	if builtBinary.path != "" {
		_ = os.RemoveAll(filepath.Dir(builtBinary.path))
	}
}

// functionEnv is the environment Lambda gives the function (runCold adds
// AWS_LAMBDA_RUNTIME_API), with the DynamoDB endpoint overridden through
// endpointVar (AWS_ENDPOINT_URL_DYNAMODB or AWS_ENDPOINT_URL) and no shared
// config files to read.
func functionEnv(t testing.TB, table, endpointVar, endpoint string) []string {
	home := t.TempDir()
	env := []string{
		"AWS_LAMBDA_FUNCTION_NAME=edgekit-books",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_REGION=" + localRegion,
		"AWS_ACCESS_KEY_ID=" + localAccessKey,
		"AWS_SECRET_ACCESS_KEY=" + localSecretKey,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
		"HOME=" + home,
		"TZ=UTC",
	}
	if table != "" {
		env = append(env, "BOOKS_TABLE_NAME="+table)
	}
	if endpointVar != "" {
		env = append(env, endpointVar+"="+endpoint)
	}
	return env
}

// coldRun is one process start of the function: the times to its first
// /next call (init done) and to its first response.
type coldRun struct {
	init, firstResponse time.Duration
	resp                events.LambdaFunctionURLResponse
	stdout              string
}

// startFunction starts the binary against a fresh runtime API and stops it
// when the test ends (or when the returned stop is called).
func startFunction(t testing.TB, bin string, env []string) (rt *runtimeAPI, start time.Time, stop func() string) {
	t.Helper()
	rt = newRuntimeAPI(t)
	var out bytes.Buffer
	cmd := exec.Command(bin)
	cmd.Env = append(append([]string(nil), env...), "AWS_LAMBDA_RUNTIME_API="+rt.addr())
	cmd.Stdout = &out
	cmd.Stderr = &out
	start = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop = func() string {
		once.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
		return out.String()
	}
	t.Cleanup(func() { stop() })
	return rt, start, stop
}

// runCold starts the binary, sends ev as its first invocation and stops it.
func runCold(t testing.TB, bin string, env []string, ev events.LambdaFunctionURLRequest) coldRun {
	t.Helper()
	rt, start, stop := startFunction(t, bin, env)
	resp, res := rt.invoke(t, ev)
	rt.mu.Lock()
	init := rt.firstNext.Sub(start)
	rt.mu.Unlock()
	return coldRun{init: init, firstResponse: res.at.Sub(start), resp: resp, stdout: stop()}
}
