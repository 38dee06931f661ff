package stacks_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/config"
	"github.com/edgekit/edgekit/constructs/ingest"
	"github.com/edgekit/edgekit/constructs/pattern"
	"github.com/edgekit/edgekit/constructs/redirect"
	"github.com/edgekit/edgekit/functions/edgelib"
	redirectfn "github.com/edgekit/edgekit/functions/redirect"
	"github.com/edgekit/edgekit/internal/testenv"
	"github.com/edgekit/edgekit/site"
	"github.com/edgekit/edgekit/stacks"
)

var update = flag.Bool("update", false, "rewrite the golden templates in testdata/")

func TestMain(m *testing.M) {
	testenv.Pin()
	os.Exit(m.Run())
}

// built is one synthesized app with its patterns.
type built struct {
	*stacks.App
	redirect *redirect.Pattern
	ingest   *ingest.Pattern
}

// build synthesizes an app from ctx with stacks.Patterns(), each replaced by
// the given pattern of the same type (tests override sources that way).
func build(t *testing.T, ctx map[string]any, overrides ...pattern.Pattern) built {
	t.Helper()
	patterns := stacks.Patterns()
	for _, o := range overrides {
		for i, p := range patterns {
			if fmt.Sprintf("%T", p) == fmt.Sprintf("%T", o) {
				patterns[i] = o
			}
		}
	}
	cfg, err := config.Load(ctx, stacks.Sections(patterns)...)
	if err != nil {
		t.Fatal(err)
	}
	b := built{App: stacks.Build(stacks.NewApp(), cfg, patterns)}
	for _, p := range patterns {
		switch v := p.(type) {
		case *redirect.Pattern:
			b.redirect = v
		case *ingest.Pattern:
			b.ingest = v
		}
	}
	return b
}

// defaultApp is the app without context, synthesized once per test binary:
// jsii makes every synthesis cost seconds.
var (
	defaultOnce  sync.Once
	defaultBuilt built
)

func defaultApp(t *testing.T) built {
	t.Helper()
	defaultOnce.Do(func() { defaultBuilt = build(t, nil) })
	if defaultBuilt.App == nil {
		t.Fatal("the default app did not build")
	}
	return defaultBuilt
}

// scrub replaces values that legitimately change with every edge or CDK code
// change (asset hashes, code digests, build ids) with stable placeholders, so
// golden diffs show structure and settings.
var (
	hex64Re   = regexp.MustCompile(`[0-9a-f]{64}`)
	codeShaRe = regexp.MustCompile(`"CodeSha256": "[A-Za-z0-9+/=]{44}"`)
)

func scrub(b []byte) []byte {
	b = hex64Re.ReplaceAll(b, []byte("<hash>"))
	return codeShaRe.ReplaceAll(b, []byte(`"CodeSha256": "<code-sha256>"`))
}

func templateJSON(t *testing.T, s awscdk.Stack) []byte {
	t.Helper()
	tpl := assertions.Template_FromStack(s, nil).ToJSON()
	b, err := json.MarshalIndent(tpl, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(scrub(b), '\n')
}

func TestGoldenTemplates(t *testing.T) {
	a := defaultApp(t)
	for _, s := range a.All() {
		name := *s.StackName()
		t.Run(name, func(t *testing.T) {
			got := templateJSON(t, s)
			path := filepath.Join("testdata", name+".template.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run `make golden` to create it, then review the diff)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("template of %s differs from %s; review with `go test ./stacks -run TestGoldenTemplates -update && git diff`\n%s",
					name, path, firstDiff(want, got))
			}
		})
	}
}

func firstDiff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + a + "\n  got:  " + b
		}
	}
	return ""
}

func TestStackLayout(t *testing.T) {
	a := defaultApp(t)
	want := map[string]string{
		"edgekit-Edge": "us-east-1", "edgekit-Storage": "eu-central-1", "edgekit-Cdn": "eu-central-1",
		"edgekit-Ingest-us-east-1": "us-east-1", "edgekit-Ingest-eu-central-1": "eu-central-1", "edgekit-Ingest-ap-northeast-1": "ap-northeast-1",
		"edgekit-Api": "eu-central-1",
	}
	got := map[string]string{}
	for _, s := range a.All() {
		got[*s.StackName()] = *s.Region()
		if !*awscdk.Token_IsUnresolved(s.Account()) {
			t.Errorf("%s has account %q; without edgekit:account stacks must be env-agnostic", *s.StackName(), *s.Account())
		}
	}
	if len(got) != len(want) {
		t.Fatalf("stacks %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("stack %s region %q, want %q", k, got[k], v)
		}
	}
	deps := map[string]bool{}
	for _, d := range *a.Cdn.Dependencies() {
		deps[*d.StackName()] = true
	}
	for _, n := range []string{"edgekit-Edge", "edgekit-Storage", "edgekit-Api", "edgekit-Ingest-us-east-1"} {
		if !deps[n] {
			t.Errorf("Cdn does not depend on %s (deps %v)", n, deps)
		}
	}
}

func TestPatternsCanBeSwitchedOff(t *testing.T) {
	// Every "enabled" key of every registered pattern, switched off.
	ctx := map[string]any{"edgekit:account": "123456789012"}
	app := config.App{AppName: "edgekit"}
	for _, s := range stacks.Sections(stacks.Patterns()) {
		s.SetDefaults(app)
		for _, f := range config.Fields(s) {
			if strings.HasSuffix(f.Key, ":enabled") {
				ctx[f.Key] = "false"
			}
		}
	}
	if len(ctx) < 4 {
		t.Fatalf("found only %d enabled switches: %v", len(ctx)-1, ctx)
	}
	a := build(t, ctx)
	if a.redirect.Function != nil || a.ingest.Edge != nil || len(a.Regional) != 0 || a.Api != nil {
		t.Fatalf("disabled patterns were created: %+v", a)
	}
	assertions.Template_FromStack(a.Edge, nil).ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(0))
	tpl := assertions.Template_FromStack(a.Cdn, nil)
	tpl.ResourceCountIs(jsii.String("Custom::EdgekitCrossRegionParameter"), jsii.Number(0))
	tpl.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), map[string]any{
		"DistributionConfig": map[string]any{"DefaultCacheBehavior": map[string]any{"LambdaFunctionAssociations": assertions.Match_Absent()}},
	})
	if *a.Cdn.Account() != "123456789012" {
		t.Fatalf("account %q not applied", *a.Cdn.Account())
	}
}

// readers returns the properties of every cross-region reader in the Cdn
// template, keyed by logical id.
func readers(t *testing.T, a built) map[string]string {
	t.Helper()
	res := assertions.Template_FromStack(a.Cdn, nil).FindResources(jsii.String("Custom::EdgekitCrossRegionParameter"), nil)
	out := map[string]string{}
	for id, r := range *res {
		b, _ := json.Marshal((*r)["Properties"])
		out[id] = string(b)
	}
	if len(out) == 0 {
		t.Fatal("no cross-region readers in the Cdn template")
	}
	return out
}

func overlay(base fs.FS, path, extra string) fs.FS {
	m := fstest.MapFS{}
	_ = fs.WalkDir(base, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(base, p)
			m[p] = &fstest.MapFile{Data: b}
		}
		return nil
	})
	m[path] = &fstest.MapFile{Data: append(m[path].Data, []byte(extra)...)}
	return m
}

func TestCrossRegionRefresh(t *testing.T) {
	base := defaultApp(t)
	before := readers(t, base)

	tpl := assertions.Template_FromStack(base.Cdn, nil)
	tpl.HasResourceProperties(jsii.String("Custom::EdgekitCrossRegionParameter"), map[string]any{
		"Create": assertions.Match_StringLikeRegexp(jsii.String(`"region":"us-east-1".*"Name":"/edgekit/edge/redirect/version-arn"|"Name":"/edgekit/edge/redirect/version-arn".*"region":"us-east-1"`)),
	})
	tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
			"Action": "ssm:GetParameter", "Effect": "Allow",
			"Resource": map[string]any{"Fn::Join": []any{"", []any{"arn:aws:ssm:us-east-1:",
				map[string]any{"Ref": "AWS::AccountId"}, ":parameter/edgekit/edge/redirect/version-arn"}}},
		}})},
	})
	// No strong cross-region references: the Cdn template imports nothing from us-east-1.
	cdnJSON := string(templateJSON(t, base.Cdn))
	if strings.Contains(cdnJSON, "Fn::ImportValue\": \"edgekit-Edge") || strings.Contains(cdnJSON, "ExportsReader") {
		t.Fatal("Cdn stack uses a CloudFormation cross-region export")
	}

	t.Run("edge source change re-reads only that function", func(t *testing.T) {
		changed := build(t, nil, &redirect.Pattern{Sources: overlay(redirectfn.Sources, "index.js", "\nglobalThis.edgekitTestMarker = 1;\n")}, &ingest.Pattern{})
		after := readers(t, changed)
		diff := diffKeys(before, after)
		if len(diff) != 1 || !strings.HasPrefix(diff[0], "RedirectVersion") {
			t.Fatalf("changed readers %v, want exactly the redirect reader", diff)
		}
		if changed.redirect.Function.BuildID == base.redirect.Function.BuildID {
			t.Fatal("build id did not change with the source")
		}
	})
	// The mutations are top-level statements, which the bundler keeps. The build
	// id follows the bundle's bytes, so it is conservative: even a change that
	// only renames minified identifiers publishes a new (equivalent) version.
	t.Run("shared lib change re-reads every function using it", func(t *testing.T) {
		lib := overlay(edgelib.Sources, "response.js", "\nglobalThis.edgekitTestMarker = 1;\n")
		changed := build(t, nil, &redirect.Pattern{Lib: lib}, &ingest.Pattern{Lib: lib})
		if d := diffKeys(before, readers(t, changed)); len(d) != 2 {
			t.Fatalf("changed readers %v, want both functions (they share edgekit:lib/response)", d)
		}
	})
	t.Run("redirect rule change re-reads", func(t *testing.T) {
		changed := build(t, map[string]any{"edgekit:redirects:rules": `[{"name":"x","path":"/a","status":301,"target":"/b"}]`})
		if d := diffKeys(before, readers(t, changed)); len(d) != 1 {
			t.Fatalf("changed readers %v, want the redirect reader", d)
		}
	})
	t.Run("unrelated changes do not re-read", func(t *testing.T) {
		changed := build(t, map[string]any{"edgekit:securityHeaders:contentSecurityPolicy": "default-src 'self'", "edgekit:ingest:bufferIntervalSeconds": 120, "edgekit:logRetentionDays": 90},
			&redirect.Pattern{Files: overlay(site.Files, "files/index.html", "<!-- changed -->")}, &ingest.Pattern{})
		if d := diffKeys(before, readers(t, changed)); len(d) != 0 {
			t.Fatalf("readers %v changed although no edge code or edge config changed", d)
		}
	})
}

func diffKeys(a, b map[string]string) []string {
	var out []string
	for k, v := range a {
		if b[k] != v {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k+"(new)")
		}
	}
	sort.Strings(out)
	return out
}

func TestNagHasNoUnsuppressedFindings(t *testing.T) {
	a := defaultApp(t)
	for _, s := range a.All() {
		for _, f := range testenv.NagFindings(s) {
			t.Errorf("%s: %s", *s.StackName(), f)
		}
	}
}

// A changed page must reach viewers on deploy: the site deployment sits
// beside the distribution and invalidates it.
func TestSiteContentInvalidatesDistribution(t *testing.T) {
	a := defaultApp(t)
	assertions.Template_FromStack(a.Storage, nil).ResourceCountIs(jsii.String("Custom::CDKBucketDeployment"), jsii.Number(0))
	tpl := assertions.Template_FromStack(a.Cdn, nil)
	tpl.HasResourceProperties(jsii.String("Custom::CDKBucketDeployment"), map[string]any{
		"DistributionId":    map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^Distribution"))},
		"DistributionPaths": []any{"/*"},
		"Prune":             true,
	})
}

func TestExactlyOnePatternServesTheRoot(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), "exactly one pattern must serve the distribution's root") {
			t.Fatalf("recover() = %v, want the root panic", r)
		}
	}()
	cfg, err := config.Load(nil, stacks.Sections([]pattern.Pattern{&ingest.Pattern{}})...)
	if err != nil {
		t.Fatal(err)
	}
	stacks.Build(stacks.NewApp(), cfg, []pattern.Pattern{&ingest.Pattern{}})
}

// The README's configuration table is generated from the config sections'
// tags; `make golden` rewrites it.
func TestREADMEConfigReference(t *testing.T) {
	const start, end = "<!-- config-reference:start (generated by `make golden`) -->\n", "<!-- config-reference:end -->"
	path := filepath.Join("..", "README.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i, j := strings.Index(readme, start), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the markers %q ... %q", start, end)
	}
	want := stacks.ConfigReference(stacks.Patterns())
	if got := readme[i+len(start) : j]; got != want {
		if *update {
			if err := os.WriteFile(path, []byte(readme[:i+len(start)]+want+readme[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("README.md's configuration table differs from the config sections; run `make golden`.\nwant:\n%s", want)
	}
}

// Same-region values reach the Cdn stack as weak references, so switching a
// pattern off never leaves Storage or Api unable to drop an export the
// deployed Cdn stack still imports.
func TestNoCloudFormationExports(t *testing.T) {
	for _, s := range defaultApp(t).All() {
		b := string(templateJSON(t, s))
		if strings.Contains(b, "Fn::ImportValue") || strings.Contains(b, `"Export":`) {
			t.Errorf("%s uses CloudFormation exports", *s.StackName())
		}
	}
}
