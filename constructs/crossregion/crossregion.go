package crossregion

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/edgekit/edgekit/internal/nag"
)

// Reference is everything a consumer needs to read a published value. It holds
// plain strings (never tokens), so it can cross stacks, regions and even apps.
type Reference struct {
	// ParameterName is the SSM parameter's name, e.g. "/edgekit/edge/redirect/version-arn".
	ParameterName string
	// Region is the region the parameter lives in.
	Region string
	// RefreshToken changes whenever the published value can have changed.
	RefreshToken string
}

// PublishProps configures Publish.
type PublishProps struct {
	// ParameterName is the SSM parameter name; it must start with '/'.
	ParameterName string
	// Value is the string to publish (usually a token such as a version ARN).
	Value *string
	// RefreshToken must change whenever Value can change. Required when Value is
	// a token; Default: a hash of Value when Value is a plain string.
	RefreshToken string
	// Description of the parameter. Default: none.
	Description string
}

// Publication is a published value.
type Publication struct {
	// Parameter is the SSM parameter holding the value.
	Parameter awsssm.StringParameter
	// Reference is what consumers pass to NewReader.
	Reference Reference
}

// providerID is the construct id of the singleton Lambda the CDK adds to a
// stack to back every AwsCustomResource in it.
const providerID = "AWS679f53fac002430cb0da5b7982bd2287"

var paramNameRe = regexp.MustCompile(`^/[A-Za-z0-9_.\-/]+$`)

// Publish writes props.Value to an SSM parameter in scope's stack region, which
// must be a concrete region (not env-agnostic): consumers must know where to read.
func Publish(scope constructs.Construct, id string, props *PublishProps) *Publication {
	if props == nil {
		props = &PublishProps{}
	}
	region := *awscdk.Stack_Of(scope).Region()
	var errs []string
	if *awscdk.Token_IsUnresolved(jsii.String(region)) {
		errs = append(errs, "the stack's region is not set: publish from a stack with an explicit env.region")
	}
	if !paramNameRe.MatchString(props.ParameterName) || strings.Contains(props.ParameterName, "//") || len(props.ParameterName) > 1011 {
		errs = append(errs, fmt.Sprintf("ParameterName %q must start with '/' and use only A-Z, a-z, 0-9, '_', '.', '-', '/'", props.ParameterName))
	}
	if props.Value == nil {
		errs = append(errs, "Value is required")
	}
	token := props.RefreshToken
	if token == "" && props.Value != nil {
		if *awscdk.Token_IsUnresolved(props.Value) {
			errs = append(errs, fmt.Sprintf("RefreshToken is required because Value for %q is only known at deploy time", props.ParameterName))
		} else {
			sum := sha256.Sum256([]byte(*props.Value))
			token = hex.EncodeToString(sum[:])
		}
	}
	if len(errs) > 0 {
		panic(fmt.Sprintf("crossregion.Publish %s: %s", id, strings.Join(errs, "; ")))
	}
	p := awsssm.NewStringParameter(scope, jsii.String(id), &awsssm.StringParameterProps{
		ParameterName: jsii.String(props.ParameterName),
		StringValue:   props.Value,
		Description:   optional(props.Description),
		Tier:          awsssm.ParameterTier_STANDARD,
	})
	return &Publication{
		Parameter: p,
		Reference: Reference{ParameterName: props.ParameterName, Region: region, RefreshToken: token},
	}
}

// ReaderProps configures NewReader.
type ReaderProps struct {
	// Reference names the parameter to read.
	Reference Reference
}

// Reader reads a published value in another stack, possibly in another region.
type Reader struct {
	constructs.Construct
	// Resource is the custom resource doing the read.
	Resource customresources.AwsCustomResource
	value    *string
}

// NewReader creates a custom resource that calls ssm:GetParameter in the
// reference's region. Its physical id embeds the refresh token, so a new token
// means new properties, an Update, and therefore a fresh read; an unchanged
// token means no call at all on deploy.
func NewReader(scope constructs.Construct, id string, props *ReaderProps) *Reader {
	if props == nil {
		props = &ReaderProps{}
	}
	ref := props.Reference
	var errs []string
	if !paramNameRe.MatchString(ref.ParameterName) {
		errs = append(errs, fmt.Sprintf("Reference.ParameterName %q is not an SSM parameter name starting with '/'", ref.ParameterName))
	}
	if ref.Region == "" || *awscdk.Token_IsUnresolved(jsii.String(ref.Region)) {
		errs = append(errs, fmt.Sprintf("Reference.Region %q must be a concrete region", ref.Region))
	}
	if ref.RefreshToken == "" {
		errs = append(errs, "Reference.RefreshToken is empty: the reader could never notice a change")
	}
	if len(errs) > 0 {
		panic(fmt.Sprintf("crossregion.NewReader %s: %s", id, strings.Join(errs, "; ")))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(scope)
	paramArn := stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("ssm"),
		Region:       jsii.String(ref.Region),
		Resource:     jsii.String("parameter"),
		ResourceName: jsii.String(strings.TrimPrefix(ref.ParameterName, "/")),
	})
	call := &customresources.AwsSdkCall{
		Service:    jsii.String("SSM"),
		Action:     jsii.String("GetParameter"),
		Parameters: map[string]any{"Name": ref.ParameterName},
		Region:     jsii.String(ref.Region),
		// The token in the physical id is what makes CloudFormation re-read.
		PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String(ref.ParameterName + "@" + ref.RefreshToken)),
		OutputPaths:        jsii.Strings("Parameter.Value"),
	}
	cr := customresources.NewAwsCustomResource(c, jsii.String("Read"), &customresources.AwsCustomResourceProps{
		ResourceType: jsii.String("Custom::EdgekitCrossRegionParameter"),
		OnCreate:     call,
		OnUpdate:     call,
		Policy: customresources.AwsCustomResourcePolicy_FromSdkCalls(&customresources.SdkCallsPolicyOptions{
			Resources: jsii.Strings(*paramArn),
		}),
		// The Lambda runtime's bundled SDK is enough for GetParameter; installing
		// the latest SDK at deploy time would need npm and network access.
		InstallLatestAwsSdk: jsii.Bool(false),
	})
	nag.SuppressStackSingletons(stack, providerID, []*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM4"), Reason: jsii.String("CDK's AwsCustomResource provider logs through AWSLambdaBasicExecutionRole."),
			AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}},
		{Id: jsii.String("AwsSolutions-L1"), Reason: jsii.String("CDK's AwsCustomResource provider pins its Node.js runtime; it runs only during deployments.")},
	})
	return &Reader{Construct: c, Resource: cr, value: cr.GetResponseField(jsii.String("Parameter.Value"))}
}

// Value is the parameter's value as a deploy-time token.
func (r *Reader) Value() *string { return r.value }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return jsii.String(s)
}
