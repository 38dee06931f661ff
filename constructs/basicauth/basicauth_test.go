package basicauth_test

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
	"github.com/edgekit/edgekit/internal/handlerconfig"
	"github.com/edgekit/edgekit/internal/testenv"
	"github.com/edgekit/edgekit/stacks"
)

func TestMain(m *testing.M) {
	testenv.Pin()
	os.Exit(m.Run())
}

func TestConfigValidate(t *testing.T) {
	var c basicauth.Config
	app, err := config.Load(map[string]any{}, &c)
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != "/private/*" || c.ParameterName != "/edgekit/basicauth/users" || c.Realm != "edgekit private content" ||
		c.UsersTTLSeconds != 300 || !c.Enabled || app.AppName != "edgekit" {
		t.Fatalf("defaults = %+v", c)
	}
	_, err = config.Load(map[string]any{
		"edgekit:basicauth:path":            "/*",
		"edgekit:basicauth:realm":           `say "hi"`,
		"edgekit:basicauth:parameterName":   "/aws/users",
		"edgekit:basicauth:usersTtlSeconds": 5,
	}, &c)
	if err == nil {
		t.Fatal("Load accepted bad values")
	}
	for _, want := range []string{
		`edgekit:basicauth:path="/*": must not cover the whole site`,
		`edgekit:basicauth:realm="say \"hi\""`,
		`edgekit:basicauth:parameterName="/aws/users": must not start with /aws`,
		`edgekit:basicauth:usersTtlSeconds=5: must be 10..3600`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	for _, bad := range []string{"private/*", "/private//x", "/pri vate/*", "*"} {
		if _, err := config.Load(map[string]any{"edgekit:basicauth:path": bad}, &c); err == nil {
			t.Errorf("path %q accepted", bad)
		}
	}
}

// The app with the site and Basic auth, synthesized once (jsii makes every
// synthesis cost seconds).
var (
	once  sync.Once
	built struct {
		app *stacks.App
		ba  *basicauth.Pattern
	}
)

func appWithBasicAuth(t *testing.T) (*stacks.App, *basicauth.Pattern) {
	t.Helper()
	once.Do(func() {
		ba := &basicauth.Pattern{}
		ps := []pattern.Pattern{&redirect.Pattern{}, ba}
		cfg, err := config.Load(map[string]any{}, stacks.Sections(ps)...)
		if err != nil {
			t.Fatal(err)
		}
		built.app, built.ba = stacks.Build(stacks.NewApp(), cfg, ps), ba
	})
	if built.app == nil {
		t.Fatal("the app did not build")
	}
	return built.app, built.ba
}

func resources(t *testing.T, s awscdk.Stack, typ string) map[string]map[string]any {
	t.Helper()
	tpl := *assertions.Template_FromStack(s, nil).ToJSON()
	out := map[string]map[string]any{}
	for id, r := range tpl["Resources"].(map[string]any) {
		if m := r.(map[string]any); m["Type"] == typ {
			out[id] = m
		}
	}
	return out
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEndToEnd(t *testing.T) {
	a, ba := appWithBasicAuth(t)

	t.Run("edge_function", func(t *testing.T) {
		tpl := assertions.Template_FromStack(a.Edge, nil)
		tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"FunctionName": "edgekit-edge-basicauth", "Runtime": "nodejs22.x", "MemorySize": 128, "Timeout": 5,
			"Description": "edgekit viewer-request Basic auth",
		})
		tpl.HasOutput(jsii.String("BasicAuthUsersParameter"), map[string]any{"Value": "/edgekit/basicauth/users"})
		code := string(ba.Edge.Function.Bundle.Code)
		if !strings.Contains(code, "/edgekit/basicauth/users") || !strings.Contains(code, `edgekit private content`) {
			t.Fatal("the bundle lacks its config")
		}
		// The JS suites load this default config from functions/basicauth/testdata.
		handlerconfig.Check(t, "basicauth", basicauth.HandlerConfig{
			ParameterName: "/edgekit/basicauth/users", ParameterRegion: "us-east-1",
			Realm: "edgekit private content", UsersTTLSeconds: 300,
		})
	})

	t.Run("role_reads_one_parameter", func(t *testing.T) {
		var statements []map[string]any
		for _, p := range resources(t, a.Edge, "AWS::IAM::Policy") {
			roles := jsonOf(t, p["Properties"].(map[string]any)["Roles"])
			if !strings.Contains(roles, "BasicAuthRole") {
				continue
			}
			for _, s := range p["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				statements = append(statements, s.(map[string]any))
			}
		}
		paramArn := `{"Fn::Join":["",["arn:aws:ssm:us-east-1:",{"Ref":"AWS::AccountId"},":parameter/edgekit/basicauth/users"]]}`
		var ssm, kms int
		for _, s := range statements {
			action := jsonOf(t, s["Action"])
			switch {
			case strings.Contains(action, "ssm:"):
				ssm++
				if action != `"ssm:GetParameter"` || jsonOf(t, s["Resource"]) != paramArn {
					t.Errorf("ssm statement = %s", jsonOf(t, s))
				}
			case strings.Contains(action, "kms:"):
				kms++
				cond := jsonOf(t, s["Condition"])
				if action != `"kms:Decrypt"` || !strings.Contains(cond, `"kms:ViaService":"ssm.us-east-1.amazonaws.com"`) ||
					!strings.Contains(cond, `"kms:EncryptionContext:PARAMETER_ARN":`+paramArn) {
					t.Errorf("kms statement = %s", jsonOf(t, s))
				}
			case strings.Contains(action, "*") || s["Effect"] != "Allow":
				t.Errorf("unexpected statement %s", jsonOf(t, s))
			}
		}
		if ssm != 1 || kms != 1 {
			t.Fatalf("want exactly one ssm and one kms statement, got %d and %d in %s", ssm, kms, jsonOf(t, statements))
		}
	})

	t.Run("private_bucket", func(t *testing.T) {
		tpl := assertions.Template_FromStack(a.Storage, nil)
		tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
			"VersioningConfiguration": map[string]any{"Status": "Enabled"},
			"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{
				map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}}}},
			"PublicAccessBlockConfiguration": map[string]any{
				"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
			"OwnershipControls": map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}},
			"LoggingConfiguration": map[string]any{
				"DestinationBucketName": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^Logs"))},
				"LogFilePrefix":         "s3/private/"},
		})
		tpl.HasOutput(jsii.String("PrivateBucketName"), map[string]any{})
		// Its policy lives in the Cdn stack only (it must name the distribution).
		for _, p := range resources(t, a.Storage, "AWS::S3::BucketPolicy") {
			if strings.Contains(jsonOf(t, p["Properties"].(map[string]any)["Bucket"]), "Private") {
				t.Fatalf("Storage stack has a policy on the private bucket: %s", jsonOf(t, p))
			}
		}
	})

	t.Run("bucket_policy_names_the_distribution", func(t *testing.T) {
		var found bool
		for _, p := range resources(t, a.Cdn, "AWS::S3::BucketPolicy") {
			doc := jsonOf(t, p)
			if !strings.Contains(jsonOf(t, p["Properties"].(map[string]any)["Bucket"]), "Private") {
				continue
			}
			found = true
			for _, want := range []string{
				`"Sid":"DenyInsecureTransport"`, `"aws:SecureTransport":"false"`, `"Effect":"Deny"`,
				`"Sid":"AllowCloudFrontOAC"`, `"Action":"s3:GetObject"`, `"Service":"cloudfront.amazonaws.com"`,
				`":cloudfront::"`, `{"Ref":"Distribution830FAC52"}`,
			} {
				if !strings.Contains(doc, want) {
					t.Errorf("private bucket policy lacks %s:\n%s", want, doc)
				}
			}
			if strings.Contains(doc, "s3:ListBucket") || strings.Contains(doc, `"Principal":"*","Action":"s3:GetObject"`) {
				t.Errorf("private bucket policy grants too much:\n%s", doc)
			}
		}
		if !found {
			t.Fatal("no policy on the private bucket in the Cdn stack")
		}
	})

	t.Run("behaviour_and_oac", func(t *testing.T) {
		dists := resources(t, a.Cdn, "AWS::CloudFront::Distribution")
		if len(dists) != 1 {
			t.Fatalf("%d distributions", len(dists))
		}
		var cfg map[string]any
		for _, d := range dists {
			cfg = d["Properties"].(map[string]any)["DistributionConfig"].(map[string]any)
		}
		var behaviour map[string]any
		for _, b := range cfg["CacheBehaviors"].([]any) {
			if b.(map[string]any)["PathPattern"] == "/private/*" {
				behaviour = b.(map[string]any)
			}
		}
		if behaviour == nil {
			t.Fatalf("no /private/* behaviour in %s", jsonOf(t, cfg["CacheBehaviors"]))
		}
		if behaviour["ViewerProtocolPolicy"] != "https-only" {
			t.Errorf("ViewerProtocolPolicy = %v", behaviour["ViewerProtocolPolicy"])
		}
		assoc := jsonOf(t, behaviour["LambdaFunctionAssociations"])
		if !strings.Contains(assoc, `"EventType":"viewer-request"`) || !strings.Contains(assoc, "BasicAuthVersion") {
			t.Errorf("LambdaFunctionAssociations = %s", assoc)
		}
		if behaviour["ResponseHeadersPolicyId"] == nil {
			t.Error("the behaviour lacks the security headers policy")
		}
		var origin map[string]any
		for _, o := range cfg["Origins"].([]any) {
			if o.(map[string]any)["Id"] == behaviour["TargetOriginId"] {
				origin = o.(map[string]any)
			}
		}
		if origin == nil || origin["OriginAccessControlId"] == nil || !strings.Contains(jsonOf(t, origin["DomainName"]), "Private") {
			t.Fatalf("private origin = %s", jsonOf(t, origin))
		}
		oacs := resources(t, a.Cdn, "AWS::CloudFront::OriginAccessControl")
		if len(oacs) != 2 {
			t.Errorf("%d origin access controls, want 2 (site, private)", len(oacs))
		}
		for _, o := range oacs {
			c := jsonOf(t, o)
			if !strings.Contains(c, `"SigningBehavior":"always"`) || !strings.Contains(c, `"OriginAccessControlOriginType":"s3"`) {
				t.Errorf("OAC = %s", c)
			}
		}
		// The version comes from SSM in us-east-1, re-read when the code changes.
		readers := jsonOf(t, resources(t, a.Cdn, "Custom::EdgekitCrossRegionParameter"))
		if !strings.Contains(readers, "/edgekit/edge/basicauth/version-arn@") {
			t.Errorf("no reader of the basicauth version: %s", readers)
		}
	})

	t.Run("no_credential_in_any_template", func(t *testing.T) {
		for _, s := range a.All() {
			tpl := jsonOf(t, assertions.Template_FromStack(s, nil).ToJSON())
			if strings.Contains(tpl, "scrypt$") || strings.Contains(tpl, "basicauth users v1") {
				t.Errorf("%s holds users store content", *s.StackName())
			}
		}
	})

	t.Run("cdk_nag_clean", func(t *testing.T) {
		for _, s := range a.All() {
			if f := testenv.NagFindings(s); len(f) > 0 {
				t.Errorf("%s: %d cdk-nag findings:\n%s", *s.StackName(), len(f), strings.Join(f, "\n"))
			}
		}
	})
}

func TestDisabled(t *testing.T) {
	ba := &basicauth.Pattern{}
	if _, err := config.Load(map[string]any{"edgekit:basicauth:enabled": "false"}, ba.Sections()...); err != nil {
		t.Fatal(err)
	}
	// Hooks of a disabled pattern create nothing, so they need no stacks.
	ba.BuildEdge(&pattern.Edge{})
	ba.BuildHome(&pattern.Home{})
	ba.BuildCdn(&pattern.Cdn{})
	if ba.Edge != nil || ba.Bucket != nil || ba.Version != nil {
		t.Fatal("a disabled pattern built something")
	}
}

func TestNewEdgeBasicAuthValidation(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Edge"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("us-east-1")}})
	for _, c := range []struct {
		name  string
		props *basicauth.EdgeBasicAuthProps
		want  []string
	}{
		{"fails_no_parameter", &basicauth.EdgeBasicAuthProps{}, []string{`UsersParameterName ""`}},
		{"fails_everything", &basicauth.EdgeBasicAuthProps{UsersParameterName: "users", Realm: "a\"b", UsersTTLSeconds: 99999},
			[]string{`UsersParameterName "users"`, `Realm "a\"b"`, "UsersTTLSeconds 99999"}},
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
			basicauth.NewEdgeBasicAuth(stack, "Bad", c.props)
		})
	}
}
