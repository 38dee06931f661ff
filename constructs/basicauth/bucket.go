package basicauth

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/constructs/oacbucket"
)

// PrivateBucketProps configures NewPrivateBucket.
type PrivateBucketProps struct {
	// AccessLogs receives the bucket's server access logs.
	AccessLogs awss3.IBucket
	// AccessLogsPrefix is the key prefix of those logs. Default: "s3/private/".
	AccessLogsPrefix string
}

// NewPrivateBucket creates the bucket of the private content: versioned,
// SSE-S3, all public access blocked, owner-enforced, access-logged, RETAIN.
// Its one bucket policy (TLS only; s3:GetObject by CloudFront on behalf of
// one distribution) is written by AttachPrivateBucket in the distribution's
// stack, which alone can name the distribution: writing it here would make a
// cycle between the two stacks.
func NewPrivateBucket(scope constructs.Construct, id string, props *PrivateBucketProps) awss3.Bucket {
	if props == nil || props.AccessLogs == nil {
		panic(fmt.Sprintf("basicauth.NewPrivateBucket %q: AccessLogs is required", id))
	}
	prefix := props.AccessLogsPrefix
	if prefix == "" {
		prefix = "s3/private/"
	}
	return oacbucket.NewBucket(scope, id, &oacbucket.BucketProps{
		AccessLogs: props.AccessLogs, AccessLogsPrefix: prefix,
		PolicyWriter: "basicauth.AttachPrivateBucket",
	})
}

// AttachPrivateBucketProps configures AttachPrivateBucket.
type AttachPrivateBucketProps struct {
	// Bucket is the private bucket, usually imported into the distribution's
	// stack (awss3.Bucket_FromBucketAttributes).
	Bucket awss3.IBucket
	// Distribution that alone may read the bucket, through OAC.
	Distribution awscloudfront.IDistribution
}

// AttachPrivateBucket writes the private bucket's whole policy: deny every
// request without TLS, and allow s3:GetObject to the CloudFront service only
// on behalf of this distribution (AWS:SourceArn), which is how OAC reads.
// No s3:ListBucket: a missing key answers 403, not a listing hint.
func AttachPrivateBucket(scope constructs.Construct, props *AttachPrivateBucketProps) awss3.BucketPolicy {
	if props == nil || props.Bucket == nil || props.Distribution == nil {
		panic("basicauth.AttachPrivateBucket: Bucket and Distribution are required")
	}
	return oacbucket.GrantDistributionRead(scope, "PrivateBucketPolicy", props.Bucket, props.Distribution)
}

// BehaviorProps configures AddBehavior.
type BehaviorProps struct {
	// Path is the behaviour's path pattern. Default: DefaultPath.
	Path string
	// Bucket is the private bucket, imported into the distribution's stack.
	Bucket awss3.IBucket
	// Version is the Basic-auth function's version (edgefunction.ImportVersion).
	Version awslambda.IVersion
	// ResponseHeadersPolicy adds headers to every response. Default: none.
	ResponseHeadersPolicy awscloudfront.IResponseHeadersPolicy
}

// AddBehavior routes Path to the private bucket through an origin access
// control, with the Basic-auth function on viewer request: it runs before the
// cache is consulted, so cached private objects are served only to verified
// viewers. HTTPS only, not redirected: a client that sends credentials over
// plain HTTP should fail loudly, not quietly succeed after a redirect.
// Cached like the site (the Authorization header is not part of the cache
// key, and the function removes it).
func AddBehavior(dist awscloudfront.Distribution, props *BehaviorProps) {
	if props == nil {
		props = &BehaviorProps{}
	}
	p := *props
	if p.Path == "" {
		p.Path = DefaultPath
	}
	var errs []string
	if dist == nil {
		errs = append(errs, "the distribution is nil")
	}
	if why := pathProblem(p.Path); why != "" {
		errs = append(errs, fmt.Sprintf("Path %q %s", p.Path, why))
	}
	if p.Bucket == nil {
		errs = append(errs, "Bucket is required")
	}
	if p.Version == nil {
		errs = append(errs, "Version is required (edgefunction.ImportVersion)")
	}
	if len(errs) > 0 {
		panic(fmt.Sprintf("basicauth.AddBehavior: %v", errs))
	}
	awscdk.Annotations_Of(awscdk.Stack_Of(dist)).AcknowledgeWarning(jsii.String("@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac"),
		jsii.String("basicauth.AttachPrivateBucket writes the private bucket policy itself."))
	origin := awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(p.Bucket, &awscloudfrontorigins.S3BucketOriginWithOACProps{
		OriginAccessLevels: &[]awscloudfront.AccessLevel{awscloudfront.AccessLevel_READ},
	})
	opts := &awscloudfront.AddBehaviorOptions{
		ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
		AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
		CachePolicy:          awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
		Compress:             jsii.Bool(true),
		EdgeLambdas: &[]*awscloudfront.EdgeLambda{{
			EventType:       awscloudfront.LambdaEdgeEventType_VIEWER_REQUEST,
			FunctionVersion: p.Version,
		}},
	}
	if p.ResponseHeadersPolicy != nil {
		opts.ResponseHeadersPolicy = p.ResponseHeadersPolicy
	}
	dist.AddBehavior(jsii.String(p.Path), origin, opts)
}
