package stacks

import (
	"io/fs"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/edgekit/edgekit/config"
	"github.com/edgekit/edgekit/internal/assetdir"
)

// StorageStackProps configures the Storage stack.
type StorageStackProps struct {
	awscdk.StackProps
	Config    config.Config
	SiteFiles fs.FS
}

// StorageStack holds the buckets behind the distribution.
type StorageStack struct {
	awscdk.Stack
	// Site is the private bucket with the static site, read by CloudFront
	// through origin access control. Its bucket policy lives in the Cdn stack,
	// which alone knows the distribution it must name.
	Site awss3.Bucket
	// Logs receives S3 server access logs and CloudFront standard logs.
	Logs awss3.Bucket
}

// NewStorageStack creates the Storage stack.
func NewStorageStack(scope constructs.Construct, id string, props *StorageStackProps) *StorageStack {
	sp := props.StackProps
	stack := awscdk.NewStack(scope, jsii.String(id), &sp)
	s := &StorageStack{Stack: stack}

	s.Logs = awss3.NewBucket(stack, jsii.String("Logs"), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		// CloudFront standard logging writes with ACLs, so the log bucket alone
		// keeps ACLs enabled (owner-preferred); every other bucket enforces owner.
		ObjectOwnership: awss3.ObjectOwnership_BUCKET_OWNER_PREFERRED,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("expire-logs"),
			Expiration:                          awscdk.Duration_Days(jsii.Number(90)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
		}},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(s.Logs, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-S1"),
		Reason: jsii.String("This is the access-log destination; logging it into itself would loop."),
	}}, jsii.Bool(true))

	s.Site = awss3.NewBucket(stack, jsii.String("Site"), &awss3.BucketProps{
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:              jsii.Bool(true),
		ServerAccessLogsBucket: s.Logs,
		ServerAccessLogsPrefix: jsii.String("s3/site/"),
		// A bucket has one policy, and the OAC grant in it must name the
		// distribution; the Cdn stack therefore owns the whole policy,
		// TLS-only statement included. Defining it here would be a cycle.
		EnforceSSL: jsii.Bool(false),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("expire-old-versions"),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(30)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
		}},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(s.Site, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-S10"),
		Reason: jsii.String("The TLS-only deny statement is in this bucket's policy, which the Cdn stack owns because the OAC grant must name the distribution."),
	}}, jsii.Bool(true))

	dir, err := assetdir.FromFS(props.SiteFiles, "files")
	if err != nil {
		panic(err)
	}
	awss3deployment.NewBucketDeployment(stack, jsii.String("SiteContent"), &awss3deployment.BucketDeploymentProps{
		DestinationBucket: s.Site,
		Sources: &[]awss3deployment.ISource{awss3deployment.Source_Asset(jsii.String(dir), &awss3assets.AssetOptions{
			Exclude: jsii.Strings(assetdir.Exclude),
		})},
		// Files removed from the site are removed from the bucket; versioning
		// keeps the previous copies for 30 days.
		Prune:       jsii.Bool(true),
		MemoryLimit: jsii.Number(256),
	})
	suppressProvider(stack, "Custom::CDKBucketDeployment", []*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM4"), Reason: jsii.String("The CDK BucketDeployment provider logs through AWSLambdaBasicExecutionRole."),
			AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}},
		{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String("The CDK BucketDeployment provider copies the whole staged asset prefix into the site bucket; its wildcards are object keys of those two buckets only.")},
		{Id: jsii.String("AwsSolutions-L1"), Reason: jsii.String("The CDK BucketDeployment provider pins its runtime; it runs only during deployments.")},
	})
	return s
}
