package ingest

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// OriginRequestPolicyID is the construct id, under the distribution, of the
// origin request policy AddBehavior creates (and reuses on later calls).
const OriginRequestPolicyID = "IngestOriginRequestPolicy"

// ForwardedHeaders are the only viewer headers the ingest handler sees. An
// origin-request function receives the request as CloudFront would send it to
// the origin, so a header reaches it only if the origin request policy forwards
// it: Content-Type selects JSON or NDJSON parsing, CloudFront-Viewer-Country
// and the client's Idempotency-Key are recorded with each record. Cookies and
// query strings are not forwarded.
var ForwardedHeaders = []string{"Content-Type", "CloudFront-Viewer-Country", "Idempotency-Key"}

// BehaviorProps configures AddBehavior.
type BehaviorProps struct {
	// Path is the behavior's path pattern; it must equal EdgeIngestProps.Path.
	// Default: "/ingest".
	Path string
	// Version is the ingest function's version, usually
	// edgefunction.ImportVersion(stack, id, edgeIngest.Reference).
	Version awslambda.IVersion
	// Origin of the behavior. The handler answers every request itself, so it
	// is never contacted, but CloudFront requires one: reuse the
	// distribution's default origin.
	Origin awscloudfront.IOrigin
	// ResponseHeadersPolicy adds headers to the handler's responses.
	// Default: none.
	ResponseHeadersPolicy awscloudfront.IResponseHeadersPolicy
}

// Behavior describes what AddBehavior added.
type Behavior struct {
	// PathPattern of the added behavior.
	PathPattern string
	// OriginRequestPolicy forwards ForwardedHeaders only.
	OriginRequestPolicy awscloudfront.IOriginRequestPolicy
}

// AddBehavior adds the ingest behavior to dist, in any region: every method
// (POST must pass; the handler answers others with 405), no caching (each
// request must reach the origin-request function), HTTPS only (the payload
// is user data), and the function on origin request with include-body. It
// panics with one message naming every invalid value.
//
// It is a function rather than a construct because a CloudFront behavior is
// not a resource of its own but part of the distribution.
func AddBehavior(dist awscloudfront.Distribution, props *BehaviorProps) *Behavior {
	if props == nil {
		props = &BehaviorProps{}
	}
	p := *props
	if p.Path == "" {
		p.Path = DefaultPath
	}
	var errs errList
	if dist == nil {
		errs.add("the distribution is nil")
	}
	validatePath(&errs, p.Path)
	if p.Version == nil {
		errs.add("Version is required: the ingest function's version (edgefunction.ImportVersion)")
	}
	if p.Origin == nil {
		errs.add("Origin is required (it is never contacted; reuse the default origin)")
	}
	errs.panicIfAny("ingest.AddBehavior", p.Path)

	var policy awscloudfront.IOriginRequestPolicy
	if existing := dist.Node().TryFindChild(jsii.String(OriginRequestPolicyID)); existing != nil {
		var ok bool
		if policy, ok = existing.(awscloudfront.IOriginRequestPolicy); !ok {
			panic(fmt.Sprintf("ingest.AddBehavior %q: %s under the distribution is not an origin request policy", p.Path, OriginRequestPolicyID))
		}
	} else {
		// Policy names are unique per account, not per stack: derive the name
		// from the (account-unique) stack name so two apps never collide.
		name := policyName(*awscdk.Stack_Of(dist).StackName() + "-" + *dist.Node().Id() + "-ingest")
		policy = awscloudfront.NewOriginRequestPolicy(dist, jsii.String(OriginRequestPolicyID), &awscloudfront.OriginRequestPolicyProps{
			OriginRequestPolicyName: jsii.String(name),
			Comment:                 jsii.String("edgekit ingest: Content-Type, viewer country, Idempotency-Key only"),
			HeaderBehavior:          awscloudfront.OriginRequestHeaderBehavior_AllowList(*jsii.Strings(ForwardedHeaders...)...),
			CookieBehavior:          awscloudfront.OriginRequestCookieBehavior_None(),
			QueryStringBehavior:     awscloudfront.OriginRequestQueryStringBehavior_None(),
		})
	}

	opts := &awscloudfront.AddBehaviorOptions{
		AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_ALL(),
		CachePolicy:          awscloudfront.CachePolicy_CACHING_DISABLED(),
		OriginRequestPolicy:  policy,
		ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
		EdgeLambdas: &[]*awscloudfront.EdgeLambda{{
			EventType:       awscloudfront.LambdaEdgeEventType_ORIGIN_REQUEST,
			FunctionVersion: p.Version,
			IncludeBody:     jsii.Bool(true),
		}},
	}
	if p.ResponseHeadersPolicy != nil {
		opts.ResponseHeadersPolicy = p.ResponseHeadersPolicy
	}
	dist.AddBehavior(jsii.String(p.Path), p.Origin, opts)
	return &Behavior{PathPattern: p.Path, OriginRequestPolicy: policy}
}

// policyName keeps the characters CloudFront accepts in policy names
// (A-Z, a-z, 0-9, '-', '_') and at most 128 of them.
func policyName(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(b) < 128; i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			b = append(b, c)
		}
	}
	return string(b)
}
