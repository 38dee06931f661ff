package waf

import (
	"fmt"

	"github.com/edgekit/edgekit/config"
)

// Config is the waf section of the configuration (edgekit:waf:*).
type Config struct {
	// Enabled switches the shared web ACL on the distribution.
	Enabled bool `context:"edgekit:waf:enabled" doc:"shared WAF web ACL on the distribution on/off (fixed cost, see README)"`
	// RateLimit is the most requests one IP address may send to any path in
	// one RateWindowSeconds window.
	RateLimit int `context:"edgekit:waf:rateLimit" doc:"requests per IP address per window, all paths (10–2,000,000,000)"`
	// RateWindowSeconds is the rate rules' evaluation window.
	RateWindowSeconds int `context:"edgekit:waf:rateWindowSeconds" doc:"rate-rule evaluation window: 60, 120, 300 or 600 seconds"`
	// PathRateRules are stricter per-IP limits on single paths: the Basic-auth
	// path (password guessing) and the ingest path. Keep them in step with
	// edgekit:basicauth:path and edgekit:ingest:path.
	PathRateRules []RateRule `context:"edgekit:waf:pathRateRules" doc:"JSON list of stricter per-path rate rules (see below)" defaultDoc:"/private/ 300, /ingest 1000"`
	// AllowIPs are CIDR ranges (IPv4 or IPv6) whose requests skip every
	// other rule of the ACL.
	AllowIPs []string `context:"edgekit:waf:allowIps" doc:"CIDRs (IPv4/IPv6) allowed past every other WAF rule" defaultDoc:"(none)"`
	// BlockIPs are CIDR ranges (IPv4 or IPv6) whose requests are blocked first.
	BlockIPs []string `context:"edgekit:waf:blockIps" doc:"CIDRs (IPv4/IPv6) always blocked" defaultDoc:"(none)"`
	// CoreRuleSetCountRules are rules of the core rule set that only count.
	CoreRuleSetCountRules []string `context:"edgekit:waf:coreRuleSetCountRules" doc:"core rule set rules that only count (the 8 KB body limit would block ingest batches)"`
}

// Defaults.
const (
	// DefaultRateLimit allows about 6.7 requests per second per IP address,
	// sustained over five minutes: far above a person browsing the site.
	DefaultRateLimit = 2000
	// DefaultRateWindowSeconds is WAF's default evaluation window.
	DefaultRateWindowSeconds = 300
)

// DefaultPathRateRules are the stricter limits on the Basic-auth path (one
// request per second sustained: a person viewing private pages, not a
// password guesser) and on the ingest path (batches of records).
func DefaultPathRateRules() []RateRule {
	return []RateRule{
		{Name: "private", PathPrefix: "/private/", Limit: 300},
		{Name: "ingest", Path: "/ingest", Limit: 1000},
	}
}

// DefaultCoreRuleSetCountRules lets bodies over 8 KB through the core rule
// set: ingest batches are up to 1 MB, and the handler enforces its own limits.
func DefaultCoreRuleSetCountRules() []string { return []string{"SizeRestrictions_BODY"} }

// SetDefaults implements config.Section.
func (c *Config) SetDefaults(config.App) {
	*c = Config{
		Enabled:               true,
		RateLimit:             DefaultRateLimit,
		RateWindowSeconds:     DefaultRateWindowSeconds,
		PathRateRules:         DefaultPathRateRules(),
		AllowIPs:              []string{},
		BlockIPs:              []string{},
		CoreRuleSetCountRules: DefaultCoreRuleSetCountRules(),
	}
}

// Validate implements config.Section.
func (c *Config) Validate(_ config.App, p *config.Problems) {
	if why := rateLimitProblem(c.RateLimit); why != "" {
		p.Add(&c.RateLimit, why)
	}
	if why := windowProblem(c.RateWindowSeconds); why != "" {
		p.Add(&c.RateWindowSeconds, why)
	}
	for i, r := range c.PathRateRules {
		for _, e := range r.problems(c.PathRateRules[:i]) {
			p.AddAt(&c.PathRateRules, fmt.Sprintf("[%d]%s", i, e.field), e.value, e.why)
		}
	}
	_, _, errs := ipLists(c.AllowIPs, c.BlockIPs)
	for _, e := range errs {
		field := &c.AllowIPs
		if e.block {
			field = &c.BlockIPs
		}
		p.AddAt(field, "", e.value, e.why)
	}
	for _, name := range c.CoreRuleSetCountRules {
		if !ruleNameRe.MatchString(name) {
			p.AddAt(&c.CoreRuleSetCountRules, "", name, "must be a rule name of AWSManagedRulesCommonRuleSet, e.g. SizeRestrictions_BODY")
		}
	}
}
