// Package testenv pins the process environment for CDK tests, so results never
// depend on the caller's shell: the CLI's context, default account and region
// must not reach an app built in a test.
package testenv

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// Vars are the variables Pin removes.
var Vars = []string{"CDK_CONTEXT_JSON", "CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION", "CDK_OUTDIR",
	"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"}

// Pin removes Vars from the environment. Call it from TestMain, before the
// first CDK call starts the jsii runtime (which copies the environment once).
func Pin() {
	for _, k := range Vars {
		os.Unsetenv(k)
	}
}

// NagFindings lists the unsuppressed cdk-nag AwsSolutions errors and warnings
// on stack, one "path: rule: message" line each.
func NagFindings(stack awscdk.Stack) []string {
	ann := assertions.Annotations_FromStack(stack)
	nag := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
	var out []string
	for _, m := range append(*ann.FindError(jsii.String("*"), nag), *ann.FindWarning(jsii.String("*"), nag)...) {
		//lint:ignore SA1019 assertions.Annotations returns cxapi.SynthesisMessage; its fields are the only access from Go.
		out = append(out, fmt.Sprintf("%s: %v", *m.Id, m.Entry.Data))
	}
	return out
}
