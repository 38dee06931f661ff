// Package lib is not a main package: it cannot be a Lambda function.
package lib

// X exists so the package is not empty.
const X = 1
