package books

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/config"
	"github.com/edgekit/edgekit/constructs/crossregion"
	"github.com/edgekit/edgekit/constructs/edgefunction"
	"github.com/edgekit/edgekit/functions/books/signer"
)

// Signer limits and defaults.
const (
	// IncludeBodyMaxBytes is the most body CloudFront hands an
	// origin-request function (1 MB); beyond it the body arrives truncated
	// and the signer answers 413.
	IncludeBodyMaxBytes = 1 << 20
	// FunctionURLHostPattern matches Lambda function URL hosts
	// (<url-id>.lambda-url.<region>.on.aws).
	FunctionURLHostPattern = "{id}.lambda-url.{region}.on.aws"
	// SignerEntry is the signer's entry module inside functions/books/signer.
	SignerEntry = "index.js"
)

// OriginRule tells the signer one kind of origin it signs for: the SigV4
// signing name and the hosts, by template. The signing region is the
// template's {region} label of the origin host, and must be listed. The JSON
// field names are the contract with functions/books/signer/origins.js.
type OriginRule struct {
	// Name identifies the rule in the signer's logs.
	Name string `json:"name"`
	// Service is the SigV4 signing name: "lambda" for function URLs,
	// "execute-api" for API Gateway.
	Service string `json:"service"`
	// HostPattern is the origin host with {region} (exactly once) and {id}
	// (at most once, one DNS label of a-z 0-9) as placeholders; the rest is
	// literal a-z 0-9 . -.
	HostPattern string `json:"hostPattern"`
	// Regions the signer may sign for.
	Regions []string `json:"regions"`
}

// FunctionURLRule is the rule for Lambda function URLs in regions.
func FunctionURLRule(regions ...string) OriginRule {
	return OriginRule{Name: "lambda-function-url", Service: "lambda", HostPattern: FunctionURLHostPattern, Regions: regions}
}

// HandlerConfig is the signer's synth-time configuration, baked into the
// bundle as "edgekit:config" (Lambda@Edge allows no environment variables).
// The JSON field names are the contract with functions/books/signer.
type HandlerConfig struct {
	// Origins the signer signs for; any other origin is answered 502.
	Origins []OriginRule `json:"origins"`
	// MaxBodyBytes is the largest body signed; larger bodies are answered
	// 413 at the edge, before the origin is invoked.
	MaxBodyBytes int `json:"maxBodyBytes"`
}

// EdgeSignerProps configures an EdgeSigner.
type EdgeSignerProps struct {
	// Origins are the kinds of origin the signer signs for (at least one),
	// e.g. FunctionURLRule("eu-central-1").
	Origins []OriginRule
	// Functions whose URLs the signer invokes: its role gets
	// lambda:InvokeFunctionUrl (only while the URL's auth type is AWS_IAM)
	// and lambda:InvokeFunction on each, both required for function URLs
	// since 2026-11-01. Import them by ARN when they live in another region
	// or in a stack deployed later (awslambda.Function_FromFunctionAttributes).
	// Default: none; grant through Role.
	Functions []awslambda.IFunction
	// MaxBodyBytes is the largest body the signer signs, at most 1 MB (the
	// include-body limit). Default: 1 MB.
	MaxBodyBytes int
	// FunctionName of the edge function. Default: derived from the construct
	// path (edgefunction).
	FunctionName string
	// ParameterName of the SSM parameter with the version ARN.
	// Default: derived from the function name (edgefunction).
	ParameterName string
	// MemorySize in MB. Lambda allots a full vCPU at 1,769 MB, so 128 MB
	// gets about a fourteenth of one: decoding and hashing a 1 MB body
	// (about 1 ms on a full core, bench/signer.mjs) then takes some 15 ms, a
	// 16 KiB books body well under 1 ms. Default: 128.
	MemorySize float64
	// Timeout of one invocation. Default: 5 seconds.
	Timeout awscdk.Duration
	// LogRetention of the function's us-east-1 log group. Default: one month.
	LogRetention awslogs.RetentionDays
	// Sources holds the signer modules. Default: functions/books/signer.
	Sources fs.FS
	// Lib holds the shared edge library. Default: functions/edgelib.
	Lib fs.FS
}

// EdgeSigner is the origin-request Lambda@Edge function that signs requests
// to IAM-authenticated origins with SigV4 (functions/books/signer), with a
// role allowed to invoke exactly the given functions.
//
// Create it in a us-east-1 stack; attach it with AddApiBehavior (or as an
// ORIGIN_REQUEST edge lambda with include-body) in the distribution's stack,
// importing the version through Reference.
type EdgeSigner struct {
	constructs.Construct
	// Function is the Lambda@Edge function with its version and SSM publication.
	Function *edgefunction.EdgeFunction
	// Role is the function's execution role; add grants for other origins here.
	Role awsiam.IRole
	// HandlerConfig is the configuration baked into the bundle.
	HandlerConfig HandlerConfig
	// Reference locates the published version ARN (edgefunction.ImportVersion).
	Reference crossregion.Reference
}

var (
	ruleNameRe = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	serviceRe  = regexp.MustCompile(`^[a-z0-9-]{1,64}$`)
	literalRe  = regexp.MustCompile(`^[a-z0-9.-]*$`)
)

// ruleProblems checks rules as origins.js will at cold start, so a bad rule
// fails synth instead of every deployed request.
func ruleProblems(rules []OriginRule) []string {
	var out []string
	if len(rules) == 0 {
		out = append(out, "Origins is empty: name at least one kind of origin to sign for, e.g. FunctionURLRule(region)")
	}
	names := map[string]bool{}
	for i, r := range rules {
		at := fmt.Sprintf("Origins[%d]", i)
		if !ruleNameRe.MatchString(r.Name) {
			out = append(out, fmt.Sprintf("%s.Name %q must be 1-64 characters of A-Z a-z 0-9 . _ -", at, r.Name))
		} else if names[r.Name] {
			out = append(out, fmt.Sprintf("%s.Name %q is used twice", at, r.Name))
		}
		names[r.Name] = true
		if !serviceRe.MatchString(r.Service) {
			out = append(out, fmt.Sprintf("%s.Service %q must be a SigV4 signing name like \"lambda\"", at, r.Service))
		}
		rest := strings.ReplaceAll(strings.ReplaceAll(r.HostPattern, "{region}", ""), "{id}", "")
		if strings.Count(r.HostPattern, "{region}") != 1 || strings.Count(r.HostPattern, "{id}") > 1 || !literalRe.MatchString(rest) {
			out = append(out, fmt.Sprintf("%s.HostPattern %q needs {region} once, {id} at most once, and otherwise only a-z 0-9 . -", at, r.HostPattern))
		}
		if len(r.Regions) == 0 {
			out = append(out, fmt.Sprintf("%s.Regions is empty", at))
		}
		seen := map[string]bool{}
		for _, region := range r.Regions {
			if !config.RegionRe.MatchString(region) {
				out = append(out, fmt.Sprintf("%s.Regions contains %q, not a region name", at, region))
			} else if seen[region] {
				out = append(out, fmt.Sprintf("%s.Regions contains %q twice", at, region))
			}
			seen[region] = true
		}
	}
	return out
}

// NewEdgeSigner validates props and creates the signer. It panics with one
// message naming every invalid value.
func NewEdgeSigner(scope constructs.Construct, id string, props *EdgeSignerProps) *EdgeSigner {
	p := EdgeSignerProps{}
	if props != nil {
		p = *props
	}
	if p.MaxBodyBytes == 0 {
		p.MaxBodyBytes = IncludeBodyMaxBytes
	}
	if p.Sources == nil {
		p.Sources = signer.Sources
	}
	errs := ruleProblems(p.Origins)
	if p.MaxBodyBytes < 0 || p.MaxBodyBytes > IncludeBodyMaxBytes {
		errs = append(errs, fmt.Sprintf("MaxBodyBytes %d must be 0..%d: CloudFront hands origin-request functions at most 1 MB of body", p.MaxBodyBytes, IncludeBodyMaxBytes))
	}
	for i, f := range p.Functions {
		if f == nil {
			errs = append(errs, fmt.Sprintf("Functions[%d] is nil", i))
		}
	}
	if len(errs) > 0 {
		panic(fmt.Sprintf("books.NewEdgeSigner %q: invalid props:\n  - %s", id, strings.Join(errs, "\n  - ")))
	}

	cfg := HandlerConfig{Origins: p.Origins, MaxBodyBytes: p.MaxBodyBytes}
	c := constructs.NewConstruct(scope, jsii.String(id))
	fn := edgefunction.NewEdgeFunction(c, "Function", &edgefunction.EdgeFunctionProps{
		Sources:       p.Sources,
		Lib:           p.Lib,
		Entry:         SignerEntry,
		Config:        cfg,
		EventTypes:    []awscloudfront.LambdaEdgeEventType{awscloudfront.LambdaEdgeEventType_ORIGIN_REQUEST},
		IncludeBody:   true,
		FunctionName:  p.FunctionName,
		Description:   "edgekit SigV4 origin-request signer",
		MemorySize:    p.MemorySize,
		Timeout:       p.Timeout,
		LogRetention:  p.LogRetention,
		ParameterName: p.ParameterName,
	})

	if len(p.Functions) > 0 {
		arns := make([]*string, len(p.Functions))
		for i, f := range p.Functions {
			arns[i] = f.FunctionArn()
		}
		// Both actions are needed for every function URL since 2026-11-01.
		// The URL action is limited to URLs with AWS_IAM auth, the only kind
		// a signature is for (as in the seed).
		fn.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("InvokeFunctionUrl"),
			Actions:    jsii.Strings("lambda:InvokeFunctionUrl"),
			Resources:  &arns,
			Conditions: &map[string]any{"StringEquals": map[string]any{"lambda:FunctionUrlAuthType": "AWS_IAM"}},
		}))
		fn.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("InvokeFunction"),
			Actions:   jsii.Strings("lambda:InvokeFunction"),
			Resources: &arns,
		}))
	}
	return &EdgeSigner{Construct: c, Function: fn, Role: fn.Role, HandlerConfig: cfg, Reference: fn.Reference}
}
