package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/config"
	"github.com/edgekit/edgekit/constructs/ingest"
)

// IngestStackProps configures one regional Ingest stack.
type IngestStackProps struct {
	awscdk.StackProps
	Config config.Config
}

// IngestStack is one ingest region: a Direct PUT Firehose stream with the same
// name in every region, delivering to a bucket in that region.
type IngestStack struct {
	awscdk.Stack
	Delivery *ingest.Delivery
}

// NewIngestStack creates one regional Ingest stack.
func NewIngestStack(scope constructs.Construct, id string, props *IngestStackProps) *IngestStack {
	sp := props.StackProps
	stack := awscdk.NewStack(scope, jsii.String(id), &sp)
	in := props.Config.Ingest
	d := ingest.NewDelivery(stack, "Delivery", &ingest.DeliveryProps{
		StreamName:        in.StreamName,
		BufferingInterval: awscdk.Duration_Seconds(jsii.Number(float64(in.BufferIntervalSeconds))),
		BufferingSizeMiB:  float64(in.BufferSizeMiB),
		ExpireAfter:       awscdk.Duration_Days(jsii.Number(float64(in.ExpireAfterDays))),
	})
	awscdk.NewCfnOutput(stack, jsii.String("StreamName"), &awscdk.CfnOutputProps{Value: d.Stream.DeliveryStreamName()})
	awscdk.NewCfnOutput(stack, jsii.String("BucketName"), &awscdk.CfnOutputProps{Value: d.Bucket.BucketName()})
	return &IngestStack{Stack: stack, Delivery: d}
}
