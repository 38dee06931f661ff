// Package pattern is the contract between edgekit's patterns and the stacks
// that host them.
//
// A pattern lives in two folders of one name: constructs/<name> (its Go
// constructs, its config section and a type implementing Pattern) and
// functions/<name> (its handler code). The stacks package builds the Edge
// (us-east-1), per-region, home-region (Storage, Api) and Cdn stacks by
// looping over the registered patterns and calling their hooks; it holds
// nothing specific to any pattern. Adding a pattern is its two folders, one
// registration line in stacks.Patterns, and its golden templates.
//
// A minimal pattern that adds a viewer-request function on one path:
//
//	type Hello struct {
//		pattern.Base
//		Config  Config // context keys edgekit:hello:*
//		version crossregion.Reference
//	}
//
//	func (h *Hello) Name() string                      { return "hello" }
//	func (h *Hello) Sections() []config.Section        { return []config.Section{&h.Config} }
//	func (h *Hello) BuildEdge(e *pattern.Edge) {
//		if !h.Config.Enabled { return }
//		fn := edgefunction.NewEdgeFunction(e.Stack, "Hello", &edgefunction.EdgeFunctionProps{...})
//		h.version = fn.Reference
//	}
//	func (h *Hello) BuildCdn(c *pattern.Cdn) {
//		if !h.Config.Enabled { return }
//		v := edgefunction.ImportVersion(c.Stack, "HelloVersion", h.version)
//		c.Distribution.AddBehavior(jsii.String("/hello"), c.DefaultOrigin, &awscloudfront.AddBehaviorOptions{...})
//	}
//
// Constructs never read config themselves: a pattern's hooks turn its
// section into plain props for its constructs, which consumers can also use
// directly in their own apps.
package pattern
