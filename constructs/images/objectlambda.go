package images

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3objectlambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/constructs/gofunction"
	imagesfn "github.com/edgekit/edgekit/functions/images"
)

// The legacy S3 Object Lambda mode. S3 Object Lambda is closed to new
// customers since 2025-11-07: accounts without it fail to create the Object
// Lambda access point. Request flow: CloudFront signs (OAC, origin type s3)
// a GetObject to the Object Lambda access point alias; S3 Object Lambda
// invokes the function with a presigned URL for the supporting access point,
// signed for the caller (CloudFront), so the supporting access point and the
// bucket must let CloudFront read when the call comes through Object Lambda
// (aws:CalledVia); the function answers with WriteGetObjectResponse.

// cloudFront is the service principal CloudFront signs origin requests as.
const cloudFront = "cloudfront.amazonaws.com"

// calledViaObjectLambda restricts a grant to requests S3 Object Lambda
// makes on the caller's behalf.
var calledViaObjectLambda = map[string]any{
	"ForAnyValue:StringEquals": map[string]any{"aws:CalledVia": []any{"s3-object-lambda.amazonaws.com"}},
}

// accessPointNameRe: S3 access point names (3-50 characters, lower-case
// letters, digits and hyphens, no leading or trailing hyphen).
var accessPointNameRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{1,48})[a-z0-9]$`)

// SupportingAccessPointProps configures NewSupportingAccessPoint.
type SupportingAccessPointProps struct {
	// Bucket holds the originals; it must be created in the same app (its
	// policy receives the access point's statements).
	Bucket awss3.Bucket
	// Name of the access point, unique per account and region: 3-50
	// lower-case letters, digits and hyphens. It is fixed because the access
	// point's own policy must name its ARN.
	Name string
}

// SupportingAccessPoint is the standard access point an Object Lambda
// access point reads through.
type SupportingAccessPoint struct {
	constructs.Construct
	// AccessPoint is the S3 access point (all public access blocked).
	AccessPoint awss3.CfnAccessPoint
	// Name of the access point.
	Name string
	// Arn of the access point.
	Arn *string
}

// NewSupportingAccessPoint creates the supporting access point of the
// Object Lambda mode beside the bucket (Storage stack): CloudFront may
// s3:GetObject and s3:ListBucket (so a missing key is 404) through it only
// when S3 Object Lambda calls on its behalf. The bucket's policy grants the
// same, only through this access point. Neither names the distribution: the
// Object Lambda access point policy does that (AttachObjectLambdaOrigin).
func NewSupportingAccessPoint(scope constructs.Construct, id string, props *SupportingAccessPointProps) *SupportingAccessPoint {
	p := SupportingAccessPointProps{}
	if props != nil {
		p = *props
	}
	var errs []string
	if p.Bucket == nil {
		errs = append(errs, "Bucket is required")
	}
	if !accessPointNameRe.MatchString(p.Name) {
		errs = append(errs, fmt.Sprintf("Name %q: 3-50 lower-case letters, digits and hyphens, starting and ending with a letter or digit", p.Name))
	}
	panicIfAny("images.NewSupportingAccessPoint", id, errs)

	c := constructs.NewConstruct(scope, jsii.String(id))
	arn := awscdk.Stack_Of(scope).FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("s3"), Resource: jsii.String("accesspoint"), ResourceName: jsii.String(p.Name),
	})
	cf := []awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(cloudFront), nil)}
	policy := awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &[]awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("CloudFrontViaObjectLambdaGet"), Principals: &cf, Actions: jsii.Strings("s3:GetObject"),
			Resources: &[]*string{jsii.String(*arn + "/object/*")}, Conditions: &calledViaObjectLambda,
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("CloudFrontViaObjectLambdaList"), Principals: &cf, Actions: jsii.Strings("s3:ListBucket"),
			Resources: &[]*string{arn}, Conditions: &calledViaObjectLambda,
		}),
	}})
	ap := awss3.NewCfnAccessPoint(c, jsii.String("Resource"), &awss3.CfnAccessPointProps{
		Bucket: p.Bucket.BucketName(),
		Name:   jsii.String(p.Name),
		Policy: policy,
		PublicAccessBlockConfiguration: &awss3.CfnAccessPoint_PublicAccessBlockConfigurationProperty{
			BlockPublicAcls: jsii.Bool(true), BlockPublicPolicy: jsii.Bool(true),
			IgnorePublicAcls: jsii.Bool(true), RestrictPublicBuckets: jsii.Bool(true),
		},
	})
	viaThisAccessPoint := map[string]any{
		"StringEquals":             map[string]any{"s3:DataAccessPointArn": arn},
		"ForAnyValue:StringEquals": calledViaObjectLambda["ForAnyValue:StringEquals"],
	}
	p.Bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("CloudFrontViaObjectLambdaGet"), Principals: &cf, Actions: jsii.Strings("s3:GetObject"),
		Resources: &[]*string{p.Bucket.ArnForObjects(jsii.String("*"))}, Conditions: &viaThisAccessPoint,
	}))
	p.Bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("CloudFrontViaObjectLambdaList"), Principals: &cf, Actions: jsii.Strings("s3:ListBucket"),
		Resources: &[]*string{p.Bucket.BucketArn()}, Conditions: &viaThisAccessPoint,
	}))
	return &SupportingAccessPoint{Construct: c, AccessPoint: ap, Name: p.Name, Arn: ap.AttrArn()}
}

// objectLambdaNameRe: Object Lambda access point names (3-45 characters,
// lower-case letters, digits and hyphens).
var objectLambdaNameRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{1,43})[a-z0-9]$`)

// ObjectLambdaOriginProps configures NewObjectLambdaOrigin.
type ObjectLambdaOriginProps struct {
	HandlerProps
	// SupportingAccessPointArn is the ARN of the supporting access point
	// (SupportingAccessPoint.Arn).
	SupportingAccessPointArn *string
	// Name of the Object Lambda access point, unique per account and region:
	// 3-45 lower-case letters, digits and hyphens. It is fixed because the
	// function's role and the access point policy must name its ARN, which
	// would otherwise depend on the function (a cycle).
	Name string
}

// ObjectLambdaOrigin is the legacy origin: an S3 Object Lambda access point
// whose GetObject runs the Go function built from
// functions/images/cmd/images-objectlambda.
type ObjectLambdaOrigin struct {
	constructs.Construct
	// Function transforms GetObject responses.
	Function *gofunction.GoFunction
	// AccessPoint is the Object Lambda access point; its alias is the
	// CloudFront origin's bucket name.
	AccessPoint awss3objectlambda.CfnAccessPoint
	// Name of the Object Lambda access point.
	Name string
	// Arn of the Object Lambda access point.
	Arn *string
}

// NewObjectLambdaOrigin creates the Object Lambda function and access point
// (regional: the Api stack). The function may only call
// WriteGetObjectResponse for this access point; it reads originals through
// the presigned URL in each event, never with its own role. Range and
// partNumber requests are not enabled (the handler returns whole objects).
// It panics with one message naming every invalid prop.
func NewObjectLambdaOrigin(scope constructs.Construct, id string, props *ObjectLambdaOriginProps) *ObjectLambdaOrigin {
	p := ObjectLambdaOriginProps{}
	if props != nil {
		p = *props
	}
	errs := p.resolve(imagesfn.ObjectLambda)
	if p.SupportingAccessPointArn == nil {
		errs = append(errs, "SupportingAccessPointArn is required")
	}
	if !objectLambdaNameRe.MatchString(p.Name) {
		errs = append(errs, fmt.Sprintf("Name %q: 3-45 lower-case letters, digits and hyphens, starting and ending with a letter or digit", p.Name))
	}
	panicIfAny("images.NewObjectLambdaOrigin", id, errs)

	c := constructs.NewConstruct(scope, jsii.String(id))
	arn := objectLambdaArn(scope, p.Name)
	fn := gofunction.NewGoFunction(c, "Function", p.functionProps(ObjectLambdaPackage, "edgekit images origin (legacy S3 Object Lambda)", p.environment()))
	fn.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("AnswerObjectLambda"),
		Actions:   jsii.Strings("s3-object-lambda:WriteGetObjectResponse"),
		Resources: &[]*string{arn},
	}))
	ap := awss3objectlambda.NewCfnAccessPoint(c, jsii.String("AccessPoint"), &awss3objectlambda.CfnAccessPointProps{
		Name: jsii.String(p.Name),
		ObjectLambdaConfiguration: &awss3objectlambda.CfnAccessPoint_ObjectLambdaConfigurationProperty{
			SupportingAccessPoint: p.SupportingAccessPointArn,
			TransformationConfigurations: &[]*awss3objectlambda.CfnAccessPoint_TransformationConfigurationProperty{{
				Actions: jsii.Strings("GetObject"),
				ContentTransformation: map[string]any{
					"AwsLambda": map[string]any{"FunctionArn": fn.Function.FunctionArn()},
				},
			}},
		},
	})
	return &ObjectLambdaOrigin{Construct: c, Function: fn, AccessPoint: ap, Name: p.Name, Arn: arn}
}

// objectLambdaArn is the ARN of the Object Lambda access point name in
// scope's region and account.
func objectLambdaArn(scope constructs.Construct, name string) *string {
	return awscdk.Stack_Of(scope).FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("s3-object-lambda"), Resource: jsii.String("accesspoint"), ResourceName: jsii.String(name),
	})
}
