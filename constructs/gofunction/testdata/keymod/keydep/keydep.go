// Package keydep is a second module, required through a directory
// replacement, as a consumer module requires a local edgekit checkout.
package keydep

// Punctuation ends a greeting.
const Punctuation = "!"
