// Package stacks assembles edgekit's CloudFormation stacks from the typed
// config: Edge (us-east-1), Storage and Cdn (home region) and one Ingest stack
// per ingest region. Build wires them and applies cdk-nag's AwsSolutions pack.
package stacks
