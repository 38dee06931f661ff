package books

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// ForwardedHeaders are the viewer headers the API sees: Content-Type (the
// service answers 415 without JSON) and If-Match (optimistic concurrency).
// Host is never forwarded: the function URL must see its own host, which the
// signature (or OAC) covers. Viewer Authorization and X-Amz-* headers are not
// forwarded either; the signer also drops them, whatever the policy.
var ForwardedHeaders = []string{"Content-Type", "If-Match"}

// OACForwardedHeaders adds what origin access control needs from the client:
// OAC signs the request but does not hash the body, so POST and PUT carry the
// client's own X-Amz-Content-Sha256, which must reach the signature.
var OACForwardedHeaders = append(append([]string{}, ForwardedHeaders...), "X-Amz-Content-Sha256")

// ApiBehaviorProps configures AddApiBehavior.
type ApiBehaviorProps struct {
	// PathPattern of the behaviour; it must cover the API's base path and
	// every book under it. Default: "/api/*".
	PathPattern string
	// FunctionUrl is the API's function URL (AWS_IAM). From another stack of
	// the same region it arrives as a plain export.
	FunctionUrl awslambda.IFunctionUrl
	// OriginAuth is OriginAuthSigner or OriginAuthOAC. Default: OriginAuthSigner.
	OriginAuth string
	// Signer is the signer's version (edgefunction.ImportVersion of
	// EdgeSigner.Reference). Required with OriginAuthSigner.
	Signer awslambda.IVersion
	// Function is the function behind FunctionUrl, imported into the
	// distribution's stack (awslambda.Function_FromFunctionAttributes), for
	// the OAC permissions. Required with OriginAuthOAC.
	Function awslambda.IFunction
	// ResponseHeadersPolicy adds the site's security headers to API answers.
	// Default: none.
	ResponseHeadersPolicy awscloudfront.IResponseHeadersPolicy
}

// ApiBehavior describes what AddApiBehavior added.
type ApiBehavior struct {
	// PathPattern of the behaviour.
	PathPattern string
	// Origin is the function URL origin.
	Origin awscloudfront.IOrigin
	// OriginRequestPolicy forwards ForwardedHeaders (OACForwardedHeaders
	// with OAC) and every query string, no cookies.
	OriginRequestPolicy awscloudfront.IOriginRequestPolicy
	// OriginAccessControl signs for the origin with OAC; nil with the signer.
	OriginAccessControl awscloudfront.FunctionUrlOriginAccessControl
	// Permissions let CloudFront, for this distribution only, invoke the
	// function through its URL; empty with the signer.
	Permissions []awslambda.CfnPermission
}

// AddApiBehavior routes PathPattern of dist to the function URL: every
// method, no caching (answers depend on the body, If-Match and the table),
// HTTPS only, and either the SigV4 signer on origin request with include-body
// or origin access control. It panics with one message naming every invalid
// value.
//
// With OAC, the lambda permissions for cloudfront.amazonaws.com are created
// here, in the distribution's stack, on the imported Function: they must name
// the distribution, and putting them in the function's stack would make it
// depend on the distribution's (a cycle). The CDK's
// FunctionUrlOrigin.withOriginAccessControl grants only
// lambda:InvokeFunctionUrl, without the auth-type condition (aws/aws-cdk
// #35872), so it is not used; both permissions are written instead.
func AddApiBehavior(dist awscloudfront.Distribution, props *ApiBehaviorProps) *ApiBehavior {
	p := ApiBehaviorProps{}
	if props != nil {
		p = *props
	}
	if p.PathPattern == "" {
		p.PathPattern = DefaultPathPattern
	}
	if p.OriginAuth == "" {
		p.OriginAuth = OriginAuthSigner
	}
	var errs []string
	if dist == nil {
		errs = append(errs, "the distribution is nil")
	}
	if !pathPatternRe.MatchString(p.PathPattern) {
		errs = append(errs, fmt.Sprintf("PathPattern %q must be a CloudFront path pattern like /api/*", p.PathPattern))
	}
	if p.FunctionUrl == nil {
		errs = append(errs, "FunctionUrl is required")
	}
	switch p.OriginAuth {
	case OriginAuthSigner:
		if p.Signer == nil {
			errs = append(errs, "Signer is required with OriginAuth \"signer\" (edgefunction.ImportVersion of EdgeSigner.Reference)")
		}
	case OriginAuthOAC:
		if p.Function == nil {
			errs = append(errs, "Function is required with OriginAuth \"oac\" (the URL's function, imported into the distribution's stack)")
		}
	default:
		errs = append(errs, fmt.Sprintf("OriginAuth %q must be %q or %q", p.OriginAuth, OriginAuthSigner, OriginAuthOAC))
	}
	if len(errs) > 0 {
		panic(fmt.Sprintf("books.AddApiBehavior %q: invalid props:\n  - %s", p.PathPattern, strings.Join(errs, "\n  - ")))
	}

	b := &ApiBehavior{PathPattern: p.PathPattern}
	id := "Books" + idSuffix(p.PathPattern)
	headers := ForwardedHeaders
	originProps := &awscloudfrontorigins.FunctionUrlOriginProps{}
	if p.OriginAuth == OriginAuthOAC {
		headers = OACForwardedHeaders
		b.OriginAccessControl = awscloudfront.NewFunctionUrlOriginAccessControl(dist, jsii.String(id+"OAC"), &awscloudfront.FunctionUrlOriginAccessControlProps{
			// Names are unique per account: derive from the account-unique stack name.
			OriginAccessControlName: jsii.String(policyName(*awscdk.Stack_Of(dist).StackName() + "-" + id)),
			Description:             jsii.String("edgekit books: SigV4 for the API function URL"),
			// Always sign, overriding any viewer Authorization header.
			Signing: awscloudfront.Signing_SIGV4_ALWAYS(),
		})
		originProps.OriginAccessControlId = b.OriginAccessControl.OriginAccessControlId()
	}
	b.Origin = awscloudfrontorigins.NewFunctionUrlOrigin(p.FunctionUrl, originProps)
	b.OriginRequestPolicy = awscloudfront.NewOriginRequestPolicy(dist, jsii.String(id+"OriginRequestPolicy"), &awscloudfront.OriginRequestPolicyProps{
		OriginRequestPolicyName: jsii.String(policyName(*awscdk.Stack_Of(dist).StackName() + "-" + *dist.Node().Id() + "-" + id)),
		Comment:                 jsii.String("edgekit books API: " + strings.Join(headers, ", ") + ", all query strings"),
		HeaderBehavior:          awscloudfront.OriginRequestHeaderBehavior_AllowList(*jsii.Strings(headers...)...),
		CookieBehavior:          awscloudfront.OriginRequestCookieBehavior_None(),
		// limit, author and next; the service answers 400 to anything else.
		QueryStringBehavior: awscloudfront.OriginRequestQueryStringBehavior_All(),
	})

	opts := &awscloudfront.AddBehaviorOptions{
		AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_ALL(),
		CachePolicy:          awscloudfront.CachePolicy_CACHING_DISABLED(),
		OriginRequestPolicy:  b.OriginRequestPolicy,
		ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
	}
	if p.ResponseHeadersPolicy != nil {
		opts.ResponseHeadersPolicy = p.ResponseHeadersPolicy
	}
	if p.OriginAuth == OriginAuthSigner {
		opts.EdgeLambdas = &[]*awscloudfront.EdgeLambda{{
			EventType:       awscloudfront.LambdaEdgeEventType_ORIGIN_REQUEST,
			FunctionVersion: p.Signer,
			// The signature covers the body's hash.
			IncludeBody: jsii.Bool(true),
		}}
	}
	dist.AddBehavior(jsii.String(p.PathPattern), b.Origin, opts)

	if p.OriginAuth == OriginAuthOAC {
		sourceArn := jsii.String(fmt.Sprintf("arn:%s:cloudfront::%s:distribution/%s", *awscdk.Aws_PARTITION(), *awscdk.Aws_ACCOUNT_ID(), *dist.DistributionId()))
		b.Permissions = []awslambda.CfnPermission{
			awslambda.NewCfnPermission(dist, jsii.String(id+"InvokeFunctionUrl"), &awslambda.CfnPermissionProps{
				Action:              jsii.String("lambda:InvokeFunctionUrl"),
				FunctionName:        p.Function.FunctionArn(),
				Principal:           jsii.String("cloudfront.amazonaws.com"),
				SourceArn:           sourceArn,
				FunctionUrlAuthType: jsii.String("AWS_IAM"),
			}),
			awslambda.NewCfnPermission(dist, jsii.String(id+"InvokeFunction"), &awslambda.CfnPermissionProps{
				Action:       jsii.String("lambda:InvokeFunction"),
				FunctionName: p.Function.FunctionArn(),
				Principal:    jsii.String("cloudfront.amazonaws.com"),
				SourceArn:    sourceArn,
				// Only as the URL's invocation, not the Invoke API.
				InvokedViaFunctionUrl: jsii.Bool(true),
			}),
		}
	}
	return b
}

// idSuffix makes a construct id part from a path pattern ("/api/*" -> "Api"),
// so two API behaviours on one distribution get distinct resources.
func idSuffix(pattern string) string {
	var sb strings.Builder
	upper := true
	for _, r := range pattern {
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			if upper && r >= 'a' && r <= 'z' {
				r -= 'a' - 'A'
			}
			sb.WriteRune(r)
			upper = false
		default:
			upper = true
		}
	}
	return sb.String()
}

// policyName keeps the characters CloudFront accepts in policy and OAC names
// (A-Z, a-z, 0-9, '-', '_') and at most 64 of them (the OAC limit; policy
// names allow 128).
func policyName(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(b) < 64; i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			b = append(b, c)
		}
	}
	return string(b)
}
