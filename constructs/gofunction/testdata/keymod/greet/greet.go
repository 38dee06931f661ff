// Package greet is a local package imported by the fixture's main package.
package greet

import _ "embed"

//go:embed greeting.txt
var greeting string

// Hello greets name.
func Hello(name string) string { return greeting + name }
