// Package edgeapp is an example consumer of edgekit's constructs, in a module of
// its own: an app with its own Lambda@Edge code and its own distribution stack,
// using constructs/edgefunction and constructs/crossregion and nothing else from
// edgekit (no config, no stacks, no paths of the edgekit repository).
package edgeapp
