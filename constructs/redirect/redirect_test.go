package redirect_test

import (
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/config"
	"github.com/edgekit/edgekit/constructs/redirect"
	"github.com/edgekit/edgekit/internal/handlerconfig"
	"github.com/edgekit/edgekit/internal/testenv"
)

func TestMain(m *testing.M) {
	testenv.Pin()
	os.Exit(m.Run())
}

func TestValidTarget(t *testing.T) {
	ok := []string{"/other.html", "/a?b=c#d", "/", "https://docs.example.com/v2/", "https://example.com"}
	bad := []string{
		"", "other.html", "//evil.example/", "/\\evil.example", "/\\/evil.example", "\\\\evil.example",
		"/\t/evil.example", "/\n/evil.example", "/ x", "/a\x00b", "/a\x7fb", "http://example.com/",
		"https://user:pw@evil.example/", "https:///x", "https://good.example\\@evil.example/", "javascript:alert(1)",
		"HTTPS://EXAMPLE.COM/", "https:\\\\evil.example",
	}
	for _, s := range ok {
		if !redirect.ValidTarget(s) {
			t.Errorf("ValidTarget(%q) = false, want true", s)
		}
	}
	for _, s := range bad {
		if redirect.ValidTarget(s) {
			t.Errorf("ValidTarget(%q) = true, want false", s)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	var rc redirect.Config
	var sh redirect.SecurityHeadersConfig
	_, err := config.Load(map[string]any{
		"edgekit:redirects:rules": `[{"name":"a","path":"/","status":302,"target":"/\\evil.example"},` +
			`{"name":"a","status":200,"target":"http://x"},{"name":"b c","path":"x","pathPrefix":"y","status":301,"target":"/ok"}]`,
		"edgekit:securityHeaders:hstsMaxAgeSeconds": 10,
	}, &rc, &sh)
	if err == nil {
		t.Fatal("Load accepted bad rules")
	}
	for _, want := range []string{
		`edgekit:redirects:rules[0].target="/\\evil.example"`, `edgekit:redirects:rules[1].name="a": duplicate rule name`,
		`edgekit:redirects:rules[1]="a": needs at least one`, `rules[1].status=200`, `rules[1].target="http://x"`,
		`rules[2].name="b c"`, `rules[2].path="x"`, `rules[2].pathPrefix="y"`, `edgekit:securityHeaders:hstsMaxAgeSeconds=10`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestNewEdgeRedirect(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Edge"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("us-east-1")}})
	fn := redirect.NewEdgeRedirect(stack, "Redirect", &redirect.EdgeRedirectProps{Rules: redirect.DefaultRules()})
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{"Runtime": "nodejs22.x", "Description": "edgekit viewer-request redirects"})
	if !strings.Contains(string(fn.Bundle.Code), "/other.html") {
		t.Fatal("rules are not baked into the bundle")
	}
	// The JS suite loads this default config from functions/redirect/testdata.
	handlerconfig.Check(t, "redirect", redirect.HandlerConfig{Rules: redirect.DefaultRules()})

	t.Run("fails_invalid_rules", func(t *testing.T) {
		defer func() {
			r := recover()
			if r == nil || !strings.Contains(r.(string), `Rules[0].target = "/\\x"`) {
				t.Fatalf("recover() = %v", r)
			}
		}()
		redirect.NewEdgeRedirect(stack, "Bad", &redirect.EdgeRedirectProps{Rules: []redirect.Rule{{Name: "x", Path: "/", Status: 302, Target: `/\x`}}})
	})
}
