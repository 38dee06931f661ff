package ingest

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesisfirehose"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// S3 layout of delivered data. Hive-style partitions (year=/month=/...) let
// Athena and Glue prune by date without a crawler-defined scheme. Firehose
// requires an error prefix with !{firehose:error-output-type} whenever the
// data prefix uses expressions.
const (
	// DataPrefix is where delivered records land, one partition per hour (UTC).
	DataPrefix = "data/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"
	// ErrorPrefix is where Firehose writes records it failed to deliver.
	ErrorPrefix = "errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
	// AccessPrefix is the key prefix of the data bucket's server access logs.
	AccessPrefix = "s3-access/"
)

// DeliveryProps configures a Delivery.
type DeliveryProps struct {
	// StreamName of the delivery stream; use the same name in every ingest
	// region, since the edge function addresses the stream by name.
	StreamName string
	// BufferingInterval is how long Firehose buffers before writing an object:
	// 0 to 900 seconds. Default: 60 seconds.
	BufferingInterval awscdk.Duration
	// BufferingSizeMiB is how much Firehose buffers before writing an object:
	// 1 to 128 MiB. Default: 5.
	BufferingSizeMiB float64
	// ExpireAfter is how long delivered objects are kept, whole days.
	// Default: 365 days.
	ExpireAfter awscdk.Duration
	// NoncurrentExpireAfter is how long overwritten or deleted versions are
	// kept, whole days. Default: 30 days.
	NoncurrentExpireAfter awscdk.Duration
	// Bucket receives the data. The stream's role is granted the documented
	// Firehose S3 actions on it (and encrypt/decrypt on its KMS key, if any);
	// it is not reconfigured otherwise: encryption, versioning, lifecycle and
	// access logging are then the owner's job.
	// Default: a new versioned, encrypted, TLS-only, private bucket.
	Bucket awss3.IBucket
	// AccessLogsBucket receives the new data bucket's server access logs under
	// "s3-access/". Only valid without Bucket. It must use SSE-S3 encryption,
	// the only default encryption S3 server access logging can write to.
	// Default: a new bucket in this construct.
	AccessLogsBucket awss3.IBucket
	// LogRetention of the stream's CloudWatch error log group.
	// Default: one month.
	LogRetention awslogs.RetentionDays
	// RemovalPolicy of the buckets this construct creates. Default: RETAIN, so
	// a teardown never deletes collected data.
	RemovalPolicy awscdk.RemovalPolicy
}

// Delivery is the regional half of global ingestion: a Direct PUT Firehose
// delivery stream that writes GZIP objects, partitioned by hour, to S3. Create
// one in each ingest region, all with the same StreamName.
type Delivery struct {
	constructs.Construct
	// Stream is the Direct PUT delivery stream, server-side encrypted with an
	// AWS-owned key.
	Stream awskinesisfirehose.DeliveryStream
	// Bucket holds the delivered data.
	Bucket awss3.IBucket
	// AccessLogsBucket holds the data bucket's server access logs; nil when
	// Bucket was given.
	AccessLogsBucket awss3.IBucket
	// LogGroup receives Firehose delivery errors.
	LogGroup awslogs.LogGroup
	// Role is assumed by Firehose to write to Bucket and LogGroup.
	Role awsiam.Role
}

// NewDelivery validates props and creates the stream, and the buckets unless
// given. It panics with one message naming every invalid value.
func NewDelivery(scope constructs.Construct, id string, props *DeliveryProps) *Delivery {
	if props == nil {
		props = &DeliveryProps{}
	}
	p := *props
	if p.BufferingInterval == nil {
		p.BufferingInterval = awscdk.Duration_Seconds(jsii.Number(60))
	}
	if p.BufferingSizeMiB == 0 {
		p.BufferingSizeMiB = 5
	}
	if p.ExpireAfter == nil {
		p.ExpireAfter = awscdk.Duration_Days(jsii.Number(365))
	}
	if p.NoncurrentExpireAfter == nil {
		p.NoncurrentExpireAfter = awscdk.Duration_Days(jsii.Number(30))
	}
	if p.LogRetention == "" {
		p.LogRetention = awslogs.RetentionDays_ONE_MONTH
	}
	if p.RemovalPolicy == "" {
		p.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}

	var errs errList
	if !streamNameRe.MatchString(p.StreamName) {
		errs.add("StreamName %q must be 1-64 characters of [a-zA-Z0-9_.-]", p.StreamName)
	}
	// Firehose's S3 destination limits (without dynamic partitioning or format
	// conversion): 0..900 s and 1..128 MiB.
	if secs, whole := wholeSeconds(p.BufferingInterval); !whole || secs < 0 || secs > 900 {
		errs.add("BufferingInterval %vs must be whole seconds from 0 to 900", secs)
	}
	if p.BufferingSizeMiB < 1 || p.BufferingSizeMiB > 128 || p.BufferingSizeMiB != float64(int(p.BufferingSizeMiB)) {
		errs.add("BufferingSizeMiB %v must be a whole number from 1 to 128", p.BufferingSizeMiB)
	}
	days := func(name string, d awscdk.Duration) {
		// Lifecycle rules count whole days.
		secs, whole := wholeSeconds(d)
		if !whole || secs < 86400 || int64(secs)%86400 != 0 {
			errs.add("%s %vs must be a whole number of days, at least one", name, secs)
		}
	}
	days("ExpireAfter", p.ExpireAfter)
	days("NoncurrentExpireAfter", p.NoncurrentExpireAfter)
	if p.Bucket != nil && p.AccessLogsBucket != nil {
		errs.add("AccessLogsBucket is set with Bucket: access logging is configured only on a bucket this construct creates")
	}
	errs.panicIfAny("ingest.NewDelivery", id)

	c := constructs.NewConstruct(scope, jsii.String(id))
	d := &Delivery{Construct: c, Bucket: p.Bucket}
	if d.Bucket == nil {
		d.Bucket, d.AccessLogsBucket = newBuckets(c, &p)
	}

	d.LogGroup = awslogs.NewLogGroup(c, jsii.String("ErrorLogs"), &awslogs.LogGroupProps{
		Retention: p.LogRetention,
		// Delivery error logs are diagnostics, not data: they go with the stack.
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})

	// The stream's role gets exactly the S3 permissions AWS documents for a
	// Firehose S3 destination. The L2 destination would grant bucket read/write
	// (s3:DeleteObject* included, i.e. deleting versions of retained data), so
	// it receives the role as immutable and its grants become no-ops.
	role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		Description: jsii.String("Firehose " + p.StreamName + ": write delivered data and errors"),
		// Firehose passes the account id as external id; requiring it keeps
		// another account's stream from using this role (confused deputy).
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("firehose.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"sts:ExternalId": awscdk.Stack_Of(c).Account()}},
		}),
	})
	d.Role = role
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("Bucket"),
		Actions:   jsii.Strings("s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"),
		Resources: &[]*string{d.Bucket.BucketArn()},
	}))
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("Objects"),
		Actions:   jsii.Strings("s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"),
		Resources: &[]*string{d.Bucket.ArnForObjects(jsii.String("*"))},
	}))
	if key := d.Bucket.EncryptionKey(); key != nil {
		// A given bucket with a customer managed key: Firehose encrypts with it.
		key.GrantEncryptDecrypt(role)
	}

	d.Stream = awskinesisfirehose.NewDeliveryStream(c, jsii.String("Stream"), &awskinesisfirehose.DeliveryStreamProps{
		DeliveryStreamName: jsii.String(p.StreamName),
		// No Source: Direct PUT, the only source type that supports
		// server-side encryption of the stream itself.
		Encryption: awskinesisfirehose.StreamEncryption_AwsOwnedKey(),
		Destination: awskinesisfirehose.NewS3Bucket(d.Bucket, &awskinesisfirehose.S3BucketProps{
			Role:              role.WithoutPolicyUpdates(nil),
			Compression:       awskinesisfirehose.Compression_GZIP(),
			DataOutputPrefix:  jsii.String(DataPrefix),
			ErrorOutputPrefix: jsii.String(ErrorPrefix),
			BufferingInterval: p.BufferingInterval,
			BufferingSize:     awscdk.Size_Mebibytes(jsii.Number(p.BufferingSizeMiB)),
			LoggingConfig:     awskinesisfirehose.NewEnableLogging(d.LogGroup),
		}),
	})

	// Error logs: PutLogEvents on the one stream the L2 adds to the group.
	logResource := d.LogGroup.LogGroupArn()
	if ls, ok := d.LogGroup.Node().TryFindChild(jsii.String("S3Destination")).(awslogs.ILogStream); ok {
		logResource = awscdk.Stack_Of(c).FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("logs"), Resource: jsii.String("log-group"),
			ResourceName: jsii.String(*d.LogGroup.LogGroupName() + ":log-stream:" + *ls.LogStreamName()),
			ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})
	}
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ErrorLogs"),
		Actions:   jsii.Strings("logs:PutLogEvents"),
		Resources: &[]*string{logResource},
	}))
	// Firehose checks its role when the stream is created: the policy first.
	d.Stream.Node().AddDependency(role)

	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Firehose writes objects under generated keys anywhere in its own bucket " +
			"(data/ and errors/ prefixes with time partitions); the actions are the documented minimum."),
		AppliesTo: &[]any{&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::.*\/\*$/`)}},
	}}, jsii.Bool(true))
	return d
}

// newBuckets creates the data bucket and, unless given, its access-log bucket.
func newBuckets(c constructs.Construct, p *DeliveryProps) (data, logs awss3.IBucket) {
	logs = p.AccessLogsBucket
	var logsBucket awss3.Bucket
	if logs == nil {
		logsBucket = awss3.NewBucket(c, jsii.String("AccessLogs"), &awss3.BucketProps{
			// Server access logging can only write to SSE-S3 encrypted buckets.
			Encryption:        awss3.BucketEncryption_S3_MANAGED,
			EnforceSSL:        jsii.Bool(true),
			BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
			// ACLs disabled: the log delivery service is granted by bucket
			// policy below, not by the legacy LogDeliveryWrite ACL.
			ObjectOwnership: awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
			LifecycleRules: &[]*awss3.LifecycleRule{{
				Id:                                  jsii.String("expire"),
				Expiration:                          p.ExpireAfter,
				AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
			}},
			RemovalPolicy: p.RemovalPolicy,
		})
		logs = logsBucket
		cdknag.NagSuppressions_AddResourceSuppressions(logsBucket, &[]*cdknag.NagPackSuppression{{
			Id:     jsii.String("AwsSolutions-S1"),
			Reason: jsii.String("This bucket is the server access log target; logging it too would need yet another bucket."),
		}}, jsii.Bool(false))
	}

	bucket := awss3.NewBucket(c, jsii.String("Bucket"), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		Versioned:         jsii.Bool(true),
		EnforceSSL:        jsii.Bool(true),
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		LifecycleRules: &[]*awss3.LifecycleRule{
			{
				Id:                                  jsii.String("expire"),
				Expiration:                          p.ExpireAfter,
				NoncurrentVersionExpiration:         p.NoncurrentExpireAfter,
				AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
			},
			{
				// Expiring a current version in a versioned bucket leaves a
				// delete marker; S3 forbids this flag in a rule with Days.
				Id:                        jsii.String("delete-markers"),
				ExpiredObjectDeleteMarker: jsii.Bool(true),
			},
		},
		RemovalPolicy: p.RemovalPolicy,
	})

	// Access logging is set on the L1 instead of through serverAccessLogsBucket:
	// without the @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy feature flag
	// the L2 would switch the log bucket to the LogDeliveryWrite ACL (and
	// ObjectWriter ownership). A bucket policy works with ACLs disabled.
	cfn := bucket.Node().DefaultChild().(awss3.CfnBucket)
	cfn.SetLoggingConfiguration(&awss3.CfnBucket_LoggingConfigurationProperty{
		DestinationBucketName: logs.BucketName(),
		LogFilePrefix:         jsii.String(AccessPrefix),
	})
	stack := awscdk.Stack_Of(c)
	res := logs.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("S3ServerAccessLogs"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logging.s3.amazonaws.com"), nil)},
		Actions:    jsii.Strings("s3:PutObject"),
		Resources:  jsii.Strings(*logs.ArnForObjects(jsii.String(AccessPrefix + "*"))),
		Conditions: &map[string]any{
			"ArnLike":      map[string]any{"aws:SourceArn": bucket.BucketArn()},
			"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
		},
	}))
	// No dependency of the data bucket on this policy: the policy names the
	// data bucket's ARN, so that would be a cycle. S3 does not check the grant
	// when logging is enabled; deliveries are retried until it exists.
	if logsBucket == nil && (res.StatementAdded == nil || !*res.StatementAdded) {
		awscdk.Annotations_Of(bucket).AddWarningV2(jsii.String("edgekit:ingest:accessLogsPolicy"),
			jsii.String("could not add the S3 log delivery grant to the imported AccessLogsBucket: add it to its bucket policy"))
	}
	return bucket, logs
}
