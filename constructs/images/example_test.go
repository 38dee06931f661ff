package images_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/constructs/images"
)

// The images pattern in an app of one's own: the bucket in a storage stack,
// the Go origin in an API stack, and the distribution's images behaviour
// with the origin's access control and grants in the distribution's stack.
func Example_functionURLOrigin() {
	app := awscdk.NewApp(nil)
	env := &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}}
	storage := awscdk.NewStack(app, jsii.String("Storage"), env)
	api := awscdk.NewStack(app, jsii.String("Api"), env)
	cdn := awscdk.NewStack(app, jsii.String("Cdn"), env)

	logs := awss3.NewBucket(storage, jsii.String("Logs"), &awss3.BucketProps{ObjectOwnership: awss3.ObjectOwnership_BUCKET_OWNER_PREFERRED})
	bucket := images.NewBucket(storage, "Images", &images.BucketProps{AccessLogs: logs})
	origin := images.NewOrigin(api, "Images", &images.OriginProps{
		Bucket:       bucket,
		HandlerProps: images.HandlerProps{MaxObjectBytes: 2 << 20, CacheControl: "public, max-age=3600"},
	})

	dist := awscloudfront.NewDistribution(cdn, jsii.String("Distribution"), &awscloudfront.DistributionProps{
		DefaultBehavior: &awscloudfront.BehaviorOptions{Origin: awscloudfrontorigins.NewHttpOrigin(jsii.String("www.example.com"), nil)},
	})
	access := images.AttachFunctionURLOrigin(cdn, "ImagesOrigin", &images.FunctionURLOriginProps{URL: origin.URL, Distribution: dist})
	behavior := images.NewBehavior(cdn, "ImagesBehavior", &images.BehaviorProps{
		Distribution: dist, Origin: access.Origin, Path: "/photos/*",
	})
	app.Synth(nil)

	fmt.Println("behavior:", behavior.PathPattern)
	fmt.Println("function:", *origin.Function.Function.Runtime().Name(), *origin.Function.Function.Architecture().Name())
	fmt.Println("grants:", *access.InvokeURL.Action(), *access.InvokeURL.FunctionUrlAuthType(), *access.Invoke.Action())
	// Output:
	// behavior: /photos/*
	// function: provided.al2023 arm64
	// grants: lambda:InvokeFunctionUrl AWS_IAM lambda:InvokeFunction
}
