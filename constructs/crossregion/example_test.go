package crossregion_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/constructs/crossregion"
)

// A value produced in us-east-1 and read in eu-west-1, without exports.
func Example() {
	app := awscdk.NewApp(nil)
	producer := awscdk.NewStack(app, jsii.String("Producer"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("us-east-1")}})
	consumer := awscdk.NewStack(app, jsii.String("Consumer"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}})

	pub := crossregion.Publish(producer, "Banner", &crossregion.PublishProps{
		ParameterName: "/example/banner",
		Value:         jsii.String("hello"),
	})
	reader := crossregion.NewReader(consumer, "Banner", &crossregion.ReaderProps{Reference: pub.Reference})
	awscdk.NewCfnOutput(consumer, jsii.String("BannerValue"), &awscdk.CfnOutputProps{Value: reader.Value()})
	consumer.AddStackDependency(producer, nil)
	app.Synth(nil)

	fmt.Println(pub.Reference.ParameterName, pub.Reference.Region, len(pub.Reference.RefreshToken))
	// Output: /example/banner us-east-1 64
}
