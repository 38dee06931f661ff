package redirect

import (
	"io/fs"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/config"
	"github.com/edgekit/edgekit/constructs/edgefunction"
	"github.com/edgekit/edgekit/constructs/pattern"
	"github.com/edgekit/edgekit/site"
)

// Pattern is the redirect pattern (seed 002) as the app hosts it: the static
// site is the distribution's root (private bucket through OAC, security
// headers on every response, content invalidated on deploy), with
// viewer-request redirects in front of it.
type Pattern struct {
	pattern.Base
	// Redirects is the edgekit:redirects:* section.
	Redirects Config
	// SecurityHeaders is the edgekit:securityHeaders:* section.
	SecurityHeaders SecurityHeadersConfig
	// Files holds the site under "files/". Default: site.Files.
	Files fs.FS
	// Sources and Lib override the handler and library sources (tests).
	// Default: functions/redirect and functions/edgelib.
	Sources, Lib fs.FS

	// Function is the redirect function (Edge stack), nil when disabled.
	Function *edgefunction.EdgeFunction
	// Bucket is the site bucket (Storage stack).
	Bucket awss3.Bucket
	// Version is the redirect version imported into the Cdn stack, nil when disabled.
	Version awslambda.IVersion

	siteBucket awss3.IBucket
}

// Name implements pattern.Pattern.
func (p *Pattern) Name() string { return "redirect" }

// Sections implements pattern.Pattern.
func (p *Pattern) Sections() []config.Section {
	return []config.Section{&p.Redirects, &p.SecurityHeaders}
}

// BuildEdge implements pattern.Pattern.
func (p *Pattern) BuildEdge(e *pattern.Edge) {
	if !p.Redirects.Enabled {
		return
	}
	p.Function = NewEdgeRedirect(e.Stack, "Redirect", &EdgeRedirectProps{
		Rules:         p.Redirects.Rules,
		FunctionName:  e.EdgeFunctionName("redirect"),
		ParameterName: e.EdgeParameterName("redirect"),
		LogRetention:  e.LogRetention(),
		Sources:       p.Sources,
		Lib:           p.Lib,
	})
}

// BuildHome implements pattern.Pattern.
func (p *Pattern) BuildHome(h *pattern.Home) {
	p.Bucket = NewSiteBucket(h.Storage, "Site", &SiteBucketProps{AccessLogs: h.Logs})
}

// Root implements pattern.Pattern: the site is the default behaviour.
func (p *Pattern) Root(c *pattern.Cdn) *pattern.Root {
	policy := NewSecurityHeadersPolicy(c.Stack, "SecurityHeaders", &SecurityHeadersPolicyProps{
		Name:                  c.ResourceName("security-headers"),
		ContentSecurityPolicy: p.SecurityHeaders.ContentSecurityPolicy,
		HSTSMaxAgeSeconds:     p.SecurityHeaders.HSTSMaxAgeSeconds,
	})
	// The bucket comes in as an imported reference: letting the origin edit
	// the Storage stack's bucket policy would make Storage depend on Cdn (a
	// cycle). AttachSite writes the bucket's one policy instead.
	p.siteBucket = awss3.Bucket_FromBucketAttributes(c.Stack, jsii.String("SiteBucket"), &awss3.BucketAttributes{
		BucketName:               p.Bucket.BucketName(),
		BucketArn:                p.Bucket.BucketArn(),
		BucketRegionalDomainName: p.Bucket.BucketRegionalDomainName(),
	})
	awscdk.Annotations_Of(c.Stack).AcknowledgeWarning(jsii.String("@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac"),
		jsii.String("redirect.AttachSite writes the site bucket policy itself."))
	origin := awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(p.siteBucket, &awscloudfrontorigins.S3BucketOriginWithOACProps{
		OriginAccessLevels: &[]awscloudfront.AccessLevel{awscloudfront.AccessLevel_READ},
	})
	behavior := &awscloudfront.BehaviorOptions{
		Origin:                origin,
		ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
		CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
		ResponseHeadersPolicy: policy,
		Compress:              jsii.Bool(true),
	}
	if p.Function != nil {
		p.Version = edgefunction.ImportVersion(c.Stack, "RedirectVersion", p.Function.Reference)
		behavior.EdgeLambdas = &[]*awscloudfront.EdgeLambda{{
			FunctionVersion: p.Version,
			EventType:       awscloudfront.LambdaEdgeEventType_VIEWER_REQUEST,
		}}
	}
	return &pattern.Root{
		Behavior:          behavior,
		DefaultRootObject: "index.html",
		ErrorResponses: []*awscloudfront.ErrorResponse{{
			// OAC answers 403 for a missing key; viewers see a plain 404.
			HttpStatus: jsii.Number(403), ResponseHttpStatus: jsii.Number(404),
			ResponsePagePath: jsii.String("/404.html"), Ttl: awscdk.Duration_Seconds(jsii.Number(60)),
		}},
		ResponseHeadersPolicy: policy,
	}
}

// BuildCdn implements pattern.Pattern.
func (p *Pattern) BuildCdn(c *pattern.Cdn) {
	files := p.Files
	if files == nil {
		files = site.Files
	}
	AttachSite(c.Stack, &AttachSiteProps{Bucket: p.siteBucket, Distribution: c.Distribution, Files: files})
}
