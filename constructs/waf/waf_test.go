package waf_test

import (
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/config"
	"github.com/edgekit/edgekit/constructs/basicauth"
	"github.com/edgekit/edgekit/constructs/pattern"
	"github.com/edgekit/edgekit/constructs/redirect"
	"github.com/edgekit/edgekit/constructs/waf"
	"github.com/edgekit/edgekit/internal/testenv"
	"github.com/edgekit/edgekit/stacks"
)

func TestMain(m *testing.M) {
	testenv.Pin()
	os.Exit(m.Run())
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestConfigValidate(t *testing.T) {
	var c waf.Config
	if _, err := config.Load(map[string]any{}, &c); err != nil {
		t.Fatal(err)
	}
	if !c.Enabled || c.RateLimit != 2000 || c.RateWindowSeconds != 300 || len(c.PathRateRules) != 2 ||
		c.PathRateRules[0].PathPrefix != "/private/" || c.PathRateRules[1].Path != "/ingest" {
		t.Fatalf("defaults = %+v", c)
	}
	_, err := config.Load(map[string]any{
		"edgekit:waf:rateLimit":         5,
		"edgekit:waf:rateWindowSeconds": 90,
		"edgekit:waf:pathRateRules": `[{"name":"a","path":"/x","pathPrefix":"/y/","limit":100},{"name":"a","pathPrefix":"/p/*","limit":100},` +
			`{"name":"Bad Name","path":"/z","limit":3}]`,
		"edgekit:waf:allowIps":              "10.0.0.1/8, 203.0.113.7, 2001:db8::/32, ::ffff:192.0.2.1, 198.51.100.0/24",
		"edgekit:waf:blockIps":              `["0.0.0.0/0","not-an-ip","198.51.100.0/24","fe80::1%eth0"]`,
		"edgekit:waf:coreRuleSetCountRules": "SizeRestrictions_BODY, bad rule",
	}, &c)
	if err == nil {
		t.Fatal("Load accepted bad values")
	}
	for _, want := range []string{
		"edgekit:waf:rateLimit=5: must be 10..2000000000",
		"edgekit:waf:rateWindowSeconds=90: must be 60, 120, 300 or 600",
		`edgekit:waf:pathRateRules[0]="a": needs exactly one of path, pathPrefix`,
		`edgekit:waf:pathRateRules[1].name="a": duplicate rule name`,
		`edgekit:waf:pathRateRules[1].pathPrefix="/p/*": must be a path`,
		`edgekit:waf:pathRateRules[2].name="Bad Name"`,
		`edgekit:waf:pathRateRules[2].limit=3`,
		`edgekit:waf:allowIps="10.0.0.1/8": host bits set: did you mean 10.0.0.0/8?`,
		`edgekit:waf:allowIps="::ffff:192.0.2.1": IPv4-mapped`,
		`edgekit:waf:allowIps="198.51.100.0/24": listed twice (or in both lists)`,
		`edgekit:waf:blockIps="0.0.0.0/0": /0 would match every address`,
		`edgekit:waf:blockIps="not-an-ip": not an IPv4 or IPv6 address or CIDR`,
		`edgekit:waf:blockIps="fe80::1%eth0": IPv6 zones`,
		`edgekit:waf:coreRuleSetCountRules="bad rule"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	for _, ok := range []string{"203.0.113.7", "2001:db8::/32", "192.0.2.0/24"} {
		if strings.Contains(err.Error(), `"`+ok+`"`) {
			t.Errorf("valid address %s reported", ok)
		}
	}
}

func edgeStack(app awscdk.App, id, region string) awscdk.Stack {
	return awscdk.NewStack(app, jsii.String(id), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(region)}})
}

func TestNewWebAcl(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := edgeStack(app, "Edge", "us-east-1")
	props := &waf.WebAclProps{
		Name:                  "shop-web-acl",
		RateLimit:             1500,
		RateWindowSeconds:     120,
		PathRateRules:         waf.DefaultPathRateRules(),
		AllowIPs:              []string{"203.0.113.7", "2001:db8:1::/48"},
		BlockIPs:              []string{"198.51.100.0/24"},
		CoreRuleSetCountRules: waf.DefaultCoreRuleSetCountRules(),
		ParameterName:         "/shop/waf/web-acl-arn",
	}
	w := waf.NewWebAcl(stack, "WebAcl", props)
	wantRules := []string{"block-ips", "allow-ips", "aws-ip-reputation", "rate-all", "rate-private", "rate-ingest", "aws-common", "aws-known-bad-inputs"}
	if strings.Join(w.RuleNames, ",") != strings.Join(wantRules, ",") {
		t.Fatalf("rules = %v, want %v", w.RuleNames, wantRules)
	}
	tpl := assertions.Template_FromStack(stack, nil)
	acls := tpl.FindResources(jsii.String("AWS::WAFv2::WebACL"), nil)
	if len(*acls) != 1 {
		t.Fatalf("%d web ACLs", len(*acls))
	}
	var acl map[string]any
	for _, a := range *acls {
		acl = (*a)["Properties"].(map[string]any)
	}
	if acl["Scope"] != "CLOUDFRONT" || acl["Name"] != "shop-web-acl" || jsonOf(t, acl["DefaultAction"]) != `{"Allow":{}}` {
		t.Fatalf("ACL = %s", jsonOf(t, acl))
	}
	rules := map[string]map[string]any{}
	for i, r := range acl["Rules"].([]any) {
		rule := r.(map[string]any)
		rules[rule["Name"].(string)] = rule
		if int(rule["Priority"].(float64)) != i || rule["Name"] != wantRules[i] {
			t.Errorf("rule %d = %v priority %v", i, rule["Name"], rule["Priority"])
		}
		if v := jsonOf(t, rule["VisibilityConfig"]); v != `{"CloudWatchMetricsEnabled":true,"MetricName":"shop-web-acl-`+wantRules[i]+`","SampledRequestsEnabled":true}` {
			t.Errorf("rule %v visibility = %s", rule["Name"], v)
		}
	}
	if v := jsonOf(t, acl["VisibilityConfig"]); !strings.Contains(v, `"CloudWatchMetricsEnabled":true`) || !strings.Contains(v, `"SampledRequestsEnabled":true`) {
		t.Errorf("ACL visibility = %s", v)
	}

	for _, c := range []struct{ rule, want string }{
		{"block-ips", `"Action":{"Block":{}}`},
		{"block-ips", `"IPSetReferenceStatement":{"Arn":{"Fn::GetAtt":["WebAclBlockV4`},
		{"allow-ips", `"Action":{"Allow":{}}`},
		{"allow-ips", `"OrStatement":{"Statements":[{"IPSetReferenceStatement"`},
		{"aws-ip-reputation", `"ManagedRuleGroupStatement":{"Name":"AWSManagedRulesAmazonIpReputationList","VendorName":"AWS"}`},
		{"aws-ip-reputation", `"OverrideAction":{"None":{}}`},
		{"rate-all", `"RateBasedStatement":{"AggregateKeyType":"IP","EvaluationWindowSec":120,"Limit":1500}`},
		{"rate-all", `"Action":{"Block":{"CustomResponse":{"ResponseCode":429}}}`},
		{"rate-private", `"Limit":300`},
		{"rate-private", `"PositionalConstraint":"STARTS_WITH","SearchString":"/private/"`},
		{"rate-private", `"TextTransformations":[{"Priority":0,"Type":"URL_DECODE"},{"Priority":1,"Type":"NORMALIZE_PATH"}]`},
		{"rate-private", `"FieldToMatch":{"UriPath":{}}`},
		{"rate-private", `"ResponseCode":429`},
		{"rate-ingest", `"PositionalConstraint":"EXACTLY","SearchString":"/ingest"`},
		{"rate-ingest", `"Limit":1000`},
		{"aws-common", `"Name":"AWSManagedRulesCommonRuleSet","RuleActionOverrides":[{"ActionToUse":{"Count":{}},"Name":"SizeRestrictions_BODY"}]`},
		{"aws-known-bad-inputs", `"Name":"AWSManagedRulesKnownBadInputsRuleSet","VendorName":"AWS"`},
	} {
		if got := jsonOf(t, rules[c.rule]); !strings.Contains(got, c.want) {
			t.Errorf("rule %s lacks %s:\n%s", c.rule, c.want, got)
		}
	}

	sets := map[string]string{}
	for _, s := range *tpl.FindResources(jsii.String("AWS::WAFv2::IPSet"), nil) {
		p := (*s)["Properties"].(map[string]any)
		if p["Scope"] != "CLOUDFRONT" {
			t.Errorf("IP set scope %v", p["Scope"])
		}
		sets[p["Name"].(string)] = p["IPAddressVersion"].(string) + " " + jsonOf(t, p["Addresses"])
	}
	want := map[string]string{
		"shop-web-acl-block-v4": `IPV4 ["198.51.100.0/24"]`,
		"shop-web-acl-allow-v4": `IPV4 ["203.0.113.7/32"]`,
		"shop-web-acl-allow-v6": `IPV6 ["2001:db8:1::/48"]`,
	}
	if jsonOf(t, sets) != jsonOf(t, want) {
		t.Errorf("IP sets = %v, want %v", sets, want)
	}

	tpl.HasResourceProperties(jsii.String("AWS::SSM::Parameter"), map[string]any{
		"Name": "/shop/waf/web-acl-arn", "Type": "String",
		"Value": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^WebAcl")), "Arn"}},
	})
	if w.Reference.ParameterName != "/shop/waf/web-acl-arn" || w.Reference.Region != "us-east-1" || len(w.Reference.RefreshToken) != 64 {
		t.Fatalf("reference = %+v", w.Reference)
	}

	t.Run("refresh_token_follows_the_rules", func(t *testing.T) {
		token := func(id string, mutate func(p *waf.WebAclProps)) string {
			p := *props
			p.PathRateRules = append([]waf.RateRule{}, props.PathRateRules...)
			mutate(&p)
			return waf.NewWebAcl(edgeStack(app, id, "us-east-1"), "WebAcl", &p).RefreshToken
		}
		same := token("Same", func(*waf.WebAclProps) {})
		if same != w.RefreshToken {
			t.Fatal("the same definition gives another token")
		}
		for name, mutate := range map[string]func(p *waf.WebAclProps){
			"Limit":   func(p *waf.WebAclProps) { p.PathRateRules[0].Limit = 301 },
			"Block":   func(p *waf.WebAclProps) { p.BlockIPs = []string{"198.51.100.0/25"} },
			"Count":   func(p *waf.WebAclProps) { p.CoreRuleSetCountRules = nil },
			"Window":  func(p *waf.WebAclProps) { p.RateWindowSeconds = 60 },
			"NoAllow": func(p *waf.WebAclProps) { p.AllowIPs = nil },
		} {
			if token(name, mutate) == w.RefreshToken {
				t.Errorf("changing %s keeps the refresh token: the Cdn stack would not re-read", name)
			}
		}
	})

	t.Run("no_ip_rules_without_lists", func(t *testing.T) {
		bare := waf.NewWebAcl(edgeStack(app, "Bare", "us-east-1"), "WebAcl", &waf.WebAclProps{Name: "bare"})
		if strings.Join(bare.RuleNames, ",") != "aws-ip-reputation,rate-all,aws-common,aws-known-bad-inputs" || len(bare.IPSets) != 0 {
			t.Fatalf("rules = %v, sets = %d", bare.RuleNames, len(bare.IPSets))
		}
	})

	for _, c := range []struct {
		name   string
		region string
		props  *waf.WebAclProps
		want   []string
	}{
		{"fails_outside_us_east_1", "eu-central-1", &waf.WebAclProps{Name: "x"}, []string{`stack region is "eu-central-1"`}},
		{"fails_invalid_props", "us-east-1", &waf.WebAclProps{
			Name: "bad name", RateLimit: 1, RateWindowSeconds: 30,
			PathRateRules: []waf.RateRule{{Name: "x", Limit: 100}}, BlockIPs: []string{"10.0.0.0/0"}, CoreRuleSetCountRules: []string{"a b"},
		}, []string{`Name "bad name"`, "RateLimit 1", "RateWindowSeconds 30", "PathRateRules[0]", `BlockIPs "10.0.0.0/0"`, `CoreRuleSetCountRules "a b"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				for _, w := range c.want {
					if !strings.Contains(msg, w) {
						t.Errorf("panic %q lacks %q", msg, w)
					}
				}
			}()
			waf.NewWebAcl(edgeStack(app, strings.ReplaceAll(c.name, "_", ""), c.region), "WebAcl", c.props)
		})
	}
}

var (
	once  sync.Once
	built *stacks.App
)

// appWithWaf is the site, Basic auth and the web ACL, synthesized once.
func appWithWaf(t *testing.T) *stacks.App {
	t.Helper()
	once.Do(func() {
		ps := []pattern.Pattern{&redirect.Pattern{}, &basicauth.Pattern{}, &waf.Pattern{}}
		cfg, err := config.Load(map[string]any{"edgekit:waf:blockIps": "192.0.2.0/24"}, stacks.Sections(ps)...)
		if err != nil {
			t.Fatal(err)
		}
		built = stacks.Build(stacks.NewApp(), cfg, ps)
	})
	if built == nil {
		t.Fatal("the app did not build")
	}
	return built
}

func TestEndToEnd(t *testing.T) {
	a := appWithWaf(t)
	edge := assertions.Template_FromStack(a.Edge, nil)
	edge.HasResourceProperties(jsii.String("AWS::WAFv2::WebACL"), map[string]any{"Name": "edgekit-web-acl", "Scope": "CLOUDFRONT"})
	edge.HasResourceProperties(jsii.String("AWS::SSM::Parameter"), map[string]any{"Name": "/edgekit/waf/web-acl-arn"})
	edge.ResourceCountIs(jsii.String("AWS::WAFv2::IPSet"), jsii.Number(1))

	cdn := *assertions.Template_FromStack(a.Cdn, nil).ToJSON()
	var dist, reader string
	for id, r := range cdn["Resources"].(map[string]any) {
		m := r.(map[string]any)
		switch m["Type"] {
		case "AWS::CloudFront::Distribution":
			dist = jsonOf(t, m)
		case "Custom::EdgekitCrossRegionParameter":
			if strings.Contains(jsonOf(t, m), "/edgekit/waf/web-acl-arn@") {
				reader = id
			}
		}
	}
	if reader == "" {
		t.Fatal("no reader of the web ACL ARN in the Cdn stack")
	}
	if want := `"WebACLId":{"Fn::GetAtt":["` + reader + `","Parameter.Value"]}`; !strings.Contains(dist, want) {
		t.Fatalf("the distribution lacks %s:\n%s", want, dist)
	}
	// With the ACL attached, the distribution carries no CFR2 suppression.
	if strings.Contains(dist, "AwsSolutions-CFR2") {
		t.Error("CFR2 is still suppressed on a distribution with a web ACL")
	}
	for _, s := range a.All() {
		if f := testenv.NagFindings(s); len(f) > 0 {
			t.Errorf("%s: %d cdk-nag findings:\n%s", *s.StackName(), len(f), strings.Join(f, "\n"))
		}
	}
}

func TestDisabled(t *testing.T) {
	p := &waf.Pattern{}
	if _, err := config.Load(map[string]any{"edgekit:waf:enabled": false}, p.Sections()...); err != nil {
		t.Fatal(err)
	}
	p.BuildEdge(&pattern.Edge{})
	p.BuildCdn(&pattern.Cdn{})
	if p.WebAcl != nil || p.Arn != nil {
		t.Fatal("a disabled waf pattern built something")
	}
}
