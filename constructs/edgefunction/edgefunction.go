package edgefunction

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/edgekit/edgekit/constructs/crossregion"
	"github.com/edgekit/edgekit/constructs/edgefunction/bundle"
)

// EdgeRegion is the only region Lambda@Edge functions can be created in.
const EdgeRegion = "us-east-1"

// Lambda@Edge quotas (AWS documentation, "Quotas on Lambda@Edge").
const (
	ViewerMaxMemoryMB      = 128
	OriginMaxMemoryMB      = 10240
	ViewerMaxTimeoutSecs   = 5
	OriginMaxTimeoutSecs   = 30
	ViewerMaxZipBytes      = 1 << 20
	OriginMaxZipBytes      = 50 << 20
	MinMemoryMB            = 128
	DefaultLogRetention    = awslogs.RetentionDays_ONE_MONTH
	defaultParameterPrefix = "/edgekit/edge/"
)

// EdgeFunctionProps configures an EdgeFunction.
type EdgeFunctionProps struct {
	// Sources holds the JavaScript sources (ES modules); see package bundle.
	Sources fs.FS
	// Entry is the entry module's path inside Sources; it must export `handler`.
	Entry string
	// Lib holds the shared edge library imported as "edgekit:lib/<name>".
	// Default: functions/edgelib.
	Lib fs.FS
	// EventTypes are the CloudFront events the function will be attached to. The
	// limits checked at synth depend on them, so at least one is required.
	EventTypes []awscloudfront.LambdaEdgeEventType
	// Config is JSON-marshalled and served to the code as "edgekit:config".
	// Default: an empty object.
	Config any
	// IncludeBody declares that the function will be attached with include-body,
	// which CloudFront allows on request events only. Default: false.
	IncludeBody bool
	// FunctionName of the Lambda function. Default: a name derived from the
	// stack name and the construct path (awscdk.Names_UniqueResourceName), so
	// two functions with the same id under different parents, the same
	// construct in two stacks, or two apps in one account never collide. It is
	// needed up front to scope the log permissions.
	FunctionName string
	// Description of the function. Default: "Lambda@Edge <entry>".
	Description string
	// MemorySize in MB. Default: 128.
	MemorySize float64
	// Timeout of one invocation. Default: 5 seconds.
	Timeout awscdk.Duration
	// Runtime must be a Node.js runtime that Lambda@Edge supports.
	// Default: nodejs22.x.
	Runtime awslambda.Runtime
	// Architecture must be x86_64: Lambda@Edge rejects arm64.
	// Default: x86_64.
	Architecture awslambda.Architecture
	// LogRetention of the function's us-east-1 log group.
	// Default: one month.
	LogRetention awslogs.RetentionDays
	// ParameterName of the SSM parameter receiving the version ARN.
	// Default: "/edgekit/edge/<function name>/version-arn", unique because the
	// function name is.
	ParameterName string
	// RemovalPolicy of the function. Lambda refuses to delete a function while
	// CloudFront still has replicas of it, which lasts hours after the
	// distribution lets go, so deleting it in the same `cdk destroy` fails the
	// whole teardown. Retained functions are deleted later by hand (README).
	// Versions are always retained for the same reason.
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// EdgeFunction is a bundled, validated Lambda@Edge function with a published
// version and its ARN in SSM.
type EdgeFunction struct {
	constructs.Construct
	// Function is the underlying Lambda function.
	Function awslambda.Function
	// FunctionName is the function's name, known at synth.
	FunctionName string
	// Version is the numbered version to attach to a distribution in the same stack.
	Version awslambda.Version
	// Role is the execution role, trusted by lambda and edgelambda.
	Role awsiam.Role
	// LogGroup is the us-east-1 log group. Replicas log to "/aws/lambda/us-east-1.<name>"
	// in the region that served the request; Lambda creates those groups.
	LogGroup awslogs.LogGroup
	// Publication is the SSM parameter holding the version ARN.
	Publication *crossregion.Publication
	// Reference lets another stack, in any region, import the version (ImportVersion).
	Reference crossregion.Reference
	// Bundle is the built deployment package.
	Bundle *bundle.Result
	// BuildID is a hex SHA-256 over the code and every setting a version snapshots:
	// it changes exactly when a new version is published.
	BuildID string
}

func isViewer(e awscloudfront.LambdaEdgeEventType) bool {
	return e == awscloudfront.LambdaEdgeEventType_VIEWER_REQUEST || e == awscloudfront.LambdaEdgeEventType_VIEWER_RESPONSE
}

func isRequest(e awscloudfront.LambdaEdgeEventType) bool {
	return e == awscloudfront.LambdaEdgeEventType_VIEWER_REQUEST || e == awscloudfront.LambdaEdgeEventType_ORIGIN_REQUEST
}

// NewEdgeFunction bundles, validates and creates the function. It panics with
// one message naming every violated limit and the offending values.
func NewEdgeFunction(scope constructs.Construct, id string, props *EdgeFunctionProps) *EdgeFunction {
	if props == nil {
		props = &EdgeFunctionProps{}
	}
	p := *props
	if p.MemorySize == 0 {
		p.MemorySize = MinMemoryMB
	}
	if p.Timeout == nil {
		p.Timeout = awscdk.Duration_Seconds(jsii.Number(5))
	}
	if p.Runtime == nil {
		p.Runtime = awslambda.Runtime_NODEJS_22_X()
	}
	if p.Architecture == nil {
		p.Architecture = awslambda.Architecture_X86_64()
	}
	if p.LogRetention == "" {
		p.LogRetention = DefaultLogRetention
	}
	if p.Description == "" {
		p.Description = "Lambda@Edge " + p.Entry
	}
	if p.RemovalPolicy == "" {
		p.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}

	var errs []string
	fail := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }

	region := *awscdk.Stack_Of(scope).Region()
	if !*awscdk.Token_IsUnresolved(jsii.String(region)) && region != EdgeRegion {
		fail("stack region is %q: Lambda@Edge functions must be created in %s", region, EdgeRegion)
	}
	if len(p.EventTypes) == 0 {
		fail("EventTypes is empty: name the CloudFront events the function serves, the limits depend on them")
	}
	viewer, responseEvent := false, false
	for _, e := range p.EventTypes {
		switch e {
		case awscloudfront.LambdaEdgeEventType_VIEWER_REQUEST, awscloudfront.LambdaEdgeEventType_VIEWER_RESPONSE,
			awscloudfront.LambdaEdgeEventType_ORIGIN_REQUEST, awscloudfront.LambdaEdgeEventType_ORIGIN_RESPONSE:
		default:
			fail("EventTypes contains %q, not a Lambda@Edge event type", e)
		}
		viewer = viewer || isViewer(e)
		responseEvent = responseEvent || !isRequest(e)
	}
	if p.IncludeBody && responseEvent {
		fail("IncludeBody is set but EventTypes %v include a response event: CloudFront exposes the body on request events only", p.EventTypes)
	}
	rt := *p.Runtime.Name()
	if !strings.HasPrefix(rt, "nodejs") {
		fail("Runtime %q: Lambda@Edge runs Node.js and Python only, and this construct bundles JavaScript, so use a Node.js runtime", rt)
	}
	if arch := *p.Architecture.Name(); arch != "x86_64" {
		fail("Architecture %q: Lambda@Edge supports x86_64 only", arch)
	}
	maxMem, maxTimeout, maxZip, kind := float64(OriginMaxMemoryMB), float64(OriginMaxTimeoutSecs), OriginMaxZipBytes, "origin"
	if viewer {
		maxMem, maxTimeout, maxZip, kind = ViewerMaxMemoryMB, ViewerMaxTimeoutSecs, ViewerMaxZipBytes, "viewer"
	}
	if p.MemorySize < MinMemoryMB || p.MemorySize > maxMem {
		fail("MemorySize %v MB: %s events allow %d..%v MB", p.MemorySize, kind, MinMemoryMB, maxMem)
	}
	timeout := *p.Timeout.ToSeconds(nil)
	if timeout < 1 || timeout > maxTimeout {
		fail("Timeout %vs: %s events allow 1..%vs", timeout, kind, maxTimeout)
	}

	var res *bundle.Result
	if p.Sources == nil || p.Entry == "" {
		fail("Sources and Entry are required (got Entry %q)", p.Entry)
	} else {
		var err error
		res, err = bundle.Build(bundle.Options{Sources: p.Sources, Lib: p.Lib, Entry: p.Entry, Config: p.Config})
		if err != nil {
			fail("%v", err)
		} else if len(res.Zip) > maxZip {
			fail("zipped code is %d bytes: %s events allow at most %d", len(res.Zip), kind, maxZip)
		}
	}
	if len(errs) > 0 {
		panic(fmt.Sprintf("edgefunction %q: invalid Lambda@Edge function:\n  - %s", id, strings.Join(errs, "\n  - ")))
	}

	c := constructs.NewConstruct(scope, jsii.String(id))
	name := p.FunctionName
	if name == "" {
		name = *awscdk.Names_UniqueResourceName(c, &awscdk.UniqueResourceNameOptions{MaxLength: jsii.Number(64)})
	}
	if p.ParameterName == "" {
		p.ParameterName = defaultParameterPrefix + name + "/version-arn"
	}

	// The build id covers everything a published version snapshots, so a new
	// version (and a new refresh token) appears exactly when one of them changes.
	buildID := hashOf(map[string]any{
		"zip": res.ZipSHA256, "runtime": rt, "memory": p.MemorySize, "timeout": timeout,
		"name": name, "handler": "index.handler", "description": p.Description,
	})

	logGroup := awslogs.NewLogGroup(c, jsii.String("LogGroup"), &awslogs.LogGroupProps{
		LogGroupName: jsii.String("/aws/lambda/" + name),
		Retention:    p.LogRetention,
		// Logs are disposable once retention is set; keeping the named group
		// would make the next deploy after a teardown fail with "already exists".
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})

	role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		Description: jsii.String("Execution role of Lambda@Edge function " + name),
		AssumedBy: awsiam.NewCompositePrincipal(
			awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
			awsiam.NewServicePrincipal(jsii.String("edgelambda.amazonaws.com"), nil),
		),
	})
	stack := awscdk.Stack_Of(c)
	logArn := func(region, group string) *string {
		return stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("logs"), Region: jsii.String(region), Resource: jsii.String("log-group"),
			ResourceName: jsii.String(group + ":*"), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})
	}
	// Replicas write to "/aws/lambda/us-east-1.<name>" in whichever region served
	// the request, and create that group there: the region must be a wildcard.
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:     jsii.String("ReplicaLogs"),
		Actions: jsii.Strings("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: &[]*string{
			logArn("*", "/aws/lambda/"+EdgeRegion+"."+name),
		},
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("HomeLogs"),
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: &[]*string{logGroup.LogGroupArn()},
	}))

	zipPath := writeAsset(res)
	fn := awslambda.NewFunction(c, jsii.String("Function"), &awslambda.FunctionProps{
		FunctionName: jsii.String(name),
		Description:  jsii.String(p.Description),
		Code:         awslambda.Code_FromAsset(jsii.String(zipPath), nil),
		Handler:      jsii.String("index.handler"),
		Runtime:      p.Runtime,
		Architecture: p.Architecture,
		MemorySize:   jsii.Number(p.MemorySize),
		Timeout:      p.Timeout,
		Role:         role,
	})
	fn.Node().AddDependency(logGroup)
	fn.ApplyRemovalPolicy(p.RemovalPolicy)
	cfn := fn.Node().DefaultChild().(awslambda.CfnFunction)
	fn.Node().AddValidation(&edgeCompat{stack: stack, fn: cfn, id: id})

	sum, _ := hex.DecodeString(res.ZipSHA256)
	version := awslambda.NewVersion(c, jsii.String("Version"), &awslambda.VersionProps{
		Lambda: fn,
		// CodeSha256 and the build id in the description are replacement
		// properties: any change publishes a new version under the same logical id.
		CodeSha256:  jsii.String(base64.StdEncoding.EncodeToString(sum)),
		Description: jsii.String("build " + buildID),
		// Replicas keep a version in use for hours after it is detached.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})

	pub := crossregion.Publish(c, "VersionArn", &crossregion.PublishProps{
		ParameterName: p.ParameterName,
		Value:         version.FunctionArn(),
		RefreshToken:  buildID,
		Description:   "Published Lambda@Edge version ARN of " + name,
	})

	// Last, so the suppressions reach every resource of the construct.
	suppressOwnFindings(c, name)
	return &EdgeFunction{
		Construct: c, Function: fn, FunctionName: name, Version: version, Role: role, LogGroup: logGroup,
		Publication: pub, Reference: pub.Reference, Bundle: res, BuildID: buildID,
	}
}

// suppressOwnFindings documents the cdk-nag AwsSolutions findings this
// construct causes by design, on its own resources only, so an app using it
// under AwsSolutionsChecks needs no suppressions of its own.
func suppressOwnFindings(c constructs.Construct, name string) {
	cdknag.NagSuppressions_AddResourceSuppressions(c, &[]*cdknag.NagPackSuppression{
		{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("Lambda@Edge replicas log to /aws/lambda/us-east-1.<function> in whichever region serves " +
				"the request, so the log-group ARN needs a region wildcard; the group name is exact."),
			AppliesTo: &[]any{map[string]any{"regex": "/^Resource::arn:(<AWS::Partition>|[^:]+):logs:\\*:<AWS::AccountId>:log-group:\\/aws\\/lambda\\/us-east-1\\." +
				regexp.QuoteMeta(name) + ":\\*$/"}},
		},
		{
			Id: jsii.String("AwsSolutions-L1"),
			Reason: jsii.String("Lambda@Edge supports fewer runtimes than regional Lambda; nodejs22.x is the newest " +
				"confirmed for Lambda@Edge (edgefunction.EdgeFunctionProps.Runtime)."),
		},
	}, jsii.Bool(true))
}

// ImportVersion reads an EdgeFunction's version ARN (from SSM in us-east-1) in
// any stack, re-reading exactly when the function's build changes.
func ImportVersion(scope constructs.Construct, id string, ref crossregion.Reference) awslambda.IVersion {
	c := constructs.NewConstruct(scope, jsii.String(id))
	r := crossregion.NewReader(c, "Arn", &crossregion.ReaderProps{Reference: ref})
	return awslambda.Version_FromVersionArn(c, jsii.String("Version"), r.Value())
}

// edgeCompat rejects settings Lambda@Edge refuses, even when added after construction.
type edgeCompat struct {
	stack awscdk.Stack
	fn    awslambda.CfnFunction
	id    string
}

func (v *edgeCompat) Validate() *[]*string {
	var out []*string
	check := func(what string, val any) {
		if val == nil {
			return
		}
		r := v.stack.Resolve(val)
		if r == nil {
			return
		}
		if m, ok := r.(map[string]any); ok && len(m) == 0 {
			return
		}
		if l, ok := r.([]any); ok && len(l) == 0 {
			return
		}
		out = append(out, jsii.String(fmt.Sprintf("edgefunction %q: Lambda@Edge does not allow %s (found %v)", v.id, what, r)))
	}
	check("environment variables", v.fn.Environment())
	check("layers", v.fn.Layers())
	check("a VPC configuration", v.fn.VpcConfig())
	check("a dead-letter queue", v.fn.DeadLetterConfig())
	check("file systems", v.fn.FileSystemConfigs())
	if a := v.stack.Resolve(v.fn.Architectures()); a != nil {
		if l, ok := a.([]any); ok {
			for _, x := range l {
				if x != "x86_64" {
					out = append(out, jsii.String(fmt.Sprintf("edgefunction %q: architecture %v is not supported at the edge", v.id, x)))
				}
			}
		}
	}
	return &out
}

func hashOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// writeAsset puts the zip in a content-addressed file under the temp dir. CDK
// fingerprints file contents, so the path never reaches the template.
func writeAsset(res *bundle.Result) string {
	dir := filepath.Join(os.TempDir(), "edgekit-edge-assets")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		panic(fmt.Sprintf("edgefunction: create asset dir: %v", err))
	}
	path := filepath.Join(dir, res.ZipSHA256+".zip")
	if b, err := os.ReadFile(path); err == nil && len(b) == len(res.Zip) {
		return path
	}
	tmp, err := os.CreateTemp(dir, "partial-*")
	if err != nil {
		panic(fmt.Sprintf("edgefunction: write asset: %v", err))
	}
	if _, err := tmp.Write(res.Zip); err != nil {
		panic(fmt.Sprintf("edgefunction: write asset: %v", err))
	}
	tmp.Close()
	if err := os.Rename(tmp.Name(), path); err != nil {
		panic(fmt.Sprintf("edgefunction: write asset: %v", err))
	}
	return path
}
