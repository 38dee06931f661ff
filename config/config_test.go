package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	tests := []struct {
		name  string
		ctx   map[string]any
		check func(t *testing.T, c Config)
	}{
		{
			name: "defaults without context",
			ctx:  map[string]any{"@aws-cdk/core:someFlag": true, "cli-telemetry": false},
			check: func(t *testing.T, c Config) {
				want := Default()
				want.Ingest.StreamName = "edgekit-ingest"
				if !reflect.DeepEqual(c, want) {
					t.Fatalf("got %+v\nwant %+v", c, want)
				}
			},
		},
		{
			name: "strings from -c flags",
			ctx: map[string]any{
				KeyAppName: "shop", KeyIngestRegions: "eu-west-1, us-west-2", KeyIngestEnabled: "true",
				KeyRedirectsEnabled: "false", KeyLogRetentionDays: "90", KeyAccount: "123456789012",
				KeyRedirectRules: `[{"name":"old","pathPrefix":"/old/","status":301,"target":"https://example.com/new"}]`,
			},
			check: func(t *testing.T, c Config) {
				if c.AppName != "shop" || c.Ingest.StreamName != "shop-ingest" || c.Account != "123456789012" {
					t.Fatalf("names: %+v", c)
				}
				if !reflect.DeepEqual(c.IngestRegions, []string{"eu-west-1", "us-west-2"}) {
					t.Fatalf("regions %q", c.IngestRegions)
				}
				if c.Redirects.Enabled || c.LogRetentionDays != 90 || len(c.Redirects.Rules) != 1 || c.Redirects.Rules[0].Status != 301 {
					t.Fatalf("got %+v", c)
				}
			},
		},
		{
			name: "typed JSON from cdk.json",
			ctx: map[string]any{
				KeyIngestRegions: []any{"ap-southeast-2"}, KeyIngestBufferSecs: float64(0),
				KeyIngestStreamName: "events", KeyRedirectRules: []any{map[string]any{
					"name": "r", "refererContains": "x", "status": float64(307), "target": "/y", "preserveQueryString": true}},
			},
			check: func(t *testing.T, c Config) {
				if c.IngestRegions[0] != "ap-southeast-2" || c.Ingest.BufferIntervalSeconds != 0 || c.Ingest.StreamName != "events" {
					t.Fatalf("got %+v", c)
				}
				if r := c.Redirects.Rules[0]; r.Status != 307 || !r.PreserveQueryString {
					t.Fatalf("rule %+v", r)
				}
			},
		},
		{
			name: "ingest disabled allows no regions",
			ctx:  map[string]any{KeyIngestEnabled: false, KeyIngestRegions: ""},
			check: func(t *testing.T, c Config) {
				if c.Ingest.Enabled || len(c.IngestRegions) != 0 {
					t.Fatalf("got %+v", c)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.ctx)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		ctx  map[string]any
		want []string // every fragment must appear in the error
	}{
		{"fails_unknown_key", map[string]any{"edgekit:homeRegoin": "eu-west-1"}, []string{`edgekit:homeRegoin="eu-west-1"`, "unknown key"}},
		{"fails_bad_region", map[string]any{KeyHomeRegion: "europe"}, []string{`edgekit:homeRegion="europe"`}},
		{"fails_bad_ingest_region", map[string]any{KeyIngestRegions: "us-east-1,mars-1"}, []string{`edgekit:ingestRegions="mars-1"`}},
		{"fails_duplicate_region", map[string]any{KeyIngestRegions: "us-east-1,us-east-1"}, []string{"listed twice"}},
		{"fails_no_regions_with_ingest", map[string]any{KeyIngestRegions: ""}, []string{KeyIngestRegions, "at least one region"}},
		{"fails_bad_bool", map[string]any{KeyIngestEnabled: "yes please"}, []string{`edgekit:ingest:enabled="yes please"`, "true or false"}},
		{"fails_bad_int", map[string]any{KeyIngestBufferMiB: "lots"}, []string{`edgekit:ingest:bufferSizeMiB="lots"`}},
		{"fails_buffer_range", map[string]any{KeyIngestBufferMiB: 500}, []string{"edgekit:ingest:bufferSizeMiB=500", "1..128"}},
		{"fails_retention", map[string]any{KeyLogRetentionDays: 31}, []string{"edgekit:logRetentionDays=31"}},
		{"fails_app_name", map[string]any{KeyAppName: "My App"}, []string{`edgekit:appName="My App"`}},
		{"fails_account", map[string]any{KeyAccount: "12345"}, []string{`edgekit:account="12345"`}},
		{"fails_ingest_path", map[string]any{KeyIngestPath: "/ingest/*"}, []string{`edgekit:ingest:path="/ingest/*"`}},
		{"fails_max_records", map[string]any{KeyIngestMaxRecords: 501}, []string{"edgekit:ingest:maxRecords=501"}},
		{"fails_rules_json", map[string]any{KeyRedirectRules: "[{"}, []string{KeyRedirectRules}},
		{"fails_rules_unknown_field", map[string]any{KeyRedirectRules: `[{"name":"a","path":"/","status":302,"target":"/b","stauts":1}]`}, []string{"stauts"}},
		{"fails_rule_values", map[string]any{KeyRedirectRules: `[{"name":"a","status":200,"target":"http://x"}]`}, []string{
			"edgekit:redirects:rules[0]=\"a\": needs at least one", "rules[0].status=200", `rules[0].target="http://x"`}},
		{"fails_every_problem_at_once", map[string]any{KeyHomeRegion: "x", KeyAppName: "A"}, []string{KeyHomeRegion, KeyAppName}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.ctx)
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
