package gofn_test

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/edgekit/edgekit/examples/gofn"
)

func TestMain(m *testing.M) {
	for _, k := range []string{"CDK_CONTEXT_JSON", "CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION", "CDK_OUTDIR", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"} {
		os.Unsetenv(k)
	}
	os.Exit(m.Run())
}

// TestSynthesizes builds the app with cdk-nag's AwsSolutions checks, as `cdk
// synth` would, and checks the function, its package and that nag is silent.
func TestSynthesizes(t *testing.T) {
	out := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(out)})
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	a := gofn.Build(app, "eu-west-1", "hi")
	app.Synth(nil)

	if _, err := os.Stat(filepath.Join(out, "ExampleGoFn.template.json")); err != nil {
		t.Fatalf("synth did not write the template: %v", err)
	}
	if a.Hello.Artifact.Package != gofn.HelloPackage {
		t.Fatalf("built %q, want %q", a.Hello.Artifact.Package, gofn.HelloPackage)
	}
	// The asset in the cloud assembly is the zip as built, uploaded as is.
	staged, err := filepath.Glob(filepath.Join(out, "asset.*.zip"))
	if err != nil || len(staged) != 1 {
		t.Fatalf("staged zip assets %v (%v), want one", staged, err)
	}
	want, _ := os.ReadFile(a.Hello.Artifact.ZipPath)
	got, _ := os.ReadFile(staged[0])
	if len(want) == 0 || string(got) != string(want) {
		t.Fatalf("staged asset (%d bytes) is not the built zip (%d bytes)", len(got), len(want))
	}
	if a.Hello.Artifact.BinaryBytes == 0 {
		t.Fatal("no binary size")
	}

	tpl := assertions.Template_FromStack(a.Stack, nil)
	tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
		"Runtime": "provided.al2023", "Handler": "bootstrap", "Architectures": []any{"arm64"},
		"Environment": map[string]any{"Variables": map[string]any{"GREETING": "hi"}},
	})
	tpl.HasResourceProperties(jsii.String("AWS::Lambda::Url"), map[string]any{"AuthType": "AWS_IAM"})
	tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 30})

	nag := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
	ann := assertions.Annotations_FromStack(a.Stack)
	for _, m := range append(*ann.FindError(jsii.String("*"), nag), *ann.FindWarning(jsii.String("*"), nag)...) {
		b, _ := json.Marshal(m)
		t.Errorf("cdk-nag: %s", b)
	}
}

// TestBootstrapIsArm64 reads the built executable's ELF header.
func TestBootstrapIsArm64(t *testing.T) {
	a := gofn.Build(awscdk.NewApp(nil), "eu-west-1", "hi")
	zr, err := zip.OpenReader(a.Hello.Artifact.ZipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" {
		t.Fatalf("zip holds %d entries, want only bootstrap", len(zr.File))
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
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		t.Fatal(err)
	}
	if f.Machine != elf.EM_AARCH64 {
		t.Fatalf("machine %v, want aarch64", f.Machine)
	}
}

// TestImportGraphs: the handler does not link the CDK (it would bloat the
// bootstrap and its cold start), and gofunction needs no other edgekit package.
func TestImportGraphs(t *testing.T) {
	deps := func(pkg string) []string {
		t.Helper()
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		return strings.Fields(string(out))
	}
	for _, p := range deps(gofn.HelloPackage) {
		if strings.HasPrefix(p, "github.com/aws/aws-cdk-go/") || strings.HasPrefix(p, "github.com/aws/jsii-runtime-go") {
			t.Errorf("the handler links %s", p)
		}
	}
	for _, p := range deps("github.com/edgekit/edgekit/constructs/gofunction") {
		if strings.HasPrefix(p, "github.com/edgekit/edgekit/") && p != "github.com/edgekit/edgekit/constructs/gofunction" {
			t.Errorf("gofunction depends on %s", p)
		}
	}
}
