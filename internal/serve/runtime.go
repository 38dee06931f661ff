package serve

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// FunctionError is an error a function returned or raised.
type FunctionError struct {
	ErrorType    string   `json:"errorType"`
	ErrorMessage string   `json:"errorMessage"`
	Trace        []string `json:"trace,omitempty"`
}

// Error implements error.
func (e *FunctionError) Error() string { return e.ErrorType + ": " + e.ErrorMessage }

// Invocation is the outcome of one function invocation.
type Invocation struct {
	// Result is the function's JSON result (nil with Err).
	Result json.RawMessage
	// Err is set when the function failed (error, crash, timeout).
	Err *FunctionError
	// Cold is true when a new container served the invocation.
	Cold bool
	// ColdMs is the container start time including init, ms.
	ColdMs float64
	// Ms is the invocation time, ms.
	Ms float64
	// RequestID is the invocation's request id.
	RequestID string
}

// errTimeout marks a function that ran past its timeout.
const errTimeoutType = "Sandbox.Timedout"

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// nodeProc is one Node.js harness process.
type nodeProc struct {
	cmd     *exec.Cmd
	stdin   *os.File
	mu      sync.Mutex
	pending map[int64]chan harnessReply
	init    chan harnessReply
	dead    chan struct{}
	lastUse time.Time
	nextID  atomic.Int64
}

type harnessReply struct {
	ID     int64           `json:"id"`
	Init   bool            `json:"init"`
	InitMs float64         `json:"initMs"`
	Result json.RawMessage `json:"result"`
	Error  *FunctionError  `json:"error"`
	Fatal  bool            `json:"fatal"`
}

// startNode starts the harness with args; its output goes to log as component.
func startNode(node string, nodeArgs []string, dir string, env []string, log *Logger, component string) (*nodeProc, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	cmd := exec.Command(node, nodeArgs...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdin = inR
	cmd.Stdout = &lineWriter{l: log, component: component, format: lambdaLine}
	cmd.Stderr = &lineWriter{l: log, component: component}
	cmd.ExtraFiles = []*os.File{outW}
	setChildAttrs(cmd)
	if err := cmd.Start(); err != nil {
		inR.Close()
		inW.Close()
		outR.Close()
		outW.Close()
		return nil, fmt.Errorf("start node for %s: %w", component, err)
	}
	inR.Close()
	outW.Close()
	p := &nodeProc{cmd: cmd, stdin: inW, pending: map[int64]chan harnessReply{}, init: make(chan harnessReply, 1), dead: make(chan struct{}), lastUse: time.Now()}
	go func() {
		sc := bufio.NewScanner(outR)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			var r harnessReply
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				log.Printf(component, "harness: bad reply: %v", err)
				continue
			}
			if r.Init {
				p.init <- r
				continue
			}
			p.mu.Lock()
			ch := p.pending[r.ID]
			delete(p.pending, r.ID)
			p.mu.Unlock()
			if ch != nil {
				ch <- r
			}
		}
		outR.Close()
	}()
	go func() {
		_ = cmd.Wait()
		close(p.dead)
	}()
	return p, nil
}

// call sends msg (an object; its "id" is set) and waits for the reply.
func (p *nodeProc) call(ctx context.Context, msg map[string]any, timeout time.Duration) (harnessReply, error) {
	id := p.nextID.Add(1)
	msg["id"] = id
	b, err := json.Marshal(msg)
	if err != nil {
		return harnessReply{}, fmt.Errorf("encode event: %w", err)
	}
	ch := make(chan harnessReply, 1)
	p.mu.Lock()
	p.pending[id] = ch
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.pending, id)
		p.mu.Unlock()
	}()
	if _, err := p.stdin.Write(append(b, '\n')); err != nil {
		return harnessReply{}, fmt.Errorf("send event: %w", err)
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case r := <-ch:
		return r, nil
	case <-p.dead:
		// A reply may have raced the exit.
		select {
		case r := <-ch:
			return r, nil
		default:
		}
		return harnessReply{}, errProcessExited
	case <-t.C:
		return harnessReply{}, errInvokeTimeout
	case <-ctx.Done():
		return harnessReply{}, ctx.Err()
	}
}

var (
	errProcessExited = errors.New("the runtime exited")
	errInvokeTimeout = errors.New("timed out")
)

func (p *nodeProc) kill() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
	}
	p.stdin.Close()
}

func (p *nodeProc) alive() bool {
	select {
	case <-p.dead:
		return false
	default:
		return true
	}
}

// nodeLambda runs one Node.js Lambda function as a pool of harness
// processes: each handles one invocation at a time (a Lambda execution
// environment); a request that finds none idle starts a new one (a cold
// start). Containers idle longer than idleTTL are stopped.
type nodeLambda struct {
	nodeLambdaConfig

	mu     sync.Mutex
	idle   []*nodeProc
	all    map[*nodeProc]bool
	slots  chan struct{}
	closed bool
}

// nodeLambdaConfig configures a nodeLambda.
type nodeLambdaConfig struct {
	name      string // log component
	node      string
	harness   string
	dir       string
	handler   string
	env       []string
	memoryMB  int
	timeout   time.Duration
	fnName    string
	fnVersion string
	fnArn     string
	logGroup  string
	log       *Logger
	idleTTL   time.Duration
	max       int
}

func newNodeLambda(c nodeLambdaConfig) *nodeLambda {
	if c.max <= 0 {
		c.max = 16
	}
	return &nodeLambda{nodeLambdaConfig: c, slots: make(chan struct{}, c.max), all: map[*nodeProc]bool{}}
}

// Invoke runs event (any JSON value) on a container.
func (f *nodeLambda) Invoke(ctx context.Context, event any) Invocation {
	select {
	case f.slots <- struct{}{}:
	case <-ctx.Done():
		return Invocation{Err: &FunctionError{ErrorType: "Canceled", ErrorMessage: ctx.Err().Error()}}
	}
	defer func() { <-f.slots }()
	inv := Invocation{RequestID: newRequestID()}
	p, cold, coldMs, ferr := f.container()
	if ferr != nil {
		inv.Err = ferr
		inv.Cold = true
		return inv
	}
	inv.Cold, inv.ColdMs = cold, coldMs
	start := time.Now()
	deadline := start.Add(f.timeout)
	r, err := p.call(ctx, map[string]any{
		"event": event, "requestId": inv.RequestID, "deadline": deadline.UnixMilli(),
		"functionName": f.fnName, "functionVersion": f.fnVersion, "invokedFunctionArn": f.fnArn,
		"memoryLimitInMB": f.memoryMB, "logGroupName": f.logGroup,
		"logStreamName": time.Now().UTC().Format("2006/01/02") + "/[" + f.fnVersion + "]" + inv.RequestID[:8],
	}, f.timeout)
	inv.Ms = float64(time.Since(start).Microseconds()) / 1000
	switch {
	case errors.Is(err, errInvokeTimeout):
		f.discard(p)
		inv.Err = &FunctionError{ErrorType: errTimeoutType, ErrorMessage: fmt.Sprintf("Task timed out after %.2f seconds", f.timeout.Seconds())}
		return inv
	case err != nil:
		f.discard(p)
		inv.Err = &FunctionError{ErrorType: "Runtime.ExitError", ErrorMessage: err.Error()}
		return inv
	}
	if r.Fatal {
		f.discard(p)
	} else {
		f.release(p)
	}
	if r.Error != nil {
		inv.Err = r.Error
		return inv
	}
	inv.Result = r.Result
	return inv
}

// container returns an idle container or starts one.
func (f *nodeLambda) container() (*nodeProc, bool, float64, *FunctionError) {
	f.mu.Lock()
	for len(f.idle) > 0 {
		p := f.idle[len(f.idle)-1]
		f.idle = f.idle[:len(f.idle)-1]
		if p.alive() {
			f.mu.Unlock()
			return p, false, 0, nil
		}
		delete(f.all, p)
	}
	closed := f.closed
	f.mu.Unlock()
	if closed {
		return nil, false, 0, &FunctionError{ErrorType: "ServiceStopping", ErrorMessage: "serve is stopping"}
	}
	start := time.Now()
	args := []string{"--max-old-space-size=" + strconv.Itoa(f.memoryMB), f.harness, "lambda", f.dir, f.handler}
	p, err := startNode(f.node, args, f.dir, f.env, f.log, f.name)
	if err != nil {
		return nil, false, 0, &FunctionError{ErrorType: "Runtime.StartError", ErrorMessage: err.Error()}
	}
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	select {
	case r := <-p.init:
		if r.Error != nil {
			p.kill()
			return nil, false, 0, &FunctionError{ErrorType: "Runtime.InitError", ErrorMessage: r.Error.ErrorType + ": " + r.Error.ErrorMessage, Trace: r.Error.Trace}
		}
	case <-p.dead:
		return nil, false, 0, &FunctionError{ErrorType: "Runtime.InitError", ErrorMessage: "the runtime exited during init"}
	case <-t.C:
		p.kill()
		return nil, false, 0, &FunctionError{ErrorType: "Runtime.InitError", ErrorMessage: "init did not finish within 10 s"}
	}
	f.mu.Lock()
	f.all[p] = true
	f.mu.Unlock()
	return p, true, float64(time.Since(start).Microseconds()) / 1000, nil
}

func (f *nodeLambda) release(p *nodeProc) {
	p.lastUse = time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		p.kill()
		return
	}
	f.idle = append(f.idle, p)
}

func (f *nodeLambda) discard(p *nodeProc) {
	p.kill()
	f.mu.Lock()
	delete(f.all, p)
	f.mu.Unlock()
}

// reap stops containers idle for longer than idleTTL.
func (f *nodeLambda) reap(now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	keep := f.idle[:0]
	for _, p := range f.idle {
		if f.idleTTL > 0 && now.Sub(p.lastUse) > f.idleTTL {
			p.kill()
			delete(f.all, p)
			continue
		}
		keep = append(keep, p)
	}
	f.idle = keep
}

// Close stops every container.
func (f *nodeLambda) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	for p := range f.all {
		p.kill()
	}
	f.idle = nil
}

// cffRuntime runs every CloudFront Function of the distribution in one
// harness process ("cff" mode). A function that overruns its budget is
// stopped by restarting the process.
type cffRuntime struct {
	mu      sync.Mutex
	proc    *nodeProc
	timeout time.Duration
	node    string
	harness string
	dir     string
	env     []string
	log     *Logger
	fns     []*CloudFrontFunction
}

func startCFFRuntime(node, harness, dir string, env []string, log *Logger, fns []*CloudFrontFunction) (*cffRuntime, error) {
	rt := &cffRuntime{timeout: time.Second, node: node, harness: harness, dir: dir, env: env, log: log, fns: fns}
	p, err := rt.start()
	if err != nil {
		return nil, err
	}
	rt.proc = p
	return rt, nil
}

func (rt *cffRuntime) start() (*nodeProc, error) {
	p, err := startNode(rt.node, []string{"--max-old-space-size=64", rt.harness, "cff"}, rt.dir, rt.env, rt.log, "cloudfront-functions")
	if err != nil {
		return nil, err
	}
	for _, fn := range rt.fns {
		r, err := p.call(context.Background(), map[string]any{"load": map[string]any{"name": fn.Name, "code": fn.Code, "runtime": fn.Runtime}}, 10*time.Second)
		if err != nil {
			p.kill()
			return nil, fmt.Errorf("load CloudFront Function %s: %w", fn.Name, err)
		}
		if r.Error != nil {
			p.kill()
			return nil, fmt.Errorf("CloudFront Function %s (%s) does not compile: %s", fn.Name, fn.Ref.Path(), r.Error.Error())
		}
	}
	return p, nil
}

// Invoke runs the named function on event.
func (rt *cffRuntime) Invoke(ctx context.Context, name string, event any) Invocation {
	rt.mu.Lock()
	p := rt.proc
	rt.mu.Unlock()
	start := time.Now()
	r, err := p.call(ctx, map[string]any{"fn": name, "event": event, "timeoutMs": rt.timeout.Milliseconds()}, rt.timeout)
	inv := Invocation{Ms: float64(time.Since(start).Microseconds()) / 1000}
	if err != nil {
		if errors.Is(err, errInvokeTimeout) || errors.Is(err, errProcessExited) {
			rt.restart(p)
		}
		inv.Err = &FunctionError{ErrorType: "FunctionExecutionError", ErrorMessage: "the function " + err.Error() + " (CloudFront Functions have a sub-millisecond compute budget)"}
		return inv
	}
	if r.Error != nil {
		inv.Err = r.Error
		return inv
	}
	inv.Result = r.Result
	return inv
}

// restart replaces the process p, unless another call already did.
func (rt *cffRuntime) restart(p *nodeProc) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.proc != p {
		return
	}
	p.kill()
	np, err := rt.start()
	if err != nil {
		rt.log.Printf("cloudfront-functions", "restart failed: %v", err)
		return
	}
	rt.proc = np
}

// Close stops the runtime.
func (rt *cffRuntime) Close() {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.proc.kill()
}
