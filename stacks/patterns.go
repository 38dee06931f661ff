package stacks

import (
	"github.com/edgekit/edgekit/constructs/ingest"
	"github.com/edgekit/edgekit/constructs/pattern"
	"github.com/edgekit/edgekit/constructs/redirect"
)

// Patterns returns a new instance of every pattern, in registration order
// (the order behaviours are added to the distribution). Registering a pattern
// is one line here.
func Patterns() []pattern.Pattern {
	return []pattern.Pattern{
		&redirect.Pattern{},
		&ingest.Pattern{},
	}
}
