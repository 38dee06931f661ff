package config

import (
	"reflect"
	"strings"
	"testing"
)

// testSection exercises every field kind Load supports.
type testSection struct {
	Enabled bool     `context:"edgekit:t:enabled" doc:"on/off"`
	Name    string   `context:"edgekit:t:name" doc:"a name"`
	Count   int      `context:"edgekit:t:count" doc:"a count"`
	List    []string `context:"edgekit:t:list" doc:"a list"`
	Rules   []rule   `context:"edgekit:t:rules" doc:"JSON rules" defaultDoc:"see below"`
	NotKey  string
}

type rule struct {
	Name   string `json:"name"`
	Status int    `json:"status"`
}

func (s *testSection) SetDefaults(app App) {
	*s = testSection{Enabled: true, Name: app.AppName + "-t", Count: 5, List: []string{"a"}, Rules: []rule{{"r", 302}}}
}

func (s *testSection) Validate(_ App, p *Problems) {
	if s.Count < 1 || s.Count > 10 {
		p.Add(&s.Count, "must be 1..10")
	}
	for i, r := range s.Rules {
		if r.Status < 300 {
			p.AddAt(&s.Rules, "["+string(rune('0'+i))+"].status", r.Status, "must be a redirect status")
		}
	}
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name  string
		ctx   map[string]any
		check func(t *testing.T, a App, s testSection)
	}{
		{
			name: "defaults without context",
			ctx:  map[string]any{"@aws-cdk/core:someFlag": true, "cli-telemetry": false},
			check: func(t *testing.T, a App, s testSection) {
				if want := (App{AppName: "edgekit", HomeRegion: "eu-central-1", LogRetentionDays: 30}); a != want {
					t.Fatalf("app %+v, want %+v", a, want)
				}
				want := testSection{Enabled: true, Name: "edgekit-t", Count: 5, List: []string{"a"}, Rules: []rule{{"r", 302}}}
				if !reflect.DeepEqual(s, want) {
					t.Fatalf("section %+v, want %+v", s, want)
				}
			},
		},
		{
			name: "strings from -c flags, defaults derived from the app name",
			ctx: map[string]any{
				"edgekit:appName": "shop", "edgekit:account": "123456789012", "edgekit:logRetentionDays": "90",
				"edgekit:t:enabled": "false", "edgekit:t:count": " 7 ", "edgekit:t:list": "x, y",
				"edgekit:t:rules": `[{"name":"old","status":301}]`,
			},
			check: func(t *testing.T, a App, s testSection) {
				if a.AppName != "shop" || a.Account != "123456789012" || a.LogRetentionDays != 90 {
					t.Fatalf("app %+v", a)
				}
				if s.Enabled || s.Name != "shop-t" || s.Count != 7 || !reflect.DeepEqual(s.List, []string{"x", "y"}) || s.Rules[0] != (rule{"old", 301}) {
					t.Fatalf("section %+v", s)
				}
			},
		},
		{
			name: "typed JSON from cdk.json",
			ctx: map[string]any{
				"edgekit:t:enabled": true, "edgekit:t:count": float64(1), "edgekit:t:list": []any{"ap-southeast-2"},
				"edgekit:t:name": "given", "edgekit:t:rules": []any{map[string]any{"name": "r", "status": float64(307)}},
			},
			check: func(t *testing.T, _ App, s testSection) {
				if !s.Enabled || s.Count != 1 || s.List[0] != "ap-southeast-2" || s.Name != "given" || s.Rules[0].Status != 307 {
					t.Fatalf("section %+v", s)
				}
			},
		},
		{
			name: "JSON list in a string and empty list",
			ctx:  map[string]any{"edgekit:t:list": `["a","b"]`},
			check: func(t *testing.T, _ App, s testSection) {
				if !reflect.DeepEqual(s.List, []string{"a", "b"}) {
					t.Fatalf("list %q", s.List)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s testSection
			a, err := Load(tt.ctx, &s)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, a, s)
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		ctx  map[string]any
		want []string // every fragment must appear in the error
	}{
		{"fails_unknown_key", map[string]any{"edgekit:homeRegoin": "eu-west-1"}, []string{`edgekit:homeRegoin="eu-west-1"`, "unknown key", "edgekit:homeRegion"}},
		{"fails_bad_region", map[string]any{"edgekit:homeRegion": "europe"}, []string{`edgekit:homeRegion="europe"`}},
		{"fails_bad_bool", map[string]any{"edgekit:t:enabled": "yes please"}, []string{`edgekit:t:enabled="yes please"`, "true or false"}},
		{"fails_bad_int", map[string]any{"edgekit:t:count": "lots"}, []string{`edgekit:t:count="lots"`, "whole number"}},
		{"fails_fractional_int", map[string]any{"edgekit:t:count": 1.5}, []string{`edgekit:t:count=1.5`, "whole number"}},
		{"fails_wrong_type_string", map[string]any{"edgekit:t:name": 3}, []string{`edgekit:t:name=3`, "must be a string"}},
		{"fails_bad_list", map[string]any{"edgekit:t:list": []any{1}}, []string{`edgekit:t:list=[1]`}},
		{"fails_range", map[string]any{"edgekit:t:count": 500}, []string{"edgekit:t:count=500", "1..10"}},
		{"fails_retention", map[string]any{"edgekit:logRetentionDays": 31}, []string{"edgekit:logRetentionDays=31", "365"}},
		{"fails_app_name", map[string]any{"edgekit:appName": "My App"}, []string{`edgekit:appName="My App"`}},
		{"fails_account", map[string]any{"edgekit:account": "12345"}, []string{`edgekit:account="12345"`}},
		{"fails_json", map[string]any{"edgekit:t:rules": "[{"}, []string{"edgekit:t:rules"}},
		{"fails_json_unknown_field", map[string]any{"edgekit:t:rules": `[{"name":"a","stauts":1}]`}, []string{"stauts"}},
		{"fails_json_trailing", map[string]any{"edgekit:t:rules": `[] []`}, []string{"single JSON value"}},
		{"fails_part_of_value", map[string]any{"edgekit:t:rules": `[{"name":"a","status":200}]`}, []string{"edgekit:t:rules[0].status=200: must be a redirect status"}},
		{"fails_every_problem_at_once", map[string]any{"edgekit:homeRegion": "x", "edgekit:appName": "A", "edgekit:nope": 1}, []string{"edgekit:homeRegion", "edgekit:appName", "edgekit:nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s testSection
			_, err := Load(tt.ctx, &s)
			if err == nil {
				t.Fatal("Load succeeded, want error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestRegionRe(t *testing.T) {
	for _, r := range []string{"us-east-1", "eu-central-1", "ap-southeast-5", "us-gov-west-1", "xx-test-12"} {
		if !RegionRe.MatchString(r) {
			t.Errorf("%q rejected", r)
		}
	}
	for _, r := range []string{"europe", "us-east", "us-east-123", "US-EAST-1", "us_east_1", " us-east-1"} {
		if RegionRe.MatchString(r) {
			t.Errorf("%q accepted", r)
		}
	}
}

func TestFieldsAndRetention(t *testing.T) {
	var s testSection
	s.SetDefaults(App{AppName: "x"})
	f := Fields(&s)
	if len(f) != 5 || f[0].Key != "edgekit:t:enabled" || f[0].Default != "true" || f[4].Default != "see below" || f[1].Doc != "a name" {
		t.Fatalf("fields %+v", f)
	}
	if RetentionName(30) != "ONE_MONTH" || RetentionName(3653) != "TEN_YEARS" {
		t.Fatal("retention names")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("RetentionName(31) did not panic")
		}
	}()
	RetentionName(31)
}

func TestDuplicateKeyPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "declared twice") {
			t.Fatalf("recover %v", r)
		}
	}()
	var a, b testSection
	_, _ = Load(nil, &a, &b)
}
