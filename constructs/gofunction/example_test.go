package gofunction_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/constructs/gofunction"
)

// A Go handler built by import path into an arm64 provided.al2023 function
// with a function URL. Package names any main package the app's module can
// build: its own handlers, or edgekit's when the module requires edgekit.
func ExampleNewGoFunction() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Api"), nil)

	fn := gofunction.NewGoFunction(stack, "Hello", &gofunction.GoFunctionProps{
		Package:     "github.com/edgekit/edgekit/constructs/gofunction/internal/testhandler",
		Environment: map[string]string{"GREETING": "hello"},
		Timeout:     awscdk.Duration_Seconds(jsii.Number(5)),
	})
	fn.Function.AddFunctionUrl(&awslambda.FunctionUrlOptions{AuthType: awslambda.FunctionUrlAuthType_AWS_IAM})
	app.Synth(nil)

	fmt.Println(*fn.Function.Runtime().Name(), *fn.Function.Architecture().Name())
	fmt.Println("zip smaller than the binary:", fn.Artifact.ZipBytes < fn.Artifact.BinaryBytes)
	// Output:
	// provided.al2023 arm64
	// zip smaller than the binary: true
}

// Prebuild starts the builds of every Go function at once; the constructors
// that follow reuse them.
func ExamplePrebuild() {
	api := &gofunction.GoFunctionProps{Package: "github.com/edgekit/edgekit/constructs/gofunction/internal/testhandler"}
	worker := &gofunction.GoFunctionProps{
		Package:      "github.com/edgekit/edgekit/constructs/gofunction/internal/testhandler",
		Architecture: awslambda.Architecture_X86_64(),
	}
	if err := gofunction.Prebuild(api, worker); err != nil {
		panic(err)
	}

	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Api"), nil)
	a := gofunction.NewGoFunction(stack, "Api", api)
	w := gofunction.NewGoFunction(stack, "Worker", worker)
	fmt.Println(a.Artifact.GOARCH, w.Artifact.GOARCH)
	// Output: arm64 amd64
}
