package ingest

import (
	"io/fs"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/config"
	"github.com/edgekit/edgekit/constructs/edgefunction"
	"github.com/edgekit/edgekit/constructs/pattern"
)

// Pattern is global data ingestion (seed 000) as the app hosts it: a
// Firehose stream in every ingest region (stacks "Ingest-<region>"), the
// origin-request function in the Edge stack, and its behaviour on Path.
type Pattern struct {
	pattern.Base
	// Config is the edgekit:ingest:* section.
	Config Config
	// Sources and Lib override the handler and library sources (tests).
	// Default: functions/ingest and functions/edgelib.
	Sources, Lib fs.FS

	// Edge is the ingest function (Edge stack), nil when disabled.
	Edge *EdgeIngest
	// Deliveries are the regional streams, by region.
	Deliveries map[string]*Delivery
	// Version is the ingest version imported into the Cdn stack, nil when disabled.
	Version awslambda.IVersion
}

// Name implements pattern.Pattern.
func (p *Pattern) Name() string { return "ingest" }

// Sections implements pattern.Pattern.
func (p *Pattern) Sections() []config.Section { return []config.Section{&p.Config} }

// Regional implements pattern.Pattern: one "Ingest-<region>" stack per region.
func (p *Pattern) Regional() pattern.RegionalStacks {
	if !p.Config.Enabled {
		return pattern.RegionalStacks{}
	}
	return pattern.RegionalStacks{Prefix: "Ingest", Regions: p.Config.Regions,
		Description: "Regional Firehose stream and bucket for edge ingestion (%s)"}
}

// BuildRegional implements pattern.Pattern.
func (p *Pattern) BuildRegional(stack awscdk.Stack, region string, app *pattern.App) {
	c := p.Config
	d := NewDelivery(stack, "Delivery", &DeliveryProps{
		StreamName:        c.StreamName,
		BufferingInterval: awscdk.Duration_Seconds(jsii.Number(float64(c.BufferIntervalSeconds))),
		BufferingSizeMiB:  float64(c.BufferSizeMiB),
		ExpireAfter:       awscdk.Duration_Days(jsii.Number(float64(c.ExpireAfterDays))),
		LogRetention:      app.LogRetention(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("StreamName"), &awscdk.CfnOutputProps{Value: d.Stream.DeliveryStreamName()})
	awscdk.NewCfnOutput(stack, jsii.String("BucketName"), &awscdk.CfnOutputProps{Value: d.Bucket.BucketName()})
	if p.Deliveries == nil {
		p.Deliveries = map[string]*Delivery{}
	}
	p.Deliveries[region] = d
}

// BuildEdge implements pattern.Pattern.
func (p *Pattern) BuildEdge(e *pattern.Edge) {
	if !p.Config.Enabled {
		return
	}
	c := p.Config
	p.Edge = NewEdgeIngest(e.Stack, "Ingest", &EdgeIngestProps{
		Sources:        p.Sources,
		Lib:            p.Lib,
		StreamName:     c.StreamName,
		Regions:        c.Regions,
		Path:           c.Path,
		MaxRecords:     c.MaxRecords,
		MaxRecordBytes: c.MaxRecordKiB * 1024,
		FunctionName:   e.EdgeFunctionName("ingest"),
		LogRetention:   e.LogRetention(),
		ParameterName:  e.EdgeParameterName("ingest"),
	})
}

// BuildCdn implements pattern.Pattern.
func (p *Pattern) BuildCdn(c *pattern.Cdn) {
	if p.Edge == nil {
		return
	}
	p.Version = edgefunction.ImportVersion(c.Stack, "IngestVersion", p.Edge.Reference)
	AddBehavior(c.Distribution, &BehaviorProps{
		Path:                  p.Config.Path,
		Version:               p.Version,
		Origin:                c.DefaultOrigin,
		ResponseHeadersPolicy: c.ResponseHeadersPolicy,
	})
}
