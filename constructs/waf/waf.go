package waf

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/constructs/crossregion"
)

// Region is where CLOUDFRONT-scope web ACLs and IP sets must be created.
const Region = "us-east-1"

// WAF limits behind the validation (AWS WAF Developer Guide, "Rate-based
// rule statement" and "Quotas").
const (
	// MinRateLimit and MaxRateLimit bound a rate-based rule's limit.
	MinRateLimit = 10
	MaxRateLimit = 2_000_000_000
	// MaxIPSetAddresses is the most CIDRs one IP set holds.
	MaxIPSetAddresses = 10_000
	// maxSearchBytes is a byte match statement's search string limit.
	maxSearchBytes = 200
)

// Managed rule groups every ACL uses (vendor AWS). None of them has a
// subscription fee: each costs one rule in the web ACL's monthly price.
const (
	IPReputationGroup   = "AWSManagedRulesAmazonIpReputationList"
	CoreRuleSetGroup    = "AWSManagedRulesCommonRuleSet"
	KnownBadInputsGroup = "AWSManagedRulesKnownBadInputsRuleSet"
)

var (
	ruleNameRe     = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	rateRuleNameRe = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)
	aclNameRe      = regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}$`)
	searchPathRe   = regexp.MustCompile(`^/[A-Za-z0-9_\-.~/%@:+&=!$'(),;]*$`)
)

// RateRule is a stricter per-IP rate limit on one path or path prefix.
// Exactly one of Path and PathPrefix is set. The path is matched after
// URL-decoding and path normalization (WAF's URL_DECODE and NORMALIZE_PATH),
// so "/%70rivate/x" and "/a/../private/x" count against "/private/".
type RateRule struct {
	// Name is the rule's short name (a-z, 0-9, '-'): the WAF rule is
	// "rate-<name>", its metric "<acl>-rate-<name>".
	Name string `json:"name"`
	// Path is an exact URI path, e.g. "/ingest".
	Path string `json:"path,omitempty"`
	// PathPrefix is a URI path prefix, e.g. "/private/".
	PathPrefix string `json:"pathPrefix,omitempty"`
	// Limit is the most requests one IP address may send there per window.
	Limit int `json:"limit"`
}

type problem struct {
	field string
	value any
	why   string
}

func (r RateRule) problems(earlier []RateRule) []problem {
	var out []problem
	add := func(field string, v any, why string) { out = append(out, problem{field, v, why}) }
	if !rateRuleNameRe.MatchString(r.Name) {
		add(".name", r.Name, "must be 1-32 characters of a-z, 0-9, '-'")
	}
	for _, e := range earlier {
		if e.Name == r.Name {
			add(".name", r.Name, "duplicate rule name")
		}
	}
	switch {
	case (r.Path == "") == (r.PathPrefix == ""):
		add("", r.Name, "needs exactly one of path, pathPrefix")
	case r.Path != "" && pathProblem(r.Path) != "":
		add(".path", r.Path, pathProblem(r.Path))
	case r.PathPrefix != "" && pathProblem(r.PathPrefix) != "":
		add(".pathPrefix", r.PathPrefix, pathProblem(r.PathPrefix))
	}
	if why := rateLimitProblem(r.Limit); why != "" {
		add(".limit", r.Limit, why)
	}
	return out
}

func pathProblem(p string) string {
	if !searchPathRe.MatchString(p) || len(p) > maxSearchBytes {
		return fmt.Sprintf("must be a path starting with '/', at most %d characters, no wildcards or spaces", maxSearchBytes)
	}
	return ""
}

func rateLimitProblem(n int) string {
	if n < MinRateLimit || n > MaxRateLimit {
		return fmt.Sprintf("must be %d..%d (WAF rate-based rule limit)", MinRateLimit, MaxRateLimit)
	}
	return ""
}

func windowProblem(s int) string {
	switch s {
	case 60, 120, 300, 600:
		return ""
	}
	return "must be 60, 120, 300 or 600 (WAF evaluation windows)"
}

type ipProblem struct {
	block bool
	value string
	why   string
}

// ipList is one list's CIDRs split by version, normalized.
type ipList struct {
	V4, V6 []string
}

// ipLists parses the allow and block lists: IPv4 or IPv6 addresses (as /32
// or /128) or CIDR prefixes without host bits, never /0, no IPv6 zones, no
// IPv4-mapped IPv6, each once, none in both lists.
func ipLists(allow, block []string) (ipList, ipList, []ipProblem) {
	var errs []ipProblem
	seen := map[netip.Prefix]bool{}
	parse := func(list []string, isBlock bool) ipList {
		var out ipList
		for _, s := range list {
			fail := func(why string) { errs = append(errs, ipProblem{isBlock, s, why}) }
			var p netip.Prefix
			var err error
			if strings.Contains(s, "/") {
				p, err = netip.ParsePrefix(s)
			} else {
				var a netip.Addr
				if a, err = netip.ParseAddr(s); err == nil {
					if a.Zone() != "" {
						fail("IPv6 zones (%...) have no meaning to WAF")
						continue
					}
					p = netip.PrefixFrom(a, a.BitLen())
				}
			}
			switch {
			case err != nil:
				fail("not an IPv4 or IPv6 address or CIDR")
				continue
			case p.Addr().Is4In6():
				fail("IPv4-mapped IPv6 address: write the IPv4 form")
				continue
			case p.Bits() == 0:
				fail("/0 would match every address")
				continue
			case p.Masked() != p:
				fail(fmt.Sprintf("host bits set: did you mean %s?", p.Masked()))
				continue
			case seen[p]:
				fail("listed twice (or in both lists)")
				continue
			}
			seen[p] = true
			if p.Addr().Is4() {
				out.V4 = append(out.V4, p.String())
			} else {
				out.V6 = append(out.V6, p.String())
			}
		}
		if len(out.V4) > MaxIPSetAddresses || len(out.V6) > MaxIPSetAddresses {
			errs = append(errs, ipProblem{isBlock, fmt.Sprint(len(list)), fmt.Sprintf("more than %d addresses of one version", MaxIPSetAddresses)})
		}
		return out
	}
	b := parse(block, true)
	a := parse(allow, false)
	return a, b, errs
}

// WebAclProps configures NewWebAcl.
type WebAclProps struct {
	// Name of the web ACL, unique per account for the CLOUDFRONT scope; it
	// also prefixes the IP sets' and metrics' names.
	Name string
	// RateLimit is the most requests one IP address may send to any path per
	// window. Default: DefaultRateLimit.
	RateLimit int
	// RateWindowSeconds is the rate rules' evaluation window (60, 120, 300
	// or 600). Default: DefaultRateWindowSeconds.
	RateWindowSeconds int
	// PathRateRules are stricter per-path limits. Default: none.
	PathRateRules []RateRule
	// AllowIPs are CIDRs (IPv4, IPv6) allowed past every other rule. Default: none.
	AllowIPs []string
	// BlockIPs are CIDRs (IPv4, IPv6) blocked before any other rule. Default: none.
	BlockIPs []string
	// CoreRuleSetCountRules are rules of the core rule set overridden to
	// count. Default: none.
	CoreRuleSetCountRules []string
	// ParameterName is the SSM parameter (us-east-1) receiving the ACL's ARN
	// for distributions in other regions. Default: "/edgekit/waf/<Name>/arn".
	ParameterName string
}

// WebAcl is a CLOUDFRONT-scope web ACL, its IP sets, and its ARN published
// for other regions.
type WebAcl struct {
	constructs.Construct
	// Acl is the web ACL.
	Acl awswafv2.CfnWebACL
	// IPSets are the allow and block lists' IP sets, by rule and version
	// ("allow-v4", "block-v6", ...); only non-empty lists get one.
	IPSets map[string]awswafv2.CfnIPSet
	// RuleNames lists the ACL's rules in priority order.
	RuleNames []string
	// Reference reads the ACL's ARN in any region (ImportArn).
	Reference crossregion.Reference
	// RefreshToken changes whenever the ACL's definition does.
	RefreshToken string
}

// NewWebAcl creates the web ACL in a us-east-1 stack (CLOUDFRONT scope):
//
//  1. block-ips: BlockIPs (IP sets, IPv4 and IPv6), block;
//  2. allow-ips: AllowIPs, allow (skips every later rule);
//  3. aws-ip-reputation: AWS managed IP reputation list;
//  4. rate-all: RateLimit requests per IP address per window, then 429;
//  5. rate-<name>: each PathRateRules entry, scoped to its path, then 429;
//  6. aws-common: AWS managed core rule set (CoreRuleSetCountRules count only);
//  7. aws-known-bad-inputs: AWS managed known bad inputs.
//
// Every rule and the ACL emit CloudWatch metrics and keep sampled requests;
// the default action is allow. The ARN is published to SSM with a refresh
// token derived from the whole definition, so a reader in another region
// re-reads whenever the ACL changes. It panics with one message naming every
// invalid prop.
func NewWebAcl(scope constructs.Construct, id string, props *WebAclProps) *WebAcl {
	if props == nil {
		props = &WebAclProps{}
	}
	p := *props
	if p.RateLimit == 0 {
		p.RateLimit = DefaultRateLimit
	}
	if p.RateWindowSeconds == 0 {
		p.RateWindowSeconds = DefaultRateWindowSeconds
	}
	if p.ParameterName == "" {
		p.ParameterName = "/edgekit/waf/" + p.Name + "/arn"
	}
	var errs []string
	fail := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	if region := *awscdk.Stack_Of(scope).Region(); region != Region {
		fail("stack region is %q: CLOUDFRONT-scope web ACLs must be created in %s", region, Region)
	}
	if !aclNameRe.MatchString(p.Name) {
		fail("Name %q must be 1-100 characters of A-Z, a-z, 0-9, '_', '-'", p.Name)
	}
	if why := rateLimitProblem(p.RateLimit); why != "" {
		fail("RateLimit %d %s", p.RateLimit, why)
	}
	if why := windowProblem(p.RateWindowSeconds); why != "" {
		fail("RateWindowSeconds %d %s", p.RateWindowSeconds, why)
	}
	for i, r := range p.PathRateRules {
		for _, e := range r.problems(p.PathRateRules[:i]) {
			fail("PathRateRules[%d]%s = %q: %s", i, e.field, fmt.Sprint(e.value), e.why)
		}
	}
	allow, block, ipErrs := ipLists(p.AllowIPs, p.BlockIPs)
	for _, e := range ipErrs {
		list := "AllowIPs"
		if e.block {
			list = "BlockIPs"
		}
		fail("%s %q: %s", list, e.value, e.why)
	}
	for _, n := range p.CoreRuleSetCountRules {
		if !ruleNameRe.MatchString(n) {
			fail("CoreRuleSetCountRules %q is not a rule name", n)
		}
	}
	if len(errs) > 0 {
		panic(fmt.Sprintf("waf.NewWebAcl %q: invalid props:\n  - %s", id, strings.Join(errs, "\n  - ")))
	}

	c := constructs.NewConstruct(scope, jsii.String(id))
	w := &WebAcl{Construct: c, IPSets: map[string]awswafv2.CfnIPSet{}}
	visibility := func(metric string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
		return &awswafv2.CfnWebACL_VisibilityConfigProperty{
			CloudWatchMetricsEnabled: jsii.Bool(true),
			MetricName:               jsii.String(p.Name + "-" + metric),
			SampledRequestsEnabled:   jsii.Bool(true),
		}
	}
	var rules []any
	add := func(name string, statement *awswafv2.CfnWebACL_StatementProperty, action, override any) {
		r := &awswafv2.CfnWebACL_RuleProperty{
			Name:             jsii.String(name),
			Priority:         jsii.Number(float64(len(rules))),
			Statement:        statement,
			VisibilityConfig: visibility(name),
		}
		if action != nil {
			r.Action = action
		}
		if override != nil {
			r.OverrideAction = override
		}
		rules = append(rules, r)
		w.RuleNames = append(w.RuleNames, name)
	}
	ipStatement := func(kind string, list ipList) *awswafv2.CfnWebACL_StatementProperty {
		var refs []any
		for _, v := range []struct {
			version string
			cidrs   []string
		}{{"v4", list.V4}, {"v6", list.V6}} {
			if len(v.cidrs) == 0 {
				continue
			}
			key := kind + "-" + v.version
			set := awswafv2.NewCfnIPSet(c, jsii.String(strings.ToUpper(kind[:1])+kind[1:]+strings.ToUpper(v.version)), &awswafv2.CfnIPSetProps{
				Name:             jsii.String(p.Name + "-" + key),
				Description:      jsii.String("edgekit " + kind + " list, IP" + v.version),
				Scope:            jsii.String("CLOUDFRONT"),
				IpAddressVersion: jsii.String("IP" + strings.ToUpper(v.version)),
				Addresses:        jsii.Strings(v.cidrs...),
			})
			w.IPSets[key] = set
			refs = append(refs, &awswafv2.CfnWebACL_StatementProperty{
				IpSetReferenceStatement: &awswafv2.CfnWebACL_IPSetReferenceStatementProperty{Arn: set.AttrArn()},
			})
		}
		if len(refs) == 1 {
			return refs[0].(*awswafv2.CfnWebACL_StatementProperty)
		}
		return &awswafv2.CfnWebACL_StatementProperty{OrStatement: &awswafv2.CfnWebACL_OrStatementProperty{Statements: refs}}
	}
	managed := func(group string, countRules []string) *awswafv2.CfnWebACL_StatementProperty {
		s := &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{VendorName: jsii.String("AWS"), Name: jsii.String(group)}
		if len(countRules) > 0 {
			var overrides []any
			for _, n := range countRules {
				overrides = append(overrides, &awswafv2.CfnWebACL_RuleActionOverrideProperty{
					Name:        jsii.String(n),
					ActionToUse: &awswafv2.CfnWebACL_RuleActionProperty{Count: &awswafv2.CfnWebACL_CountActionProperty{}},
				})
			}
			s.RuleActionOverrides = overrides
		}
		return &awswafv2.CfnWebACL_StatementProperty{ManagedRuleGroupStatement: s}
	}
	noOverride := &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}}
	// Rate-limited clients get 429, the status that tells them to slow down.
	tooMany := &awswafv2.CfnWebACL_RuleActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{
		CustomResponse: &awswafv2.CfnWebACL_CustomResponseProperty{ResponseCode: jsii.Number(429)},
	}}
	rate := func(limit int, scopeDown *awswafv2.CfnWebACL_StatementProperty) *awswafv2.CfnWebACL_StatementProperty {
		s := &awswafv2.CfnWebACL_RateBasedStatementProperty{
			AggregateKeyType:    jsii.String("IP"),
			Limit:               jsii.Number(float64(limit)),
			EvaluationWindowSec: jsii.Number(float64(p.RateWindowSeconds)),
		}
		if scopeDown != nil {
			s.ScopeDownStatement = scopeDown
		}
		return &awswafv2.CfnWebACL_StatementProperty{RateBasedStatement: s}
	}

	if len(block.V4)+len(block.V6) > 0 {
		add("block-ips", ipStatement("block", block), &awswafv2.CfnWebACL_RuleActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{}}, nil)
	}
	if len(allow.V4)+len(allow.V6) > 0 {
		add("allow-ips", ipStatement("allow", allow), &awswafv2.CfnWebACL_RuleActionProperty{Allow: &awswafv2.CfnWebACL_AllowActionProperty{}}, nil)
	}
	add("aws-ip-reputation", managed(IPReputationGroup, nil), nil, noOverride)
	add("rate-all", rate(p.RateLimit, nil), tooMany, nil)
	for _, r := range p.PathRateRules {
		match, position := r.PathPrefix, "STARTS_WITH"
		if r.Path != "" {
			match, position = r.Path, "EXACTLY"
		}
		add("rate-"+r.Name, rate(r.Limit, &awswafv2.CfnWebACL_StatementProperty{
			ByteMatchStatement: &awswafv2.CfnWebACL_ByteMatchStatementProperty{
				FieldToMatch:         &awswafv2.CfnWebACL_FieldToMatchProperty{UriPath: map[string]any{}},
				PositionalConstraint: jsii.String(position),
				SearchString:         jsii.String(match),
				TextTransformations: []any{
					&awswafv2.CfnWebACL_TextTransformationProperty{Priority: jsii.Number(0), Type: jsii.String("URL_DECODE")},
					&awswafv2.CfnWebACL_TextTransformationProperty{Priority: jsii.Number(1), Type: jsii.String("NORMALIZE_PATH")},
				},
			},
		}), tooMany, nil)
	}
	add("aws-common", managed(CoreRuleSetGroup, p.CoreRuleSetCountRules), nil, noOverride)
	add("aws-known-bad-inputs", managed(KnownBadInputsGroup, nil), nil, noOverride)

	w.Acl = awswafv2.NewCfnWebACL(c, jsii.String("Acl"), &awswafv2.CfnWebACLProps{
		Name:             jsii.String(p.Name),
		Description:      jsii.String("edgekit shared web ACL of the CloudFront distribution"),
		Scope:            jsii.String("CLOUDFRONT"),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: &awswafv2.CfnWebACL_AllowActionProperty{}},
		VisibilityConfig: visibility("web-acl"),
		Rules:            rules,
	})

	// The token covers everything that defines the ACL, as plain data: the
	// reader re-reads the ARN exactly when the ACL may have changed.
	def, err := json.Marshal(struct {
		Props         WebAclProps
		Allow, Block  ipList
		Rules, Groups []string
		Scope, Region string
	}{p, allow, block, w.RuleNames, []string{IPReputationGroup, CoreRuleSetGroup, KnownBadInputsGroup}, "CLOUDFRONT", Region})
	if err != nil {
		panic(fmt.Sprintf("waf.NewWebAcl %q: %v", id, err))
	}
	sum := sha256.Sum256(def)
	w.RefreshToken = hex.EncodeToString(sum[:])
	pub := crossregion.Publish(c, "Arn", &crossregion.PublishProps{
		ParameterName: p.ParameterName,
		Value:         w.Acl.AttrArn(),
		RefreshToken:  w.RefreshToken,
		Description:   "ARN of the CLOUDFRONT web ACL " + p.Name,
	})
	w.Reference = pub.Reference
	return w
}

// ImportArn reads a web ACL's ARN (published by NewWebAcl in us-east-1) in
// any stack, re-reading exactly when the ACL's definition changes. Attach
// it with Distribution.AttachWebAclId (or pattern.Cdn.AttachWebAcl).
func ImportArn(scope constructs.Construct, id string, ref crossregion.Reference) *string {
	return crossregion.NewReader(scope, id, &crossregion.ReaderProps{Reference: ref}).Value()
}
