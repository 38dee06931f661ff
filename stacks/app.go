package stacks

import (
	"fmt"
	"io/fs"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/edgekit/edgekit/config"
	"github.com/edgekit/edgekit/functions/edge"
	"github.com/edgekit/edgekit/site"
)

// FeatureFlags are the CDK feature flags edgekit is built and tested with. They
// are app defaults (overridable from cdk.json like any context) so that `cdk
// synth` and the Go tests produce the same templates.
func FeatureFlags() map[string]any {
	return map[string]any{
		// Distributions default to TLSv1.2_2021 as the minimum viewer protocol.
		"@aws-cdk/aws-cloudfront:defaultSecurityPolicyTLSv1.2_2021": true,
		// S3 server access logging is granted with a bucket policy, not ACLs.
		"@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": true,
		// Custom resources use the SDK bundled with the Lambda runtime: no
		// network install at deploy time.
		"@aws-cdk/customresources:installLatestAwsSdkDefault": false,
		"@aws-cdk/aws-iam:minimizePolicies":                   true,
		"@aws-cdk/core:enablePartitionLiterals":               true,
		"@aws-cdk/aws-lambda:recognizeLayerVersion":           true,
		"@aws-cdk/aws-s3:createDefaultLoggingPolicy":          true,
		// Same-region references (Storage bucket to Cdn) never change: keep
		// them as strong exports. Cross-region values go through SSM instead.
		"@aws-cdk/core:defaultCrossStackReferences": "strong",
	}
}

// NewApp creates the CDK app with FeatureFlags as default context.
func NewApp() awscdk.App {
	return awscdk.NewApp(&awscdk.AppProps{Context: toPtrMap(FeatureFlags())})
}

func toPtrMap(m map[string]any) *map[string]any { return &m }

// Options overrides inputs that are normally embedded. Tests use it to prove
// that edge code changes propagate; the app itself passes nil.
type Options struct {
	// EdgeSources holds the edge handler sources. Default: edge.Sources.
	EdgeSources fs.FS
	// SiteFiles holds the static site under "files/". Default: site.Files.
	SiteFiles fs.FS
}

// App is the set of stacks Build created.
type App struct {
	Edge    *EdgeStack
	Storage *StorageStack
	Cdn     *CdnStack
	Ingest  []*IngestStack
}

// Build creates every stack the config enables, in deploy order, and applies
// cdk-nag's AwsSolutions checks to all of them.
func Build(app awscdk.App, cfg config.Config, opts *Options) *App {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.EdgeSources == nil {
		o.EdgeSources = edge.Sources
	}
	if o.SiteFiles == nil {
		o.SiteFiles = site.Files
	}
	env := func(region string) *awscdk.Environment {
		e := &awscdk.Environment{Region: jsii.String(region)}
		if cfg.Account != "" {
			e.Account = jsii.String(cfg.Account)
		}
		return e
	}
	out := &App{}
	if cfg.Ingest.Enabled {
		for _, r := range cfg.IngestRegions {
			out.Ingest = append(out.Ingest, NewIngestStack(app, "Ingest-"+r, &IngestStackProps{
				StackProps: stackProps(cfg, "Ingest-"+r, env(r), "Regional Firehose stream and bucket for edge ingestion ("+r+")"),
				Config:     cfg,
			}))
		}
	}
	out.Edge = NewEdgeStack(app, "Edge", &EdgeStackProps{
		StackProps: stackProps(cfg, "Edge", env(EdgeRegion), "Lambda@Edge functions and their published version ARNs (us-east-1)"),
		Config:     cfg,
		Sources:    o.EdgeSources,
	})
	out.Storage = NewStorageStack(app, "Storage", &StorageStackProps{
		StackProps: stackProps(cfg, "Storage", env(cfg.HomeRegion), "Buckets behind the CloudFront distribution"),
		Config:     cfg,
		SiteFiles:  o.SiteFiles,
	})
	out.Cdn = NewCdnStack(app, "Cdn", &CdnStackProps{
		StackProps: stackProps(cfg, "Cdn", env(cfg.HomeRegion), "CloudFront distribution wired to the edge functions"),
		Config:     cfg,
		Edge:       out.Edge,
		Storage:    out.Storage,
	})
	// The Cdn stack reads the edge ARNs from SSM at deploy time, a dependency
	// CloudFormation cannot see: make the order explicit.
	out.Cdn.AddStackDependency(out.Edge.Stack, jsii.String("reads Lambda@Edge version ARNs from SSM in us-east-1"))
	for _, s := range out.Ingest {
		out.Cdn.AddStackDependency(s.Stack, jsii.String("ingest endpoint needs the regional delivery streams"))
	}
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return out
}

// EdgeRegion is where Lambda@Edge functions and CLOUDFRONT-scope WAF live.
const EdgeRegion = "us-east-1"

func stackProps(cfg config.Config, id string, env *awscdk.Environment, description string) awscdk.StackProps {
	return awscdk.StackProps{
		Env:         env,
		StackName:   jsii.String(cfg.AppName + "-" + id),
		Description: jsii.String("edgekit " + cfg.AppName + ": " + description),
		Tags:        &map[string]*string{"app": jsii.String(cfg.AppName)},
	}
}

// retention maps a validated day count (config.Load accepts only CloudWatch's
// values) to the CDK enum.
func retention(days int) awslogs.RetentionDays {
	m := map[int]awslogs.RetentionDays{
		1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS, 5: awslogs.RetentionDays_FIVE_DAYS,
		7: awslogs.RetentionDays_ONE_WEEK, 14: awslogs.RetentionDays_TWO_WEEKS, 30: awslogs.RetentionDays_ONE_MONTH,
		60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS, 120: awslogs.RetentionDays_FOUR_MONTHS,
		150: awslogs.RetentionDays_FIVE_MONTHS, 180: awslogs.RetentionDays_SIX_MONTHS, 365: awslogs.RetentionDays_ONE_YEAR,
		400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS, 731: awslogs.RetentionDays_TWO_YEARS,
		1096: awslogs.RetentionDays_THREE_YEARS, 1827: awslogs.RetentionDays_FIVE_YEARS, 2192: awslogs.RetentionDays_SIX_YEARS,
		2557: awslogs.RetentionDays_SEVEN_YEARS, 2922: awslogs.RetentionDays_EIGHT_YEARS, 3288: awslogs.RetentionDays_NINE_YEARS,
		3653: awslogs.RetentionDays_TEN_YEARS,
	}
	r, ok := m[days]
	if !ok {
		panic(fmt.Sprintf("log retention of %d days is not a CloudWatch Logs value", days))
	}
	return r
}
