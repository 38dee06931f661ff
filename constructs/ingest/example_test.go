package ingest_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/constructs/edgefunction"
	"github.com/edgekit/edgekit/constructs/ingest"
)

// A complete global ingestion app: the edge function in us-east-1, a delivery
// stream with the same name in each ingest region, and the behavior on a
// distribution in the home region, which imports the function's version
// through SSM.
func Example_globalIngestion() {
	app := awscdk.NewApp(nil)
	env := func(region string) *awscdk.StackProps {
		return &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(region)}}
	}
	regions := []string{"us-east-1", "eu-central-1", "ap-northeast-1"}
	const stream = "events"

	edgeStack := awscdk.NewStack(app, jsii.String("Edge"), env("us-east-1"))
	fn := ingest.NewEdgeIngest(edgeStack, "Ingest", &ingest.EdgeIngestProps{StreamName: stream, Regions: regions})

	for _, r := range regions {
		s := awscdk.NewStack(app, jsii.String("Ingest-"+r), env(r))
		ingest.NewDelivery(s, "Delivery", &ingest.DeliveryProps{StreamName: stream})
	}

	cdn := awscdk.NewStack(app, jsii.String("Cdn"), env("eu-central-1"))
	origin := awscloudfrontorigins.NewHttpOrigin(jsii.String("www.example.com"), nil)
	dist := awscloudfront.NewDistribution(cdn, jsii.String("Distribution"), &awscloudfront.DistributionProps{
		DefaultBehavior: &awscloudfront.BehaviorOptions{Origin: origin},
	})
	b := ingest.AddBehavior(dist, &ingest.BehaviorProps{
		Version: edgefunction.ImportVersion(cdn, "IngestVersion", fn.Reference),
		Origin:  origin,
	})
	cdn.AddStackDependency(edgeStack, jsii.String("reads the ingest version ARN from SSM"))

	app.Synth(nil)
	cfg := fn.HandlerConfig
	fmt.Println("behavior:", b.PathPattern)
	fmt.Println("from eu-west-1:", cfg.RegionOrder["eu-west-1"])
	fmt.Println("from ap-southeast-1:", cfg.RegionOrder["ap-southeast-1"])
	fmt.Println("from sa-east-1:", cfg.RegionOrder["sa-east-1"])
	fmt.Println("budget ms:", cfg.BudgetMs)
	// Output:
	// behavior: /ingest
	// from eu-west-1: [eu-central-1 us-east-1 ap-northeast-1]
	// from ap-southeast-1: [ap-northeast-1 eu-central-1 us-east-1]
	// from sa-east-1: [us-east-1 eu-central-1 ap-northeast-1]
	// budget ms: 27000
}

// RegionOrder needs no CDK app: it is the table the edge function receives.
func ExampleRegionOrder() {
	order := ingest.RegionOrder([]string{"us-east-1", "eu-central-1", "ap-northeast-1"})
	fmt.Println(order["eu-west-1"])
	fmt.Println(order["ap-southeast-1"])
	fmt.Println(order["us-west-2"])
	// Output:
	// [eu-central-1 us-east-1 ap-northeast-1]
	// [ap-northeast-1 eu-central-1 us-east-1]
	// [us-east-1 ap-northeast-1 eu-central-1]
}
