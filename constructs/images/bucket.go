package images

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// DefaultAccessLogsPrefix is where NewBucket's server access logs go in
// the log bucket.
const DefaultAccessLogsPrefix = "s3/images/"

// BucketProps configures NewBucket.
type BucketProps struct {
	// AccessLogs receives the bucket's server access logs.
	AccessLogs awss3.IBucket
	// AccessLogsPrefix is the key prefix of the access logs.
	// Default: DefaultAccessLogsPrefix ("s3/images/").
	AccessLogsPrefix string
}

// NewBucket creates the private bucket of original images: SSE-S3, all
// public access blocked, owner-enforced, versioned (an overwritten or
// deleted original stays recoverable for 30 days), access-logged, TLS only,
// RETAIN (originals are user data).
//
// Unlike the site bucket, its policy needs no distribution: CloudFront never
// reads it. The origin function reads it through its execution role, so the
// policy holds only the TLS-only deny and lives with the bucket (in the
// Storage stack); the legacy Object Lambda mode adds the supporting access
// point's statements here too (NewSupportingAccessPoint).
func NewBucket(scope constructs.Construct, id string, props *BucketProps) awss3.Bucket {
	if props == nil || props.AccessLogs == nil {
		panic(fmt.Sprintf("images.NewBucket %q: AccessLogs is required", id))
	}
	prefix := props.AccessLogsPrefix
	if prefix == "" {
		prefix = DefaultAccessLogsPrefix
	}
	return awss3.NewBucket(scope, jsii.String(id), &awss3.BucketProps{
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:              jsii.Bool(true),
		EnforceSSL:             jsii.Bool(true),
		ServerAccessLogsBucket: props.AccessLogs,
		ServerAccessLogsPrefix: jsii.String(prefix),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("expire-old-versions"),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(30)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
		}},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
}
