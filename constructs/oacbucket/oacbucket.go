// Package oacbucket is the building block for private buckets that a
// CloudFront distribution reads through origin access control (OAC) from
// another stack: the bucket in the home region's Storage stack, its one
// bucket policy beside the distribution.
//
// The policy must name the distribution (AWS:SourceArn), so it cannot live
// with the bucket: the Storage stack deploys before the distribution's stack,
// and a policy there would make the two stacks depend on each other. The
// bucket therefore leaves EnforceSSL off, and GrantDistributionRead writes the
// TLS-only deny together with the OAC grant.
package oacbucket

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// BucketProps configures NewBucket.
type BucketProps struct {
	// AccessLogs receives the bucket's server access logs.
	AccessLogs awss3.IBucket
	// AccessLogsPrefix is the key prefix of those logs, e.g. "s3/site/".
	AccessLogsPrefix string
	// PolicyWriter names, for the cdk-nag S10 reason, the function that
	// writes the bucket's TLS-only policy. Default: none named.
	PolicyWriter string
}

// NewBucket creates a private bucket: versioned (old versions expire after 30
// days), SSE-S3, all public access blocked, owner-enforced, access-logged,
// RETAIN. Write its policy with GrantDistributionRead. It panics when
// AccessLogs or AccessLogsPrefix is missing.
func NewBucket(scope constructs.Construct, id string, props *BucketProps) awss3.Bucket {
	if props == nil || props.AccessLogs == nil || props.AccessLogsPrefix == "" {
		panic(fmt.Sprintf("oacbucket.NewBucket %q: AccessLogs and AccessLogsPrefix are required", id))
	}
	writer := ""
	if props.PolicyWriter != "" {
		writer = " (" + props.PolicyWriter + ")"
	}
	b := awss3.NewBucket(scope, jsii.String(id), &awss3.BucketProps{
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:              jsii.Bool(true),
		ServerAccessLogsBucket: props.AccessLogs,
		ServerAccessLogsPrefix: jsii.String(props.AccessLogsPrefix),
		// The deny statement lives in the policy GrantDistributionRead writes.
		EnforceSSL: jsii.Bool(false),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("expire-old-versions"),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(30)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
		}},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(b, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-S10"),
		Reason: jsii.String("The TLS-only deny statement is in this bucket's policy, which the Cdn stack owns because the OAC grant must name the distribution" + writer + "."),
	}}, jsii.Bool(true))
	return b
}

// GrantDistributionRead writes bucket's whole policy as construct id under
// scope (the distribution's stack): deny every request without TLS, and allow
// s3:GetObject to the CloudFront service only on behalf of dist
// (AWS:SourceArn), which is how OAC reads. No s3:ListBucket: a missing key
// answers 403.
func GrantDistributionRead(scope constructs.Construct, id string, bucket awss3.IBucket, dist awscloudfront.IDistribution) awss3.BucketPolicy {
	if bucket == nil || dist == nil {
		panic(fmt.Sprintf("oacbucket.GrantDistributionRead %q: bucket and distribution are required", id))
	}
	policy := awss3.NewBucketPolicy(scope, jsii.String(id), &awss3.BucketPolicyProps{Bucket: bucket})
	objects := bucket.ArnForObjects(jsii.String("*"))
	policy.Document().AddStatements(
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("DenyInsecureTransport"),
			Effect:     awsiam.Effect_DENY,
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings("s3:*"),
			Resources:  &[]*string{bucket.BucketArn(), objects},
			Conditions: &map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AllowCloudFrontOAC"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudfront.amazonaws.com"), nil)},
			Actions:    jsii.Strings("s3:GetObject"),
			Resources:  &[]*string{objects},
			Conditions: &map[string]any{"StringEquals": map[string]any{
				"AWS:SourceArn": fmt.Sprintf("arn:%s:cloudfront::%s:distribution/%s",
					*awscdk.Aws_PARTITION(), *awscdk.Aws_ACCOUNT_ID(), *dist.DistributionId()),
			}},
		}),
	)
	return policy
}
