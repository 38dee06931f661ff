// Package testenv pins the process environment for CDK tests, so results never
// depend on the caller's shell: the CLI's context, default account and region
// must not reach an app built in a test.
package testenv

import "os"

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
