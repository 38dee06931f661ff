package basicauth

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/edgekit/edgekit/constructs/edgefunction"
	basicauthfn "github.com/edgekit/edgekit/functions/basicauth"
)

// HandlerConfig is the Basic-auth handler's synth-time configuration, baked
// into the bundle as "edgekit:config" (Lambda@Edge has no environment
// variables). The JSON names are the contract with
// functions/basicauth/index.js, which refuses to start without them. It holds
// the users store's name, never its content: credentials are read at cold
// start, so no template or bundle carries one.
type HandlerConfig struct {
	// ParameterName is the users store (SSM SecureString).
	ParameterName string `json:"parameterName"`
	// ParameterRegion is the store's region: the Edge stack's, us-east-1.
	ParameterRegion string `json:"parameterRegion"`
	// Realm of the 401 challenge.
	Realm string `json:"realm"`
	// UsersTTLSeconds is how long a container uses the users it read.
	UsersTTLSeconds int `json:"usersTtlSeconds"`
}

// EdgeBasicAuthProps configures NewEdgeBasicAuth.
type EdgeBasicAuthProps struct {
	// UsersParameterName is the SSM SecureString holding the users, in the
	// stack's region (us-east-1). The function may read this parameter and
	// nothing else.
	UsersParameterName string
	// Realm of the 401 challenge. Default: "private content".
	Realm string
	// UsersTTLSeconds is how long a container uses the users it read.
	// Default: DefaultUsersTTLSeconds.
	UsersTTLSeconds int
	// FunctionName of the Lambda function. Default: derived from the stack
	// name and construct path (edgefunction).
	FunctionName string
	// VersionParameterName is the SSM parameter receiving the version ARN.
	// Default: derived from the function name (edgefunction).
	VersionParameterName string
	// LogRetention of the function's us-east-1 log group. Default: one month.
	LogRetention awslogs.RetentionDays
	// Sources holds the handler modules. Default: functions/basicauth.
	Sources fs.FS
	// Lib holds the shared edge library. Default: functions/edgelib.
	Lib fs.FS
}

// EdgeBasicAuth is the Basic-auth viewer-request function and its grant.
type EdgeBasicAuth struct {
	// Function is the Lambda@Edge function; attach Function.Reference
	// (edgefunction.ImportVersion) as a VIEWER_REQUEST edge lambda.
	Function *edgefunction.EdgeFunction
	// UsersParameterArn is the ARN of the users store the function reads.
	UsersParameterArn *string
}

// NewEdgeBasicAuth creates the viewer-request function in a us-east-1 stack
// (128 MB, 5 s: the viewer-request limits) with read access to exactly one
// SSM parameter: ssm:GetParameter on the users store, and kms:Decrypt only
// through SSM in this region for that parameter (the kms:ViaService and
// PARAMETER_ARN encryption-context conditions). The second statement is what
// a customer managed key needs; with the default aws/ssm key its key policy
// already lets SSM decrypt for the account, and the condition keeps the grant
// from reaching any other use of any key. It panics with one message naming
// every invalid prop.
func NewEdgeBasicAuth(scope constructs.Construct, id string, props *EdgeBasicAuthProps) *EdgeBasicAuth {
	if props == nil {
		props = &EdgeBasicAuthProps{}
	}
	p := *props
	if p.Realm == "" {
		p.Realm = "private content"
	}
	if p.UsersTTLSeconds == 0 {
		p.UsersTTLSeconds = DefaultUsersTTLSeconds
	}
	if p.Sources == nil {
		p.Sources = basicauthfn.Sources
	}
	var errs []string
	if why := parameterProblem(p.UsersParameterName); why != "" {
		errs = append(errs, fmt.Sprintf("UsersParameterName %q %s", p.UsersParameterName, why))
	}
	if !realmRe.MatchString(p.Realm) {
		errs = append(errs, fmt.Sprintf("Realm %q must be 1-128 printable ASCII characters without '\"' or '\\'", p.Realm))
	}
	if p.UsersTTLSeconds < 10 || p.UsersTTLSeconds > 3600 {
		errs = append(errs, fmt.Sprintf("UsersTTLSeconds %d must be 10..3600", p.UsersTTLSeconds))
	}
	if len(errs) > 0 {
		panic(fmt.Sprintf("basicauth.NewEdgeBasicAuth %q: invalid props:\n  - %s", id, strings.Join(errs, "\n  - ")))
	}

	fn := edgefunction.NewEdgeFunction(scope, id, &edgefunction.EdgeFunctionProps{
		Sources: p.Sources,
		Lib:     p.Lib,
		Entry:   "index.js",
		Config: HandlerConfig{
			ParameterName:   p.UsersParameterName,
			ParameterRegion: edgefunction.EdgeRegion,
			Realm:           p.Realm,
			UsersTTLSeconds: p.UsersTTLSeconds,
		},
		EventTypes:    []awscloudfront.LambdaEdgeEventType{awscloudfront.LambdaEdgeEventType_VIEWER_REQUEST},
		FunctionName:  p.FunctionName,
		Description:   "edgekit viewer-request Basic auth",
		MemorySize:    edgefunction.ViewerMaxMemoryMB,
		Timeout:       awscdk.Duration_Seconds(jsii.Number(edgefunction.ViewerMaxTimeoutSecs)),
		LogRetention:  p.LogRetention,
		ParameterName: p.VersionParameterName,
	})

	stack := awscdk.Stack_Of(fn.Function)
	paramArn := stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("ssm"),
		Region:       jsii.String(edgefunction.EdgeRegion),
		Resource:     jsii.String("parameter"),
		ResourceName: jsii.String(strings.TrimPrefix(p.UsersParameterName, "/")),
	})
	fn.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReadUsers"),
		Actions:   jsii.Strings("ssm:GetParameter"),
		Resources: &[]*string{paramArn},
	}))
	keys := stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("kms"),
		Region:       jsii.String(edgefunction.EdgeRegion),
		Resource:     jsii.String("key"),
		ResourceName: jsii.String("*"),
	})
	fn.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("DecryptUsers"),
		Actions:   jsii.Strings("kms:Decrypt"),
		Resources: &[]*string{keys},
		Conditions: &map[string]any{"StringEquals": map[string]any{
			"kms:ViaService":                      "ssm." + edgefunction.EdgeRegion + ".amazonaws.com",
			"kms:EncryptionContext:PARAMETER_ARN": paramArn,
		}},
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(fn.Role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("kms:Decrypt of the SecureString users store: the aws/ssm key's id is not known at synth, " +
			"so the key is a wildcard, limited to calls made by SSM in us-east-1 for exactly the users parameter " +
			"(kms:ViaService and the PARAMETER_ARN encryption context)."),
		// The partition is a literal or <AWS::Partition> depending on the
		// @aws-cdk/core:enablePartitionLiterals feature flag.
		AppliesTo: &[]any{map[string]any{"regex": "/^Resource::arn:(<AWS::Partition>|aws[a-z-]*):kms:" +
			edgefunction.EdgeRegion + ":<AWS::AccountId>:key\\/\\*$/"}},
	}}, jsii.Bool(true))
	return &EdgeBasicAuth{Function: fn, UsersParameterArn: paramArn}
}
