package edgeapp

import (
	"embed"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/constructs/crossregion"
	"github.com/edgekit/edgekit/constructs/edgefunction"
)

// Sources are this app's own edge handlers.
//
//go:embed edge
var Sources embed.FS

// Stacks are the two stacks of the example app.
type Stacks struct {
	Edge   awscdk.Stack
	Site   awscdk.Stack
	Hello  *edgefunction.EdgeFunction
	Banner *crossregion.Reader
}

// Build creates an edge stack in us-east-1 and a distribution stack in
// homeRegion that attaches the function through an SSM read.
func Build(app constructs.Construct, homeRegion, greeting string) *Stacks {
	edgeStack := awscdk.NewStack(app, jsii.String("ExampleEdge"), &awscdk.StackProps{
		Env: &awscdk.Environment{Region: jsii.String("us-east-1")},
	})
	hello := edgefunction.NewEdgeFunction(edgeStack, "Hello", &edgefunction.EdgeFunctionProps{
		Sources:       Sources,
		Entry:         "edge/hello/index.js",
		Config:        map[string]string{"greeting": greeting},
		EventTypes:    []awscloudfront.LambdaEdgeEventType{awscloudfront.LambdaEdgeEventType_VIEWER_REQUEST},
		ParameterName: "/example/edge/hello/version-arn",
	})
	// Any other string can travel the same way.
	banner := crossregion.Publish(edgeStack, "Banner", &crossregion.PublishProps{
		ParameterName: "/example/banner",
		Value:         jsii.String("hello from us-east-1"),
	})

	site := awscdk.NewStack(app, jsii.String("ExampleSite"), &awscdk.StackProps{
		Env: &awscdk.Environment{Region: jsii.String(homeRegion)},
	})
	version := edgefunction.ImportVersion(site, "HelloVersion", hello.Reference)
	awscloudfront.NewDistribution(site, jsii.String("Distribution"), &awscloudfront.DistributionProps{
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin: awscloudfrontorigins.NewHttpOrigin(jsii.String("example.org"), nil),
			EdgeLambdas: &[]*awscloudfront.EdgeLambda{{
				FunctionVersion: version,
				EventType:       awscloudfront.LambdaEdgeEventType_VIEWER_REQUEST,
			}},
		},
	})
	reader := crossregion.NewReader(site, "Banner", &crossregion.ReaderProps{Reference: banner.Reference})
	awscdk.NewCfnOutput(site, jsii.String("BannerValue"), &awscdk.CfnOutputProps{Value: reader.Value()})
	site.AddStackDependency(edgeStack, jsii.String("reads SSM parameters written by the edge stack"))
	return &Stacks{Edge: edgeStack, Site: site, Hello: hello, Banner: reader}
}
