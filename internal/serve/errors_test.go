package serve

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUnsupportedAssembly: serve refuses what it cannot model, naming the
// feature, instead of serving something CloudFront would not.
func TestUnsupportedAssembly(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(m *miniApp)
		feature string
	}{
		{"fails_origin_group", func(m *miniApp) {
			m.dist["OriginGroups"] = map[string]any{"Quantity": 1, "Items": []any{map[string]any{"Id": "g"}}}
		}, "origin groups"},
		{"fails_origin_outside_the_app", func(m *miniApp) {
			m.dist["Origins"] = append(m.dist["Origins"].([]any), map[string]any{"Id": "ext", "DomainName": "api.example.com",
				"CustomOriginConfig": map[string]any{"OriginProtocolPolicy": "https-only"}})
		}, "the custom origin api.example.com: it is outside the app"},
		{"fails_signed_urls", func(m *miniApp) {
			m.def["TrustedKeyGroups"] = []any{"kg"}
		}, "signed URLs and signed cookies"},
		{"fails_legacy_forwarded_values", func(m *miniApp) {
			delete(m.def, "CachePolicyId")
			m.def["ForwardedValues"] = map[string]any{"QueryString": true}
		}, "legacy cache settings"},
		{"fails_python_edge_function", func(m *miniApp) {
			ref := m.edgeFunction("py", "", 128, 5)
			m.resources["py"].(map[string]any)["Properties"].(map[string]any)["Runtime"] = "python3.12"
			m.def["LambdaFunctionAssociations"] = []any{map[string]any{"EventType": "viewer-request", "LambdaFunctionARN": ref}}
		}, `Lambda@Edge runtime "python3.12"`},
		{"fails_viewer_function_over_quota", func(m *miniApp) {
			ref := m.edgeFunction("fat", "exports.handler = async (e) => e.Records[0].cf.request;", 512, 5)
			m.def["LambdaFunctionAssociations"] = []any{map[string]any{"EventType": "viewer-request", "LambdaFunctionARN": ref}}
		}, "memory 512 MB (viewer events allow 128)"},
		{"fails_key_value_store", func(m *miniApp) {
			m.resources["Kvs"] = map[string]any{"Type": "AWS::CloudFront::Function", "Properties": map[string]any{"Name": "kvs",
				"FunctionCode": "function handler(e){return e.request}", "FunctionConfig": map[string]any{"Runtime": "cloudfront-js-2.0",
					"KeyValueStoreAssociations": []any{map[string]any{"KeyValueStoreARN": "arn:kvs"}}}}}
			m.def["FunctionAssociations"] = []any{map[string]any{"EventType": "viewer-request", "FunctionARN": map[string]any{"Fn::GetAtt": []any{"Kvs", "FunctionARN"}}}}
		}, "CloudFront KeyValueStore associations"},
		{"fails_unknown_intrinsic", func(m *miniApp) {
			m.dist["Comment"] = map[string]any{"Fn::Transform": map[string]any{"Name": "x"}}
		}, "Fn::Transform is not supported"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newMiniApp(t)
			m.siteFiles(map[string]string{"index.html": "x"})
			tc.edit(m)
			a, err := LoadAssembly(m.write())
			if err != nil {
				t.Fatal(err)
			}
			_, err = BuildModel(a, "")
			if err == nil || !strings.Contains(err.Error(), tc.feature) {
				t.Fatalf("error %v, want one naming %q", err, tc.feature)
			}
		})
	}
	t.Run("unsupported_error_type", func(t *testing.T) {
		m := newMiniApp(t)
		m.dist["OriginGroups"] = map[string]any{"Quantity": 1}
		a, _ := LoadAssembly(m.write())
		_, err := BuildModel(a, "")
		var u *UnsupportedError
		if !errors.As(err, &u) || u.Feature == "" {
			t.Fatalf("error %v is not an UnsupportedError", err)
		}
	})
}

// TestBadInput: missing or stale assemblies and busy ports fail with
// messages that say what to do.
func TestBadInput(t *testing.T) {
	t.Run("fails_missing_assembly", func(t *testing.T) {
		_, err := Start(context.Background(), Options{AssemblyDir: filepath.Join(t.TempDir(), "cdk.out"), Addr: "127.0.0.1:0", Log: &syncBuffer{}})
		if err == nil || !errors.Is(err, ErrNoAssembly) || !strings.Contains(err.Error(), "run `make synth`") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("fails_garbage_manifest", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "manifest.json"), []byte("{not json"), 0o644)
		if _, err := LoadAssembly(dir); err == nil || !strings.Contains(err.Error(), "make synth") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("fails_other_schema_version", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"version":"99.0.0","artifacts":{}}`), 0o644)
		if _, err := LoadAssembly(dir); err == nil || !strings.Contains(err.Error(), "schema version") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("fails_stale_assembly", func(t *testing.T) {
		project := t.TempDir()
		m := newMiniApp(t)
		m.siteFiles(map[string]string{"index.html": "x"})
		asm := filepath.Join(project, "cdk.out")
		if err := os.Rename(m.write(), asm); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(project, "cdk.json"), []byte(`{"app":"go run .","watch":{"include":["**/*.go"],"exclude":["**/*_test.go"]}}`), 0o644)
		past := time.Now().Add(-time.Hour)
		os.Chtimes(filepath.Join(asm, "manifest.json"), past, past)
		os.MkdirAll(filepath.Join(project, "stacks"), 0o755)
		os.WriteFile(filepath.Join(project, "stacks", "x_test.go"), []byte("package x"), 0o644)
		a, err := LoadAssembly(asm)
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckFresh(project, a); err != nil {
			t.Fatalf("a test file (excluded by cdk.json) made the assembly stale: %v", err)
		}
		os.WriteFile(filepath.Join(project, "stacks", "app.go"), []byte("package stacks"), 0o644)
		err = CheckFresh(project, a)
		if err == nil || !strings.Contains(err.Error(), "stacks/app.go") || !strings.Contains(err.Error(), "run `make synth`") {
			t.Fatalf("error %v", err)
		}
		_, err = Start(context.Background(), Options{AssemblyDir: asm, ProjectDir: project, Addr: "127.0.0.1:0", Log: &syncBuffer{}})
		if err == nil || !strings.Contains(err.Error(), "stale") {
			t.Fatalf("Start on a stale assembly: %v", err)
		}
	})
	t.Run("fails_port_in_use", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		m := newMiniApp(t)
		m.siteFiles(map[string]string{"index.html": "x"})
		_, err = Start(context.Background(), Options{AssemblyDir: m.write(), ProjectDir: t.TempDir(), StateDir: t.TempDir(), Addr: ln.Addr().String(), Log: &syncBuffer{}})
		if err == nil || !strings.Contains(err.Error(), "already in use") || !strings.Contains(err.Error(), ln.Addr().String()) {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("fails_non_loopback_address", func(t *testing.T) {
		_, err := Start(context.Background(), Options{Addr: "0.0.0.0:0", Log: &syncBuffer{}})
		if err == nil || !strings.Contains(err.Error(), "127.0.0.1 only") {
			t.Fatalf("error %v", err)
		}
	})
}
