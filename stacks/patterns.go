package stacks

import (
	"github.com/edgekit/edgekit/constructs/basicauth"
	"github.com/edgekit/edgekit/constructs/books"
	"github.com/edgekit/edgekit/constructs/images"
	"github.com/edgekit/edgekit/constructs/ingest"
	"github.com/edgekit/edgekit/constructs/pattern"
	"github.com/edgekit/edgekit/constructs/redirect"
	"github.com/edgekit/edgekit/constructs/waf"
)

// Patterns returns a new instance of every pattern, in registration order
// (the order behaviours are added to the distribution). Registering a pattern
// is one line here.
func Patterns() []pattern.Pattern {
	return []pattern.Pattern{
		&redirect.Pattern{},
		&ingest.Pattern{},
		&images.Pattern{},
		&books.Pattern{},
		&basicauth.Pattern{},
		&waf.Pattern{},
	}
}
