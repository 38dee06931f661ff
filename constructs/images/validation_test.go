package images_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/constructs/images"
)

// Every constructor checks its props before creating anything and names
// every problem in one panic; none of these cases builds Go code.
func TestValidation(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Test"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-central-1")}})
	bucket := awss3.Bucket_FromBucketName(stack, jsii.String("Imported"), jsii.String("originals"))
	dist := awscloudfront.NewDistribution(stack, jsii.String("Distribution"), &awscloudfront.DistributionProps{
		DefaultBehavior: &awscloudfront.BehaviorOptions{Origin: awscloudfrontorigins.NewHttpOrigin(jsii.String("example.com"), nil)},
	})
	publicURL := awslambda.NewFunction(stack, jsii.String("Public"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_22_X(), Handler: jsii.String("index.handler"),
		Code: awslambda.Code_FromInline(jsii.String("exports.handler = async () => ({})")),
	}).AddFunctionUrl(&awslambda.FunctionUrlOptions{AuthType: awslambda.FunctionUrlAuthType_NONE})
	origin := awscloudfrontorigins.NewHttpOrigin(jsii.String("origin.example.com"), nil)
	n := 0
	id := func() string { n++; return fmt.Sprintf("Case%d", n) }

	tests := []struct {
		name string
		f    func()
		want []string
	}{
		{"fails_origin_without_bucket", func() { images.NewOrigin(stack, id(), &images.OriginProps{}) }, []string{"Bucket is required"}},
		{"fails_origin_nil_props", func() { images.NewOrigin(stack, id(), nil) }, []string{"Bucket is required"}},
		{"fails_origin_object_over_response_limit", func() {
			images.NewOrigin(stack, id(), &images.OriginProps{Bucket: bucket, HandlerProps: images.HandlerProps{MaxObjectBytes: 4_487_713}})
		}, []string{"MaxObjectBytes 4487713: must be 1..4487712"}},
		{"fails_origin_memory_256", func() {
			images.NewOrigin(stack, id(), &images.OriginProps{Bucket: bucket, HandlerProps: images.HandlerProps{MemorySize: 256}})
		}, []string{"MemorySize 256 MB: at least 512 MB"}},
		{"fails_origin_timeout_10s", func() {
			images.NewOrigin(stack, id(), &images.OriginProps{Bucket: bucket, HandlerProps: images.HandlerProps{Timeout: 10 * time.Second, FetchTimeout: time.Second}})
		}, []string{"Timeout 10s: whole seconds, at least 15s"}},
		{"fails_origin_timeout_fractional", func() {
			images.NewOrigin(stack, id(), &images.OriginProps{Bucket: bucket, HandlerProps: images.HandlerProps{Timeout: 20500 * time.Millisecond}})
		}, []string{"Timeout 20.5s"}},
		{"fails_origin_fetch_timeout_leaves_no_margin", func() {
			images.NewOrigin(stack, id(), &images.OriginProps{Bucket: bucket, HandlerProps: images.HandlerProps{FetchTimeout: 16 * time.Second}})
		}, []string{"FetchTimeout 16s: must be positive and leave 5s of Timeout 20s"}},
		{"fails_origin_cache_control_injection", func() {
			images.NewOrigin(stack, id(), &images.OriginProps{Bucket: bucket, HandlerProps: images.HandlerProps{CacheControl: "max-age=1\nX: y"}})
		}, []string{`CacheControl "max-age=1\nX: y"`}},
		{"fails_origin_path_prefix", func() {
			images.NewOrigin(stack, id(), &images.OriginProps{Bucket: bucket, PathPrefix: "images"})
		}, []string{`PathPrefix "images": must start and end with /`}},
		{"fails_origin_every_problem", func() {
			images.NewOrigin(stack, id(), &images.OriginProps{PathPrefix: "/x", HandlerProps: images.HandlerProps{MaxObjectBytes: -1, MemorySize: 128}})
		}, []string{"Bucket is required", `PathPrefix "/x"`, "MaxObjectBytes -1", "MemorySize 128"}},

		{"fails_object_lambda_bad_name", func() {
			images.NewObjectLambdaOrigin(stack, id(), &images.ObjectLambdaOriginProps{SupportingAccessPointArn: jsii.String("arn"), Name: "Images_OL"})
		}, []string{`Name "Images_OL"`}},
		{"fails_object_lambda_name_too_long", func() {
			images.NewObjectLambdaOrigin(stack, id(), &images.ObjectLambdaOriginProps{SupportingAccessPointArn: jsii.String("arn"), Name: strings.Repeat("a", 46)})
		}, []string{"3-45 lower-case"}},
		{"fails_object_lambda_timeout_over_60s", func() {
			images.NewObjectLambdaOrigin(stack, id(), &images.ObjectLambdaOriginProps{SupportingAccessPointArn: jsii.String("arn"), Name: "ok-name",
				HandlerProps: images.HandlerProps{Timeout: 61 * time.Second}})
		}, []string{"Timeout 1m1s: S3 Object Lambda allows at most 1m0s"}},
		{"fails_object_lambda_object_over_64mib", func() {
			images.NewObjectLambdaOrigin(stack, id(), &images.ObjectLambdaOriginProps{SupportingAccessPointArn: jsii.String("arn"), Name: "ok-name",
				HandlerProps: images.HandlerProps{MaxObjectBytes: 64<<20 + 1}})
		}, []string{"MaxObjectBytes 67108865: must be 1..67108864"}},
		{"fails_object_lambda_no_access_point", func() {
			images.NewObjectLambdaOrigin(stack, id(), &images.ObjectLambdaOriginProps{Name: "ok-name"})
		}, []string{"SupportingAccessPointArn is required"}},

		{"fails_access_point_no_bucket", func() {
			images.NewSupportingAccessPoint(stack, id(), &images.SupportingAccessPointProps{Name: "ok-name"})
		}, []string{"Bucket is required"}},
		{"fails_access_point_bad_name", func() {
			images.NewSupportingAccessPoint(stack, id(), &images.SupportingAccessPointProps{Name: "-bad"})
		}, []string{`Name "-bad"`}},

		{"fails_bucket_without_logs", func() { images.NewBucket(stack, id(), &images.BucketProps{}) }, []string{"AccessLogs is required"}},

		{"fails_url_origin_public_url", func() {
			images.AttachFunctionURLOrigin(stack, id(), &images.FunctionURLOriginProps{URL: publicURL, Distribution: dist})
		}, []string{"URL has auth type NONE"}},
		{"fails_url_origin_missing", func() { images.AttachFunctionURLOrigin(stack, id(), nil) },
			[]string{"URL is required", "Distribution is required"}},
		{"fails_url_origin_bad_oac_name", func() {
			images.AttachFunctionURLOrigin(stack, id(), &images.FunctionURLOriginProps{AccessControlName: "a b"})
		}, []string{`AccessControlName "a b"`}},
		{"fails_object_lambda_attach_missing", func() {
			images.AttachObjectLambdaOrigin(stack, id(), &images.ObjectLambdaAttachProps{AccessPointName: "X"})
		}, []string{`AccessPointName "X"`, "AccessPointAlias is required", "FunctionArn is required", "Distribution is required"}},

		{"fails_behavior_missing", func() { images.NewBehavior(stack, id(), nil) },
			[]string{"Distribution is required", "Origin is required"}},
		{"fails_behavior_path", func() {
			images.NewBehavior(stack, id(), &images.BehaviorProps{Distribution: dist, Origin: origin, Path: "/images"})
		}, []string{`Path "/images"`}},
		{"fails_behavior_code_over_10kb", func() {
			images.NewBehavior(stack, id(), &images.BehaviorProps{Distribution: dist, Origin: origin, NormalizeCode: strings.Repeat("x", 10*1024+1)})
		}, []string{"NormalizeCode is 10241 bytes: CloudFront Functions allow 10240"}},
		{"fails_behavior_names", func() {
			images.NewBehavior(stack, id(), &images.BehaviorProps{Distribution: dist, Origin: origin,
				CachePolicyName: "a b", OriginRequestPolicyName: strings.Repeat("p", 129), FunctionName: strings.Repeat("f", 65)})
		}, []string{`CachePolicyName "a b"`, "OriginRequestPolicyName", "FunctionName"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := mustPanic(t, tt.f)
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("panic lacks %q:\n%s", w, msg)
				}
			}
		})
	}
}
