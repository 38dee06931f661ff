// Package nag attaches cdk-nag suppressions to the singleton constructs the
// CDK adds to a stack on a construct's behalf (custom resource providers,
// BucketDeployment's handler), so the edgekit construct that caused them
// documents their findings and nothing else is suppressed.
package nag

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// SuppressStackSingletons suppresses s on every direct child of stack whose
// construct id starts with idPrefix (the CDK's singleton naming), once per
// child. It panics when there is none: the caller's assumption about the CDK
// no longer holds and a finding would go unexplained.
func SuppressStackSingletons(stack awscdk.Stack, idPrefix string, s []*cdknag.NagPackSuppression) {
	found := false
	for _, c := range *stack.Node().Children() {
		node := c.Node()
		if !strings.HasPrefix(*node.Id(), idPrefix) {
			continue
		}
		found = true
		// Several constructs share one singleton: document it once.
		if !suppressed(c, s[0].Id) {
			cdknag.NagSuppressions_AddResourceSuppressions(c, &s, jsii.Bool(true))
		}
	}
	if !found {
		panic(fmt.Sprintf("%s: no CDK singleton %q to document findings on", *stack.StackName(), idPrefix))
	}
}

// suppressed reports whether a resource under c already carries a cdk-nag
// suppression of rule id.
func suppressed(c constructs.IConstruct, id *string) bool {
	for _, n := range *c.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if r, ok := n.(awscdk.CfnResource); ok {
			md := r.GetMetadata(jsii.String("cdk_nag"))
			return md != nil && strings.Contains(fmt.Sprint(md), *id)
		}
	}
	return false
}
