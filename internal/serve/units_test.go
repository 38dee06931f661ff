package serve

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestPathPatternMatch(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"*", "/anything", true},
		{"/images/*", "/images/a/b.jpg", true},
		{"images/*", "/images/a.jpg", true},
		{"/images/*", "/Images/a.jpg", false},
		{"/api/*", "/api", false},
		{"/ingest", "/ingest", true},
		{"/ingest", "/ingest/", false},
		{"/*.jpg", "/a/b.jpg", true},
		{"/a?c", "/abc", true},
		{"/a?c", "/ac", false},
	}
	for _, tc := range tests {
		if got := pathPatternMatch(tc.pattern, tc.path); got != tc.want {
			t.Errorf("pathPatternMatch(%q, %q) = %v", tc.pattern, tc.path, got)
		}
	}
}

func TestObjectTTL(t *testing.T) {
	p := &CachePolicy{MinTTL: 1, DefaultTTL: 86400, MaxTTL: 31536000}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		h    http.Header
		want time.Duration
	}{
		{"default", http.Header{}, 86400 * time.Second},
		{"max_age", http.Header{"Cache-Control": {"public, max-age=60"}}, 60 * time.Second},
		{"s_maxage_wins", http.Header{"Cache-Control": {"max-age=60, s-maxage=120"}}, 120 * time.Second},
		{"clamped_to_min", http.Header{"Cache-Control": {"max-age=0"}}, time.Second},
		{"no_store_is_min", http.Header{"Cache-Control": {"no-store"}}, time.Second},
		{"clamped_to_max", http.Header{"Cache-Control": {"max-age=99999999999"}}, 31536000 * time.Second},
		{"expires", http.Header{"Expires": {now.Add(300 * time.Second).Format(http.TimeFormat)}}, 300 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := objectTTL(p, tc.h, now); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	if got := objectTTL(&CachePolicy{}, http.Header{"Cache-Control": {"max-age=600"}}, now); got != 0 {
		t.Fatalf("CachingDisabled cached for %v", got)
	}
}

func TestWildMatch(t *testing.T) {
	tests := []struct {
		p, s string
		fold bool
		want bool
	}{
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/a/c.txt", false, true},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::bb/a", false, false},
		{"s3:Get*", "S3:GETOBJECT", true, true},
		{"arn:aws:logs:*:1:log-group:/aws/lambda/x:*", "arn:aws:logs:eu-west-1:1:log-group:/aws/lambda/x:*", false, true},
		{"*", "", false, true},
		{"a?c", "abbc", false, false},
	}
	for _, tc := range tests {
		if got := wildMatch(tc.p, tc.s, tc.fold); got != tc.want {
			t.Errorf("wildMatch(%q, %q) = %v", tc.p, tc.s, got)
		}
	}
}

func TestIAMEvaluation(t *testing.T) {
	sts := parseStatements(map[string]any{"Statement": []any{
		map[string]any{"Effect": "Allow", "Action": "lambda:InvokeFunctionUrl", "Resource": "arn:fn",
			"Condition": map[string]any{"StringEquals": map[string]any{"lambda:FunctionUrlAuthType": "AWS_IAM"}}},
		map[string]any{"Effect": "Allow", "Action": []any{"s3:GetObject"}, "Resource": "arn:aws:s3:::b/*"},
		map[string]any{"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::b/secret/*"},
	}}, "test")
	tests := []struct {
		name, action, resource string
		ctx                    map[string]string
		want                   policyDecision
	}{
		{"allow_with_condition", "lambda:InvokeFunctionUrl", "arn:fn", map[string]string{"lambda:functionurlauthtype": "AWS_IAM"}, allow},
		{"fails_condition_key_absent", "lambda:InvokeFunctionUrl", "arn:fn", nil, implicitDeny},
		{"fails_condition_value_differs", "lambda:InvokeFunctionUrl", "arn:fn", map[string]string{"lambda:functionurlauthtype": "NONE"}, implicitDeny},
		{"allow_object", "s3:GetObject", "arn:aws:s3:::b/x", nil, allow},
		{"fails_explicit_deny_wins", "s3:GetObject", "arn:aws:s3:::b/secret/x", nil, explicitDeny},
		{"fails_other_action", "s3:PutObject", "arn:aws:s3:::b/x", nil, implicitDeny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, _ := evaluate(sts, tc.action, tc.resource, tc.ctx, nil); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFirehoseKey(t *testing.T) {
	s := &Stream{Name: "edgekit-ingest", Prefix: "data/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"}
	k := firehoseKey(s, time.Date(2026, 11, 21, 7, 5, 9, 0, time.UTC))
	if !strings.HasPrefix(k, "data/year=2026/month=11/day=21/hour=07/edgekit-ingest-1-2026-11-21-07-05-09-") || len(k) != len("data/year=2026/month=11/day=21/hour=07/edgekit-ingest-1-2026-11-21-07-05-09-")+36 {
		t.Fatalf("key %q", k)
	}
}

func TestResolveIntrinsics(t *testing.T) {
	m := newMiniApp(t)
	m.siteFiles(map[string]string{"index.html": "x"})
	a, err := LoadAssembly(m.write())
	if err != nil {
		t.Fatal(err)
	}
	s := a.Stacks["App"]
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"ref_bucket", map[string]any{"Ref": "Site"}, "mini-app-site"},
		{"getatt_domain", map[string]any{"Fn::GetAtt": []any{"Site", "RegionalDomainName"}}, "mini-app-site.s3.us-east-1.amazonaws.com"},
		{"sub_pseudo_and_attr", map[string]any{"Fn::Sub": "${AWS::Region}:${AWS::AccountId}:${Site.Arn}:${!Literal}"}, "us-east-1:000000000000:arn:aws:s3:::mini-app-site:${Literal}"},
		{"select_split", map[string]any{"Fn::Select": []any{2, map[string]any{"Fn::Split": []any{"/", "https://host.example/x"}}}}, "host.example"},
		{"join", map[string]any{"Fn::Join": []any{"-", []any{"a", map[string]any{"Ref": "AWS::Partition"}, "b"}}}, "a-aws-b"},
		{"if_equals", map[string]any{"Fn::If": []any{"C", "yes", "no"}}, "no"},
	}
	s.Template.Conditions = map[string]any{"C": map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "AWS::Region"}, "eu-west-1"}}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := a.ResolveString(s, tc.in)
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	t.Run("fails_missing_resource", func(t *testing.T) {
		if _, err := a.ResolveString(s, map[string]any{"Ref": "Nope"}); err == nil {
			t.Fatal("resolved a missing resource")
		}
	})
	t.Run("get_stack_output", func(t *testing.T) {
		if s.Template.Outputs == nil {
			s.Template.Outputs = map[string]Output{}
		}
		s.Template.Outputs["SiteName"] = Output{Value: map[string]any{"Ref": "Site"}}
		got, err := a.ResolveString(s, map[string]any{"Fn::GetStackOutput": map[string]any{"StackName": s.Name, "OutputName": "SiteName", "Region": s.Region}})
		if err != nil || got != "mini-app-site" {
			t.Fatalf("got %q, %v", got, err)
		}
		for _, bad := range []map[string]any{
			{"StackName": "nope", "OutputName": "SiteName"},
			{"StackName": s.Name, "OutputName": "Nope"},
			{"StackName": s.Name, "OutputName": "SiteName", "Region": "ap-south-1"},
			{"StackName": s.Name, "OutputName": "SiteName", "RoleArn": "arn:aws:iam::1:role/x"},
		} {
			if _, err := a.ResolveString(s, map[string]any{"Fn::GetStackOutput": bad}); err == nil {
				t.Errorf("resolved %v", bad)
			}
		}
	})
	t.Run("fails_missing_export", func(t *testing.T) {
		if _, err := a.ResolveString(s, map[string]any{"Fn::ImportValue": "nope"}); err == nil || !strings.Contains(err.Error(), "no stack exports") {
			t.Fatalf("error %v", err)
		}
	})
}

func TestWAFEvaluate(t *testing.T) {
	w := &WebACL{Name: "acl", rates: map[string][]time.Time{}, Rules: []*WAFRule{
		{Name: "block-admin", Action: "block", BlockStatus: 403, Statement: &wafStatement{kind: "byte", field: wafField{kind: "uri"},
			transforms: []string{"URL_DECODE", "NORMALIZE_PATH", "LOWERCASE"}, position: "STARTS_WITH", search: "/admin"}},
		{Name: "rate", Action: "block", BlockStatus: 429, Statement: &wafStatement{kind: "rate", limit: 3, window: time.Minute, aggregate: "IP",
			scope: &wafStatement{kind: "byte", field: wafField{kind: "uri"}, position: "EXACTLY", search: "/ingest"}}},
		{Name: "managed", Statement: &wafStatement{kind: "managed", group: "AWS/Common"}},
	}}
	now := time.Now()
	if v := w.Evaluate(&WAFRequest{Path: "/%41dmin/../admin/x", ClientIP: "127.0.0.1"}, now); !v.Block || v.Rule != "block-admin" {
		t.Fatalf("encoded, dotted /admin path not blocked: %+v", v)
	}
	for i := 1; i <= 4; i++ {
		v := w.Evaluate(&WAFRequest{Path: "/ingest", ClientIP: "127.0.0.1"}, now)
		if v.Block != (i > 3) {
			t.Fatalf("request %d: block=%v", i, v.Block)
		}
		if v.Block && v.Status != 429 {
			t.Fatalf("status %d", v.Status)
		}
	}
	if v := w.Evaluate(&WAFRequest{Path: "/ingest", ClientIP: "127.0.0.2"}, now); v.Block {
		t.Fatal("another IP was rate limited")
	}
	if v := w.Evaluate(&WAFRequest{Path: "/ingest", ClientIP: "127.0.0.1"}, now.Add(2*time.Minute)); v.Block {
		t.Fatal("the window did not slide")
	}
}
