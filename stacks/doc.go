// Package stacks assembles edgekit's CloudFormation stacks by looping over
// the registered patterns (Patterns): Edge (us-east-1), one "<prefix>-<region>"
// stack per region a pattern asks for, Storage and, on demand, Api (home
// region), and Cdn (home region, the distribution). It holds nothing
// specific to a pattern: see package constructs/pattern for the contract.
// Build wires the stacks in deploy order and applies cdk-nag's AwsSolutions
// pack to the whole app.
package stacks
