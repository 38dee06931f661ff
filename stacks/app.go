package stacks

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/edgekit/edgekit/config"
	"github.com/edgekit/edgekit/constructs/edgefunction"
	"github.com/edgekit/edgekit/constructs/pattern"
)

// NewApp creates the CDK app with FeatureFlags as default context.
func NewApp() awscdk.App {
	ctx := FeatureFlags()
	return awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
}

// Sections lists the config sections of patterns, for config.Load.
func Sections(patterns []pattern.Pattern) []config.Section {
	var out []config.Section
	for _, p := range patterns {
		out = append(out, p.Sections()...)
	}
	return out
}

// App is the set of stacks Build created.
type App struct {
	// Edge is the us-east-1 stack of Lambda@Edge functions.
	Edge awscdk.Stack
	// Storage is the home region's bucket stack.
	Storage awscdk.Stack
	// Api is the home region's stack of APIs and databases, nil when no
	// pattern needs one.
	Api awscdk.Stack
	// Cdn is the home region's distribution stack.
	Cdn awscdk.Stack
	// Regional are the per-region stacks, in creation order.
	Regional []awscdk.Stack
	// Distribution is the CloudFront distribution.
	Distribution awscloudfront.Distribution
}

// All returns every stack, in deploy order.
func (a *App) All() []awscdk.Stack {
	out := append([]awscdk.Stack{}, a.Regional...)
	out = append(out, a.Edge, a.Storage)
	if a.Api != nil {
		out = append(out, a.Api)
	}
	return append(out, a.Cdn)
}

// Build creates every stack for cfg and patterns (whose sections config.Load
// filled), in deploy order, and applies cdk-nag's AwsSolutions checks to all
// of them. It panics when no pattern or more than one serves the
// distribution's root.
func Build(app awscdk.App, cfg config.App, patterns []pattern.Pattern) *App {
	base := &pattern.App{Config: cfg}
	env := func(region string) *awscdk.Environment {
		e := &awscdk.Environment{Region: jsii.String(region)}
		if cfg.Account != "" {
			e.Account = jsii.String(cfg.Account)
		}
		return e
	}
	stack := func(id, region, description string) awscdk.Stack {
		return awscdk.NewStack(app, jsii.String(id), &awscdk.StackProps{
			Env:         env(region),
			StackName:   jsii.String(cfg.AppName + "-" + id),
			Description: jsii.String("edgekit " + cfg.AppName + ": " + description),
			Tags:        &map[string]*string{"app": jsii.String(cfg.AppName)},
		})
	}
	out := &App{}

	for _, p := range patterns {
		rs := p.Regional()
		if rs.Prefix == "" {
			continue
		}
		for _, r := range rs.Regions {
			s := stack(rs.Prefix+"-"+r, r, strings.ReplaceAll(rs.Description, "%s", r))
			p.BuildRegional(s, r, base)
			out.Regional = append(out.Regional, s)
		}
	}

	out.Edge = stack("Edge", edgefunction.EdgeRegion, "Lambda@Edge functions and their published version ARNs (us-east-1)")
	edge := &pattern.Edge{App: base, Stack: out.Edge}
	for _, p := range patterns {
		p.BuildEdge(edge)
	}

	out.Storage = stack("Storage", cfg.HomeRegion, "Buckets behind the CloudFront distribution")
	logs := newLogsBucket(out.Storage)
	home := pattern.NewHome(base, out.Storage, logs, func() awscdk.Stack {
		if out.Api == nil {
			out.Api = stack("Api", cfg.HomeRegion, "APIs and databases behind the CloudFront distribution")
		}
		return out.Api
	})
	for _, p := range patterns {
		p.BuildHome(home)
	}

	out.Cdn = stack("Cdn", cfg.HomeRegion, "CloudFront distribution wired to the edge functions")
	cdn := &pattern.Cdn{App: base, Stack: out.Cdn}
	// The log bucket comes in as an imported reference, like every Storage
	// bucket: the Cdn stack must never edit Storage resources (a cycle).
	cdn.Logs = awss3.Bucket_FromBucketAttributes(out.Cdn, jsii.String("LogsBucket"), &awss3.BucketAttributes{
		BucketArn:                logs.BucketArn(),
		BucketRegionalDomainName: logs.BucketRegionalDomainName(),
	})
	var root *pattern.Root
	var rootOwners []string
	for _, p := range patterns {
		if r := p.Root(cdn); r != nil {
			root = r
			rootOwners = append(rootOwners, p.Name())
		}
	}
	if len(rootOwners) != 1 {
		panic(fmt.Sprintf("stacks.Build: exactly one pattern must serve the distribution's root (default behaviour), got %d: %v",
			len(rootOwners), rootOwners))
	}
	cdn.ResponseHeadersPolicy = root.ResponseHeadersPolicy
	cdn.DefaultOrigin = root.Behavior.Origin
	out.Distribution = newDistribution(out.Cdn, cfg, cdn.Logs, root)
	cdn.Distribution = out.Distribution
	for _, p := range patterns {
		p.BuildCdn(cdn)
	}
	if cdn.WebAcl() == nil {
		cdknag.NagSuppressions_AddResourceSuppressions(out.Distribution, &[]*cdknag.NagPackSuppression{{
			Id:     jsii.String("AwsSolutions-CFR2"),
			Reason: jsii.String("No pattern attached a WAF web ACL: the waf pattern is switched off (edgekit:waf:enabled=false) or not registered."),
		}}, jsii.Bool(true))
	}

	// The Cdn stack reads edge ARNs from SSM in us-east-1, home-region values
	// as stack outputs (weak references) and routes to regional resources:
	// make the deploy order explicit, whatever references the CDK sees.
	out.Cdn.AddStackDependency(out.Edge, jsii.String("reads Lambda@Edge version ARNs from SSM in us-east-1"))
	out.Cdn.AddStackDependency(out.Storage, jsii.String("serves the buckets"))
	if out.Api != nil {
		out.Api.AddStackDependency(out.Storage, jsii.String("functions read the buckets"))
		out.Cdn.AddStackDependency(out.Api, jsii.String("routes to the function URLs"))
	}
	for _, s := range out.Regional {
		out.Cdn.AddStackDependency(s, jsii.String("behaviours need the regional resources"))
	}
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return out
}

// newLogsBucket is the app's log destination: S3 server access logs (one
// prefix per bucket) and CloudFront standard logs.
func newLogsBucket(stack awscdk.Stack) awss3.Bucket {
	logs := awss3.NewBucket(stack, jsii.String("Logs"), &awss3.BucketProps{
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
	cdknag.NagSuppressions_AddResourceSuppressions(logs, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-S1"),
		Reason: jsii.String("This is the access-log destination; logging it into itself would loop."),
	}}, jsii.Bool(true))
	return logs
}

// newDistribution creates the distribution around the root pattern's
// default behaviour; the other patterns add their behaviours to it.
func newDistribution(stack awscdk.Stack, cfg config.App, logs awss3.IBucket, root *pattern.Root) awscloudfront.Distribution {
	props := &awscloudfront.DistributionProps{
		Comment:         jsii.String(cfg.AppName + " edge site"),
		HttpVersion:     awscloudfront.HttpVersion_HTTP2_AND_3,
		EnableIpv6:      jsii.Bool(true),
		EnableLogging:   jsii.Bool(true),
		LogBucket:       logs,
		LogFilePrefix:   jsii.String("cloudfront/"),
		DefaultBehavior: root.Behavior,
	}
	if root.DefaultRootObject != "" {
		props.DefaultRootObject = jsii.String(root.DefaultRootObject)
	}
	if len(root.ErrorResponses) > 0 {
		props.ErrorResponses = &root.ErrorResponses
	}
	dist := awscloudfront.NewDistribution(stack, jsii.String("Distribution"), props)
	awscdk.NewCfnOutput(stack, jsii.String("DistributionDomainName"), &awscdk.CfnOutputProps{
		Value: dist.DistributionDomainName(), Description: jsii.String("https://<this>/ serves the site"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("DistributionId"), &awscdk.CfnOutputProps{Value: dist.DistributionId()})
	cdknag.NagSuppressions_AddResourceSuppressions(dist, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-CFR1"), Reason: jsii.String("The site and ingest endpoint serve every country; geo restriction is a per-deployment policy choice.")},
		{Id: jsii.String("AwsSolutions-CFR4"), Reason: jsii.String("Without a custom domain CloudFront serves its default *.cloudfront.net certificate, whose security policy cannot be set; with a custom domain certificate the CDK default is TLSv1.2_2021.")},
	}, jsii.Bool(true))
	return dist
}
