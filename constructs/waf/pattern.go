package waf

import (
	"github.com/edgekit/edgekit/config"
	"github.com/edgekit/edgekit/constructs/pattern"
)

// Pattern is the app's shared web ACL: created in the Edge stack (CLOUDFRONT
// scope lives in us-east-1), its ARN read in the Cdn stack through
// constructs/crossregion and attached to the distribution. It is a pattern of
// its own rather than part of one, because it protects every behaviour; the
// paths that deserve stricter limits come from its own config
// (edgekit:waf:pathRateRules), so no pattern depends on another's hooks.
type Pattern struct {
	pattern.Base
	// Config is the edgekit:waf:* section.
	Config Config

	// WebAcl is the ACL (Edge stack), nil when disabled.
	WebAcl *WebAcl
	// Arn is the ACL's ARN as read in the Cdn stack, nil when disabled.
	Arn *string
}

// Name implements pattern.Pattern.
func (p *Pattern) Name() string { return "waf" }

// Sections implements pattern.Pattern.
func (p *Pattern) Sections() []config.Section { return []config.Section{&p.Config} }

// ParameterName is the SSM parameter (us-east-1) holding the app's web ACL ARN.
func ParameterName(appName string) string { return "/" + appName + "/waf/web-acl-arn" }

// BuildEdge implements pattern.Pattern.
func (p *Pattern) BuildEdge(e *pattern.Edge) {
	if !p.Config.Enabled {
		return
	}
	c := p.Config
	p.WebAcl = NewWebAcl(e.Stack, "WebAcl", &WebAclProps{
		Name:                  e.ResourceName("web-acl"),
		RateLimit:             c.RateLimit,
		RateWindowSeconds:     c.RateWindowSeconds,
		PathRateRules:         c.PathRateRules,
		AllowIPs:              c.AllowIPs,
		BlockIPs:              c.BlockIPs,
		CoreRuleSetCountRules: c.CoreRuleSetCountRules,
		ParameterName:         ParameterName(e.Config.AppName),
	})
}

// BuildCdn implements pattern.Pattern.
func (p *Pattern) BuildCdn(c *pattern.Cdn) {
	if p.WebAcl == nil {
		return
	}
	p.Arn = ImportArn(c.Stack, "WebAclArn", p.WebAcl.Reference)
	c.AttachWebAcl(p.Arn)
}
