// Command edgekit is the CDK app: it reads the typed config from CDK context and
// synthesizes every enabled stack. `cdk synth` runs it (see cdk.json).
package main

import (
	"fmt"
	"os"

	"github.com/edgekit/edgekit/config"
	"github.com/edgekit/edgekit/stacks"
)

func main() {
	app := stacks.NewApp()
	ctx, _ := app.Node().GetAllContext(nil).(map[string]any)
	patterns := stacks.Patterns()
	cfg, err := config.Load(ctx, stacks.Sections(patterns)...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	stacks.Build(app, cfg, patterns)
	app.Synth(nil)
}
