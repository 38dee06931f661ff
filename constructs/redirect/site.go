package redirect

import (
	"fmt"
	"io/fs"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/edgekit/edgekit/constructs/oacbucket"
	"github.com/edgekit/edgekit/internal/assetdir"
	"github.com/edgekit/edgekit/internal/nag"
)

// SecurityHeadersPolicyProps configures NewSecurityHeadersPolicy.
type SecurityHeadersPolicyProps struct {
	// Name of the policy; policy names are unique per account.
	Name string
	// ContentSecurityPolicy sent on every response. Default: DefaultCSP.
	ContentSecurityPolicy string
	// HSTSMaxAgeSeconds of Strict-Transport-Security. Default: two years.
	HSTSMaxAgeSeconds int
}

// NewSecurityHeadersPolicy creates the response headers policy for every
// behaviour: HSTS (includeSubDomains; preload), the CSP, nosniff, DENY
// framing, strict-origin-when-cross-origin referrers, and no Server header.
// Every header overrides the origin's, so an origin cannot weaken them.
func NewSecurityHeadersPolicy(scope constructs.Construct, id string, props *SecurityHeadersPolicyProps) awscloudfront.ResponseHeadersPolicy {
	p := *props
	if p.ContentSecurityPolicy == "" {
		p.ContentSecurityPolicy = DefaultCSP
	}
	if p.HSTSMaxAgeSeconds == 0 {
		p.HSTSMaxAgeSeconds = DefaultHSTSMaxAgeSeconds
	}
	if p.Name == "" {
		panic(fmt.Sprintf("redirect.NewSecurityHeadersPolicy %q: Name is required (policy names are unique per account)", id))
	}
	return awscloudfront.NewResponseHeadersPolicy(scope, jsii.String(id), &awscloudfront.ResponseHeadersPolicyProps{
		ResponseHeadersPolicyName: jsii.String(p.Name),
		Comment:                   jsii.String("edgekit security headers"),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Seconds(jsii.Number(float64(p.HSTSMaxAgeSeconds))),
				IncludeSubdomains:   jsii.Bool(true),
				Preload:             jsii.Bool(true),
				Override:            jsii.Bool(true),
			},
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{
				ContentSecurityPolicy: jsii.String(p.ContentSecurityPolicy),
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
}

// SiteBucketProps configures NewSiteBucket.
type SiteBucketProps struct {
	// AccessLogs receives the bucket's server access logs under "s3/site/".
	AccessLogs awss3.IBucket
}

// NewSiteBucket creates the private bucket of the static site (Storage
// stack): versioned, SSE-S3, all public access blocked, owner-enforced,
// access-logged, RETAIN. Its one bucket policy (TLS only, reads by the
// distribution through OAC) is written by AttachSite in the distribution's
// stack, which alone can name the distribution: writing it here would make a
// cycle between the two stacks.
func NewSiteBucket(scope constructs.Construct, id string, props *SiteBucketProps) awss3.Bucket {
	if props == nil || props.AccessLogs == nil {
		panic(fmt.Sprintf("redirect.NewSiteBucket %q: AccessLogs is required", id))
	}
	return oacbucket.NewBucket(scope, id, &oacbucket.BucketProps{AccessLogs: props.AccessLogs, AccessLogsPrefix: "s3/site/"})
}

// AttachSiteProps configures AttachSite.
type AttachSiteProps struct {
	// Bucket is the site bucket, usually imported into the distribution's
	// stack (awss3.Bucket_FromBucketAttributes).
	Bucket awss3.IBucket
	// Distribution serving the bucket through OAC.
	Distribution awscloudfront.IDistribution
	// Files holds the site under "files/". Default: no content deployment.
	Files fs.FS
}

// Site is what AttachSite created.
type Site struct {
	// Policy is the bucket's one policy: TLS only, reads by the distribution.
	Policy awss3.BucketPolicy
	// Content deploys Files, nil without Files.
	Content awss3deployment.BucketDeployment
}

// AttachSite writes the site bucket's whole policy (deny non-TLS; s3:GetObject
// for CloudFront only on behalf of this distribution) and deploys the site's
// files. The deployment lives beside the distribution so that it can
// invalidate it: after every content change the custom resource invalidates
// "/*" (one invalidation path) and waits for it, so a changed page reaches
// viewers on deploy instead of after the cache TTL. Unchanged content runs
// nothing.
func AttachSite(scope constructs.Construct, props *AttachSiteProps) *Site {
	if props == nil || props.Bucket == nil || props.Distribution == nil {
		panic("redirect.AttachSite: Bucket and Distribution are required")
	}
	bucket := props.Bucket
	dist := props.Distribution
	stack := awscdk.Stack_Of(scope)
	policy := oacbucket.GrantDistributionRead(scope, "SiteBucketPolicy", bucket, dist)
	site := &Site{Policy: policy}
	if props.Files == nil {
		return site
	}
	dir, err := assetdir.FromFS(props.Files, "files")
	if err != nil {
		panic(fmt.Sprintf("redirect.AttachSite: %v", err))
	}
	site.Content = awss3deployment.NewBucketDeployment(scope, jsii.String("SiteContent"), &awss3deployment.BucketDeploymentProps{
		DestinationBucket: bucket,
		Sources: &[]awss3deployment.ISource{awss3deployment.Source_Asset(jsii.String(dir), &awss3assets.AssetOptions{
			Exclude: jsii.Strings(assetdir.Exclude),
		})},
		// Files removed from the site are removed from the bucket; versioning
		// keeps the previous copies for 30 days.
		Prune:             jsii.Bool(true),
		MemoryLimit:       jsii.Number(256),
		Distribution:      dist,
		DistributionPaths: jsii.Strings("/*"),
	})
	nag.SuppressStackSingletons(stack, "Custom::CDKBucketDeployment", []*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM4"), Reason: jsii.String("The CDK BucketDeployment provider logs through AWSLambdaBasicExecutionRole."),
			AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}},
		{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String("The CDK BucketDeployment provider copies the whole staged asset prefix into the site bucket and invalidates the distribution; its wildcards are object keys of those two buckets and CloudFront invalidation actions.")},
		{Id: jsii.String("AwsSolutions-L1"), Reason: jsii.String("The CDK BucketDeployment provider pins its runtime; it runs only during deployments.")},
	})
	return site
}
