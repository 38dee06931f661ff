package waf_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/constructs/waf"
)

// A web ACL in us-east-1 protecting a distribution in another region: the
// ARN crosses regions through SSM and is re-read whenever the rules change.
func Example_sharedWebAcl() {
	app := awscdk.NewApp(nil)
	edge := awscdk.NewStack(app, jsii.String("Edge"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("us-east-1")}})
	acl := waf.NewWebAcl(edge, "WebAcl", &waf.WebAclProps{
		Name:          "shop-web-acl",
		PathRateRules: []waf.RateRule{{Name: "login", Path: "/login", Limit: 100}},
		BlockIPs:      []string{"192.0.2.0/24", "2001:db8:bad::/48"},
	})

	cdn := awscdk.NewStack(app, jsii.String("Cdn"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-central-1")}})
	dist := awscloudfront.NewDistribution(cdn, jsii.String("Distribution"), &awscloudfront.DistributionProps{
		DefaultBehavior: &awscloudfront.BehaviorOptions{Origin: awscloudfrontorigins.NewHttpOrigin(jsii.String("www.example.com"), nil)},
	})
	dist.AttachWebAclId(waf.ImportArn(cdn, "WebAclArn", acl.Reference))
	cdn.AddStackDependency(edge, jsii.String("reads the web ACL ARN from SSM"))

	fmt.Println(acl.RuleNames)
	fmt.Println(acl.Reference.ParameterName, acl.Reference.Region)
	// Output:
	// [block-ips aws-ip-reputation rate-all rate-login aws-common aws-known-bad-inputs]
	// /edgekit/waf/shop-web-acl/arn us-east-1
}
