package images

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/edgekit/edgekit/constructs/gofunction"
	imagesfn "github.com/edgekit/edgekit/functions/images"
)

// Import paths of the two handler commands (functions/images/cmd).
const (
	FunctionURLPackage  = "github.com/edgekit/edgekit/functions/images/cmd/images"
	ObjectLambdaPackage = "github.com/edgekit/edgekit/functions/images/cmd/images-objectlambda"
)

// Defaults and bounds of the origin functions.
const (
	// DefaultMemoryMB: Lambda allots CPU and network bandwidth in proportion
	// to memory, and a request holds about 4-5 times the image in memory
	// (functions/images doc); 1 GB reads and encodes a 4 MiB original
	// without waiting on a fraction of a vCPU.
	DefaultMemoryMB = 1024
	// MinMemoryMB leaves room for the largest buffered image (about 4.5 MB
	// times five) above the Go runtime.
	MinMemoryMB = 512
	// DefaultTimeout stays below CloudFront's default origin read timeout
	// (30 s), so a slow request ends with the function's own 503, not a
	// CloudFront 504.
	DefaultTimeout = 20 * time.Second
	// MinTimeout leaves room for a cold start, a full S3 read and the work.
	MinTimeout = 15 * time.Second
	// MaxObjectLambdaTimeout is S3 Object Lambda's limit on a transformation.
	MaxObjectLambdaTimeout = 60 * time.Second
	// DefaultFetchTimeout bounds reading one original (retries included).
	DefaultFetchTimeout = imagesfn.DefaultFetchTimeout
	// FetchMargin is the least time left for stripping and answering once
	// the read has used its whole budget.
	FetchMargin = 5 * time.Second
)

// HandlerProps are the settings both origin modes share.
type HandlerProps struct {
	// MaxObjectBytes is the largest original served; larger ones get 413.
	// Default: 4 MiB. At most 4,487,712 for the function URL origin (its
	// base64 response must fit Lambda's 6 MB), 64 MiB for Object Lambda.
	MaxObjectBytes int
	// CacheControl is sent with every successful response.
	// Default: "public, max-age=86400".
	CacheControl string
	// DropIccProfile removes embedded ICC colour profiles too.
	// Default: false (profiles are kept: they affect colours, not privacy).
	DropIccProfile bool
	// MemorySize of the function in MB, at least 512. Default: 1024.
	MemorySize float64
	// Timeout of one invocation, at least 15 s (at most 60 s with Object
	// Lambda). Default: 20 seconds.
	Timeout time.Duration
	// FetchTimeout bounds reading the original; it must leave 5 s of
	// Timeout. Default: 10 seconds.
	FetchTimeout time.Duration
	// LogRetention of the function's log group. Default: one month.
	LogRetention awslogs.RetentionDays
	// Dir is where go build runs (gofunction.GoFunctionProps.Dir).
	// Default: the current working directory.
	Dir string
}

// resolve fills defaults and lists every problem for a handler of mode.
func (h *HandlerProps) resolve(mode imagesfn.Mode) []string {
	if h.MaxObjectBytes == 0 {
		h.MaxObjectBytes = imagesfn.DefaultMaxObjectBytes
	}
	if h.CacheControl == "" {
		h.CacheControl = imagesfn.DefaultCacheControl
	}
	if h.MemorySize == 0 {
		h.MemorySize = DefaultMemoryMB
	}
	if h.Timeout == 0 {
		h.Timeout = DefaultTimeout
	}
	if h.FetchTimeout == 0 {
		h.FetchTimeout = DefaultFetchTimeout
	}
	var errs []string
	objectLambda := mode == imagesfn.ObjectLambda
	if limit := maxObjectBytes(objectLambda); h.MaxObjectBytes < 1 || h.MaxObjectBytes > limit {
		errs = append(errs, fmt.Sprintf("MaxObjectBytes %d: must be 1..%d (%s)", h.MaxObjectBytes, limit, limitReason(objectLambda)))
	}
	if err := validCacheControl(h.CacheControl); err != "" {
		errs = append(errs, fmt.Sprintf("CacheControl %q: %s", h.CacheControl, err))
	}
	if h.MemorySize < MinMemoryMB {
		errs = append(errs, fmt.Sprintf("MemorySize %v MB: at least %d MB (a request holds about five copies of the image)", h.MemorySize, MinMemoryMB))
	}
	if h.Timeout < MinTimeout || h.Timeout%time.Second != 0 {
		errs = append(errs, fmt.Sprintf("Timeout %s: whole seconds, at least %s", h.Timeout, MinTimeout))
	}
	if objectLambda && h.Timeout > MaxObjectLambdaTimeout {
		errs = append(errs, fmt.Sprintf("Timeout %s: S3 Object Lambda allows at most %s", h.Timeout, MaxObjectLambdaTimeout))
	}
	if h.FetchTimeout <= 0 || h.FetchTimeout > h.Timeout-FetchMargin {
		errs = append(errs, fmt.Sprintf("FetchTimeout %s: must be positive and leave %s of Timeout %s", h.FetchTimeout, FetchMargin, h.Timeout))
	}
	return errs
}

// environment is the handler's configuration (functions/images ConfigFromEnv).
func (h *HandlerProps) environment() map[string]string {
	return map[string]string{
		imagesfn.EnvMaxObjectBytes: strconv.Itoa(h.MaxObjectBytes),
		imagesfn.EnvCacheControl:   h.CacheControl,
		imagesfn.EnvKeepICC:        strconv.FormatBool(!h.DropIccProfile),
		imagesfn.EnvFetchTimeout:   h.FetchTimeout.String(),
	}
}

func (h *HandlerProps) functionProps(pkg, description string, env map[string]string) *gofunction.GoFunctionProps {
	return &gofunction.GoFunctionProps{
		Package:      pkg,
		Dir:          h.Dir,
		MemorySize:   h.MemorySize,
		Timeout:      awscdk.Duration_Seconds(jsii.Number(h.Timeout.Seconds())),
		Description:  description,
		Environment:  env,
		LogRetention: h.LogRetention,
	}
}

// OriginProps configures NewOrigin.
type OriginProps struct {
	HandlerProps
	// Bucket holds the originals. The function may read it (s3:GetObject on
	// its objects, s3:ListBucket so that a missing key is 404, not 403).
	Bucket awss3.IBucket
	// PathPrefix is removed from the request path to form the object key;
	// it starts and ends with "/".
	// Default: "/" (the key is the path without its leading slash, the same
	// key the Object Lambda mode reads, so switching modes needs no upload).
	PathPrefix string
}

// Origin is the images origin as a Lambda function URL: a Go function
// (arm64, provided.al2023) built from functions/images/cmd/images, with an
// AWS_IAM function URL that only CloudFront (origin access control) may
// call, see AttachFunctionURLOrigin.
type Origin struct {
	constructs.Construct
	// Function is the origin function.
	Function *gofunction.GoFunction
	// URL is its function URL (auth type AWS_IAM, buffered).
	URL awslambda.FunctionUrl
}

// NewOrigin creates the function URL origin reading props.Bucket. It panics
// with one message naming every invalid prop.
func NewOrigin(scope constructs.Construct, id string, props *OriginProps) *Origin {
	p := OriginProps{}
	if props != nil {
		p = *props
	}
	if p.PathPrefix == "" {
		p.PathPrefix = "/"
	}
	errs := p.resolve(imagesfn.FunctionURL)
	if p.Bucket == nil {
		errs = append(errs, "Bucket is required")
	}
	if !strings.HasPrefix(p.PathPrefix, "/") || !strings.HasSuffix(p.PathPrefix, "/") {
		errs = append(errs, fmt.Sprintf("PathPrefix %q: must start and end with /", p.PathPrefix))
	}
	panicIfAny("images.NewOrigin", id, errs)

	c := constructs.NewConstruct(scope, jsii.String(id))
	env := p.environment()
	env[imagesfn.EnvBucket] = *p.Bucket.BucketName()
	env[imagesfn.EnvPathPrefix] = p.PathPrefix
	fn := gofunction.NewGoFunction(c, "Function", p.functionProps(FunctionURLPackage, "edgekit images origin (function URL behind CloudFront OAC)", env))
	fn.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReadOriginals"),
		Actions:   jsii.Strings("s3:GetObject"),
		Resources: &[]*string{p.Bucket.ArnForObjects(jsii.String("*"))},
	}))
	// Without s3:ListBucket, S3 answers GetObject on a missing key with
	// AccessDenied, which the handler must treat as a deployment error (502).
	fn.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("MissingKeyIsNotFound"),
		Actions:   jsii.Strings("s3:ListBucket"),
		Resources: &[]*string{p.Bucket.BucketArn()},
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(fn.Role, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("The images origin serves any original in its own bucket: s3:GetObject on the bucket's objects (<bucket>/*) and nothing else."),
		AppliesTo: &[]any{&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::.*\/\*$/`)}},
	}}, jsii.Bool(true))

	url := fn.Function.AddFunctionUrl(&awslambda.FunctionUrlOptions{
		AuthType:   awslambda.FunctionUrlAuthType_AWS_IAM,
		InvokeMode: awslambda.InvokeMode_BUFFERED,
	})
	return &Origin{Construct: c, Function: fn, URL: url}
}

func panicIfAny(fn, id string, errs []string) {
	if len(errs) > 0 {
		panic(fmt.Sprintf("%s %q: invalid props:\n  - %s", fn, id, strings.Join(errs, "\n  - ")))
	}
}
