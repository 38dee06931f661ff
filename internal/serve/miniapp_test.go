package serve

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// miniApp writes a small cloud assembly by hand: one stack in us-east-1
// with a site bucket (deployed from an asset folder), edge functions
// (inline JavaScript zipped as assets), policies and a distribution. It
// lets the pipeline tests run in a second, without the CDK.
type miniApp struct {
	t         testing.TB
	dir       string
	resources map[string]any
	assets    map[string]map[string]any
	behaviors []any
	def       map[string]any
	dist      map[string]any
}

func newMiniApp(t testing.TB) *miniApp {
	t.Helper()
	m := &miniApp{t: t, dir: t.TempDir(), resources: map[string]any{}, assets: map[string]map[string]any{}}
	m.resources["Site"] = map[string]any{"Type": "AWS::S3::Bucket", "Properties": map[string]any{}}
	m.resources["SitePolicy"] = map[string]any{"Type": "AWS::S3::BucketPolicy", "Properties": map[string]any{
		"Bucket": map[string]any{"Ref": "Site"},
		"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Effect": "Allow", "Action": "s3:GetObject", "Principal": map[string]any{"Service": "cloudfront.amazonaws.com"},
			"Resource": map[string]any{"Fn::Join": []any{"", []any{map[string]any{"Fn::GetAtt": []any{"Site", "Arn"}}, "/*"}}},
			"Condition": map[string]any{"StringEquals": map[string]any{"AWS:SourceArn": map[string]any{"Fn::Join": []any{"",
				[]any{"arn:aws:cloudfront::", map[string]any{"Ref": "AWS::AccountId"}, ":distribution/", map[string]any{"Ref": "Dist"}}}}}},
		}}},
	}}
	m.resources["OAC"] = map[string]any{"Type": "AWS::CloudFront::OriginAccessControl", "Properties": map[string]any{
		"OriginAccessControlConfig": map[string]any{"Name": "oac", "OriginAccessControlOriginType": "s3", "SigningBehavior": "always", "SigningProtocol": "sigv4"}}}
	m.def = map[string]any{"TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https",
		"CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6", "Compress": true}
	m.dist = map[string]any{
		"Enabled": true, "DefaultRootObject": "index.html",
		"Origins": []any{map[string]any{"Id": "site", "DomainName": map[string]any{"Fn::GetAtt": []any{"Site", "RegionalDomainName"}},
			"S3OriginConfig": map[string]any{"OriginAccessIdentity": ""}, "OriginAccessControlId": map[string]any{"Fn::GetAtt": []any{"OAC", "Id"}}}},
		"CustomErrorResponses": []any{map[string]any{"ErrorCode": 403, "ResponseCode": 404, "ResponsePagePath": "/404.html", "ErrorCachingMinTTL": 0}},
	}
	return m
}

// siteFiles stages files as the site's BucketDeployment source.
func (m *miniApp) siteFiles(files map[string]string) {
	hash := "sitefiles"
	dir := filepath.Join(m.dir, "asset."+hash)
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			m.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			m.t.Fatal(err)
		}
	}
	m.assets[hash] = map[string]any{"source": map[string]any{"path": "asset." + hash, "packaging": "zip"},
		"destinations": map[string]any{"d": map[string]any{"objectKey": hash + ".zip"}}}
	m.resources["Deploy"] = map[string]any{"Type": "Custom::CDKBucketDeployment", "Properties": map[string]any{
		"SourceObjectKeys": []any{hash + ".zip"}, "DestinationBucketName": map[string]any{"Ref": "Site"}, "Prune": true}}
}

// edgeFunction adds a Lambda@Edge function with code js and returns the
// reference of its version.
func (m *miniApp) edgeFunction(id, js string, memory, timeout int) any {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("index.js")
	_, _ = w.Write([]byte(js))
	_ = zw.Close()
	hash := "fn" + id
	if err := os.WriteFile(filepath.Join(m.dir, "asset."+hash+".zip"), buf.Bytes(), 0o644); err != nil {
		m.t.Fatal(err)
	}
	m.assets[hash] = map[string]any{"source": map[string]any{"path": "asset." + hash + ".zip", "packaging": "file"},
		"destinations": map[string]any{"d": map[string]any{"objectKey": hash + ".zip"}}}
	m.resources[id+"Role"] = map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{}}
	m.resources[id] = map[string]any{"Type": "AWS::Lambda::Function", "Properties": map[string]any{
		"FunctionName": "mini-" + id, "Runtime": "nodejs22.x", "Handler": "index.handler", "MemorySize": memory, "Timeout": timeout,
		"Architectures": []any{"x86_64"}, "Role": map[string]any{"Fn::GetAtt": []any{id + "Role", "Arn"}},
		"Code": map[string]any{"S3Bucket": "assets", "S3Key": hash + ".zip"}}}
	m.resources[id+"Version"] = map[string]any{"Type": "AWS::Lambda::Version", "Properties": map[string]any{"FunctionName": map[string]any{"Ref": id}}}
	return map[string]any{"Ref": id + "Version"}
}

// behavior adds a cache behaviour on the site origin.
func (m *miniApp) behavior(b map[string]any) {
	if b["TargetOriginId"] == nil {
		b["TargetOriginId"] = "site"
	}
	if b["ViewerProtocolPolicy"] == nil {
		b["ViewerProtocolPolicy"] = "https-only"
	}
	if b["CachePolicyId"] == nil {
		b["CachePolicyId"] = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	}
	m.behaviors = append(m.behaviors, b)
}

// write writes the assembly and returns its directory.
func (m *miniApp) write() string {
	m.dist["DefaultCacheBehavior"] = m.def
	if len(m.behaviors) > 0 {
		m.dist["CacheBehaviors"] = m.behaviors
	}
	m.resources["Dist"] = map[string]any{"Type": "AWS::CloudFront::Distribution", "Properties": map[string]any{"DistributionConfig": m.dist}}
	tmpl := map[string]any{"Resources": m.resources}
	writeJSON(m.t, filepath.Join(m.dir, "App.template.json"), tmpl)
	writeJSON(m.t, filepath.Join(m.dir, "App.assets.json"), map[string]any{"version": "54.0.0", "files": m.assets})
	writeJSON(m.t, filepath.Join(m.dir, "manifest.json"), map[string]any{"version": "54.0.0", "artifacts": map[string]any{
		"App.assets": map[string]any{"type": "cdk:asset-manifest", "properties": map[string]any{"file": "App.assets.json"}},
		"App": map[string]any{"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/us-east-1",
			"properties": map[string]any{"templateFile": "App.template.json", "stackName": "mini-App"}, "dependencies": []any{"App.assets"}},
	}})
	return m.dir
}

func writeJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(fmt.Errorf("write %s: %w", path, err))
	}
}
