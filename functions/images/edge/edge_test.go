package edge_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/edgekit/edgekit/functions/images/edge"
)

// TestNormalizeJS checks what CloudFront accepts before a deploy would:
// the size limit, the entry point, and no module syntax (CloudFront
// Functions are plain scripts).
func TestNormalizeJS(t *testing.T) {
	code := edge.NormalizeJS
	if n := len(code); n == 0 || n > edge.MaxCodeBytes {
		t.Fatalf("normalize.js is %d bytes; CloudFront Functions allow 1..%d", n, edge.MaxCodeBytes)
	}
	if !regexp.MustCompile(`(?m)^function handler\(event\) \{`).MatchString(code) {
		t.Error("normalize.js does not declare function handler(event)")
	}
	for _, banned := range []string{"require(", "import ", "export ", "module.exports", "?.", "??", "=>", "async ", "await "} {
		if strings.Contains(stripComments(code), banned) {
			t.Errorf("normalize.js uses %q, outside the plain-script subset it keeps to", banned)
		}
	}
}

var commentRe = regexp.MustCompile(`(?m)//.*$`)

func stripComments(s string) string { return commentRe.ReplaceAllString(s, "") }
