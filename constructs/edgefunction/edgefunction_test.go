package edgefunction_test

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/constructs/edgefunction"
	"github.com/edgekit/edgekit/internal/testenv"
)

func TestMain(m *testing.M) {
	testenv.Pin()
	os.Exit(m.Run())
}

var sources = fstest.MapFS{
	"fn/index.js":  {Data: []byte(`import cfg from "edgekit:config"; import { hello } from "../lib/util.js"; export const handler = async () => ({ status: "200", body: hello(cfg.name) });`)},
	"lib/util.js":  {Data: []byte(`export const hello = (n) => "hello " + n;`)},
	"big/index.js": {Data: []byte(`export const handler = async () => ({ status: "200", body: ` + bigLiteral() + ` });`)},
}

// bigLiteral is a string literal of random-looking data that deflate cannot shrink below 1 MiB.
func bigLiteral() string {
	var b strings.Builder
	b.WriteString(`"`)
	x := uint32(2463534242)
	for i := 0; i < 1_500_000; i++ {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b.WriteByte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[x%62])
	}
	b.WriteString(`"`)
	return b.String()
}

func edgeStack(region string) awscdk.Stack {
	app := awscdk.NewApp(nil)
	return awscdk.NewStack(app, jsii.String("Edge"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(region)}})
}

func viewerRequest() []awscloudfront.LambdaEdgeEventType {
	return []awscloudfront.LambdaEdgeEventType{awscloudfront.LambdaEdgeEventType_VIEWER_REQUEST}
}

func TestEdgeFunctionResources(t *testing.T) {
	stack := edgeStack("us-east-1")
	fn := edgefunction.NewEdgeFunction(stack, "Hello", &edgefunction.EdgeFunctionProps{
		Sources: sources, Entry: "fn/index.js", Config: map[string]string{"name": "edge"}, EventTypes: viewerRequest(),
	})
	if !strings.Contains(string(fn.Bundle.Code), `"hello "`) || !strings.Contains(string(fn.Bundle.Code), `name:"edge"`) {
		t.Fatalf("bundle lacks code or injected config: %s", fn.Bundle.Code)
	}
	tpl := assertions.Template_FromStack(stack, nil)
	tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
		"Runtime": "nodejs22.x", "MemorySize": 128, "Timeout": 5, "Handler": "index.handler",
		"Architectures": []any{"x86_64"}, "Environment": assertions.Match_Absent(),
	})
	tpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
		"AssumeRolePolicyDocument": map[string]any{"Statement": []any{
			map[string]any{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]any{"Service": "lambda.amazonaws.com"}},
			map[string]any{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]any{"Service": "edgelambda.amazonaws.com"}},
		}},
		"ManagedPolicyArns": assertions.Match_Absent(),
	})
	tpl.HasResource(jsii.String("AWS::Lambda::Function"), map[string]any{"DeletionPolicy": "Retain"})
	tpl.HasResource(jsii.String("AWS::Lambda::Version"), map[string]any{
		"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
		"Properties": map[string]any{"Description": "build " + fn.BuildID},
	})
	tpl.HasResourceProperties(jsii.String("AWS::SSM::Parameter"), map[string]any{
		"Name": "/edgekit/edge/" + fn.FunctionName + "/version-arn", "Type": "String",
	})
	tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 30})
	if fn.Reference.Region != "us-east-1" || fn.Reference.RefreshToken != fn.BuildID || fn.Reference.ParameterName != "/edgekit/edge/"+fn.FunctionName+"/version-arn" {
		t.Fatalf("reference %+v", fn.Reference)
	}
}

func TestBuildIDTracksCodeAndSettings(t *testing.T) {
	build := func(mutate func(p *edgefunction.EdgeFunctionProps)) string {
		p := &edgefunction.EdgeFunctionProps{Sources: sources, Entry: "fn/index.js", Config: map[string]string{"name": "a"},
			EventTypes: []awscloudfront.LambdaEdgeEventType{awscloudfront.LambdaEdgeEventType_ORIGIN_REQUEST}}
		mutate(p)
		return edgefunction.NewEdgeFunction(edgeStack("us-east-1"), "Fn", p).BuildID
	}
	base := build(func(*edgefunction.EdgeFunctionProps) {})
	if again := build(func(*edgefunction.EdgeFunctionProps) {}); again != base {
		t.Fatalf("same input, different build id: %s vs %s", base, again)
	}
	changed := map[string]func(p *edgefunction.EdgeFunctionProps){
		"config": func(p *edgefunction.EdgeFunctionProps) { p.Config = map[string]string{"name": "b"} },
		"memory": func(p *edgefunction.EdgeFunctionProps) { p.MemorySize = 256 },
		"timeout": func(p *edgefunction.EdgeFunctionProps) {
			p.Timeout = awscdk.Duration_Seconds(jsii.Number(10))
		},
		"code": func(p *edgefunction.EdgeFunctionProps) {
			m := fstest.MapFS{}
			for k, v := range sources {
				m[k] = v
			}
			m["lib/util.js"] = &fstest.MapFile{Data: []byte(`export const hello = (n) => "hi " + n;`)}
			p.Sources = m
		},
	}
	for name, mut := range changed {
		if got := build(mut); got == base {
			t.Errorf("changing %s did not change the build id", name)
		}
	}
	// Log retention is not part of a version: no new version, no re-read.
	if got := build(func(p *edgefunction.EdgeFunctionProps) { p.LogRetention = awslogs.RetentionDays_ONE_YEAR }); got != base {
		t.Errorf("log retention changed the build id")
	}
}

func TestEdgeFunctionLimits(t *testing.T) {
	tests := []struct {
		name   string
		region string
		props  edgefunction.EdgeFunctionProps
		want   []string
	}{
		{"fails_wrong_region", "eu-west-1", edgefunction.EdgeFunctionProps{Sources: sources, Entry: "fn/index.js", EventTypes: viewerRequest()},
			[]string{`stack region is "eu-west-1"`}},
		{"fails_no_event_types", "us-east-1", edgefunction.EdgeFunctionProps{Sources: sources, Entry: "fn/index.js"},
			[]string{"EventTypes is empty"}},
		{"fails_viewer_memory_and_timeout", "us-east-1", edgefunction.EdgeFunctionProps{Sources: sources, Entry: "fn/index.js", EventTypes: viewerRequest(),
			MemorySize: 256, Timeout: awscdk.Duration_Seconds(jsii.Number(6))},
			[]string{"MemorySize 256 MB: viewer events allow 128..128 MB", "Timeout 6s: viewer events allow 1..5s"}},
		{"fails_origin_timeout", "us-east-1", edgefunction.EdgeFunctionProps{Sources: sources, Entry: "fn/index.js",
			EventTypes: []awscloudfront.LambdaEdgeEventType{awscloudfront.LambdaEdgeEventType_ORIGIN_RESPONSE}, Timeout: awscdk.Duration_Seconds(jsii.Number(31))},
			[]string{"Timeout 31s: origin events allow 1..30s"}},
		{"fails_arm64", "us-east-1", edgefunction.EdgeFunctionProps{Sources: sources, Entry: "fn/index.js", EventTypes: viewerRequest(),
			Architecture: awslambda.Architecture_ARM_64()}, []string{`Architecture "arm64"`}},
		{"fails_python_runtime", "us-east-1", edgefunction.EdgeFunctionProps{Sources: sources, Entry: "fn/index.js", EventTypes: viewerRequest(),
			Runtime: awslambda.Runtime_PYTHON_3_12()}, []string{`Runtime "python3.12"`}},
		{"fails_body_on_response_event", "us-east-1", edgefunction.EdgeFunctionProps{Sources: sources, Entry: "fn/index.js", IncludeBody: true,
			EventTypes: []awscloudfront.LambdaEdgeEventType{awscloudfront.LambdaEdgeEventType_ORIGIN_RESPONSE}}, []string{"IncludeBody"}},
		{"fails_viewer_zip_over_1MiB", "us-east-1", edgefunction.EdgeFunctionProps{Sources: sources, Entry: "big/index.js", EventTypes: viewerRequest()},
			[]string{"zipped code is", "viewer events allow at most 1048576"}},
		{"fails_missing_entry", "us-east-1", edgefunction.EdgeFunctionProps{Sources: sources, Entry: "nope/index.js", EventTypes: viewerRequest()},
			[]string{`entry "nope/index.js"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := panicMessage(func() { edgefunction.NewEdgeFunction(edgeStack(tt.region), "Fn", &tt.props) })
			if msg == "" {
				t.Fatal("no panic, want a synth error")
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("panic %q does not contain %q", msg, w)
				}
			}
		})
	}
	t.Run("origin_zip_over_1MiB_is_fine", func(t *testing.T) {
		edgefunction.NewEdgeFunction(edgeStack("us-east-1"), "Fn", &edgefunction.EdgeFunctionProps{Sources: sources, Entry: "big/index.js",
			EventTypes: []awscloudfront.LambdaEdgeEventType{awscloudfront.LambdaEdgeEventType_ORIGIN_REQUEST}})
	})
}

func TestEnvironmentAddedLaterFailsSynth(t *testing.T) {
	stack := edgeStack("us-east-1")
	fn := edgefunction.NewEdgeFunction(stack, "Fn", &edgefunction.EdgeFunctionProps{Sources: sources, Entry: "fn/index.js", EventTypes: viewerRequest()})
	fn.Function.AddEnvironment(jsii.String("SECRET"), jsii.String("x"), nil)
	msg := panicMessage(func() { awscdk.Stage_Of(stack).(awscdk.App).Synth(nil) })
	if !strings.Contains(msg, "does not allow environment variables") {
		t.Fatalf("synth error %q, want the environment to be rejected", msg)
	}
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

func TestLogRetentionIsApplied(t *testing.T) {
	stack := edgeStack("us-east-1")
	edgefunction.NewEdgeFunction(stack, "Fn", &edgefunction.EdgeFunctionProps{
		Sources: sources, Entry: "fn/index.js", EventTypes: viewerRequest(), LogRetention: awslogs.RetentionDays_ONE_YEAR,
	})
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 365})
}

// Default names derive from the stack name and the construct path, so they
// never collide: same id under two parents, one construct in two stacks, two
// apps (different stack names) in one account, odd ids.
func TestDefaultNamesAreUnique(t *testing.T) {
	app := awscdk.NewApp(nil)
	env := &awscdk.Environment{Region: jsii.String("us-east-1")}
	stackA := awscdk.NewStack(app, jsii.String("Edge"), &awscdk.StackProps{Env: env, StackName: jsii.String("app-one-Edge")})
	stackB := awscdk.NewStack(app, jsii.String("Edge2"), &awscdk.StackProps{Env: env, StackName: jsii.String("app-two-Edge")})
	props := func() *edgefunction.EdgeFunctionProps {
		return &edgefunction.EdgeFunctionProps{Sources: sources, Entry: "fn/index.js", EventTypes: viewerRequest()}
	}
	var fns []*edgefunction.EdgeFunction
	for _, parent := range []constructs.Construct{
		constructs.NewConstruct(stackA, jsii.String("Left")),
		constructs.NewConstruct(stackA, jsii.String("Right")),
		stackB,
	} {
		fns = append(fns, edgefunction.NewEdgeFunction(parent, "Same", props()))
	}
	fns = append(fns,
		edgefunction.NewEdgeFunction(stackA, "with spaces & odd/chars:ü", props()),
		edgefunction.NewEdgeFunction(stackA, "with spaces & odd chars ü", props()),
	)
	names, params := map[string]bool{}, map[string]bool{}
	for _, fn := range fns {
		name, param := fn.FunctionName, fn.Reference.ParameterName
		if names[name] || params[param] {
			t.Errorf("duplicate default name %q or parameter %q", name, param)
		}
		names[name], params[param] = true, true
		if len(name) > 64 || !regexp.MustCompile(`^[A-Za-z0-9_-]+$`).MatchString(name) {
			t.Errorf("function name %q is not a valid Lambda function name", name)
		}
		if !regexp.MustCompile(`^/[A-Za-z0-9_.\-/]+$`).MatchString(param) {
			t.Errorf("parameter %q is not a valid SSM name", param)
		}
	}
	// Two apps: the same construct tree under different stack names.
	other := awscdk.NewApp(nil)
	stackC := awscdk.NewStack(other, jsii.String("Edge"), &awscdk.StackProps{Env: env, StackName: jsii.String("app-three-Edge")})
	c := edgefunction.NewEdgeFunction(constructs.NewConstruct(stackC, jsii.String("Left")), "Same", props())
	if c.FunctionName == fns[0].FunctionName || c.Reference.ParameterName == fns[0].Reference.ParameterName {
		t.Errorf("two apps got the same names: %q %q", c.FunctionName, c.Reference.ParameterName)
	}
}
