package pattern

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"

	"github.com/edgekit/edgekit/config"
)

// Pattern is how a pattern plugs into the app. The stacks package calls the
// hooks in deploy order, each once per app: BuildRegional (per region),
// BuildEdge, BuildHome, then Root and BuildCdn. A pattern keeps what one hook
// creates (say an edge function's Reference) in its own fields for the next.
// Embed Base to implement only the hooks a pattern needs.
type Pattern interface {
	// Name is the pattern's folder name under constructs/ and functions/.
	Name() string
	// Sections are the config sections the pattern owns. config.Load fills
	// them before any hook runs.
	Sections() []config.Section
	// Regional names the per-region stacks the pattern needs; the zero value
	// means none.
	Regional() RegionalStacks
	// BuildRegional fills the pattern's stack in one region.
	BuildRegional(stack awscdk.Stack, region string, app *App)
	// BuildEdge adds to the us-east-1 Edge stack (Lambda@Edge, CLOUDFRONT WAF).
	BuildEdge(e *Edge)
	// BuildHome adds to the home region's Storage stack, or to its Api stack.
	BuildHome(h *Home)
	// Root returns the distribution's default behaviour, or nil. Exactly one
	// enabled pattern must return one.
	Root(c *Cdn) *Root
	// BuildCdn attaches the pattern's behaviours once the distribution exists.
	BuildCdn(c *Cdn)
}

// Base implements every hook of Pattern as a no-op.
type Base struct{}

// Regional implements Pattern: no regional stacks.
func (Base) Regional() RegionalStacks { return RegionalStacks{} }

// RegionalStacks asks for one stack "<Prefix>-<region>" in each of Regions.
type RegionalStacks struct {
	// Prefix of the stack ids, e.g. "Ingest".
	Prefix string
	// Regions to create a stack in.
	Regions []string
	// Description of each stack; "%s" is replaced by the region.
	Description string
}

// BuildRegional implements Pattern.
func (Base) BuildRegional(awscdk.Stack, string, *App) {}

// BuildEdge implements Pattern.
func (Base) BuildEdge(*Edge) {}

// BuildHome implements Pattern.
func (Base) BuildHome(*Home) {}

// Root implements Pattern: no default behaviour.
func (Base) Root(*Cdn) *Root { return nil }

// BuildCdn implements Pattern.
func (Base) BuildCdn(*Cdn) {}

// App is what every hook may use of the app-level configuration.
type App struct {
	// Config is the loaded app section.
	Config config.App
}

// LogRetention is the retention of every log group the app creates.
func (a *App) LogRetention() awslogs.RetentionDays {
	return awslogs.RetentionDays(config.RetentionName(a.Config.LogRetentionDays))
}

// EdgeFunctionName is the app's name for its Lambda@Edge function fn, unique
// per app (app names are unique per account: they prefix the stack names).
func (a *App) EdgeFunctionName(fn string) string {
	return a.Config.AppName + "-edge-" + fn
}

// EdgeParameterName is the SSM parameter (us-east-1) holding the published
// version ARN of the app's Lambda@Edge function fn.
func (a *App) EdgeParameterName(fn string) string {
	return "/" + a.Config.AppName + "/edge/" + fn + "/version-arn"
}

// ResourceName is an account-unique name for an app-level resource such as a
// CloudFront policy: "<app>-<suffix>".
func (a *App) ResourceName(suffix string) string {
	return a.Config.AppName + "-" + suffix
}

// Edge is the us-east-1 Edge stack, where Lambda@Edge functions and
// CLOUDFRONT-scope WAF web ACLs must be created.
type Edge struct {
	*App
	// Stack is the Edge stack.
	Stack awscdk.Stack
}

// Home is the home region: the Storage stack (buckets) and, on demand, the
// Api stack (databases and regional functions).
type Home struct {
	*App
	// Storage is the Storage stack.
	Storage awscdk.Stack
	// Logs receives S3 server access logs (prefix per bucket) and CloudFront
	// standard logs. SSE-S3, owner-preferred ACLs (CloudFront logging needs them).
	Logs awss3.Bucket
	api  func() awscdk.Stack
}

// NewHome is called by the stacks package; api creates the Api stack on first use.
func NewHome(app *App, storage awscdk.Stack, logs awss3.Bucket, api func() awscdk.Stack) *Home {
	return &Home{App: app, Storage: storage, Logs: logs, api: api}
}

// Api is the home region's Api stack, created on first use.
func (h *Home) Api() awscdk.Stack { return h.api() }

// Root is the distribution's default behaviour and the settings that go with
// it, from the one pattern that serves the site root.
type Root struct {
	// Behavior is the default behaviour.
	Behavior *awscloudfront.BehaviorOptions
	// DefaultRootObject is served for "/". Default: none.
	DefaultRootObject string
	// ErrorResponses are the distribution's custom error responses. Default: none.
	ErrorResponses []*awscloudfront.ErrorResponse
	// ResponseHeadersPolicy is the distribution-wide security headers policy;
	// other patterns put it on their behaviours (Cdn.ResponseHeadersPolicy).
	// Default: none.
	ResponseHeadersPolicy awscloudfront.IResponseHeadersPolicy
}

// Cdn is the home region's Cdn stack with the distribution.
type Cdn struct {
	*App
	// Stack is the Cdn stack.
	Stack awscdk.Stack
	// Logs is the Storage stack's log bucket, imported.
	Logs awss3.IBucket
	// Distribution is nil while Root runs and set before BuildCdn.
	Distribution awscloudfront.Distribution
	// ResponseHeadersPolicy is the root pattern's security headers policy
	// (nil if it has none): put it on every behaviour.
	ResponseHeadersPolicy awscloudfront.IResponseHeadersPolicy
	// DefaultOrigin is the default behaviour's origin, for behaviours whose
	// edge function answers every request itself and so never contact one.
	DefaultOrigin awscloudfront.IOrigin

	webAcl *string
}

// AttachWebAcl puts a CLOUDFRONT-scope WAF web ACL, by ARN (a deploy-time
// token is fine), on the distribution. A distribution has at most one web
// ACL: a second call panics. Without one, the stacks package documents the
// cdk-nag finding AwsSolutions-CFR2 on the distribution.
func (c *Cdn) AttachWebAcl(arn *string) {
	if arn == nil {
		panic("pattern.Cdn.AttachWebAcl: arn is nil")
	}
	if c.webAcl != nil {
		panic("pattern.Cdn.AttachWebAcl: the distribution already has a web ACL")
	}
	c.webAcl = arn
	c.Distribution.AttachWebAclId(arn)
}

// WebAcl is the ARN AttachWebAcl attached, or nil.
func (c *Cdn) WebAcl() *string { return c.webAcl }
