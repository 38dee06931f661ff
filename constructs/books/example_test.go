package books_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/constructs/books"
	"github.com/edgekit/edgekit/constructs/edgefunction"
)

// The three pieces in an app of one's own: the API in its region, the signer
// in us-east-1 allowed to invoke the API's function (named up front, so the
// Edge stack needs no reference to a stack deployed after it), and the
// behaviour on a distribution in the API's region.
func Example_signedApi() {
	app := awscdk.NewApp(nil)
	env := func(region string) *awscdk.StackProps {
		return &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(region)}}
	}
	const region, name = "eu-west-1", "shop-books-api"

	edge := awscdk.NewStack(app, jsii.String("Edge"), env("us-east-1"))
	fn := awslambda.Function_FromFunctionAttributes(edge, jsii.String("Api"), &awslambda.FunctionAttributes{
		FunctionArn:     edge.FormatArn(&awscdk.ArnComponents{Service: jsii.String("lambda"), Region: jsii.String(region), Resource: jsii.String("function"), ResourceName: jsii.String(name), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME}),
		SkipPermissions: jsii.Bool(true),
	})
	signer := books.NewEdgeSigner(edge, "Signer", &books.EdgeSignerProps{
		Origins:   []books.OriginRule{books.FunctionURLRule(region)},
		Functions: []awslambda.IFunction{fn},
	})

	apiStack := awscdk.NewStack(app, jsii.String("Api"), env(region))
	api := books.NewBooksApi(apiStack, "Books", &books.BooksApiProps{FunctionName: name})

	cdn := awscdk.NewStack(app, jsii.String("Cdn"), env(region))
	dist := awscloudfront.NewDistribution(cdn, jsii.String("Distribution"), &awscloudfront.DistributionProps{
		DefaultBehavior: &awscloudfront.BehaviorOptions{Origin: awscloudfrontorigins.NewHttpOrigin(jsii.String("www.example.com"), nil)},
	})
	b := books.AddApiBehavior(dist, &books.ApiBehaviorProps{
		FunctionUrl: api.Url,
		Signer:      edgefunction.ImportVersion(cdn, "SignerVersion", signer.Reference),
	})
	cdn.AddStackDependency(edge, jsii.String("reads the signer's version ARN from SSM"))

	rule := signer.HandlerConfig.Origins[0]
	fmt.Println("behaviour:", b.PathPattern)
	fmt.Println("signs:", rule.Service, rule.HostPattern, rule.Regions)
	fmt.Println("max body:", signer.HandlerConfig.MaxBodyBytes)
	fmt.Println("forwards:", books.ForwardedHeaders)
	// Output:
	// behaviour: /api/*
	// signs: lambda {id}.lambda-url.{region}.on.aws [eu-west-1]
	// max body: 1048576
	// forwards: [Content-Type If-Match]
}
