package images_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/config"
	"github.com/edgekit/edgekit/constructs/images"
	"github.com/edgekit/edgekit/constructs/pattern"
	"github.com/edgekit/edgekit/constructs/redirect"
	"github.com/edgekit/edgekit/functions/images/edge"
	"github.com/edgekit/edgekit/internal/testenv"
	"github.com/edgekit/edgekit/stacks"
)

func TestMain(m *testing.M) {
	testenv.Pin()
	os.Exit(m.Run())
}

// built is one app synthesized through stacks.Build with the site (the
// distribution's root) and the images pattern.
type built struct {
	*stacks.App
	images               *images.Pattern
	storage, api, cdn    assertions.Template
	storageJ, apiJ, cdnJ map[string]any
	bucketID             string
}

// Each app is synthesized once per test binary: jsii makes a synthesis cost
// seconds.
var (
	urlOnce, olOnce sync.Once
	urlApp, olApp   *built
)

func build(t *testing.T, ctx map[string]any) *built {
	t.Helper()
	img := &images.Pattern{}
	ps := []pattern.Pattern{&redirect.Pattern{}, img}
	cfg, err := config.Load(ctx, stacks.Sections(ps)...)
	if err != nil {
		t.Fatal(err)
	}
	a := stacks.Build(stacks.NewApp(), cfg, ps)
	if a.Api == nil {
		t.Fatal("the images pattern did not create the Api stack")
	}
	b := &built{App: a, images: img}
	b.storage = assertions.Template_FromStack(a.Storage, nil)
	b.api = assertions.Template_FromStack(a.Api, nil)
	b.cdn = assertions.Template_FromStack(a.Cdn, nil)
	b.storageJ, b.apiJ, b.cdnJ = toJSON(b.storage), toJSON(b.api), toJSON(b.cdn)
	b.bucketID = *a.Storage.GetLogicalId(img.Bucket.Node().DefaultChild().(awscdk.CfnElement))
	return b
}

func functionURLApp(t *testing.T) *built {
	t.Helper()
	urlOnce.Do(func() { urlApp = build(t, nil) })
	if urlApp == nil {
		t.Fatal("the function URL app did not build")
	}
	return urlApp
}

func objectLambdaApp(t *testing.T) *built {
	t.Helper()
	olOnce.Do(func() {
		olApp = build(t, map[string]any{"edgekit:images:objectLambda": true, "edgekit:images:maxObjectBytes": 20 << 20})
	})
	if olApp == nil {
		t.Fatal("the Object Lambda app did not build")
	}
	return olApp
}

func toJSON(tpl assertions.Template) map[string]any {
	b, err := json.Marshal(tpl.ToJSON())
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return m
}

// resources returns the resources of type typ in a template, by logical id.
func resources(tpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tpl["Resources"].(map[string]any) {
		r := r.(map[string]any)
		if r["Type"] == typ {
			out[id] = r
		}
	}
	return out
}

func only(t *testing.T, tpl map[string]any, typ string) (string, map[string]any) {
	t.Helper()
	rs := resources(tpl, typ)
	if len(rs) != 1 {
		t.Fatalf("%d resources of type %s, want 1", len(rs), typ)
	}
	for id, r := range rs {
		return id, r["Properties"].(map[string]any)
	}
	panic("unreachable")
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// importOf matches a weak cross-stack reference (Fn::GetStackOutput) to an
// output whose name contains part.
func importOf(part string) any {
	return assertions.Match_ObjectLike(&map[string]any{"Fn::GetStackOutput": assertions.Match_ObjectLike(&map[string]any{
		"OutputName": assertions.Match_StringLikeRegexp(jsii.String(".*" + part + ".*")),
	})})
}

// distributionArn is how the Cdn stack renders the distribution's ARN.
func distributionArn(b *built) any {
	return map[string]any{"Fn::Join": []any{"", []any{
		"arn:aws:cloudfront::", map[string]any{"Ref": "AWS::AccountId"}, ":distribution/",
		map[string]any{"Ref": *b.Cdn.GetLogicalId(b.Distribution.Node().DefaultChild().(awscdk.CfnElement))},
	}}}
}

func TestConfig(t *testing.T) {
	var c images.Config
	if _, err := config.Load(nil, &c); err != nil {
		t.Fatal(err)
	}
	want := images.Config{Enabled: true, Path: "/images/*", MaxObjectBytes: 4 << 20, CacheControl: "public, max-age=86400", KeepIccProfile: true}
	if c != want {
		t.Fatalf("defaults %+v, want %+v", c, want)
	}

	ok := []map[string]any{
		{"edgekit:images:path": "/media/photos/*"},
		{"edgekit:images:maxObjectBytes": 4_487_712},
		{"edgekit:images:objectLambda": "true", "edgekit:images:maxObjectBytes": 64 << 20},
		{"edgekit:images:enabled": "false", "edgekit:images:keepIccProfile": false, "edgekit:images:cacheControl": "public, max-age=60"},
	}
	for _, ctx := range ok {
		var c images.Config
		if _, err := config.Load(ctx, &c); err != nil {
			t.Errorf("Load(%v): %v", ctx, err)
		}
	}

	tests := []struct {
		name string
		ctx  map[string]any
		want []string
	}{
		{"fails_path_without_star", map[string]any{"edgekit:images:path": "/images"}, []string{`edgekit:images:path="/images"`}},
		{"fails_path_root", map[string]any{"edgekit:images:path": "/*"}, []string{`edgekit:images:path="/*"`}},
		{"fails_path_inner_wildcard", map[string]any{"edgekit:images:path": "/img*/*"}, []string{`edgekit:images:path="/img*/*"`}},
		{"fails_path_dot_segment", map[string]any{"edgekit:images:path": "/images/../*"}, []string{"must not contain . or .."}},
		{"fails_path_escaped", map[string]any{"edgekit:images:path": "/im%20ages/*"}, []string{`edgekit:images:path="/im%20ages/*"`}},
		{"fails_max_bytes_over_function_url_limit", map[string]any{"edgekit:images:maxObjectBytes": 4_487_713},
			[]string{"edgekit:images:maxObjectBytes=4487713: must be 1..4487712"}},
		{"fails_max_bytes_over_object_lambda_limit", map[string]any{"edgekit:images:objectLambda": true, "edgekit:images:maxObjectBytes": 64<<20 + 1},
			[]string{"must be 1..67108864"}},
		{"fails_max_bytes_zero", map[string]any{"edgekit:images:maxObjectBytes": 0}, []string{"edgekit:images:maxObjectBytes=0"}},
		{"fails_cache_control_header_injection", map[string]any{"edgekit:images:cacheControl": "max-age=1\r\nSet-Cookie: a=b"},
			[]string{"edgekit:images:cacheControl", "printable ASCII"}},
		{"fails_cache_control_empty", map[string]any{"edgekit:images:cacheControl": " "}, []string{"must be 1-256 characters"}},
		{"fails_unknown_key", map[string]any{"edgekit:images:showExif": true}, []string{"edgekit:images:showExif=true: unknown key"}},
		{"fails_every_problem_at_once", map[string]any{"edgekit:images:path": "x", "edgekit:images:maxObjectBytes": -1, "edgekit:images:cacheControl": "\x00"},
			[]string{"edgekit:images:path", "edgekit:images:maxObjectBytes", "edgekit:images:cacheControl"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c images.Config
			_, err := config.Load(tt.ctx, &c)
			if err == nil {
				t.Fatalf("Load(%v) accepted", tt.ctx)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// A disabled pattern touches no stack: its hooks return before using any.
func TestDisabled(t *testing.T) {
	p := &images.Pattern{}
	if _, err := config.Load(map[string]any{"edgekit:images:enabled": false}, p.Sections()...); err != nil {
		t.Fatal(err)
	}
	p.BuildHome(&pattern.Home{})
	p.BuildCdn(&pattern.Cdn{})
	if p.Bucket != nil || p.Origin != nil || p.Behavior != nil || p.ObjectLambda != nil {
		t.Fatalf("disabled pattern built %+v", p)
	}
	if p.Name() != "images" {
		t.Errorf("Name() = %q", p.Name())
	}
}

func TestBucket(t *testing.T) {
	for _, mode := range []struct {
		name string
		app  func(*testing.T) *built
	}{{"function_url", functionURLApp}, {"object_lambda", objectLambdaApp}} {
		t.Run(mode.name, func(t *testing.T) {
			b := mode.app(t)
			logsID := *b.Storage.GetLogicalId(b.Storage.Node().FindChild(jsii.String("Logs")).Node().DefaultChild().(awscdk.CfnElement))
			b.storage.HasResource(jsii.String("AWS::S3::Bucket"), map[string]any{
				"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
				"Properties": assertions.Match_ObjectLike(&map[string]any{
					"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{
						map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}},
					}},
					"VersioningConfiguration": map[string]any{"Status": "Enabled"},
					"PublicAccessBlockConfiguration": map[string]any{
						"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
					},
					"OwnershipControls": map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}},
					"LoggingConfiguration": map[string]any{
						"DestinationBucketName": map[string]any{"Ref": logsID}, "LogFilePrefix": "s3/images/",
					},
				}),
			})
			b.storage.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), map[string]any{
				"Bucket": map[string]any{"Ref": b.bucketID},
				"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
					"Effect": "Deny", "Principal": map[string]any{"AWS": "*"}, "Action": "s3:*",
					"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
					"Resource": []any{
						map[string]any{"Fn::GetAtt": []any{b.bucketID, "Arn"}},
						map[string]any{"Fn::Join": []any{"", []any{map[string]any{"Fn::GetAtt": []any{b.bucketID, "Arn"}}, "/*"}}},
					},
				}})},
			})
			b.storage.HasOutput(jsii.String("ImagesBucketName"), map[string]any{"Value": map[string]any{"Ref": b.bucketID}})
		})
	}
}

func TestFunctionURLMode(t *testing.T) {
	b := functionURLApp(t)
	fnID, fn := only(t, b.apiJ, "AWS::Lambda::Function")
	roleID := fn["Role"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)

	t.Run("function", func(t *testing.T) {
		b.api.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"Architectures": []any{"arm64"}, "Runtime": "provided.al2023", "Handler": "bootstrap",
			"MemorySize": 1024, "Timeout": 20,
			"Environment": map[string]any{"Variables": map[string]any{
				"IMAGES_BUCKET":           importOf("Images"),
				"IMAGES_PATH_PREFIX":      "/",
				"IMAGES_MAX_OBJECT_BYTES": "4194304",
				"IMAGES_CACHE_CONTROL":    "public, max-age=86400",
				"IMAGES_KEEP_ICC":         "true",
				"IMAGES_FETCH_TIMEOUT":    "10s",
			}},
		})
		if got := b.images.Origin.Function.Artifact.Package; got != images.FunctionURLPackage {
			t.Errorf("built %q, want %q", got, images.FunctionURLPackage)
		}
	})

	t.Run("role_reads_the_bucket_only", func(t *testing.T) {
		arn := importOf("Images")
		b.api.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
			"Roles": []any{map[string]any{"Ref": roleID}},
			"PolicyDocument": map[string]any{"Statement": []any{
				map[string]any{"Sid": "ReadOriginals", "Effect": "Allow", "Action": "s3:GetObject",
					"Resource": map[string]any{"Fn::Join": []any{"", []any{arn, "/*"}}}},
				map[string]any{"Sid": "MissingKeyIsNotFound", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": arn},
			}},
		})
		for id, p := range resources(b.apiJ, "AWS::IAM::Policy") {
			if s := js(p); strings.Contains(s, `"s3:*"`) || strings.Contains(s, "s3:Put") || strings.Contains(s, "s3:Delete") {
				t.Errorf("policy %s grants more than reading: %s", id, s)
			}
		}
	})

	t.Run("url_aws_iam", func(t *testing.T) {
		b.api.HasResourceProperties(jsii.String("AWS::Lambda::Url"), map[string]any{
			"AuthType": "AWS_IAM", "InvokeMode": "BUFFERED",
			"TargetFunctionArn": map[string]any{"Fn::GetAtt": []any{fnID, "Arn"}},
		})
		// Grants naming the distribution belong to the Cdn stack; one here
		// would make Api depend on Cdn (a cycle).
		b.api.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(0))
	})

	t.Run("invoke_permissions_in_cdn", func(t *testing.T) {
		fnArn := importOf("FunctionArn")
		b.cdn.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(2))
		b.cdn.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), map[string]any{
			"Action": "lambda:InvokeFunctionUrl", "Principal": "cloudfront.amazonaws.com",
			"FunctionName": fnArn, "SourceArn": distributionArn(b), "FunctionUrlAuthType": "AWS_IAM",
			"InvokedViaFunctionUrl": assertions.Match_Absent(),
		})
		b.cdn.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), map[string]any{
			"Action": "lambda:InvokeFunction", "Principal": "cloudfront.amazonaws.com",
			"FunctionName": fnArn, "SourceArn": distributionArn(b), "InvokedViaFunctionUrl": true,
		})
	})

	t.Run("origin_access_control", func(t *testing.T) {
		b.cdn.HasResourceProperties(jsii.String("AWS::CloudFront::OriginAccessControl"), map[string]any{
			"OriginAccessControlConfig": assertions.Match_ObjectLike(&map[string]any{
				"Name": "edgekit-images-function-url", "OriginAccessControlOriginType": "lambda",
				"SigningBehavior": "always", "SigningProtocol": "sigv4",
			}),
		})
		oacID := *b.Cdn.GetLogicalId(b.images.FunctionURLOrigin.AccessControl.Node().DefaultChild().(awscdk.CfnElement))
		origin := originOf(t, b, "/images/*")
		if js(origin["OriginAccessControlId"]) != js(map[string]any{"Fn::GetAtt": []any{oacID, "Id"}}) {
			t.Errorf("images origin access control %s, want %s", js(origin["OriginAccessControlId"]), oacID)
		}
		if !strings.Contains(js(origin["DomainName"]), "FunctionUrl") || js(origin["CustomOriginConfig"]) != `{"OriginProtocolPolicy":"https-only","OriginSSLProtocols":["TLSv1.2"]}` {
			t.Errorf("images origin %s", js(origin))
		}
	})

	t.Run("behavior", func(t *testing.T) {
		testBehavior(t, b)
	})

	t.Run("outputs", func(t *testing.T) {
		b.cdn.HasOutput(jsii.String("ImagesBaseUrl"), map[string]any{"Value": map[string]any{"Fn::Join": []any{"", []any{
			"https://", map[string]any{"Fn::GetAtt": []any{*b.Cdn.GetLogicalId(b.Distribution.Node().DefaultChild().(awscdk.CfnElement)), "DomainName"}}, "/images/",
		}}}})
	})

	t.Run("no_object_lambda", func(t *testing.T) {
		for _, typ := range []string{"AWS::S3ObjectLambda::AccessPoint", "AWS::S3::AccessPoint"} {
			b.storage.ResourceCountIs(jsii.String(typ), jsii.Number(0))
			b.api.ResourceCountIs(jsii.String(typ), jsii.Number(0))
		}
		b.cdn.ResourceCountIs(jsii.String("AWS::S3ObjectLambda::AccessPointPolicy"), jsii.Number(0))
		// CloudFront never reads the bucket itself in this mode.
		for id, p := range resources(b.storageJ, "AWS::S3::BucketPolicy") {
			if strings.Contains(js(p), "cloudfront.amazonaws.com") && strings.Contains(js(p), b.bucketID) {
				t.Errorf("bucket policy %s grants CloudFront: %s", id, js(p))
			}
		}
	})
}

// originOf returns the distribution's origin serving path.
func originOf(t *testing.T, b *built, path string) map[string]any {
	t.Helper()
	_, dist := only(t, b.cdnJ, "AWS::CloudFront::Distribution")
	cfg := dist["DistributionConfig"].(map[string]any)
	var target any
	for _, cb := range cfg["CacheBehaviors"].([]any) {
		if cb := cb.(map[string]any); cb["PathPattern"] == path {
			target = cb["TargetOriginId"]
		}
	}
	for _, o := range cfg["Origins"].([]any) {
		if o := o.(map[string]any); o["Id"] == target {
			return o
		}
	}
	t.Fatalf("no origin for %s", path)
	return nil
}

// testBehavior checks the images behaviour and its policies and function,
// which are the same in both modes.
func testBehavior(t *testing.T, b *built) {
	id := func(c awscdk.CfnElement) string { return *b.Cdn.GetLogicalId(c) }
	beh := b.images.Behavior
	cacheID := id(beh.CachePolicy.Node().DefaultChild().(awscdk.CfnElement))
	originReqID := id(beh.OriginRequestPolicy.Node().DefaultChild().(awscdk.CfnElement))
	fnID := id(beh.Normalize.Node().DefaultChild().(awscdk.CfnElement))
	headersID := id(b.Cdn.Node().FindChild(jsii.String("SecurityHeaders")).Node().DefaultChild().(awscdk.CfnElement))

	b.cdn.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), map[string]any{
		"DistributionConfig": assertions.Match_ObjectLike(&map[string]any{
			"CacheBehaviors": assertions.Match_ArrayWith(&[]any{map[string]any{
				"PathPattern":             "/images/*",
				"TargetOriginId":          assertions.Match_AnyValue(),
				"AllowedMethods":          []any{"GET", "HEAD"},
				"CachedMethods":           []any{"GET", "HEAD"},
				"Compress":                true,
				"ViewerProtocolPolicy":    "https-only",
				"CachePolicyId":           map[string]any{"Ref": cacheID},
				"OriginRequestPolicyId":   map[string]any{"Ref": originReqID},
				"ResponseHeadersPolicyId": map[string]any{"Ref": headersID},
				"FunctionAssociations": []any{map[string]any{
					"EventType": "viewer-request", "FunctionARN": map[string]any{"Fn::GetAtt": []any{fnID, "FunctionARN"}},
				}},
			}}),
		}),
	})
	b.cdn.HasResourceProperties(jsii.String("AWS::CloudFront::CachePolicy"), map[string]any{
		"CachePolicyConfig": map[string]any{
			"Name": "edgekit-images", "Comment": assertions.Match_AnyValue(),
			"MinTTL": 0, "DefaultTTL": 86400, "MaxTTL": 31536000,
			"ParametersInCacheKeyAndForwardedToOrigin": map[string]any{
				"QueryStringsConfig":         map[string]any{"QueryStringBehavior": "whitelist", "QueryStrings": []any{"showExif"}},
				"HeadersConfig":              map[string]any{"HeaderBehavior": "none"},
				"CookiesConfig":              map[string]any{"CookieBehavior": "none"},
				"EnableAcceptEncodingGzip":   true,
				"EnableAcceptEncodingBrotli": true,
			},
		},
	})
	b.cdn.HasResourceProperties(jsii.String("AWS::CloudFront::OriginRequestPolicy"), map[string]any{
		"OriginRequestPolicyConfig": map[string]any{
			"Name": "edgekit-images", "Comment": assertions.Match_AnyValue(),
			"QueryStringsConfig": map[string]any{"QueryStringBehavior": "whitelist", "QueryStrings": []any{"showExif"}},
			"HeadersConfig":      map[string]any{"HeaderBehavior": "none"},
			"CookiesConfig":      map[string]any{"CookieBehavior": "none"},
		},
	})
	b.cdn.HasResourceProperties(jsii.String("AWS::CloudFront::Function"), map[string]any{
		"Name": "edgekit-images-normalize", "AutoPublish": true, "FunctionCode": edge.NormalizeJS,
		"FunctionConfig": assertions.Match_ObjectLike(&map[string]any{"Runtime": "cloudfront-js-2.0"}),
	})
}

func TestObjectLambdaMode(t *testing.T) {
	b := objectLambdaApp(t)
	p := b.images
	if p.Origin != nil || p.FunctionURLOrigin != nil {
		t.Fatal("Object Lambda mode also built the function URL origin")
	}
	apArn := map[string]any{"Fn::Join": []any{"", []any{"arn:aws:s3:eu-central-1:", map[string]any{"Ref": "AWS::AccountId"}, ":accesspoint/edgekit-images"}}}
	olArn := map[string]any{"Fn::Join": []any{"", []any{"arn:aws:s3-object-lambda:eu-central-1:", map[string]any{"Ref": "AWS::AccountId"}, ":accesspoint/edgekit-images-ol"}}}
	calledVia := map[string]any{"ForAnyValue:StringEquals": map[string]any{"aws:CalledVia": []any{"s3-object-lambda.amazonaws.com"}}}
	cf := map[string]any{"Service": "cloudfront.amazonaws.com"}

	t.Run("supporting_access_point", func(t *testing.T) {
		b.storage.HasResourceProperties(jsii.String("AWS::S3::AccessPoint"), map[string]any{
			"Bucket": map[string]any{"Ref": b.bucketID}, "Name": "edgekit-images",
			"PublicAccessBlockConfiguration": map[string]any{
				"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
			},
			"Policy": map[string]any{"Version": "2012-10-17", "Statement": []any{
				map[string]any{"Sid": "CloudFrontViaObjectLambdaGet", "Effect": "Allow", "Principal": cf, "Action": "s3:GetObject",
					"Resource":  map[string]any{"Fn::Join": []any{"", []any{"arn:aws:s3:eu-central-1:", map[string]any{"Ref": "AWS::AccountId"}, ":accesspoint/edgekit-images/object/*"}}},
					"Condition": calledVia},
				map[string]any{"Sid": "CloudFrontViaObjectLambdaList", "Effect": "Allow", "Principal": cf, "Action": "s3:ListBucket",
					"Resource": apArn, "Condition": calledVia},
			}},
		})
		viaAP := map[string]any{"StringEquals": map[string]any{"s3:DataAccessPointArn": apArn}, "ForAnyValue:StringEquals": calledVia["ForAnyValue:StringEquals"]}
		b.storage.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), map[string]any{
			"Bucket": map[string]any{"Ref": b.bucketID},
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				map[string]any{"Sid": "CloudFrontViaObjectLambdaGet", "Effect": "Allow", "Principal": cf, "Action": "s3:GetObject",
					"Resource": map[string]any{"Fn::Join": []any{"", []any{map[string]any{"Fn::GetAtt": []any{b.bucketID, "Arn"}}, "/*"}}}, "Condition": viaAP},
				map[string]any{"Sid": "CloudFrontViaObjectLambdaList", "Effect": "Allow", "Principal": cf, "Action": "s3:ListBucket",
					"Resource": map[string]any{"Fn::GetAtt": []any{b.bucketID, "Arn"}}, "Condition": viaAP},
			})},
		})
	})

	t.Run("object_lambda_access_point", func(t *testing.T) {
		fnID, _ := only(t, b.apiJ, "AWS::Lambda::Function")
		b.api.HasResourceProperties(jsii.String("AWS::S3ObjectLambda::AccessPoint"), map[string]any{
			"Name": "edgekit-images-ol",
			"ObjectLambdaConfiguration": map[string]any{
				"SupportingAccessPoint": importOf("ImagesAccessPoint"),
				"TransformationConfigurations": []any{map[string]any{
					"Actions":               []any{"GetObject"},
					"ContentTransformation": map[string]any{"AwsLambda": map[string]any{"FunctionArn": map[string]any{"Fn::GetAtt": []any{fnID, "Arn"}}}},
				}},
			},
		})
		b.api.ResourceCountIs(jsii.String("AWS::Lambda::Url"), jsii.Number(0))
		b.api.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(0))
	})

	t.Run("function", func(t *testing.T) {
		b.api.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"Architectures": []any{"arm64"}, "Runtime": "provided.al2023", "MemorySize": 1024, "Timeout": 20,
			"Environment": map[string]any{"Variables": map[string]any{
				"IMAGES_MAX_OBJECT_BYTES": "20971520", "IMAGES_CACHE_CONTROL": "public, max-age=86400",
				"IMAGES_KEEP_ICC": "true", "IMAGES_FETCH_TIMEOUT": "10s",
			}},
		})
		if got := p.ObjectLambda.Function.Artifact.Package; got != images.ObjectLambdaPackage {
			t.Errorf("built %q, want %q", got, images.ObjectLambdaPackage)
		}
		b.api.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
				"Sid": "AnswerObjectLambda", "Effect": "Allow", "Action": "s3-object-lambda:WriteGetObjectResponse", "Resource": olArn,
			}}},
		})
	})

	t.Run("cdn", func(t *testing.T) {
		b.cdn.HasResourceProperties(jsii.String("AWS::S3ObjectLambda::AccessPointPolicy"), map[string]any{
			"ObjectLambdaAccessPoint": "edgekit-images-ol",
			"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Sid": "CloudFrontGetObject", "Effect": "Allow", "Principal": cf, "Action": "s3-object-lambda:GetObject",
				"Resource": olArn, "Condition": map[string]any{"StringEquals": map[string]any{"AWS:SourceArn": distributionArn(b)}},
			}}},
		})
		b.cdn.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(1))
		b.cdn.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), map[string]any{
			"Action": "lambda:InvokeFunction", "Principal": "cloudfront.amazonaws.com",
			"FunctionName": importOf("ImagesObjectLambdaFunction"), "SourceArn": distributionArn(b),
		})
		b.cdn.HasResourceProperties(jsii.String("AWS::CloudFront::OriginAccessControl"), map[string]any{
			"OriginAccessControlConfig": assertions.Match_ObjectLike(&map[string]any{
				"Name": "edgekit-images-object-lambda", "OriginAccessControlOriginType": "s3",
				"SigningBehavior": "always", "SigningProtocol": "sigv4",
			}),
		})
		origin := originOf(t, b, "/images/*")
		oacID := *b.Cdn.GetLogicalId(p.ObjectLambdaAttachment.AccessControl.Node().DefaultChild().(awscdk.CfnElement))
		want := map[string]any{
			"DomainName": map[string]any{"Fn::Join": []any{"", []any{
				origin["DomainName"].(map[string]any)["Fn::Join"].([]any)[1].([]any)[0], ".s3.eu-central-1.", map[string]any{"Ref": "AWS::URLSuffix"},
			}}},
			"Id":                    origin["Id"],
			"OriginAccessControlId": map[string]any{"Fn::GetAtt": []any{oacID, "Id"}},
			"S3OriginConfig":        map[string]any{"OriginAccessIdentity": ""},
		}
		if js(origin) != js(want) {
			t.Errorf("origin\n got %s\nwant %s", js(origin), js(want))
		}
		if !strings.Contains(js(origin["DomainName"]), "AliasValue") {
			t.Errorf("origin domain is not the access point alias: %s", js(origin["DomainName"]))
		}
		testBehavior(t, b)
	})
}

func TestNag(t *testing.T) {
	for _, mode := range []struct {
		name string
		app  func(*testing.T) *built
	}{{"function_url", functionURLApp}, {"object_lambda", objectLambdaApp}} {
		t.Run(mode.name, func(t *testing.T) {
			for _, s := range mode.app(t).All() {
				if f := testenv.NagFindings(s); len(f) > 0 {
					t.Errorf("%s: %d unsuppressed cdk-nag findings:\n  %s", *s.StackName(), len(f), strings.Join(f, "\n  "))
				}
			}
		})
	}
	// The pattern's only suppression is on its own role, with a reason.
	b := functionURLApp(t)
	for id, r := range b.apiJ["Resources"].(map[string]any) {
		md, _ := r.(map[string]any)["Metadata"].(map[string]any)
		if md["cdk_nag"] == nil {
			continue
		}
		s := js(md["cdk_nag"])
		if !strings.HasPrefix(id, "ImagesFunctionRole") || !strings.Contains(s, `"reason":"The images origin serves`) || strings.Count(s, `"id":`) != 1 {
			t.Errorf("unexpected suppression on %s: %s", id, s)
		}
	}
}

// mustPanic runs f and returns its panic message.
func mustPanic(t *testing.T, f func()) (msg string) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("no panic")
		}
		msg = fmt.Sprint(r)
	}()
	f()
	return ""
}
