// Package config is edgekit's typed application configuration.
//
// Values come from CDK context (cdk.json "context", or `cdk synth -c key=value`)
// under the "edgekit:" prefix, on top of defaults, so `cdk synth` needs no flags.
// Load validates everything at once and names each bad key and value. Only
// main.go and the stacks package read Config; constructs receive plain props.
package config
