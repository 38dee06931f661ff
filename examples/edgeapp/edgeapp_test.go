package edgeapp_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/edgekit/edgekit/constructs/edgefunction"
	"github.com/edgekit/edgekit/constructs/redirect"
	"github.com/edgekit/edgekit/examples/edgeapp"
)

func TestMain(m *testing.M) {
	for _, k := range []string{"CDK_CONTEXT_JSON", "CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION", "CDK_OUTDIR"} {
		os.Unsetenv(k)
	}
	os.Exit(m.Run())
}

// TestSynthesizes builds the consumer app and synthesizes it to a cloud
// assembly on disk, as `cdk synth` would.
func TestSynthesizes(t *testing.T) {
	out := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(out)})
	s := edgeapp.Build(app, "eu-west-1", "hi")
	app.Synth(nil)

	for _, name := range []string{"ExampleEdge.template.json", "ExampleSite.template.json"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatalf("synth did not write %s: %v", name, err)
		}
		var tpl map[string]any
		if err := json.Unmarshal(b, &tpl); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if !strings.Contains(string(s.Hello.Bundle.Code), `"hi"`) {
		t.Fatalf("the greeting was not injected into the bundle: %s", s.Hello.Bundle.Code)
	}

	edge := assertions.Template_FromStack(s.Edge, nil)
	edge.HasResourceProperties(jsii.String("AWS::SSM::Parameter"), map[string]any{"Name": "/example/edge/hello/version-arn"})
	edge.HasResourceProperties(jsii.String("AWS::SSM::Parameter"), map[string]any{"Name": "/example/banner", "Value": "hello from us-east-1"})

	site := assertions.Template_FromStack(s.Site, nil)
	site.ResourceCountIs(jsii.String("Custom::EdgekitCrossRegionParameter"), jsii.Number(2))
	site.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), map[string]any{
		"DistributionConfig": map[string]any{"DefaultCacheBehavior": map[string]any{
			"LambdaFunctionAssociations": []any{map[string]any{"EventType": "viewer-request",
				"LambdaFunctionARN": map[string]any{"Fn::GetAtt": assertions.Match_AnyValue()}}},
		}},
	})
	if s.Hello.Reference.RefreshToken != s.Hello.BuildID || s.Hello.Reference.Region != "us-east-1" {
		t.Fatalf("reference %+v", s.Hello.Reference)
	}
}

// TestConstructsStandAlone proves the reusable constructs do not reach into the
// edgekit app: no config, stacks, site or handler code in their import graph.
func TestConstructsStandAlone(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps",
		"github.com/edgekit/edgekit/constructs/edgefunction",
		"github.com/edgekit/edgekit/constructs/crossregion").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	var edgekit []string
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/edgekit/edgekit/") {
			edgekit = append(edgekit, pkg)
		}
	}
	allowed := map[string]bool{
		"github.com/edgekit/edgekit/constructs/edgefunction":        true,
		"github.com/edgekit/edgekit/constructs/edgefunction/bundle": true,
		"github.com/edgekit/edgekit/constructs/crossregion":         true,
		// The shared edge library (embedded JS, edgekit:lib/<name>) and the
		// helper that documents cdk-nag findings on CDK singletons.
		"github.com/edgekit/edgekit/functions/edgelib": true,
		"github.com/edgekit/edgekit/internal/nag":      true,
	}
	for _, p := range edgekit {
		if !allowed[p] {
			t.Errorf("constructs depend on %s", p)
		}
	}
	if len(edgekit) != len(allowed) {
		t.Errorf("edgekit packages in the graph: %v", edgekit)
	}
}

// TestNagWithoutOwnSuppressions applies cdk-nag's AwsSolutions pack to an app
// built only from edgekit constructs (edgefunction, crossregion and one
// pattern construct, redirect.NewEdgeRedirect) and adds no suppressions of
// its own: every finding the constructs cause must be documented by them.
func TestNagWithoutOwnSuppressions(t *testing.T) {
	app := awscdk.NewApp(nil)
	edge := awscdk.NewStack(app, jsii.String("NagEdge"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("us-east-1")}})
	hello := edgefunction.NewEdgeFunction(edge, "Hello", &edgefunction.EdgeFunctionProps{
		Sources: edgeapp.Sources, Entry: "edge/hello/index.js", Config: map[string]string{"greeting": "hi"},
		EventTypes: []awscloudfront.LambdaEdgeEventType{awscloudfront.LambdaEdgeEventType_VIEWER_REQUEST},
	})
	redirect.NewEdgeRedirect(edge, "Redirect", &redirect.EdgeRedirectProps{Rules: redirect.DefaultRules()})
	other := awscdk.NewStack(app, jsii.String("NagOther"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}})
	edgefunction.ImportVersion(other, "HelloVersion", hello.Reference)
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	for _, s := range []awscdk.Stack{edge, other} {
		ann := assertions.Annotations_FromStack(s)
		errs := ann.FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
		warns := ann.FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
		for _, m := range append(*errs, *warns...) {
			//lint:ignore SA1019 assertions.Annotations returns cxapi.SynthesisMessage; its fields are the only access from Go.
			t.Errorf("%s: %v: %v", *s.StackName(), *m.Id, m.Entry.Data)
		}
	}
}
