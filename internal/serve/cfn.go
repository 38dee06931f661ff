package serve

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The resolver evaluates CloudFormation intrinsic functions the way a deploy
// would, with local physical ids in place of the ones AWS generates:
// generated names are derived from the stack name and logical id, so they are
// stable across runs (a bucket keeps its local directory) and recognisable
// in the terminal.

// errNoValue marks AWS::NoValue: the enclosing key or list item is dropped.
type noValue struct{}

// resolveCtx carries the resolution stack to catch reference cycles.
type resolveCtx struct {
	seen map[string]bool
}

// Resolve evaluates v (a template fragment of stack s) to plain JSON values.
func (a *Assembly) Resolve(s *Stack, v any) (any, error) {
	out, err := a.resolve(s, v, nil)
	if _, ok := out.(noValue); ok {
		return nil, nil
	}
	return out, err
}

// ResolveString evaluates v and requires a string.
func (a *Assembly) ResolveString(s *Stack, v any) (string, error) {
	out, err := a.Resolve(s, v)
	if err != nil {
		return "", err
	}
	switch t := out.(type) {
	case string:
		return t, nil
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(t), nil
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("expected a string, got %T", out)
}

func (a *Assembly) resolve(s *Stack, v any, ctx *resolveCtx) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 1 {
			for k, arg := range t {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") || k == "Condition" {
					return a.intrinsic(s, k, arg, ctx)
				}
			}
		}
		out := make(map[string]any, len(t))
		for k, x := range t {
			r, err := a.resolve(s, x, ctx)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if _, ok := r.(noValue); ok {
				continue
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(t))
		for i, x := range t {
			r, err := a.resolve(s, x, ctx)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			if _, ok := r.(noValue); ok {
				continue
			}
			out = append(out, r)
		}
		return out, nil
	}
	return v, nil
}

func (a *Assembly) intrinsic(s *Stack, fn string, arg any, ctx *resolveCtx) (any, error) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("the argument of Ref is not a string")
		}
		return a.ref(s, name, ctx)
	case "Fn::GetAtt":
		var res, attr string
		switch t := arg.(type) {
		case string:
			res, attr, _ = strings.Cut(t, ".")
		case []any:
			if len(t) != 2 {
				return nil, fmt.Errorf("Fn::GetAtt: want [resource, attribute]")
			}
			res, _ = t[0].(string)
			x, err := a.resolve(s, t[1], ctx)
			if err != nil {
				return nil, err
			}
			attr, _ = x.(string)
		}
		if res == "" || attr == "" {
			return nil, fmt.Errorf("Fn::GetAtt: bad argument %v", arg)
		}
		return a.getAtt(s, res, attr, ctx)
	case "Fn::ImportValue":
		x, err := a.resolve(s, arg, ctx)
		if err != nil {
			return nil, err
		}
		name, _ := x.(string)
		ex, ok := a.exports[name]
		if !ok {
			return nil, fmt.Errorf("Fn::ImportValue: no stack exports %q", name)
		}
		return a.resolve(ex.stack, ex.stack.Template.Outputs[ex.output].Value, ctx)
	case "Fn::GetStackOutput":
		// A weak cross-stack reference: read another stack's output directly.
		x, err := a.resolve(s, arg, ctx)
		if err != nil {
			return nil, err
		}
		m, _ := x.(map[string]any)
		stackName, _ := m["StackName"].(string)
		output, _ := m["OutputName"].(string)
		if stackName == "" || output == "" {
			return nil, fmt.Errorf("Fn::GetStackOutput: want {StackName, OutputName}, got %v", arg)
		}
		if _, crossAccount := m["RoleArn"]; crossAccount {
			return nil, fmt.Errorf("Fn::GetStackOutput: cross-account references (RoleArn) are not supported")
		}
		other, ok := a.names[stackName]
		if !ok {
			return nil, fmt.Errorf("Fn::GetStackOutput: no stack named %q in the assembly", stackName)
		}
		if r, ok := m["Region"].(string); ok && r != "" && r != other.Region {
			return nil, fmt.Errorf("Fn::GetStackOutput: stack %q is in %s, not %s", stackName, other.Region, r)
		}
		out, ok := other.Template.Outputs[output]
		if !ok {
			return nil, fmt.Errorf("Fn::GetStackOutput: stack %q has no output %q", stackName, output)
		}
		return a.resolve(other, out.Value, ctx)
	case "Fn::Join":
		args, ok := arg.([]any)
		if !ok || len(args) != 2 {
			return nil, fmt.Errorf("Fn::Join: want [delimiter, list]")
		}
		sep, _ := args[0].(string)
		x, err := a.resolve(s, args[1], ctx)
		if err != nil {
			return nil, err
		}
		list, ok := x.([]any)
		if !ok {
			return nil, fmt.Errorf("Fn::Join: second argument is not a list")
		}
		parts := make([]string, len(list))
		for i, p := range list {
			str, err := scalarString(p)
			if err != nil {
				return nil, fmt.Errorf("Fn::Join[%d]: %w", i, err)
			}
			parts[i] = str
		}
		return strings.Join(parts, sep), nil
	case "Fn::Select":
		args, ok := arg.([]any)
		if !ok || len(args) != 2 {
			return nil, fmt.Errorf("Fn::Select: want [index, list]")
		}
		ix, err := a.resolve(s, args[0], ctx)
		if err != nil {
			return nil, err
		}
		i := -1
		switch n := ix.(type) {
		case float64:
			i = int(n)
		case int:
			i = n
		case string:
			i, err = strconv.Atoi(n)
			if err != nil {
				return nil, fmt.Errorf("Fn::Select: index %q", n)
			}
		}
		x, err := a.resolve(s, args[1], ctx)
		if err != nil {
			return nil, err
		}
		list, ok := x.([]any)
		if !ok || i < 0 || i >= len(list) {
			return nil, fmt.Errorf("Fn::Select: index %d out of range", i)
		}
		return list[i], nil
	case "Fn::Split":
		args, ok := arg.([]any)
		if !ok || len(args) != 2 {
			return nil, fmt.Errorf("Fn::Split: want [delimiter, string]")
		}
		sep, _ := args[0].(string)
		x, err := a.resolve(s, args[1], ctx)
		if err != nil {
			return nil, err
		}
		str, err := scalarString(x)
		if err != nil {
			return nil, fmt.Errorf("Fn::Split: %w", err)
		}
		parts := strings.Split(str, sep)
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out, nil
	case "Fn::Sub":
		return a.sub(s, arg, ctx)
	case "Fn::Base64":
		x, err := a.resolve(s, arg, ctx)
		if err != nil {
			return nil, err
		}
		str, err := scalarString(x)
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(str)), nil
	case "Fn::If":
		args, ok := arg.([]any)
		if !ok || len(args) != 3 {
			return nil, fmt.Errorf("Fn::If: want [condition, then, else]")
		}
		name, _ := args[0].(string)
		cond, err := a.condition(s, name, ctx)
		if err != nil {
			return nil, err
		}
		if cond {
			return a.resolve(s, args[1], ctx)
		}
		return a.resolve(s, args[2], ctx)
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition":
		b, err := a.evalCondition(s, map[string]any{fn: arg}, ctx)
		return b, err
	case "Fn::FindInMap":
		args, ok := arg.([]any)
		if !ok || len(args) < 3 {
			return nil, fmt.Errorf("Fn::FindInMap: want [map, key, key]")
		}
		keys := make([]string, 3)
		for i := range 3 {
			x, err := a.resolve(s, args[i], ctx)
			if err != nil {
				return nil, err
			}
			keys[i], err = scalarString(x)
			if err != nil {
				return nil, fmt.Errorf("Fn::FindInMap: %w", err)
			}
		}
		v, ok := s.Template.Mappings[keys[0]][keys[1]][keys[2]]
		if !ok {
			return nil, fmt.Errorf("Fn::FindInMap: no %s/%s/%s", keys[0], keys[1], keys[2])
		}
		return v, nil
	}
	return nil, fmt.Errorf("%s is not supported", fn)
}

func (a *Assembly) condition(s *Stack, name string, ctx *resolveCtx) (bool, error) {
	c, ok := s.Template.Conditions[name]
	if !ok {
		return false, fmt.Errorf("no condition %q", name)
	}
	return a.evalCondition(s, c, ctx)
}

func (a *Assembly) evalCondition(s *Stack, c any, ctx *resolveCtx) (bool, error) {
	m, ok := c.(map[string]any)
	if !ok || len(m) != 1 {
		return false, fmt.Errorf("condition %v is not a condition function", c)
	}
	for fn, arg := range m {
		args, _ := arg.([]any)
		switch fn {
		case "Condition":
			name, _ := arg.(string)
			return a.condition(s, name, ctx)
		case "Fn::Equals":
			if len(args) != 2 {
				return false, fmt.Errorf("Fn::Equals: want 2 values")
			}
			x, err := a.resolve(s, args[0], ctx)
			if err != nil {
				return false, err
			}
			y, err := a.resolve(s, args[1], ctx)
			if err != nil {
				return false, err
			}
			xs, _ := scalarString(x)
			ys, _ := scalarString(y)
			return xs == ys, nil
		case "Fn::Not":
			if len(args) != 1 {
				return false, fmt.Errorf("Fn::Not: want 1 condition")
			}
			b, err := a.evalCondition(s, args[0], ctx)
			return !b, err
		case "Fn::And", "Fn::Or":
			and := fn == "Fn::And"
			for _, x := range args {
				b, err := a.evalCondition(s, x, ctx)
				if err != nil {
					return false, err
				}
				if and && !b {
					return false, nil
				}
				if !and && b {
					return true, nil
				}
			}
			return and, nil
		}
		return false, fmt.Errorf("%s is not a condition function", fn)
	}
	return false, nil
}

var subVar = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

func (a *Assembly) sub(s *Stack, arg any, ctx *resolveCtx) (any, error) {
	var tmpl string
	vars := map[string]any{}
	switch t := arg.(type) {
	case string:
		tmpl = t
	case []any:
		if len(t) != 2 {
			return nil, fmt.Errorf("Fn::Sub: want [template, variables]")
		}
		tmpl, _ = t[0].(string)
		m, _ := t[1].(map[string]any)
		for k, x := range m {
			r, err := a.resolve(s, x, ctx)
			if err != nil {
				return nil, fmt.Errorf("Fn::Sub %s: %w", k, err)
			}
			vars[k] = r
		}
	default:
		return nil, fmt.Errorf("Fn::Sub: bad argument")
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := m[2 : len(m)-1]
		var v any
		var err error
		if x, ok := vars[name]; ok {
			v = x
		} else if res, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
			v, err = a.getAtt(s, res, attr, ctx)
		} else {
			v, err = a.ref(s, name, ctx)
		}
		if err == nil {
			var str string
			str, err = scalarString(v)
			if err == nil {
				return str
			}
		}
		if firstErr == nil {
			firstErr = fmt.Errorf("Fn::Sub ${%s}: %w", name, err)
		}
		return ""
	})
	if firstErr != nil {
		return nil, firstErr
	}
	return strings.ReplaceAll(out, "${!", "${"), nil
}

func scalarString(v any) (string, error) {
	switch t := v.(type) {
	case string:
		return t, nil
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(t), nil
	}
	return "", fmt.Errorf("value %v is not a scalar", v)
}

func (a *Assembly) ref(s *Stack, name string, ctx *resolveCtx) (any, error) {
	switch name {
	case "AWS::Region":
		return s.Region, nil
	case "AWS::AccountId":
		return a.Account, nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::StackName":
		return s.Name, nil
	case "AWS::StackId":
		return fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/%s", s.Region, a.Account, s.Name, uuidFrom(s.Name)), nil
	case "AWS::NoValue":
		return noValue{}, nil
	case "AWS::NotificationARNs":
		return []any{}, nil
	}
	if p, ok := s.Template.Parameters[name]; ok {
		if p.Default == nil {
			return nil, fmt.Errorf("parameter %s has no default", name)
		}
		return p.Default, nil
	}
	return a.getAtt(s, name, "", ctx)
}

// getAtt returns the physical value of a resource: attr "" is its Ref.
func (a *Assembly) getAtt(s *Stack, id, attr string, ctx *resolveCtx) (any, error) {
	r, ok := s.Template.Resources[id]
	if !ok {
		return nil, fmt.Errorf("stack %s has no resource %s", s.ID, id)
	}
	key := s.ID + "/" + id + "." + attr
	if ctx == nil {
		ctx = &resolveCtx{seen: map[string]bool{}}
	}
	if ctx.seen[key] {
		return nil, fmt.Errorf("reference cycle through %s", key)
	}
	ctx.seen[key] = true
	defer delete(ctx.seen, key)
	prop := func(name string) (string, error) {
		v, ok := r.Properties[name]
		if !ok {
			return "", nil
		}
		x, err := a.resolve(s, v, ctx)
		if err != nil {
			return "", fmt.Errorf("%s.%s: %w", id, name, err)
		}
		return scalarString(x)
	}
	named := func(prop0 string, gen func() string) (string, error) {
		n, err := prop(prop0)
		if err != nil || n != "" {
			return n, err
		}
		return gen(), nil
	}
	acct, region := a.Account, s.Region
	switch r.Type {
	case "AWS::S3::Bucket":
		name, err := named("BucketName", func() string { return generatedBucketName(s, id) })
		if err != nil {
			return nil, err
		}
		switch attr {
		case "":
			return name, nil
		case "Arn":
			return "arn:aws:s3:::" + name, nil
		case "RegionalDomainName":
			return name + ".s3." + region + ".amazonaws.com", nil
		case "DomainName":
			return name + ".s3.amazonaws.com", nil
		case "WebsiteURL":
			return "http://" + name + ".s3-website-" + region + ".amazonaws.com", nil
		}
	case "AWS::Lambda::Function":
		name, err := named("FunctionName", func() string { return generatedName(s, id, 64) })
		if err != nil {
			return nil, err
		}
		switch attr {
		case "":
			return name, nil
		case "Arn":
			return lambdaArn(region, acct, name), nil
		}
	case "AWS::Lambda::Version":
		fn, err := prop("FunctionName")
		if err != nil {
			return nil, err
		}
		arn := fn
		if !strings.HasPrefix(fn, "arn:") {
			arn = lambdaArn(region, acct, fn)
		}
		switch attr {
		case "", "FunctionArn":
			if attr == "FunctionArn" {
				return arn, nil
			}
			return arn + ":1", nil
		case "Version":
			return "1", nil
		}
	case "AWS::Lambda::Url":
		target, err := prop("TargetFunctionArn")
		if err != nil {
			return nil, err
		}
		switch attr {
		case "FunctionUrl":
			return "https://" + urlID(s, id) + ".lambda-url." + region + ".on.aws/", nil
		case "FunctionArn", "":
			return target, nil
		}
	case "AWS::SSM::Parameter":
		switch attr {
		case "", "Name":
			return named("Name", func() string { return "CFN-" + id + "-" + shortHash(s.Name+"/"+id, 12) })
		case "Value":
			return prop("Value")
		case "Type":
			return prop("Type")
		}
	case "AWS::DynamoDB::Table":
		name, err := named("TableName", func() string { return generatedName(s, id, 255) })
		if err != nil {
			return nil, err
		}
		switch attr {
		case "":
			return name, nil
		case "Arn":
			return "arn:aws:dynamodb:" + region + ":" + acct + ":table/" + name, nil
		case "StreamArn":
			return "arn:aws:dynamodb:" + region + ":" + acct + ":table/" + name + "/stream/1970-01-01T00:00:00.000", nil
		}
	case "AWS::KinesisFirehose::DeliveryStream":
		name, err := named("DeliveryStreamName", func() string { return generatedName(s, id, 64) })
		if err != nil {
			return nil, err
		}
		switch attr {
		case "":
			return name, nil
		case "Arn":
			return "arn:aws:firehose:" + region + ":" + acct + ":deliverystream/" + name, nil
		}
	case "AWS::IAM::Role":
		name, err := named("RoleName", func() string { return generatedName(s, id, 64) })
		if err != nil {
			return nil, err
		}
		switch attr {
		case "":
			return name, nil
		case "Arn":
			return "arn:aws:iam::" + acct + ":role/" + name, nil
		case "RoleId":
			return "AROA" + strings.ToUpper(shortHash(name, 17)), nil
		}
	case "AWS::Logs::LogGroup":
		name, err := named("LogGroupName", func() string { return generatedName(s, id, 512) })
		if err != nil {
			return nil, err
		}
		switch attr {
		case "":
			return name, nil
		case "Arn":
			return "arn:aws:logs:" + region + ":" + acct + ":log-group:" + name + ":*", nil
		}
	case "AWS::CloudFront::Distribution":
		switch attr {
		case "", "Id":
			return DistributionID(s, id), nil
		case "DomainName":
			return distributionDomain(s, id), nil
		}
	case "AWS::CloudFront::Function":
		name, err := named("Name", func() string { return generatedName(s, id, 64) })
		if err != nil {
			return nil, err
		}
		switch attr {
		case "", "FunctionARN":
			return "arn:aws:cloudfront::" + acct + ":function/" + name, nil
		case "Stage":
			return "LIVE", nil
		}
	case "AWS::CloudFront::CachePolicy", "AWS::CloudFront::OriginRequestPolicy", "AWS::CloudFront::ResponseHeadersPolicy",
		"AWS::CloudFront::OriginAccessControl", "AWS::CloudFront::KeyValueStore", "AWS::CloudFront::KeyGroup", "AWS::CloudFront::PublicKey":
		switch attr {
		case "", "Id":
			return localPolicyID(s, id), nil
		case "Arn":
			return "arn:aws:cloudfront::" + acct + ":" + strings.ToLower(strings.TrimPrefix(r.Type, "AWS::CloudFront::")) + "/" + localPolicyID(s, id), nil
		}
	case "AWS::WAFv2::WebACL", "AWS::WAFv2::IPSet", "AWS::WAFv2::RegexPatternSet", "AWS::WAFv2::RuleGroup":
		name, err := named("Name", func() string { return generatedName(s, id, 128) })
		if err != nil {
			return nil, err
		}
		scope, err := prop("Scope")
		if err != nil {
			return nil, err
		}
		kind := map[string]string{"AWS::WAFv2::WebACL": "webacl", "AWS::WAFv2::IPSet": "ipset", "AWS::WAFv2::RegexPatternSet": "regexpatternset", "AWS::WAFv2::RuleGroup": "rulegroup"}[r.Type]
		wid := uuidFrom(s.Name + "/" + id)
		where := "regional"
		if scope == "CLOUDFRONT" {
			where = "global"
		}
		switch attr {
		case "Arn":
			return "arn:aws:wafv2:" + region + ":" + acct + ":" + where + "/" + kind + "/" + name + "/" + wid, nil
		case "Id":
			return wid, nil
		case "":
			return name + "|" + wid + "|" + scope, nil
		}
	}
	if strings.HasPrefix(r.Type, "Custom::") || r.Type == "AWS::CloudFormation::CustomResource" {
		if attr == "" {
			return "local-" + id, nil
		}
		return a.customResourceAttr(s, id, r, attr, ctx)
	}
	if attr == "" {
		return generatedName(s, id, 128), nil
	}
	return nil, fmt.Errorf("%s (%s): attribute %s is not modelled locally", id, r.Type, attr)
}

// customResourceAttr answers the attributes of AwsCustomResource-style
// resources that read an SSM parameter (the cross-region readers): the value
// comes from the AWS::SSM::Parameter of that name in that region's stacks.
func (a *Assembly) customResourceAttr(s *Stack, id string, r *Resource, attr string, ctx *resolveCtx) (any, error) {
	raw, ok := r.Properties["Create"]
	if !ok {
		return nil, fmt.Errorf("custom resource %s (%s): attribute %s is not modelled locally (only SDK calls to SSM GetParameter are)", id, r.Type, attr)
	}
	x, err := a.resolve(s, raw, ctx)
	if err != nil {
		return nil, fmt.Errorf("custom resource %s: %w", id, err)
	}
	str, _ := x.(string)
	var call struct {
		Service    string         `json:"service"`
		Action     string         `json:"action"`
		Region     string         `json:"region"`
		Parameters map[string]any `json:"parameters"`
	}
	if err := json.Unmarshal([]byte(str), &call); err != nil {
		return nil, fmt.Errorf("custom resource %s: Create is not an SDK call: %w", id, err)
	}
	if !strings.EqualFold(call.Service, "SSM") || !strings.EqualFold(strings.TrimSuffix(call.Action, "Command"), "GetParameter") || attr != "Parameter.Value" {
		return nil, fmt.Errorf("custom resource %s: %s %s -> %s is not modelled locally (only SSM GetParameter -> Parameter.Value)", id, call.Service, call.Action, attr)
	}
	name, _ := call.Parameters["Name"].(string)
	region := call.Region
	if region == "" {
		region = s.Region
	}
	ref, err := a.ssmParameter(region, name)
	if err != nil {
		return nil, fmt.Errorf("custom resource %s: %w", id, err)
	}
	return a.getAtt(ref.Stack, ref.ID, "Value", ctx)
}

// ssmParameter finds the AWS::SSM::Parameter named name in region.
func (a *Assembly) ssmParameter(region, name string) (ResourceRef, error) {
	for _, ref := range a.ResourcesOfType("AWS::SSM::Parameter") {
		if ref.Stack.Region != region {
			continue
		}
		n, err := a.ResolveString(ref.Stack, ref.Resource().Properties["Name"])
		if err == nil && n == name {
			return ref, nil
		}
	}
	return ResourceRef{}, fmt.Errorf("no stack in %s creates the SSM parameter %s", region, name)
}

func lambdaArn(region, account, name string) string {
	return "arn:aws:lambda:" + region + ":" + account + ":function:" + name
}

// generatedName is the local stand-in for a CloudFormation-generated name:
// "<stack>-<logical id>", cut to max.
func generatedName(s *Stack, id string, max int) string {
	n := s.Name + "-" + id
	if len(n) > max {
		n = n[:max-13] + "-" + shortHash(n, 12)
	}
	return n
}

var bucketUnsafe = regexp.MustCompile(`[^a-z0-9-]+`)

// generatedBucketName is a valid bucket name (3-63 of a-z0-9-).
func generatedBucketName(s *Stack, id string) string {
	n := bucketUnsafe.ReplaceAllString(strings.ToLower(s.Name+"-"+id), "-")
	n = strings.Trim(n, "-")
	if len(n) > 63 {
		n = strings.Trim(n[:50], "-") + "-" + shortHash(s.Name+"/"+id, 12)
	}
	return n
}

var lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// urlID is a function URL id: 32 characters of [a-z0-9].
func urlID(s *Stack, id string) string {
	sum := sha256.Sum256([]byte("url/" + s.Name + "/" + id))
	return lowerBase32.EncodeToString(sum[:])[:32]
}

// DistributionID is the local id of a distribution ("E" + 13 characters).
func DistributionID(s *Stack, id string) string {
	sum := sha256.Sum256([]byte("distribution/" + s.Name + "/" + id))
	return "E" + strings.ToUpper(lowerBase32.EncodeToString(sum[:]))[:13]
}

func distributionDomain(s *Stack, id string) string {
	sum := sha256.Sum256([]byte("domain/" + s.Name + "/" + id))
	return "d" + lowerBase32.EncodeToString(sum[:])[:13] + ".cloudfront.net"
}

func localPolicyID(s *Stack, id string) string {
	return uuidFrom("policy/" + s.Name + "/" + id)
}

func shortHash(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:n]
}

// uuidFrom is a stable UUID-shaped id derived from s.
func uuidFrom(s string) string {
	h := shortHash(s, 32)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
