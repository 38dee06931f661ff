package gofunction_test

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/edgekit/edgekit/constructs/gofunction"
	"github.com/edgekit/edgekit/internal/testenv"
)

const handlerPkg = "github.com/edgekit/edgekit/constructs/gofunction/internal/testhandler"

func TestMain(m *testing.M) {
	testenv.Pin()
	// A cache of this run only: the tests must see go build run, and must not
	// fill the user's cache with fixtures.
	cache, err := os.MkdirTemp("", "gofunction-test-cache-")
	if err != nil {
		panic(err)
	}
	os.Setenv(gofunction.CacheDirEnv, cache)
	code := m.Run()
	os.RemoveAll(cache)
	os.Exit(code)
}

// fixture is one app, synthesized once for the tests that only read it
// (jsii start-up and synth dominate the package's test time).
type fixture struct {
	stack awscdk.Stack
	arm   *gofunction.GoFunction
	amd   *gofunction.GoFunction
	tpl   assertions.Template
	ann   assertions.Annotations
}

var (
	fixtureOnce sync.Once
	shared      *fixture
)

func sharedApp(t *testing.T) *fixture {
	t.Helper()
	fixtureOnce.Do(func() {
		app := awscdk.NewApp(nil)
		awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
		stack := awscdk.NewStack(app, jsii.String("Api"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-central-1")}})
		f := &fixture{stack: stack}
		amdProps := &gofunction.GoFunctionProps{
			Package: handlerPkg, Architecture: awslambda.Architecture_X86_64(), FunctionName: "hello-amd64",
			MemorySize: 256, Timeout: awscdk.Duration_Seconds(jsii.Number(30)), LogRetention: awslogs.RetentionDays_ONE_WEEK,
			Description: "greets on x86_64",
		}
		armProps := &gofunction.GoFunctionProps{
			Package:     handlerPkg,
			Environment: map[string]string{"TABLE_NAME": "books", "GREETING": "hi", "API_KEY_PARAMETER": "/app/api-key"},
		}
		if err := gofunction.Prebuild(armProps, amdProps); err != nil {
			panic(err)
		}
		f.arm = gofunction.NewGoFunction(stack, "Hello", armProps)
		f.amd = gofunction.NewGoFunction(stack, "HelloAmd", amdProps)
		f.tpl = assertions.Template_FromStack(stack, nil)
		f.ann = assertions.Annotations_FromStack(stack)
		shared = f
	})
	if shared == nil {
		t.Fatal("the shared app failed to build (see the first failure)")
	}
	return shared
}

func TestTemplate(t *testing.T) {
	f := sharedApp(t)
	f.tpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(2))
	f.tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
		"Runtime": "provided.al2023", "Handler": "bootstrap", "Architectures": []any{"arm64"},
		"MemorySize": 128, "Timeout": 10,
		"Description": "Go " + handlerPkg + " (arm64)",
		// Sorted: the template must not depend on Go's map order.
		"Environment": map[string]any{"Variables": assertions.Match_ObjectEquals(&map[string]any{
			"API_KEY_PARAMETER": "/app/api-key", "GREETING": "hi", "TABLE_NAME": "books"})},
		"LoggingConfig": map[string]any{"LogGroup": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^HelloLogGroup"))}},
		"FunctionName":  assertions.Match_Absent(),
	})
	f.tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
		"Runtime": "provided.al2023", "Handler": "bootstrap", "Architectures": []any{"x86_64"},
		"MemorySize": 256, "Timeout": 30, "FunctionName": "hello-amd64", "Description": "greets on x86_64",
		"Environment": assertions.Match_Absent(),
	})
	f.tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), map[string]any{
		"DeletionPolicy": "Delete", "Properties": map[string]any{"RetentionInDays": 30},
	})
	f.tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 7})
	f.tpl.ResourceCountIs(jsii.String("AWS::IAM::Policy"), jsii.Number(0))
	f.tpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
		"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]any{"Service": "lambda.amazonaws.com"}}}},
		"ManagedPolicyArns": assertions.Match_Absent(),
		"Policies": []any{map[string]any{"PolicyName": "Logs", "PolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Action":   []any{"logs:CreateLogStream", "logs:PutLogEvents"},
			"Effect":   "Allow",
			"Resource": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^HelloLogGroup")), "Arn"}},
		}}}}},
	})
	tplJSON, _ := json.Marshal(f.tpl.ToJSON())
	if bytes.Contains(tplJSON, []byte(os.TempDir())) || bytes.Contains(tplJSON, []byte("edgekit-go-assets")) {
		t.Fatal("a local path reached the template")
	}
	// The CDK names a file asset by the fingerprint of the file it stages.
	for _, fn := range []*gofunction.GoFunction{f.arm, f.amd} {
		fp := *awscdk.FileSystem_Fingerprint(jsii.String(fn.Artifact.ZipPath), nil)
		if !bytes.Contains(tplJSON, []byte(`"`+fp+`.zip"`)) {
			t.Errorf("no S3 key %s.zip in the template: the asset is not the zip as built", fp)
		}
	}
}

// TestNagClean: an app of GoFunctions under AwsSolutionsChecks has no
// unsuppressed finding.
func TestNagClean(t *testing.T) {
	f := sharedApp(t)
	nag := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
	for _, m := range append(*f.ann.FindError(jsii.String("*"), nag), *f.ann.FindWarning(jsii.String("*"), nag)...) {
		b, _ := json.Marshal(m)
		t.Errorf("cdk-nag: %s", b)
	}
}

func TestArtifact(t *testing.T) {
	f := sharedApp(t)
	for _, tc := range []struct {
		name    string
		fn      *gofunction.GoFunction
		machine elf.Machine
	}{{"arm64", f.arm, elf.EM_AARCH64}, {"x86_64", f.amd, elf.EM_X86_64}} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.fn.Artifact
			if a.Package != handlerPkg {
				t.Errorf("Package %q", a.Package)
			}
			bin := readBootstrap(t, a)
			if int64(len(bin)) != a.BinaryBytes {
				t.Errorf("BinaryBytes %d, bootstrap is %d bytes", a.BinaryBytes, len(bin))
			}
			ef, err := elf.NewFile(bytes.NewReader(bin))
			if err != nil {
				t.Fatalf("bootstrap is not ELF: %v", err)
			}
			if ef.Machine != tc.machine || ef.Class != elf.ELFCLASS64 || ef.Type != elf.ET_EXEC {
				t.Fatalf("ELF machine %v class %v type %v, want %v static executable", ef.Machine, ef.Class, ef.Type, tc.machine)
			}
			if ef.Section(".interp") != nil {
				t.Error("bootstrap has a dynamic loader: CGO leaked into the build")
			}
			if ef.Section(".symtab") != nil {
				t.Error("bootstrap has a symbol table: -ldflags -s was not applied")
			}
		})
	}
	if f.arm.Artifact == f.amd.Artifact || f.arm.Artifact.ZipSHA256 == f.amd.Artifact.ZipSHA256 {
		t.Error("the two architectures share one artifact")
	}
}

// readBootstrap opens the artifact's zip and returns the bootstrap executable,
// failing unless the zip holds exactly that one executable entry.
func readBootstrap(t *testing.T, a *gofunction.Artifact) []byte {
	t.Helper()
	zr, err := zip.OpenReader(a.ZipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if len(zr.File) != 1 || names[0] != "bootstrap" {
		t.Fatalf("zip entries %v, want exactly [bootstrap]", names)
	}
	if zr.File[0].Mode().Perm() != 0o755 {
		t.Fatalf("bootstrap mode %v, want 0755", zr.File[0].Mode())
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	bin, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// TestBuildTwiceIsIdentical builds the handler again (no in-process cache, the
// on-disk cache switched off): the same bytes as the synthesized asset.
func TestBuildTwiceIsIdentical(t *testing.T) {
	f := sharedApp(t)
	t.Setenv(gofunction.CacheDirEnv, "off")
	again, err := gofunction.Build(&gofunction.GoFunctionProps{Package: handlerPkg})
	if err != nil {
		t.Fatal(err)
	}
	if again.FromCache {
		t.Fatal("cache off, yet a hit")
	}
	a, _ := os.ReadFile(f.arm.Artifact.ZipPath)
	b, _ := os.ReadFile(again.ZipPath)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("rebuild differs: %d vs %d bytes", len(a), len(b))
	}
}

// TestRunsUnderQemu starts the arm64 bootstrap under qemu against a fake
// Lambda Runtime API on 127.0.0.1 and checks it answers an invocation.
func TestRunsUnderQemu(t *testing.T) {
	qemu, err := exec.LookPath("qemu-aarch64-static")
	if err != nil {
		t.Skip("qemu-aarch64-static not installed (Debian qemu-user-static)")
	}
	f := sharedApp(t)
	bin := filepath.Join(t.TempDir(), "bootstrap")
	if err := os.WriteFile(bin, readBootstrap(t, f.arm.Artifact), 0o755); err != nil {
		t.Fatal(err)
	}

	responses := make(chan string, 1)
	var served sync.Once
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		first := false
		served.Do(func() { first = true })
		if !first { // one invocation only: hold the next poll until the test ends
			<-r.Context().Done()
			return
		}
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", "req-1")
		w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(time.Minute).UnixMilli()))
		w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-central-1:123456789012:function:hello")
		w.Write([]byte(`{"name":"edge"}`))
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		responses <- r.PathValue("id") + " " + string(b)
		w.WriteHeader(http.StatusAccepted)
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		responses <- "error " + string(b)
		w.WriteHeader(http.StatusAccepted)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	defer srv.Close()

	cmd := exec.Command(qemu, bin)
	cmd.Env = []string{"AWS_LAMBDA_RUNTIME_API=" + ln.Addr().String(), "AWS_LAMBDA_FUNCTION_NAME=hello",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST"}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	select {
	case got := <-responses:
		if got != `req-1 {"greeting":"hello edge"}` {
			t.Fatalf("response %q", got)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no response from the bootstrap in 20 s; its output:\n%s", out.String())
	}
}

func TestInvalidProps(t *testing.T) {
	tests := []struct {
		name  string
		props *gofunction.GoFunctionProps
		want  []string
	}{
		{"fails_no_package", &gofunction.GoFunctionProps{}, []string{"Package is empty"}},
		{"fails_pattern", &gofunction.GoFunctionProps{Package: "./..."}, []string{`Package "./...": want one import path`}},
		{"fails_flag_as_package", &gofunction.GoFunctionProps{Package: "-toolexec=evil"}, []string{"not a pattern, flag or list"}},
		{"fails_missing_dir", &gofunction.GoFunctionProps{Package: handlerPkg, Dir: "/does/not/exist"}, []string{`Dir "/does/not/exist" is not a directory`}},
		{"fails_bad_build_tag", &gofunction.GoFunctionProps{Package: handlerPkg, BuildTags: []string{"a b"}}, []string{`BuildTags contains "a b"`}},
		{"fails_memory_timeout_name_description", &gofunction.GoFunctionProps{Package: handlerPkg, MemorySize: 64,
			Timeout: awscdk.Duration_Minutes(jsii.Number(16)), FunctionName: "has space", Description: strings.Repeat("d", 257)},
			[]string{"MemorySize 64 MB", "Timeout 960s: Lambda allows whole seconds 1..900", `FunctionName "has space"`, "Description is 257 characters"}},
		{"fails_fractional_timeout", &gofunction.GoFunctionProps{Package: handlerPkg, Timeout: awscdk.Duration_Millis(jsii.Number(1500))},
			[]string{"Timeout 1.5s: Lambda allows whole seconds"}},
		{"fails_secrets_in_environment", &gofunction.GoFunctionProps{Package: handlerPkg, Environment: map[string]string{
			"DB_PASSWORD": "x", "GITHUB_TOKEN": "x", "AWS_REGION": "eu-west-1", "1BAD": "x", "KEY_ID": "AKIAABCDEFGHIJKLMNOP",
			"CERT": "-----BEGIN RSA PRIVATE KEY-----\nMII", "MY_ACCESS_KEY_ID": "x"}},
			[]string{`"DB_PASSWORD" looks like a secret`, `"GITHUB_TOKEN" looks like a secret`, `"AWS_REGION" is reserved`,
				`name "1BAD"`, `"KEY_ID" holds an AWS access key`, `"CERT" holds an AWS access key or a private key`, `"MY_ACCESS_KEY_ID" looks like a secret`}},
		{"fails_environment_over_4KB", &gofunction.GoFunctionProps{Package: handlerPkg, Environment: map[string]string{"BIG": strings.Repeat("x", 4100)}},
			[]string{"Environment is 4103 bytes: Lambda allows 4096"}},
		{"fails_unknown_package", &gofunction.GoFunctionProps{Package: "github.com/edgekit/edgekit/constructs/gofunction/internal/nope"},
			[]string{"go list github.com/edgekit/edgekit/constructs/gofunction/internal/nope", "internal/nope"}},
		{"fails_not_main", &gofunction.GoFunctionProps{Package: "./lib", Dir: "testdata/badmod"},
			[]string{"example.com/badmod/lib", "is package lib, not a main package"}},
		{"fails_compile_error", &gofunction.GoFunctionProps{Package: "example.com/badmod/cmd/typeerr", Dir: "testdata/badmod"},
			[]string{"go build example.com/badmod/cmd/typeerr", "GOARCH=arm64", `cmd/typeerr/main.go:6:14: cannot use "not a number"`}},
	}
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Bad"), nil)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := fmt.Sprintf("Fn%d", i)
			msg := panicMessage(func() { gofunction.NewGoFunction(stack, id, tt.props) })
			if msg == "" {
				t.Fatal("no panic, want a synth error")
			}
			want := append([]string{fmt.Sprintf("gofunction %q (package %q)", id, tt.props.Package)}, tt.want...)
			for _, w := range want {
				if !strings.Contains(msg, w) {
					t.Errorf("panic does not contain %q:\n%s", w, msg)
				}
			}
		})
	}
	t.Run("reference_names_are_fine", func(t *testing.T) {
		gofunction.NewGoFunction(stack, "Refs", &gofunction.GoFunctionProps{Package: handlerPkg, Environment: map[string]string{
			"DB_PASSWORD_PARAMETER": "/db/password", "TOKEN_SECRET_ARN": "arn:aws:secretsmanager:eu-central-1:123456789012:secret:t",
			"SIGNING_KEY_ID": "alias/sign", "CACHE_KEY_PREFIX": "v1"}})
	})
}

func TestPrebuild(t *testing.T) {
	t.Run("fails_reports_every_failure", func(t *testing.T) {
		err := gofunction.Prebuild(
			&gofunction.GoFunctionProps{Package: "example.com/badmod/cmd/typeerr", Dir: "testdata/badmod"},
			&gofunction.GoFunctionProps{Package: "./lib", Dir: "testdata/badmod"},
			&gofunction.GoFunctionProps{Package: handlerPkg, Architecture: awslambda.Architecture_Custom(jsii.String("riscv64"), nil)},
		)
		if err == nil {
			t.Fatal("no error")
		}
		for _, w := range []string{"cannot use \"not a number\"", "not a main package", `unsupported architecture "riscv64"`} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error does not contain %q:\n%v", w, err)
			}
		}
	})
	t.Run("constructs_reuse_prebuilt_artifacts", func(t *testing.T) {
		f := sharedApp(t) // prebuilt both functions
		stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Again"), nil)
		again := gofunction.NewGoFunction(stack, "Hello", &gofunction.GoFunctionProps{Package: handlerPkg})
		if again.Artifact != f.arm.Artifact {
			t.Fatal("the same package was built twice in one process")
		}
	})
}

func panicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}
