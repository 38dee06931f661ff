// Package config is edgekit's typed application configuration: one table of
// CDK context keys, read generically.
//
// Values come from CDK context (cdk.json "context", or `cdk synth -c key=value`)
// under the "edgekit:" prefix, on top of defaults, so `cdk synth` needs no flags.
// The app-level keys are App; each pattern owns a Section (a struct whose
// field tags name its context keys, with SetDefaults and Validate) in
// constructs/<pattern>. Load fills them all and reports every unknown key and
// every bad value in one error. Only main.go and the stacks package call Load;
// constructs receive plain props. The README's configuration reference is
// generated from the same tags (Fields), and a test fails when they disagree.
package config
