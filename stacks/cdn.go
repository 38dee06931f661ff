package stacks

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/edgekit/edgekit/config"
	"github.com/edgekit/edgekit/constructs/edgefunction"
	"github.com/edgekit/edgekit/constructs/ingest"
)

// CdnStackProps configures the Cdn stack.
type CdnStackProps struct {
	awscdk.StackProps
	Config  config.Config
	Edge    *EdgeStack
	Storage *StorageStack
}

// CdnStack holds the distribution. It reads edge version ARNs from SSM in
// us-east-1 (package crossregion), never through CloudFormation exports.
type CdnStack struct {
	awscdk.Stack
	Distribution          awscloudfront.Distribution
	ResponseHeadersPolicy awscloudfront.ResponseHeadersPolicy
	// RedirectVersion is the imported redirect version, nil when disabled.
	RedirectVersion awslambda.IVersion
	// IngestVersion is the imported ingest version, nil when disabled.
	IngestVersion awslambda.IVersion
}

// NewCdnStack creates the Cdn stack.
func NewCdnStack(scope constructs.Construct, id string, props *CdnStackProps) *CdnStack {
	sp := props.StackProps
	stack := awscdk.NewStack(scope, jsii.String(id), &sp)
	cfg := props.Config
	s := &CdnStack{Stack: stack}

	s.ResponseHeadersPolicy = awscloudfront.NewResponseHeadersPolicy(stack, jsii.String("SecurityHeaders"), &awscloudfront.ResponseHeadersPolicyProps{
		ResponseHeadersPolicyName: jsii.String(cfg.AppName + "-security-headers"),
		Comment:                   jsii.String("edgekit security headers"),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Seconds(jsii.Number(float64(cfg.SecurityHeaders.HSTSMaxAgeSeconds))),
				IncludeSubdomains:   jsii.Bool(true),
				Preload:             jsii.Bool(true),
				Override:            jsii.Bool(true),
			},
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{
				ContentSecurityPolicy: jsii.String(cfg.SecurityHeaders.ContentSecurityPolicy),
				Override:              jsii.Bool(true),
			},
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			FrameOptions: &awscloudfront.ResponseHeadersFrameOptions{
				FrameOption: awscloudfront.HeadersFrameOption_DENY, Override: jsii.Bool(true),
			},
			ReferrerPolicy: &awscloudfront.ResponseHeadersReferrerPolicy{
				ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_STRICT_ORIGIN_WHEN_CROSS_ORIGIN, Override: jsii.Bool(true),
			},
		},
		RemoveHeaders: jsii.Strings("Server"),
	})

	// The buckets come in as imported references: letting the origin edit the
	// Storage stack's bucket policy would make Storage depend on Cdn (a cycle).
	// This stack writes the site bucket's one policy itself, below.
	site := awss3.Bucket_FromBucketAttributes(stack, jsii.String("SiteBucket"), &awss3.BucketAttributes{
		BucketName:               props.Storage.Site.BucketName(),
		BucketArn:                props.Storage.Site.BucketArn(),
		BucketRegionalDomainName: props.Storage.Site.BucketRegionalDomainName(),
	})
	logs := awss3.Bucket_FromBucketAttributes(stack, jsii.String("LogsBucket"), &awss3.BucketAttributes{
		BucketArn:                props.Storage.Logs.BucketArn(),
		BucketRegionalDomainName: props.Storage.Logs.BucketRegionalDomainName(),
	})
	origin := awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(site, &awscloudfrontorigins.S3BucketOriginWithOACProps{
		OriginAccessLevels: &[]awscloudfront.AccessLevel{awscloudfront.AccessLevel_READ},
	})

	var edgeLambdas []*awscloudfront.EdgeLambda
	if props.Edge.Redirect != nil {
		s.RedirectVersion = edgefunction.ImportVersion(stack, "RedirectVersion", props.Edge.Redirect.Reference)
		edgeLambdas = append(edgeLambdas, &awscloudfront.EdgeLambda{
			FunctionVersion: s.RedirectVersion,
			EventType:       awscloudfront.LambdaEdgeEventType_VIEWER_REQUEST,
		})
	}

	s.Distribution = awscloudfront.NewDistribution(stack, jsii.String("Distribution"), &awscloudfront.DistributionProps{
		Comment:           jsii.String(cfg.AppName + " edge site"),
		DefaultRootObject: jsii.String("index.html"),
		HttpVersion:       awscloudfront.HttpVersion_HTTP2_AND_3,
		EnableIpv6:        jsii.Bool(true),
		EnableLogging:     jsii.Bool(true),
		LogBucket:         logs,
		LogFilePrefix:     jsii.String("cloudfront/"),
		ErrorResponses: &[]*awscloudfront.ErrorResponse{{
			// OAC answers 403 for a missing key; viewers see a plain 404.
			HttpStatus: jsii.Number(403), ResponseHttpStatus: jsii.Number(404),
			ResponsePagePath: jsii.String("/404.html"), Ttl: awscdk.Duration_Seconds(jsii.Number(60)),
		}},
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:                origin,
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
			ResponseHeadersPolicy: s.ResponseHeadersPolicy,
			Compress:              jsii.Bool(true),
			EdgeLambdas:           ptrSlice(edgeLambdas),
		},
	})
	awscdk.Annotations_Of(stack).AcknowledgeWarning(jsii.String("@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac"),
		jsii.String("The Cdn stack writes the site bucket policy itself (siteBucketPolicy)."))

	if props.Edge.Ingest != nil {
		s.IngestVersion = edgefunction.ImportVersion(stack, "IngestVersion", props.Edge.Ingest.Reference)
		ingest.AddBehavior(s.Distribution, &ingest.BehaviorProps{
			Path:                  cfg.Ingest.Path,
			Version:               s.IngestVersion,
			Origin:                origin,
			ResponseHeadersPolicy: s.ResponseHeadersPolicy,
		})
	}

	siteBucketPolicy(stack, site, s.Distribution)

	awscdk.NewCfnOutput(stack, jsii.String("DistributionDomainName"), &awscdk.CfnOutputProps{
		Value: s.Distribution.DistributionDomainName(), Description: jsii.String("https://<this>/ serves the site"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("DistributionId"), &awscdk.CfnOutputProps{Value: s.Distribution.DistributionId()})

	cdknag.NagSuppressions_AddResourceSuppressions(s.Distribution, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-CFR1"), Reason: jsii.String("The site and ingest endpoint serve every country; geo restriction is a per-deployment policy choice.")},
		{Id: jsii.String("AwsSolutions-CFR2"), Reason: jsii.String("The CLOUDFRONT-scope WAF web ACL arrives with the API/WAF pattern; this distribution has no origin that WAF would protect beyond CloudFront's own shield.")},
		{Id: jsii.String("AwsSolutions-CFR4"), Reason: jsii.String("Without a custom domain CloudFront serves its default *.cloudfront.net certificate, whose security policy cannot be set; with a custom domain certificate the CDK default is TLSv1.2_2021.")},
	}, jsii.Bool(true))
	if s.RedirectVersion != nil || s.IngestVersion != nil {
		suppressCustomResourceProvider(stack)
	}
	return s
}

// siteBucketPolicy writes the site bucket's whole policy: TLS only, and reads by
// CloudFront through OAC for this distribution alone.
func siteBucketPolicy(stack awscdk.Stack, bucket awss3.IBucket, dist awscloudfront.Distribution) {
	policy := awss3.NewBucketPolicy(stack, jsii.String("SiteBucketPolicy"), &awss3.BucketPolicyProps{Bucket: bucket})
	bucketArn := bucket.BucketArn()
	objects := bucket.ArnForObjects(jsii.String("*"))
	policy.Document().AddStatements(
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("DenyInsecureTransport"),
			Effect:     awsiam.Effect_DENY,
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings("s3:*"),
			Resources:  &[]*string{bucketArn, objects},
			Conditions: &map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AllowCloudFrontOAC"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudfront.amazonaws.com"), nil)},
			Actions:    jsii.Strings("s3:GetObject"),
			Resources:  &[]*string{objects},
			Conditions: &map[string]any{"StringEquals": map[string]any{
				"AWS:SourceArn": fmt.Sprintf("arn:%s:cloudfront::%s:distribution/%s", *awscdk.Aws_PARTITION(), *awscdk.Aws_ACCOUNT_ID(), *dist.DistributionId()),
			}},
		}),
	)
}

// suppressCustomResourceProvider documents the findings on the CDK-provided
// Lambda that backs every AwsCustomResource in a stack (the SSM readers).
func suppressCustomResourceProvider(stack awscdk.Stack) {
	suppressProvider(stack, "AWS679f53fac002430cb0da5b7982bd2287", []*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM4"), Reason: jsii.String("CDK's AwsCustomResource provider logs through AWSLambdaBasicExecutionRole."),
			AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}},
		{Id: jsii.String("AwsSolutions-L1"), Reason: jsii.String("CDK's AwsCustomResource provider pins its Node.js runtime; it runs only during deployments.")},
	})
}

// suppressProvider attaches suppressions to the CDK-owned singleton provider
// constructs of a stack (their construct ids start with idPrefix), and nothing else.
func suppressProvider(stack awscdk.Stack, idPrefix string, s []*cdknag.NagPackSuppression) {
	found := false
	for _, c := range *stack.Node().Children() {
		if strings.HasPrefix(*c.(constructs.IConstruct).Node().Id(), idPrefix) {
			cdknag.NagSuppressions_AddResourceSuppressions(c, &s, jsii.Bool(true))
			found = true
		}
	}
	if !found {
		panic(fmt.Sprintf("%s: no provider construct %q to suppress findings on", *stack.StackName(), idPrefix))
	}
}

func ptrSlice[T any](s []T) *[]T {
	if len(s) == 0 {
		return nil
	}
	return &s
}
