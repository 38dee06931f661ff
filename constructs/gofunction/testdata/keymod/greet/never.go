//go:build never

package greet

// Excluded by its build constraint: editing it must not change the key.
var Never = 1
