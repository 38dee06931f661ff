package serve

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/edgekit/edgekit/internal/wildcard"
)

// Local IAM: every call a function makes to a local AWS service, and every
// signed function URL request, is checked against the policies in the
// templates (the execution role's identity policies, bucket policies,
// Lambda permissions), so "works locally, AccessDenied after deploy" shows
// up here. Evaluation follows IAM's basic rules: an explicit Deny wins,
// otherwise an Allow in an identity or resource policy is needed.
// Condition keys serve does not know evaluate as absent (IAM's rule), so a
// statement conditioned on one does not apply.

type statement struct {
	Effect                string
	Action, NotAction     []string
	Resource, NotResource []string
	Principal             map[string][]string // "AWS", "Service", "*"
	Condition             map[string]map[string][]string
	source                string
}

func parseStatements(doc map[string]any, source string) []statement {
	var out []statement
	sts := doc["Statement"]
	if m, ok := sts.(map[string]any); ok {
		sts = []any{m}
	}
	for _, x := range items(sts) {
		m, _ := x.(map[string]any)
		st := statement{Effect: str(m["Effect"]), Action: strList(m["Action"]), NotAction: strList(m["NotAction"]),
			Resource: strList(m["Resource"]), NotResource: strList(m["NotResource"]), source: source}
		switch p := m["Principal"].(type) {
		case string:
			st.Principal = map[string][]string{"*": {p}}
		case map[string]any:
			st.Principal = map[string][]string{}
			for k, v := range p {
				st.Principal[k] = strList(v)
			}
		}
		if c, ok := m["Condition"].(map[string]any); ok {
			st.Condition = map[string]map[string][]string{}
			for op, kv := range c {
				km, _ := kv.(map[string]any)
				st.Condition[op] = map[string][]string{}
				for k, v := range km {
					st.Condition[op][strings.ToLower(k)] = strList(v)
				}
			}
		}
		out = append(out, st)
	}
	return out
}

func strList(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			out = append(out, str(x))
		}
		return out
	}
	return nil
}

// wildMatch matches IAM wildcards: * (any run, across '/' and ':') and ?.
func wildMatch(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	return wildcard.Match(pattern, s)
}

func anyMatch(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if wildMatch(p, s, fold) {
			return true
		}
	}
	return false
}

// applies reports whether st covers action on resource in ctx (condition
// keys lower-cased).
func (st statement) applies(action, resource string, ctx map[string]string) bool {
	if len(st.Action) > 0 && !anyMatch(st.Action, action, true) {
		return false
	}
	if len(st.NotAction) > 0 && anyMatch(st.NotAction, action, true) {
		return false
	}
	if len(st.Resource) > 0 && !anyMatch(st.Resource, resource, false) {
		return false
	}
	if len(st.NotResource) > 0 && anyMatch(st.NotResource, resource, false) {
		return false
	}
	for op, kv := range st.Condition {
		for key, want := range kv {
			if !conditionHolds(op, ctx, key, want) {
				return false
			}
		}
	}
	return true
}

func conditionHolds(op string, ctx map[string]string, key string, want []string) bool {
	op = strings.TrimPrefix(strings.TrimPrefix(op, "ForAnyValue:"), "ForAllValues:")
	ifExists := strings.HasSuffix(op, "IfExists")
	op = strings.TrimSuffix(op, "IfExists")
	got, ok := ctx[key]
	if !ok {
		return ifExists || op == "Null" && len(want) > 0 && want[0] == "true"
	}
	neg := strings.Contains(op, "Not")
	var hit bool
	for _, w := range want {
		switch strings.Replace(op, "Not", "", 1) {
		case "StringEquals", "ArnEquals", "Bool", "NumericEquals":
			hit = hit || got == w
		case "StringEqualsIgnoreCase":
			hit = hit || strings.EqualFold(got, w)
		case "StringLike", "ArnLike":
			hit = hit || wildMatch(w, got, false)
		case "Null":
			return w == "false"
		default:
			return false
		}
	}
	return hit != neg
}

// policy is the decision of one evaluation.
type policyDecision int

const (
	implicitDeny policyDecision = iota
	allow
	explicitDeny
)

func evaluate(sts []statement, action, resource string, ctx map[string]string, principalOK func(statement) bool) (policyDecision, string) {
	d, why := implicitDeny, ""
	for _, st := range sts {
		if principalOK != nil && !principalOK(st) {
			continue
		}
		if !st.applies(action, resource, ctx) {
			continue
		}
		if st.Effect == "Deny" {
			return explicitDeny, st.source
		}
		d, why = allow, st.source
	}
	return d, why
}

// identityStatements are the statements of the policies attached to the
// role (inline Policies, AWS::IAM::Policy and ::ManagedPolicy resources).
func (m *Model) identityStatements(role ResourceRef) []statement {
	if role.Stack == nil {
		return nil
	}
	a := m.Assembly
	roleName, _ := a.ResolveString(role.Stack, map[string]any{"Ref": role.ID})
	var out []statement
	props, _ := m.resolvedProps(role)
	for _, p := range items(props["Policies"]) {
		pm, _ := p.(map[string]any)
		doc, _ := pm["PolicyDocument"].(map[string]any)
		out = append(out, parseStatements(doc, role.Path()+" inline policy "+str(pm["PolicyName"]))...)
	}
	for _, arn := range strList(props["ManagedPolicyArns"]) {
		if strings.Contains(arn, ":iam::aws:policy/") && !strings.HasSuffix(arn, "/AWSLambdaBasicExecutionRole") {
			// AWS managed policies are not in the templates: approximate
			// them as allowing everything rather than deny what AWS allows.
			out = append(out, statement{Effect: "Allow", Action: []string{"*"}, Resource: []string{"*"}, source: arn + " (AWS managed, not evaluated)"})
		}
	}
	for _, typ := range []string{"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"} {
		for _, ref := range a.ResourcesOfType(typ) {
			pp, err := m.resolvedProps(ref)
			if err != nil {
				continue
			}
			var attached bool
			for _, r := range strList(pp["Roles"]) {
				if r == roleName {
					attached = true
				}
			}
			if typ == "AWS::IAM::ManagedPolicy" {
				if arn, err := a.ResolveString(ref.Stack, map[string]any{"Ref": ref.ID}); err == nil && contains(strList(props["ManagedPolicyArns"]), arn) {
					attached = true
				}
			}
			if attached {
				doc, _ := pp["PolicyDocument"].(map[string]any)
				out = append(out, parseStatements(doc, ref.Path())...)
			}
		}
	}
	return out
}

// authorize checks p may perform action on resource with identity policies
// only (the JSON services: Firehose, SSM, DynamoDB have no resource
// policies in this app); on denial it writes AccessDeniedException.
func (s *Server) authorize(w http.ResponseWriter, p *Principal, action, resource string) bool {
	ok, why := s.allowed(p, action, resource, nil, nil)
	if !ok {
		s.log.Printf("iam", "DENY %s %s on %s: %s", p.Name, action, resource, why)
		awsJSONError(w, http.StatusBadRequest, "AccessDeniedException",
			fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", p.Name, action, resource))
		return false
	}
	return true
}

// allowed evaluates identity policies and an optional resource policy.
func (s *Server) allowed(p *Principal, action, resource string, ctx map[string]string, resourcePolicy []statement) (bool, string) {
	if p.Name == "serve" {
		return true, ""
	}
	c := map[string]string{"aws:securetransport": "true", "aws:principalaccount": s.model.Assembly.Account}
	if p.Role.Stack != nil {
		c["aws:principalarn"] = p.Name
	}
	for k, v := range ctx {
		c[strings.ToLower(k)] = v
	}
	principalOK := func(st statement) bool {
		for k, vals := range st.Principal {
			for _, v := range vals {
				switch {
				case k == "*" || v == "*":
					return true
				case k == "Service" && v == p.Name:
					return true
				case k == "AWS" && (v == p.Name || v == s.model.Assembly.Account || v == "arn:aws:iam::"+s.model.Assembly.Account+":root"):
					return true
				}
			}
		}
		return false
	}
	var id policyDecision
	var why string
	if p.Role.Stack != nil {
		id, why = evaluate(s.identity(p), action, resource, c, nil)
		if id == explicitDeny {
			return false, "explicit deny in " + why
		}
	}
	rd, rwhy := evaluate(resourcePolicy, action, resource, c, principalOK)
	if rd == explicitDeny {
		return false, "explicit deny in " + rwhy
	}
	if id == allow || rd == allow {
		return true, ""
	}
	if p.Role.Stack == nil {
		return false, "no resource policy statement allows " + p.Name
	}
	return false, "no identity or resource policy allows it"
}

func (s *Server) identity(p *Principal) []statement {
	s.iamMu.Lock()
	defer s.iamMu.Unlock()
	if sts, ok := s.iamCache[p.Name]; ok {
		return sts
	}
	sts := s.model.identityStatements(p.Role)
	s.iamCache[p.Name] = sts
	return sts
}
