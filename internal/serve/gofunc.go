package serve

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Go functions (provided.al2023) are built for this machine from the Go
// package the staged bootstrap was built from: Go records its main
// package's import path and build settings in every binary
// (debug/buildinfo), so the arm64 bootstrap in the assembly names the
// source to build. Each process talks to its own local Lambda Runtime API
// (the endpoints aws-lambda-go's lambda.norpc runtime calls), one
// invocation at a time.

// hostBinary builds (or reuses) a host binary for f. It falls back to
// running the staged bootstrap under qemu-aarch64 when the package cannot
// be built here. The result is the command line to start.
func hostBinary(ctx context.Context, f *Function, projectDir, binDir string, log *Logger) ([]string, error) {
	zr, err := zip.OpenReader(f.ZipPath)
	if err != nil {
		return nil, fmt.Errorf("%s: read code %s: %w", f.Ref.Path(), filepath.Base(f.ZipPath), err)
	}
	defer zr.Close()
	var boot []byte
	for _, e := range zr.File {
		if e.Name == "bootstrap" {
			rc, err := e.Open()
			if err != nil {
				return nil, err
			}
			boot, err = io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return nil, err
			}
		}
	}
	if boot == nil {
		return nil, fmt.Errorf("%s: the code zip has no bootstrap (runtime %s)", f.Ref.Path(), f.Runtime)
	}
	sum := sha256.Sum256(boot)
	tag := hex.EncodeToString(sum[:])[:16]
	out := filepath.Join(binDir, safeName(f.Name)+"-"+tag)
	if _, err := os.Stat(out); err == nil {
		return []string{out}, nil
	}
	if err := os.MkdirAll(binDir, 0o700); err != nil {
		return nil, err
	}
	bi, err := buildinfo.Read(bytes.NewReader(boot))
	var buildErr error
	if err != nil {
		buildErr = fmt.Errorf("the bootstrap carries no Go build information (%v)", err)
	} else {
		args := []string{"build", "-trimpath", "-o", out + ".tmp"}
		// Offline: serve reaches nothing beyond 127.0.0.1, so modules come
		// from the module cache (`make deps` fills it) and no toolchain is
		// downloaded.
		env := append(os.Environ(), "GOOS=", "GOARCH=", "GOPROXY=off", "GOTOOLCHAIN=local")
		for _, s := range bi.Settings {
			switch s.Key {
			case "-tags":
				args = append(args, "-tags", s.Value)
			case "CGO_ENABLED":
				env = append(env, "CGO_ENABLED="+s.Value)
			}
		}
		args = append(args, bi.Path)
		start := time.Now()
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = projectDir
		cmd.Env = env
		if b, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build %s in %s (offline; `make deps` fills the module cache): %v\n%s", bi.Path, projectDir, err, strings.TrimSpace(string(b)))
		} else if err := os.Rename(out+".tmp", out); err != nil {
			buildErr = err
		} else {
			log.Printf("build", "%s: built %s for this machine in %s", f.Name, bi.Path, time.Since(start).Round(time.Millisecond))
			return []string{out}, nil
		}
	}
	for _, q := range []string{"qemu-aarch64-static", "qemu-aarch64"} {
		if p, err := exec.LookPath(q); err == nil && f.Arch == "arm64" {
			staged := out + ".arm64"
			if err := os.WriteFile(staged, boot, 0o700); err != nil {
				return nil, err
			}
			log.Printf("build", "%s: %v; running the staged arm64 bootstrap under %s", f.Name, buildErr, q)
			return []string{p, staged}, nil
		}
	}
	return nil, fmt.Errorf("%s: cannot run the Go function here: %w (install qemu-user-static to run the staged arm64 bootstrap instead)", f.Ref.Path(), buildErr)
}

var unsafeChars = strings.NewReplacer("/", "_", ":", "_", " ", "_", "\\", "_")

func safeName(s string) string { return unsafeChars.Replace(s) }

// goLambda runs a provided.* function as a pool of processes, each behind
// its own local Runtime API.
type goLambda struct {
	cmdline []string
	env     []string
	dir     string
	fn      *Function
	log     *Logger
	timeout time.Duration
	idleTTL time.Duration
	slots   chan struct{}

	mu     sync.Mutex
	idle   []*goProc
	all    map[*goProc]bool
	closed bool
}

type goProc struct {
	cmd     *exec.Cmd
	ln      net.Listener
	srv     *http.Server
	next    chan *rtInvocation
	ready   chan struct{}
	initErr chan *FunctionError
	dead    chan struct{}
	lastUse time.Time

	mu      sync.Mutex
	current *rtInvocation
	once    sync.Once
}

type rtInvocation struct {
	id       string
	event    []byte
	deadline time.Time
	done     chan rtResult
}

type rtResult struct {
	body []byte
	err  *FunctionError
}

func newGoLambda(cmdline, env []string, dir string, f *Function, log *Logger, idleTTL time.Duration) *goLambda {
	return &goLambda{cmdline: cmdline, env: env, dir: dir, fn: f, log: log, timeout: time.Duration(f.Timeout) * time.Second,
		idleTTL: idleTTL, slots: make(chan struct{}, 16), all: map[*goProc]bool{}}
}

// Invoke runs event on a process.
func (g *goLambda) Invoke(ctx context.Context, event []byte) Invocation {
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		return Invocation{Err: &FunctionError{ErrorType: "Canceled", ErrorMessage: ctx.Err().Error()}}
	}
	defer func() { <-g.slots }()
	inv := Invocation{RequestID: newRequestID()}
	p, cold, ms, ferr := g.container()
	inv.Cold, inv.ColdMs = cold, ms
	if ferr != nil {
		inv.Err = ferr
		return inv
	}
	start := time.Now()
	ri := &rtInvocation{id: inv.RequestID, event: event, deadline: start.Add(g.timeout), done: make(chan rtResult, 1)}
	t := time.NewTimer(g.timeout)
	defer t.Stop()
	select {
	case p.next <- ri:
	case <-p.dead:
		g.discard(p)
		inv.Err = &FunctionError{ErrorType: "Runtime.ExitError", ErrorMessage: "the runtime exited"}
		return inv
	case <-t.C:
		g.discard(p)
		inv.Err = &FunctionError{ErrorType: errTimeoutType, ErrorMessage: fmt.Sprintf("Task timed out after %.2f seconds", g.timeout.Seconds())}
		return inv
	}
	select {
	case r := <-ri.done:
		inv.Ms = float64(time.Since(start).Microseconds()) / 1000
		g.release(p)
		if r.err != nil {
			inv.Err = r.err
		} else {
			inv.Result = r.body
		}
	case <-p.dead:
		g.discard(p)
		inv.Err = &FunctionError{ErrorType: "Runtime.ExitError", ErrorMessage: "the runtime exited during the invocation"}
	case <-t.C:
		g.discard(p)
		inv.Err = &FunctionError{ErrorType: errTimeoutType, ErrorMessage: fmt.Sprintf("Task timed out after %.2f seconds", g.timeout.Seconds())}
	case <-ctx.Done():
		g.discard(p)
		inv.Err = &FunctionError{ErrorType: "Canceled", ErrorMessage: ctx.Err().Error()}
	}
	return inv
}

func (g *goLambda) container() (*goProc, bool, float64, *FunctionError) {
	g.mu.Lock()
	for len(g.idle) > 0 {
		p := g.idle[len(g.idle)-1]
		g.idle = g.idle[:len(g.idle)-1]
		select {
		case <-p.dead:
			delete(g.all, p)
			continue
		default:
		}
		g.mu.Unlock()
		return p, false, 0, nil
	}
	closed := g.closed
	g.mu.Unlock()
	if closed {
		return nil, false, 0, &FunctionError{ErrorType: "ServiceStopping", ErrorMessage: "serve is stopping"}
	}
	start := time.Now()
	p, err := g.start()
	if err != nil {
		return nil, true, 0, &FunctionError{ErrorType: "Runtime.StartError", ErrorMessage: err.Error()}
	}
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	select {
	case <-p.ready:
	case e := <-p.initErr:
		p.kill()
		return nil, true, 0, e
	case <-p.dead:
		p.kill()
		return nil, true, 0, &FunctionError{ErrorType: "Runtime.ExitError", ErrorMessage: "the runtime exited during init (see its log above)"}
	case <-t.C:
		p.kill()
		return nil, true, 0, &FunctionError{ErrorType: "Runtime.InitError", ErrorMessage: "init did not finish within 10 s"}
	}
	g.mu.Lock()
	g.all[p] = true
	g.mu.Unlock()
	return p, true, float64(time.Since(start).Microseconds()) / 1000, nil
}

func (g *goLambda) start() (*goProc, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime API listener: %w", err)
	}
	p := &goProc{ln: ln, next: make(chan *rtInvocation), ready: make(chan struct{}), initErr: make(chan *FunctionError, 1), dead: make(chan struct{}), lastUse: time.Now()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", p.handleNext(g.fn))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", p.handleResult(false))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", p.handleResult(true))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", func(w http.ResponseWriter, r *http.Request) {
		fe := readFunctionError(r)
		select {
		case p.initErr <- fe:
		default:
		}
		w.WriteHeader(http.StatusAccepted)
	})
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	cmd := exec.Command(g.cmdline[0], g.cmdline[1:]...)
	cmd.Dir = g.dir
	cmd.Env = append(append([]string{}, g.env...), "AWS_LAMBDA_RUNTIME_API="+ln.Addr().String())
	component := "fn " + g.fn.Name
	cmd.Stdout = &lineWriter{l: g.log, component: component}
	cmd.Stderr = &lineWriter{l: g.log, component: component}
	setChildAttrs(cmd)
	if err := cmd.Start(); err != nil {
		p.srv.Close()
		return nil, fmt.Errorf("start %s: %w", g.cmdline[0], err)
	}
	p.cmd = cmd
	go func() {
		_ = cmd.Wait()
		close(p.dead)
		p.srv.Close()
		p.mu.Lock()
		if p.current != nil {
			select {
			case p.current.done <- rtResult{err: &FunctionError{ErrorType: "Runtime.ExitError", ErrorMessage: "the runtime exited during the invocation"}}:
			default:
			}
		}
		p.mu.Unlock()
	}()
	return p, nil
}

func (p *goProc) handleNext(fn *Function) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p.once.Do(func() { close(p.ready) })
		var ri *rtInvocation
		select {
		case ri = <-p.next:
		case <-p.dead:
			return
		case <-r.Context().Done():
			return
		}
		p.mu.Lock()
		p.current = ri
		p.mu.Unlock()
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", ri.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(ri.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", fn.ARN)
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-"+strconv.FormatInt(time.Now().Unix(), 16)+"-"+strings.ReplaceAll(ri.id, "-", "")[:24]+";Sampled=0")
		h.Set("Content-Type", "application/json")
		_, _ = w.Write(ri.event)
	}
}

func (p *goProc) handleResult(isErr bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		p.mu.Lock()
		ri := p.current
		if ri != nil && ri.id == id {
			p.current = nil
		} else {
			ri = nil
		}
		p.mu.Unlock()
		if ri == nil {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"errorMessage":"unknown request id","errorType":"InvalidRequestID"}`))
			return
		}
		var res rtResult
		if isErr {
			res.err = readFunctionError(r)
		} else {
			b, err := io.ReadAll(io.LimitReader(r.Body, 6<<20+1))
			switch {
			case err != nil:
				res.err = &FunctionError{ErrorType: "Runtime.ResponseError", ErrorMessage: err.Error()}
			case len(b) > 6<<20:
				res.err = &FunctionError{ErrorType: "Function.ResponseSizeTooLarge", ErrorMessage: "Response payload size exceeded maximum allowed payload size (6291556 bytes)."}
			default:
				res.body = b
			}
		}
		ri.done <- res
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"status":"OK"}`))
	}
}

func readFunctionError(r *http.Request) *FunctionError {
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var e struct {
		ErrorMessage string   `json:"errorMessage"`
		ErrorType    string   `json:"errorType"`
		StackTrace   []string `json:"stackTrace"`
	}
	fe := &FunctionError{ErrorType: r.Header.Get("Lambda-Runtime-Function-Error-Type")}
	if json.Unmarshal(b, &e) == nil {
		fe.ErrorMessage = e.ErrorMessage
		if e.ErrorType != "" {
			fe.ErrorType = e.ErrorType
		}
		fe.Trace = e.StackTrace
	} else {
		fe.ErrorMessage = string(b)
	}
	if fe.ErrorType == "" {
		fe.ErrorType = "Unhandled"
	}
	return fe
}

func (p *goProc) kill() {
	if p.cmd != nil && p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
	}
	p.srv.Close()
}

func (g *goLambda) release(p *goProc) {
	p.lastUse = time.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		p.kill()
		return
	}
	g.idle = append(g.idle, p)
}

func (g *goLambda) discard(p *goProc) {
	p.kill()
	g.mu.Lock()
	delete(g.all, p)
	g.mu.Unlock()
}

func (g *goLambda) reap(now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	keep := g.idle[:0]
	for _, p := range g.idle {
		if g.idleTTL > 0 && now.Sub(p.lastUse) > g.idleTTL {
			p.kill()
			delete(g.all, p)
			continue
		}
		keep = append(keep, p)
	}
	g.idle = keep
}

// Close stops every process.
func (g *goLambda) Close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	for p := range g.all {
		p.kill()
	}
	g.idle = nil
}
