package serve

import (
	"fmt"
	"net"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// WebACL is an AWS WAF web ACL in front of the distribution. Rules are
// evaluated in priority order; managed rule groups cannot be evaluated
// locally (their rules are AWS's) and count as no match, which the start-up
// notes say.
type WebACL struct {
	Ref          ResourceRef
	Name         string
	DefaultBlock bool
	Rules        []*WAFRule

	mu    sync.Mutex
	rates map[string][]time.Time
}

// WAFRule is one rule of a web ACL.
type WAFRule struct {
	Name     string
	Priority int
	// Action is allow, block, count, captcha or challenge; "" for rule
	// group references (OverrideAction).
	Action       string
	BlockStatus  int
	BlockHeaders map[string]string
	Statement    *wafStatement
}

// wafStatement is a parsed rule statement.
type wafStatement struct {
	kind string
	// and/or/not
	children []*wafStatement
	// byte/regex/size match
	field      wafField
	transforms []string
	position   string
	search     string
	regexes    []*regexp.Regexp
	sizeOp     string
	size       int64
	// ip set
	nets []*net.IPNet
	// geo
	countries map[string]bool
	// rate
	limit     int
	window    time.Duration
	aggregate string
	scope     *wafStatement
	// managed group name (no match locally)
	group string
}

type wafField struct {
	kind   string // uri, query, header, method, body, all-query
	header string
}

// WAFRequest is what the web ACL inspects.
type WAFRequest struct {
	Method, Path, RawQuery string
	Headers                map[string][]string // lower-case names
	Body                   []byte
	ClientIP               string
	Country                string
}

// WAFVerdict is the outcome of a web ACL evaluation.
type WAFVerdict struct {
	Block   bool
	Status  int
	Headers map[string]string
	Rule    string
	Counted []string
}

func (m *Model) readWebACL(where, arn string) (*WebACL, error) {
	a := m.Assembly
	for _, ref := range a.ResourcesOfType("AWS::WAFv2::WebACL") {
		v, err := a.ResolveString(ref.Stack, map[string]any{"Fn::GetAtt": []any{ref.ID, "Arn"}})
		if err != nil || v != arn {
			continue
		}
		props, err := m.resolvedProps(ref)
		if err != nil {
			return nil, err
		}
		if s := str(props["Scope"]); s != "CLOUDFRONT" {
			return nil, fmt.Errorf("%s: web ACL %s has scope %s; a distribution needs CLOUDFRONT", where, ref.Path(), s)
		}
		if ref.Stack.Region != "us-east-1" {
			return nil, fmt.Errorf("%s: CLOUDFRONT web ACL %s must be in us-east-1, not %s", where, ref.Path(), ref.Stack.Region)
		}
		w := &WebACL{Ref: ref, Name: str(props["Name"]), rates: map[string][]time.Time{}}
		da, _ := props["DefaultAction"].(map[string]any)
		_, w.DefaultBlock = da["Block"]
		for _, r := range items(props["Rules"]) {
			rm, _ := r.(map[string]any)
			rule := &WAFRule{Name: str(rm["Name"]), Priority: int(num(rm["Priority"])), BlockStatus: 403}
			rwhere := ref.Path() + " rule " + rule.Name
			if act, _ := rm["Action"].(map[string]any); act != nil {
				for k, v := range act {
					rule.Action = strings.ToLower(k)
					if k == "Block" {
						bm, _ := v.(map[string]any)
						if cr, _ := bm["CustomResponse"].(map[string]any); cr != nil {
							rule.BlockStatus = int(num(cr["ResponseCode"]))
							if str(cr["CustomResponseBodyKey"]) != "" {
								m.Notes = append(m.Notes, rwhere+": custom response bodies are not served locally")
							}
							for _, h := range items(cr["ResponseHeaders"]) {
								hm, _ := h.(map[string]any)
								if rule.BlockHeaders == nil {
									rule.BlockHeaders = map[string]string{}
								}
								rule.BlockHeaders["x-amzn-waf-"+strings.ToLower(str(hm["Name"]))] = str(hm["Value"])
							}
						}
					}
				}
			}
			if len(items(rm["RuleLabels"])) > 0 {
				m.Notes = append(m.Notes, rwhere+": rule labels are not emulated")
			}
			st, err := m.wafStatement(rwhere, rm["Statement"])
			if err != nil {
				return nil, err
			}
			rule.Statement = st
			if st.kind == "managed" {
				m.Notes = append(m.Notes, fmt.Sprintf("WAF %s: managed rule group %s is not emulated (AWS's rules); it never matches locally", w.Name, st.group))
			}
			w.Rules = append(w.Rules, rule)
		}
		sort.SliceStable(w.Rules, func(i, j int) bool { return w.Rules[i].Priority < w.Rules[j].Priority })
		return w, nil
	}
	return nil, fmt.Errorf("%s: web ACL %s is not defined in the app", where, arn)
}

func (m *Model) wafStatement(where string, v any) (*wafStatement, error) {
	sm, _ := v.(map[string]any)
	if len(sm) != 1 {
		return nil, fmt.Errorf("%s: a statement must have exactly one kind", where)
	}
	for kind, body := range sm {
		b, _ := body.(map[string]any)
		switch kind {
		case "AndStatement", "OrStatement":
			st := &wafStatement{kind: map[string]string{"AndStatement": "and", "OrStatement": "or"}[kind]}
			for _, c := range items(b["Statements"]) {
				cs, err := m.wafStatement(where, c)
				if err != nil {
					return nil, err
				}
				st.children = append(st.children, cs)
			}
			return st, nil
		case "NotStatement":
			cs, err := m.wafStatement(where, b["Statement"])
			if err != nil {
				return nil, err
			}
			return &wafStatement{kind: "not", children: []*wafStatement{cs}}, nil
		case "ByteMatchStatement":
			f, err := wafFieldOf(where, b["FieldToMatch"])
			if err != nil {
				return nil, err
			}
			return &wafStatement{kind: "byte", field: f, transforms: wafTransforms(b["TextTransformations"]),
				position: str(b["PositionalConstraint"]), search: str(b["SearchString"])}, nil
		case "RegexMatchStatement":
			f, err := wafFieldOf(where, b["FieldToMatch"])
			if err != nil {
				return nil, err
			}
			re, err := regexp.Compile(str(b["RegexString"]))
			if err != nil {
				return nil, unsupported(where, "the WAF regex %q (not RE2-compatible)", str(b["RegexString"]))
			}
			return &wafStatement{kind: "regex", field: f, transforms: wafTransforms(b["TextTransformations"]), regexes: []*regexp.Regexp{re}}, nil
		case "SizeConstraintStatement":
			f, err := wafFieldOf(where, b["FieldToMatch"])
			if err != nil {
				return nil, err
			}
			return &wafStatement{kind: "size", field: f, transforms: wafTransforms(b["TextTransformations"]),
				sizeOp: str(b["ComparisonOperator"]), size: num(b["Size"])}, nil
		case "GeoMatchStatement":
			st := &wafStatement{kind: "geo", countries: map[string]bool{}}
			for _, c := range items(b["CountryCodes"]) {
				st.countries[str(c)] = true
			}
			return st, nil
		case "IPSetReferenceStatement":
			if _, ok := b["IPSetForwardedIPConfig"]; ok {
				return nil, unsupported(where, "WAF IP sets on forwarded IP headers")
			}
			nets, err := m.ipSet(where, str(b["Arn"]))
			if err != nil {
				return nil, err
			}
			return &wafStatement{kind: "ip", nets: nets}, nil
		case "RateBasedStatement":
			st := &wafStatement{kind: "rate", limit: int(num(b["Limit"])), window: 300 * time.Second, aggregate: str(b["AggregateKeyType"])}
			if w := num(b["EvaluationWindowSec"]); w > 0 {
				st.window = time.Duration(w) * time.Second
			}
			switch st.aggregate {
			case "IP", "CONSTANT":
			default:
				return nil, unsupported(where, "WAF rate-based aggregation %q (IP and CONSTANT are modelled)", st.aggregate)
			}
			if sd := b["ScopeDownStatement"]; sd != nil {
				cs, err := m.wafStatement(where, sd)
				if err != nil {
					return nil, err
				}
				st.scope = cs
			}
			return st, nil
		case "ManagedRuleGroupStatement":
			return &wafStatement{kind: "managed", group: str(b["VendorName"]) + "/" + str(b["Name"])}, nil
		}
		return nil, unsupported(where, "the WAF statement %s", kind)
	}
	return nil, nil
}

func (m *Model) ipSet(where, arn string) ([]*net.IPNet, error) {
	a := m.Assembly
	for _, ref := range a.ResourcesOfType("AWS::WAFv2::IPSet") {
		v, err := a.ResolveString(ref.Stack, map[string]any{"Fn::GetAtt": []any{ref.ID, "Arn"}})
		if err != nil || v != arn {
			continue
		}
		props, err := m.resolvedProps(ref)
		if err != nil {
			return nil, err
		}
		var out []*net.IPNet
		for _, x := range items(props["Addresses"]) {
			_, n, err := net.ParseCIDR(str(x))
			if err != nil {
				return nil, fmt.Errorf("%s: IP set address %q: %w", ref.Path(), str(x), err)
			}
			out = append(out, n)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: IP set %s is not defined in the app", where, arn)
}

func wafFieldOf(where string, v any) (wafField, error) {
	fm, _ := v.(map[string]any)
	for k, b := range fm {
		switch k {
		case "UriPath":
			return wafField{kind: "uri"}, nil
		case "QueryString":
			return wafField{kind: "query"}, nil
		case "Method":
			return wafField{kind: "method"}, nil
		case "Body":
			return wafField{kind: "body"}, nil
		case "SingleHeader":
			bm, _ := b.(map[string]any)
			return wafField{kind: "header", header: strings.ToLower(str(bm["Name"]))}, nil
		case "SingleQueryArgument":
			bm, _ := b.(map[string]any)
			return wafField{kind: "arg", header: strings.ToLower(str(bm["Name"]))}, nil
		}
		return wafField{}, unsupported(where, "the WAF field to match %s", k)
	}
	return wafField{}, fmt.Errorf("%s: no FieldToMatch", where)
}

func wafTransforms(v any) []string {
	type tt struct {
		p int
		t string
	}
	var ts []tt
	for _, x := range items(v) {
		m, _ := x.(map[string]any)
		ts = append(ts, tt{int(num(m["Priority"])), str(m["Type"])})
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].p < ts[j].p })
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.t
	}
	return out
}

// Evaluate runs the rules against r at now.
func (w *WebACL) Evaluate(r *WAFRequest, now time.Time) WAFVerdict {
	var v WAFVerdict
	for _, rule := range w.Rules {
		if !w.match(rule, rule.Statement, r, now) {
			continue
		}
		switch rule.Action {
		case "allow":
			return v
		case "block", "captcha", "challenge":
			// CAPTCHA and Challenge need a browser token locally absent:
			// AWS answers 405 (captcha) and 202 (challenge) then.
			v.Block, v.Status, v.Headers, v.Rule = true, rule.BlockStatus, rule.BlockHeaders, rule.Name
			if rule.Action == "captcha" {
				v.Status = 405
			} else if rule.Action == "challenge" {
				v.Status = 202
			}
			return v
		default:
			v.Counted = append(v.Counted, rule.Name)
		}
	}
	if w.DefaultBlock {
		v.Block, v.Status, v.Rule = true, 403, "default action"
	}
	return v
}

func (w *WebACL) match(rule *WAFRule, s *wafStatement, r *WAFRequest, now time.Time) bool {
	switch s.kind {
	case "and":
		for _, c := range s.children {
			if !w.match(rule, c, r, now) {
				return false
			}
		}
		return true
	case "or":
		for _, c := range s.children {
			if w.match(rule, c, r, now) {
				return true
			}
		}
		return false
	case "not":
		return !w.match(rule, s.children[0], r, now)
	case "managed":
		return false
	case "geo":
		return s.countries[r.Country]
	case "ip":
		ip := net.ParseIP(r.ClientIP)
		for _, n := range s.nets {
			if ip != nil && n.Contains(ip) {
				return true
			}
		}
		return false
	case "rate":
		if s.scope != nil && !w.match(rule, s.scope, r, now) {
			return false
		}
		key := rule.Name
		if s.aggregate == "IP" {
			key += "|" + r.ClientIP
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		times := w.rates[key]
		cut := now.Add(-s.window)
		i := 0
		for i < len(times) && times[i].Before(cut) {
			i++
		}
		times = append(times[i:], now)
		w.rates[key] = times
		return len(times) > s.limit
	}
	value := s.field.value(r)
	for _, t := range s.transforms {
		value = wafTransform(t, value)
	}
	switch s.kind {
	case "byte":
		search := s.search
		switch s.position {
		case "EXACTLY":
			return value == search
		case "STARTS_WITH":
			return strings.HasPrefix(value, search)
		case "ENDS_WITH":
			return strings.HasSuffix(value, search)
		case "CONTAINS":
			return strings.Contains(value, search)
		case "CONTAINS_WORD":
			re := regexp.MustCompile(`(^|[^A-Za-z0-9_])` + regexp.QuoteMeta(search) + `([^A-Za-z0-9_]|$)`)
			return re.MatchString(value)
		}
	case "regex":
		for _, re := range s.regexes {
			if re.MatchString(value) {
				return true
			}
		}
	case "size":
		n := int64(len(value))
		switch s.sizeOp {
		case "EQ":
			return n == s.size
		case "NE":
			return n != s.size
		case "LE":
			return n <= s.size
		case "LT":
			return n < s.size
		case "GE":
			return n >= s.size
		case "GT":
			return n > s.size
		}
	}
	return false
}

func (f wafField) value(r *WAFRequest) string {
	switch f.kind {
	case "uri":
		return r.Path
	case "query":
		return r.RawQuery
	case "method":
		return r.Method
	case "body":
		// WAF inspects the first 16 KB of a CloudFront request's body by default.
		if len(r.Body) > 16*1024 {
			return string(r.Body[:16*1024])
		}
		return string(r.Body)
	case "header":
		if v := r.Headers[f.header]; len(v) > 0 {
			return v[0]
		}
	case "arg":
		q, _ := url.ParseQuery(r.RawQuery)
		for k, v := range q {
			if strings.ToLower(k) == f.header && len(v) > 0 {
				return v[0]
			}
		}
	}
	return ""
}

func wafTransform(t, v string) string {
	switch t {
	case "LOWERCASE":
		return strings.ToLower(v)
	case "URL_DECODE", "URL_DECODE_UNI":
		if d, err := url.PathUnescape(v); err == nil {
			return d
		}
	case "NORMALIZE_PATH", "NORMALIZE_PATH_WIN":
		if v == "" {
			return v
		}
		c := path.Clean(strings.ReplaceAll(v, `\`, "/"))
		if strings.HasSuffix(v, "/") && c != "/" {
			c += "/"
		}
		return c
	case "COMPRESS_WHITE_SPACE":
		return strings.Join(strings.Fields(v), " ")
	case "TRIM":
		return strings.TrimSpace(v)
	}
	return v
}
