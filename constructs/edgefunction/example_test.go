package edgefunction_test

import (
	"fmt"
	"testing/fstest"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/constructs/edgefunction"
)

// A viewer-request function in a us-east-1 stack, attached to a distribution in
// another region through the SSM parameter it publishes.
func Example() {
	app := awscdk.NewApp(nil)
	edgeStack := awscdk.NewStack(app, jsii.String("Edge"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("us-east-1")}})
	sources := fstest.MapFS{"hello/index.js": {Data: []byte(
		`import cfg from "edgekit:config"; export const handler = async (e) => { const r = e.Records[0].cf.request; r.headers["x-hello"] = [{ value: cfg.greeting }]; return r; };`)}}

	fn := edgefunction.NewEdgeFunction(edgeStack, "Hello", &edgefunction.EdgeFunctionProps{
		Sources:      sources,
		Entry:        "hello/index.js",
		Config:       map[string]string{"greeting": "hi"},
		EventTypes:   []awscloudfront.LambdaEdgeEventType{awscloudfront.LambdaEdgeEventType_VIEWER_REQUEST},
		FunctionName: "example-hello",
	})

	site := awscdk.NewStack(app, jsii.String("Site"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}})
	awscloudfront.NewDistribution(site, jsii.String("Distribution"), &awscloudfront.DistributionProps{
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin: awscloudfrontorigins.NewHttpOrigin(jsii.String("example.org"), nil),
			EdgeLambdas: &[]*awscloudfront.EdgeLambda{{
				FunctionVersion: edgefunction.ImportVersion(site, "HelloVersion", fn.Reference),
				EventType:       awscloudfront.LambdaEdgeEventType_VIEWER_REQUEST,
			}},
		},
	})
	site.AddStackDependency(edgeStack, jsii.String("reads the version ARN from SSM"))
	app.Synth(nil)

	fmt.Println(fn.FunctionName, fn.Reference.ParameterName, fn.Reference.Region)
	fmt.Println("zip under 1 MiB:", len(fn.Bundle.Zip) < edgefunction.ViewerMaxZipBytes)
	// Output:
	// example-hello /edgekit/edge/example-hello/version-arn us-east-1
	// zip under 1 MiB: true
}
