package ingest_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/edgekit/edgekit/config"
	"github.com/edgekit/edgekit/constructs/ingest"
	"github.com/edgekit/edgekit/constructs/pattern"
	"github.com/edgekit/edgekit/internal/handlerconfig"
	"github.com/edgekit/edgekit/internal/testenv"
)

func TestMain(m *testing.M) {
	testenv.Pin()
	os.Exit(m.Run())
}

func newStack(id, region string) awscdk.Stack {
	return awscdk.NewStack(awscdk.NewApp(nil), jsii.String(id), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(region)}})
}

func TestEdgeIngest(t *testing.T) {
	stack := newStack("Edge", "us-east-1")
	ing := ingest.NewEdgeIngest(stack, "Ingest", &ingest.EdgeIngestProps{
		StreamName: "edgekit-ingest", Regions: defaultRegions, FunctionName: "edgekit-edge-ingest",
	})
	tpl := assertions.Template_FromStack(stack, nil)

	t.Run("config", func(t *testing.T) {
		order, _ := json.Marshal(ingest.RegionOrder(defaultRegions))
		want := `{"path":"/ingest","streamName":"edgekit-ingest","maxRecords":500,"maxRecordBytes":1024000,"maxBatchBytes":4194304,` +
			`"regionOrder":` + string(order) + `,"defaultOrder":["us-east-1","eu-central-1","ap-northeast-1"],` +
			`"maxAttempts":4,"baseBackoffMs":50,"maxBackoffMs":1000,"requestTimeoutMs":3000,"budgetMs":27000,` +
			`"safetyMarginMs":1500,"retryAfterSeconds":1}`
		if got := string(ing.Function.Bundle.ConfigJSON); got != want {
			t.Fatalf("injected config\n got %s\nwant %s", got, want)
		}
		var cfg struct{ RegionOrder map[string][]string }
		if err := json.Unmarshal(ing.Function.Bundle.ConfigJSON, &cfg); err != nil {
			t.Fatal(err)
		}
		if got := cfg.RegionOrder["eu-west-1"]; len(got) != 3 || got[0] != "eu-central-1" {
			t.Errorf("regionOrder[eu-west-1] = %v, want eu-central-1 first", got)
		}
		if !strings.Contains(string(ing.Function.Bundle.Code), "edgekit-ingest") {
			t.Errorf("bundle does not contain the stream name")
		}
	})

	t.Run("function", func(t *testing.T) {
		tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"FunctionName": "edgekit-edge-ingest", "Runtime": "nodejs22.x", "MemorySize": 256, "Timeout": 30,
			"Architectures": []any{"x86_64"}, "Environment": assertions.Match_Absent(),
		})
		tpl.HasResourceProperties(jsii.String("AWS::SSM::Parameter"), map[string]any{"Name": "/edgekit/edge/edgekit-edge-ingest/version-arn"})
		if ing.Reference != ing.Function.Reference || ing.Reference.Region != "us-east-1" {
			t.Errorf("Reference %+v", ing.Reference)
		}
	})

	t.Run("put_record_batch_policy", func(t *testing.T) {
		var arns []any
		for _, r := range defaultRegions {
			arns = append(arns, map[string]any{"Fn::Join": []any{"", []any{
				"arn:", map[string]any{"Ref": "AWS::Partition"}, ":firehose:" + r + ":",
				map[string]any{"Ref": "AWS::AccountId"}, ":deliverystream/edgekit-ingest",
			}}})
		}
		tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
				"Sid": "PutRecordBatch", "Effect": "Allow", "Action": "firehose:PutRecordBatch", "Resource": arns,
			}})},
		})
		// No other statement may touch Firehose, and no action may be a wildcard.
		firehoseStatements := 0
		for _, stmt := range policyStatements(tpl) {
			for _, a := range asList(stmt["Action"]) {
				s := fmt.Sprint(a)
				if strings.Contains(s, "*") {
					t.Errorf("wildcard action %q in %v", s, stmt)
				}
				if strings.HasPrefix(s, "firehose:") {
					firehoseStatements++
				}
			}
		}
		if firehoseStatements != 1 {
			t.Errorf("%d firehose actions in the policies, want exactly one", firehoseStatements)
		}
	})
}

func TestEdgeIngestOptions(t *testing.T) {
	ing := ingest.NewEdgeIngest(newStack("Edge", "us-east-1"), "Collect", &ingest.EdgeIngestProps{
		StreamName: "events", Regions: []string{"eu-west-1"}, Path: "/v1/events", MaxRecords: 100,
		MaxRecordBytes: 10_000, MaxBatchBytes: 1 << 20, Timeout: awscdk.Duration_Seconds(jsii.Number(10)),
	})
	c := ing.HandlerConfig
	if c.Path != "/v1/events" || c.MaxRecords != 100 || c.MaxRecordBytes != 10_000 || c.MaxBatchBytes != 1<<20 ||
		c.BudgetMs != 7000 || len(c.DefaultOrder) != 1 || c.RegionOrder["ap-south-1"][0] != "eu-west-1" {
		t.Fatalf("HandlerConfig %+v", c)
	}
	if ing.Reference.ParameterName != "/edgekit/edge/"+ing.Function.FunctionName+"/version-arn" {
		t.Errorf("ParameterName %q", ing.Reference.ParameterName)
	}
}

func TestEdgeIngestValidation(t *testing.T) {
	valid := func() ingest.EdgeIngestProps {
		return ingest.EdgeIngestProps{StreamName: "s", Regions: []string{"eu-west-1"}}
	}
	tests := []struct {
		name   string
		region string
		mutate func(p *ingest.EdgeIngestProps)
		want   []string
	}{
		{"fails_empty_stream_name", "us-east-1", func(p *ingest.EdgeIngestProps) { p.StreamName = "" }, []string{`StreamName ""`}},
		{"fails_bad_stream_name", "us-east-1", func(p *ingest.EdgeIngestProps) { p.StreamName = "a b" }, []string{`StreamName "a b"`}},
		{"fails_no_regions", "us-east-1", func(p *ingest.EdgeIngestProps) { p.Regions = nil }, []string{"Regions is empty"}},
		{"fails_bad_region", "us-east-1", func(p *ingest.EdgeIngestProps) { p.Regions = []string{"eu-west-1", "Frankfurt"} },
			[]string{`Regions contains "Frankfurt"`}},
		{"fails_duplicate_region", "us-east-1", func(p *ingest.EdgeIngestProps) { p.Regions = []string{"eu-west-1", "eu-west-1"} },
			[]string{`"eu-west-1" twice`}},
		{"fails_max_records_501", "us-east-1", func(p *ingest.EdgeIngestProps) { p.MaxRecords = 501 }, []string{"MaxRecords 501"}},
		{"fails_record_bytes_over_firehose_limit", "us-east-1", func(p *ingest.EdgeIngestProps) { p.MaxRecordBytes = 1_024_001 },
			[]string{"MaxRecordBytes 1024001"}},
		{"fails_batch_bytes_over_firehose_limit", "us-east-1", func(p *ingest.EdgeIngestProps) { p.MaxBatchBytes = 4<<20 + 1 },
			[]string{"MaxBatchBytes 4194305"}},
		{"fails_record_larger_than_batch", "us-east-1", func(p *ingest.EdgeIngestProps) { p.MaxBatchBytes = 1000 },
			[]string{"exceeds MaxBatchBytes 1000"}},
		{"fails_timeout_31s", "us-east-1", func(p *ingest.EdgeIngestProps) { p.Timeout = awscdk.Duration_Seconds(jsii.Number(31)) },
			[]string{"Timeout 31s"}},
		{"fails_timeout_4s", "us-east-1", func(p *ingest.EdgeIngestProps) { p.Timeout = awscdk.Duration_Seconds(jsii.Number(4)) },
			[]string{"Timeout 4s"}},
		{"fails_timeout_fractional", "us-east-1", func(p *ingest.EdgeIngestProps) { p.Timeout = awscdk.Duration_Millis(jsii.Number(5500)) },
			[]string{"Timeout 5.5s"}},
		{"fails_memory", "us-east-1", func(p *ingest.EdgeIngestProps) { p.MemorySize = 64 }, []string{"MemorySize 64"}},
		{"fails_path_with_star", "us-east-1", func(p *ingest.EdgeIngestProps) { p.Path = "/ingest/*" }, []string{`Path "/ingest/*"`}},
		{"fails_path_without_slash", "us-east-1", func(p *ingest.EdgeIngestProps) { p.Path = "ingest" }, []string{`Path "ingest"`}},
		{"fails_path_root", "us-east-1", func(p *ingest.EdgeIngestProps) { p.Path = "/" }, []string{`Path "/"`}},
		{"fails_wrong_stack_region", "eu-west-1", func(p *ingest.EdgeIngestProps) {}, []string{`stack region is "eu-west-1"`}},
		{"fails_every_problem_at_once", "us-east-1", func(p *ingest.EdgeIngestProps) {
			p.StreamName, p.Regions, p.MaxRecords, p.Path = "", nil, 501, "/*"
		}, []string{`StreamName ""`, "Regions is empty", "MaxRecords 501", `Path "/*"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := valid()
			tt.mutate(&p)
			msg := panicMessage(func() { ingest.NewEdgeIngest(newStack("Edge", tt.region), "Ingest", &p) })
			wantPanic(t, msg, tt.want)
		})
	}
}

func TestDelivery(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Ingest"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-central-1")}})
	d := ingest.NewDelivery(stack, "Delivery", &ingest.DeliveryProps{StreamName: "edgekit-ingest"})
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	tpl := assertions.Template_FromStack(stack, nil)
	if d.Stream == nil || d.Bucket == nil || d.AccessLogsBucket == nil || d.LogGroup == nil {
		t.Fatalf("unset fields: %+v", d)
	}

	t.Run("stream", func(t *testing.T) {
		tpl.HasResourceProperties(jsii.String("AWS::KinesisFirehose::DeliveryStream"), map[string]any{
			"DeliveryStreamName":                         "edgekit-ingest",
			"DeliveryStreamType":                         "DirectPut",
			"DeliveryStreamEncryptionConfigurationInput": map[string]any{"KeyType": "AWS_OWNED_CMK"},
			"ExtendedS3DestinationConfiguration": assertions.Match_ObjectLike(&map[string]any{
				"BucketARN":         map[string]any{"Fn::GetAtt": []any{stack.GetLogicalId(d.Bucket.Node().DefaultChild().(awss3.CfnBucket)), "Arn"}},
				"CompressionFormat": "GZIP",
				"Prefix":            ingest.DataPrefix,
				"ErrorOutputPrefix": ingest.ErrorPrefix,
				"BufferingHints":    map[string]any{"IntervalInSeconds": 60, "SizeInMBs": 5},
				"CloudWatchLoggingOptions": assertions.Match_ObjectLike(&map[string]any{
					"Enabled": true,
				}),
			}),
		})
		tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 30})
	})

	t.Run("role", func(t *testing.T) {
		bucketArn := map[string]any{"Fn::GetAtt": []any{stack.GetLogicalId(d.Bucket.Node().DefaultChild().(awss3.CfnBucket)), "Arn"}}
		tpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
			"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
				"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]any{"Service": "firehose.amazonaws.com"},
				"Condition": map[string]any{"StringEquals": map[string]any{"sts:ExternalId": map[string]any{"Ref": "AWS::AccountId"}}},
			}}},
		})
		tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": []any{
				map[string]any{"Sid": "Bucket", "Effect": "Allow", "Resource": bucketArn,
					"Action": []any{"s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"}},
				map[string]any{"Sid": "Objects", "Effect": "Allow", "Resource": map[string]any{"Fn::Join": []any{"", []any{bucketArn, "/*"}}},
					"Action": []any{"s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"}},
				assertions.Match_ObjectLike(&map[string]any{"Sid": "ErrorLogs", "Action": "logs:PutLogEvents"}),
			}},
		})
		// Firehose must never be able to delete (versions of) retained data.
		tpl.ResourceCountIs(jsii.String("AWS::IAM::Policy"), jsii.Number(1))
		for _, stmt := range policyStatements(tpl) {
			for _, a := range asList(stmt["Action"]) {
				if s := fmt.Sprint(a); strings.Contains(s, "Delete") || strings.Contains(s, "*") {
					t.Errorf("Firehose role allows %q", s)
				}
			}
		}
		tpl.HasResource(jsii.String("AWS::KinesisFirehose::DeliveryStream"), map[string]any{
			"DependsOn": assertions.Match_ArrayWith(&[]any{stack.GetLogicalId(d.Role.Node().FindChild(jsii.String("DefaultPolicy")).Node().DefaultChild().(awscdk.CfnElement))}),
		})
	})

	t.Run("bucket", func(t *testing.T) {
		tpl.HasResource(jsii.String("AWS::S3::Bucket"), map[string]any{
			"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
			"Properties": map[string]any{
				"VersioningConfiguration": map[string]any{"Status": "Enabled"},
				"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{
					map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}},
				}},
				"PublicAccessBlockConfiguration": map[string]any{
					"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
				},
				"OwnershipControls": map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}},
				"LifecycleConfiguration": map[string]any{"Rules": []any{
					map[string]any{
						"Id": "expire", "Status": "Enabled", "ExpirationInDays": 365,
						"NoncurrentVersionExpiration":    map[string]any{"NoncurrentDays": 30},
						"AbortIncompleteMultipartUpload": map[string]any{"DaysAfterInitiation": 7},
					},
					map[string]any{"Id": "delete-markers", "Status": "Enabled", "ExpiredObjectDeleteMarker": true},
				}},
				"LoggingConfiguration": map[string]any{
					"DestinationBucketName": map[string]any{"Ref": stack.GetLogicalId(d.AccessLogsBucket.Node().DefaultChild().(awss3.CfnBucket))},
					"LogFilePrefix":         ingest.AccessPrefix,
				},
			},
		})
		// TLS only, on both buckets.
		tpl.ResourcePropertiesCountIs(jsii.String("AWS::S3::BucketPolicy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Effect": "Deny", "Action": "s3:*", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
			})})},
		}, jsii.Number(2))
		// The access-log bucket grants log delivery by policy, ACLs stay disabled.
		tpl.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Sid": "S3ServerAccessLogs", "Effect": "Allow", "Action": "s3:PutObject",
				"Principal": map[string]any{"Service": "logging.s3.amazonaws.com"},
			})})},
		})
		tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
			"OwnershipControls": map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}},
			"AccessControl":     assertions.Match_Absent(),
			"LifecycleConfiguration": map[string]any{"Rules": []any{map[string]any{
				"Id": "expire", "Status": "Enabled", "ExpirationInDays": 365,
				"AbortIncompleteMultipartUpload": map[string]any{"DaysAfterInitiation": 7},
			}}},
		})
	})

	t.Run("cdk_nag_clean", func(t *testing.T) {
		for _, f := range testenv.NagFindings(stack) {
			t.Errorf("cdk-nag: %s", f)
		}
	})
}

func TestDeliveryValidation(t *testing.T) {
	tests := []struct {
		name  string
		props ingest.DeliveryProps
		want  []string
	}{
		{"fails_empty_stream_name", ingest.DeliveryProps{}, []string{`StreamName ""`}},
		{"fails_buffering_interval", ingest.DeliveryProps{StreamName: "s", BufferingInterval: awscdk.Duration_Seconds(jsii.Number(901))},
			[]string{"BufferingInterval 901s"}},
		{"fails_buffering_size", ingest.DeliveryProps{StreamName: "s", BufferingSizeMiB: 129}, []string{"BufferingSizeMiB 129"}},
		{"fails_expire_in_hours", ingest.DeliveryProps{StreamName: "s", ExpireAfter: awscdk.Duration_Hours(jsii.Number(36))},
			[]string{"ExpireAfter 129600s"}},
		{"fails_noncurrent_zero", ingest.DeliveryProps{StreamName: "s", NoncurrentExpireAfter: awscdk.Duration_Days(jsii.Number(0))},
			[]string{"NoncurrentExpireAfter 0s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := panicMessage(func() { ingest.NewDelivery(newStack("Ingest", "eu-west-1"), "Delivery", &tt.props) })
			wantPanic(t, msg, tt.want)
		})
	}
	t.Run("fails_access_logs_with_bucket", func(t *testing.T) {
		stack := newStack("Ingest", "eu-west-1")
		b := awss3.Bucket_FromBucketName(stack, jsii.String("B"), jsii.String("existing-bucket"))
		msg := panicMessage(func() {
			ingest.NewDelivery(stack, "Delivery", &ingest.DeliveryProps{StreamName: "s", Bucket: b, AccessLogsBucket: b})
		})
		wantPanic(t, msg, []string{"AccessLogsBucket is set with Bucket"})
	})
}

func TestAddBehavior(t *testing.T) {
	stack := newStack("Cdn", "eu-central-1")
	origin := awscloudfrontorigins.NewHttpOrigin(jsii.String("example.com"), nil)
	dist := awscloudfront.NewDistribution(stack, jsii.String("Dist"), &awscloudfront.DistributionProps{
		DefaultBehavior: &awscloudfront.BehaviorOptions{Origin: origin},
	})
	const versionArn = "arn:aws:lambda:us-east-1:123456789012:function:ingest:7"
	version := awslambda.Version_FromVersionArn(stack, jsii.String("V"), jsii.String(versionArn))
	b := ingest.AddBehavior(dist, &ingest.BehaviorProps{Version: version, Origin: origin})
	// A second path reuses the one origin request policy.
	b2 := ingest.AddBehavior(dist, &ingest.BehaviorProps{Path: "/v2/ingest", Version: version, Origin: origin})
	if b.PathPattern != "/ingest" || b2.OriginRequestPolicy != b.OriginRequestPolicy {
		t.Fatalf("behaviors %+v %+v", b, b2)
	}
	tpl := assertions.Template_FromStack(stack, nil)
	tpl.ResourceCountIs(jsii.String("AWS::CloudFront::OriginRequestPolicy"), jsii.Number(1))
	tpl.HasResourceProperties(jsii.String("AWS::CloudFront::OriginRequestPolicy"), map[string]any{
		"OriginRequestPolicyConfig": assertions.Match_ObjectLike(&map[string]any{
			"HeadersConfig":      map[string]any{"HeaderBehavior": "whitelist", "Headers": []any{"Content-Type", "CloudFront-Viewer-Country", "Idempotency-Key"}},
			"CookiesConfig":      map[string]any{"CookieBehavior": "none"},
			"QueryStringsConfig": map[string]any{"QueryStringBehavior": "none"},
		}),
	})
	policyID := stack.GetLogicalId(b.OriginRequestPolicy.Node().DefaultChild().(awscdk.CfnElement))
	behavior := func(path string) any {
		return assertions.Match_ObjectLike(&map[string]any{
			"PathPattern":           path,
			"AllowedMethods":        []any{"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"},
			"CachePolicyId":         "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", // managed CachingDisabled
			"OriginRequestPolicyId": map[string]any{"Ref": policyID},
			"ViewerProtocolPolicy":  "https-only",
			"LambdaFunctionAssociations": []any{map[string]any{
				"EventType": "origin-request", "IncludeBody": true, "LambdaFunctionARN": versionArn,
			}},
		})
	}
	tpl.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), map[string]any{
		"DistributionConfig": assertions.Match_ObjectLike(&map[string]any{
			"CacheBehaviors": []any{behavior("/ingest"), behavior("/v2/ingest")},
		}),
	})

	t.Run("fails_validation", func(t *testing.T) {
		msg := panicMessage(func() { ingest.AddBehavior(dist, &ingest.BehaviorProps{Path: "/in*"}) })
		wantPanic(t, msg, []string{`Path "/in*"`, "Version is required", "Origin is required"})
	})
}

func policyStatements(tpl assertions.Template) []map[string]any {
	var out []map[string]any
	for _, res := range *tpl.FindResources(jsii.String("AWS::IAM::Policy"), nil) {
		doc := (*res)["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)
		for _, s := range doc["Statement"].([]any) {
			out = append(out, s.(map[string]any))
		}
	}
	return out
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

func wantPanic(t *testing.T, msg string, want []string) {
	t.Helper()
	if msg == "" {
		t.Fatal("no panic, want a validation error")
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("panic %q does not contain %q", msg, w)
		}
	}
}

func panicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

// The JS suites load the handler config the construct bakes in with the app's
// defaults from functions/ingest/testdata/handler-config.json.
func TestHandlerConfigFile(t *testing.T) {
	var c ingest.Config
	c.SetDefaults(config.App{AppName: "edgekit"})
	p := &ingest.Pattern{Config: c}
	p.BuildEdge(&pattern.Edge{App: &pattern.App{Config: config.App{AppName: "edgekit", LogRetentionDays: 30}}, Stack: newStack("Edge", "us-east-1")})
	handlerconfig.Check(t, "ingest", p.Edge.HandlerConfig)
}
