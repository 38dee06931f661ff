package basicauth_test

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/constructs/basicauth"
	"github.com/edgekit/edgekit/constructs/edgefunction"
)

// Private content behind Basic auth in an app of one's own: the function in
// us-east-1, the bucket in a storage stack, and in the distribution's stack
// the bucket imported, its policy naming the distribution, and the behaviour.
// Users are added afterwards with `edgekit users add <name>`.
func Example_privateContent() {
	app := awscdk.NewApp(nil)
	env := func(region string) *awscdk.StackProps {
		return &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(region)}}
	}
	edge := awscdk.NewStack(app, jsii.String("Edge"), env("us-east-1"))
	auth := basicauth.NewEdgeBasicAuth(edge, "BasicAuth", &basicauth.EdgeBasicAuthProps{
		UsersParameterName: "/shop/basicauth/users",
		Realm:              "shop staff area",
	})

	storage := awscdk.NewStack(app, jsii.String("Storage"), env("eu-central-1"))
	logs := awss3.NewBucket(storage, jsii.String("Logs"), nil)
	private := basicauth.NewPrivateBucket(storage, "Private", &basicauth.PrivateBucketProps{AccessLogs: logs})

	cdn := awscdk.NewStack(app, jsii.String("Cdn"), env("eu-central-1"))
	dist := awscloudfront.NewDistribution(cdn, jsii.String("Distribution"), &awscloudfront.DistributionProps{
		DefaultBehavior: &awscloudfront.BehaviorOptions{Origin: awscloudfrontorigins.NewHttpOrigin(jsii.String("www.example.com"), nil)},
	})
	imported := awss3.Bucket_FromBucketAttributes(cdn, jsii.String("PrivateBucket"), &awss3.BucketAttributes{
		BucketName: private.BucketName(), BucketArn: private.BucketArn(), BucketRegionalDomainName: private.BucketRegionalDomainName(),
	})
	basicauth.AttachPrivateBucket(cdn, &basicauth.AttachPrivateBucketProps{Bucket: imported, Distribution: dist})
	basicauth.AddBehavior(dist, &basicauth.BehaviorProps{
		Path:    "/staff/*",
		Bucket:  imported,
		Version: edgefunction.ImportVersion(cdn, "BasicAuthVersion", auth.Function.Reference),
	})
	cdn.AddStackDependency(edge, jsii.String("reads the Basic-auth version ARN from SSM"))

	fmt.Println("runtime:", *auth.Function.Function.Runtime().Name())
	fmt.Println("bundle holds no users:", !strings.Contains(string(auth.Function.Bundle.Code), "scrypt$"))
	// Output:
	// runtime: nodejs22.x
	// bundle holds no users: true
}
