package gofn

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/constructs/gofunction"
)

// HelloPackage is the import path of the app's handler.
const HelloPackage = "github.com/edgekit/edgekit/examples/gofn/hello/cmd/hello"

// App is the example's one stack.
type App struct {
	Stack awscdk.Stack
	Hello *gofunction.GoFunction
	URL   awslambda.FunctionUrl
}

// Build creates a regional stack with the hello function and its URL. The
// handler is built from the current directory's module, which is how `cdk
// synth` runs an app.
func Build(app constructs.Construct, region, greeting string) *App {
	stack := awscdk.NewStack(app, jsii.String("ExampleGoFn"), &awscdk.StackProps{
		Env: &awscdk.Environment{Region: jsii.String(region)},
	})
	hello := gofunction.NewGoFunction(stack, "Hello", &gofunction.GoFunctionProps{
		Package:     HelloPackage,
		Environment: map[string]string{"GREETING": greeting},
	})
	// AWS_IAM: callers sign their requests (CloudFront with origin access
	// control, or a SigV4 client); an open URL would be anyone's to invoke.
	url := hello.Function.AddFunctionUrl(&awslambda.FunctionUrlOptions{AuthType: awslambda.FunctionUrlAuthType_AWS_IAM})
	awscdk.NewCfnOutput(stack, jsii.String("HelloUrl"), &awscdk.CfnOutputProps{Value: url.Url()})
	return &App{Stack: stack, Hello: hello, URL: url}
}
