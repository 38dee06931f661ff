package stacks

import (
	"io/fs"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/edgekit/edgekit/config"
	"github.com/edgekit/edgekit/constructs/edgefunction"
	"github.com/edgekit/edgekit/constructs/ingest"
)

// EdgeStackProps configures the Edge stack.
type EdgeStackProps struct {
	awscdk.StackProps
	Config  config.Config
	Sources fs.FS
}

// EdgeStack holds every Lambda@Edge function. It is always in us-east-1.
type EdgeStack struct {
	awscdk.Stack
	// Redirect is the viewer-request redirect function, nil when disabled.
	Redirect *edgefunction.EdgeFunction
	// Ingest is the origin-request ingest function, nil when disabled.
	Ingest *ingest.EdgeIngest
}

// redirectConfig is the redirect handler's synth-time config ("edgekit:config").
type redirectConfig struct {
	Rules []config.RedirectRule `json:"rules"`
}

// NewEdgeStack creates the Edge stack.
func NewEdgeStack(scope constructs.Construct, id string, props *EdgeStackProps) *EdgeStack {
	sp := props.StackProps
	stack := awscdk.NewStack(scope, jsii.String(id), &sp)
	cfg := props.Config
	s := &EdgeStack{Stack: stack}
	retention := retention(cfg.LogRetentionDays)
	if cfg.Redirects.Enabled {
		s.Redirect = edgefunction.NewEdgeFunction(stack, "Redirect", &edgefunction.EdgeFunctionProps{
			Sources:       props.Sources,
			Entry:         "redirect/index.js",
			Config:        redirectConfig{Rules: cfg.Redirects.Rules},
			EventTypes:    []awscloudfront.LambdaEdgeEventType{awscloudfront.LambdaEdgeEventType_VIEWER_REQUEST},
			FunctionName:  cfg.AppName + "-edge-redirect",
			Description:   "edgekit viewer-request redirects",
			LogRetention:  retention,
			ParameterName: "/" + cfg.AppName + "/edge/redirect/version-arn",
		})
	}
	if cfg.Ingest.Enabled {
		s.Ingest = ingest.NewEdgeIngest(stack, "Ingest", &ingest.EdgeIngestProps{
			Sources:        props.Sources,
			StreamName:     cfg.Ingest.StreamName,
			Regions:        cfg.IngestRegions,
			Path:           cfg.Ingest.Path,
			MaxRecords:     cfg.Ingest.MaxRecords,
			MaxRecordBytes: cfg.Ingest.MaxRecordKiB * 1024,
			FunctionName:   cfg.AppName + "-edge-ingest",
			LogRetention:   retention,
			ParameterName:  "/" + cfg.AppName + "/edge/ingest/version-arn",
		})
	}
	for _, fn := range s.functions() {
		cdknag.NagSuppressions_AddResourceSuppressions(fn.Construct, &[]*cdknag.NagPackSuppression{
			{
				Id: jsii.String("AwsSolutions-IAM5"),
				Reason: jsii.String("Lambda@Edge replicas log to /aws/lambda/us-east-1.<function> in whichever region serves " +
					"the request, so the log-group ARN needs a region wildcard; the group name is exact."),
				AppliesTo: &[]any{map[string]any{"regex": "/^Resource::arn:[^:]+:logs:\\*:<AWS::AccountId>:log-group:\\/aws\\/lambda\\/us-east-1\\." +
					regexp.QuoteMeta(fn.FunctionName) + ":\\*$/"}},
			},
			{
				Id: jsii.String("AwsSolutions-L1"),
				Reason: jsii.String("Lambda@Edge supports fewer runtimes than regional Lambda; nodejs22.x is the newest " +
					"confirmed for Lambda@Edge (edgefunction.EdgeFunctionProps.Runtime)."),
			},
		}, jsii.Bool(true))
	}
	return s
}

func (s *EdgeStack) functions() []*edgefunction.EdgeFunction {
	var out []*edgefunction.EdgeFunction
	if s.Redirect != nil {
		out = append(out, s.Redirect)
	}
	if s.Ingest != nil {
		out = append(out, s.Ingest.Function)
	}
	return out
}
