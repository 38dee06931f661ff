package books_test

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/config"
	"github.com/edgekit/edgekit/constructs/books"
	"github.com/edgekit/edgekit/constructs/pattern"
	"github.com/edgekit/edgekit/constructs/redirect"
	booksfn "github.com/edgekit/edgekit/functions/books"
	"github.com/edgekit/edgekit/internal/handlerconfig"
	"github.com/edgekit/edgekit/internal/testenv"
	"github.com/edgekit/edgekit/stacks"
)

func TestMain(m *testing.M) {
	testenv.Pin()
	os.Exit(m.Run())
}

// app is one synthesized edgekit app with the books pattern, built through
// stacks.Build exactly as main.go builds it (the redirect pattern serves the
// root).
type app struct {
	*stacks.App
	books *books.Pattern
	tpl   map[string]assertions.Template // by stack id: Edge, Api, Cdn, Storage
}

func buildApp(t *testing.T, ctx map[string]any) *app {
	t.Helper()
	b := &books.Pattern{}
	ps := []pattern.Pattern{&redirect.Pattern{}, b}
	cfg, err := config.Load(ctx, stacks.Sections(ps)...)
	if err != nil {
		t.Fatal(err)
	}
	a := &app{App: stacks.Build(stacks.NewApp(), cfg, ps), books: b, tpl: map[string]assertions.Template{}}
	for _, s := range a.All() {
		a.tpl[*s.Node().Id()] = assertions.Template_FromStack(s, nil)
	}
	return a
}

// Each app is synthesized once per test binary: jsii makes every synthesis
// cost seconds.
var (
	signerOnce, oacOnce   sync.Once
	signerBuilt, oacBuilt *app
)

func signerApp(t *testing.T) *app {
	t.Helper()
	signerOnce.Do(func() { signerBuilt = buildApp(t, nil) })
	if signerBuilt == nil {
		t.Fatal("the signer app did not build")
	}
	return signerBuilt
}

func oacApp(t *testing.T) *app {
	t.Helper()
	oacOnce.Do(func() { oacBuilt = buildApp(t, map[string]any{"edgekit:books:originAuth": "oac"}) })
	if oacBuilt == nil {
		t.Fatal("the OAC app did not build")
	}
	return oacBuilt
}

// functionArn is the books function's ARN as both the Edge and the Cdn
// stack format it: explicit region (whose partition the CDK then knows) and
// the pseudo account, so the template works in any account.
func functionArn(region string) map[string]any {
	return map[string]any{"Fn::Join": []any{"", []any{
		"arn:aws:lambda:" + region + ":", map[string]any{"Ref": "AWS::AccountId"}, ":function:edgekit-books-api",
	}}}
}

func statements(tpl assertions.Template, typ string) []map[string]any {
	var out []map[string]any
	for _, res := range *tpl.FindResources(jsii.String(typ), nil) {
		props := (*res)["Properties"].(map[string]any)
		docs := []any{props["PolicyDocument"]}
		if pols, ok := props["Policies"].([]any); ok {
			for _, p := range pols {
				docs = append(docs, p.(map[string]any)["PolicyDocument"])
			}
		}
		for _, d := range docs {
			if d == nil {
				continue
			}
			for _, s := range d.(map[string]any)["Statement"].([]any) {
				out = append(out, s.(map[string]any))
			}
		}
	}
	return out
}

func actions(stmt map[string]any) []string {
	var out []string
	switch a := stmt["Action"].(type) {
	case string:
		out = append(out, a)
	case []any:
		for _, x := range a {
			out = append(out, x.(string))
		}
	}
	return out
}

func jsonEq(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func TestSignerApp(t *testing.T) {
	a := signerApp(t)
	edge, api, cdn := a.tpl["Edge"], a.tpl["Api"], a.tpl["Cdn"]
	if a.Api == nil {
		t.Fatal("no Api stack")
	}

	t.Run("signer_function", func(t *testing.T) {
		edge.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"FunctionName": "edgekit-edge-books-signer", "Runtime": "nodejs22.x", "Architectures": []any{"x86_64"},
			"MemorySize": 128, "Timeout": 5, "Environment": assertions.Match_Absent(),
		})
		edge.HasResourceProperties(jsii.String("AWS::SSM::Parameter"), map[string]any{"Name": "/edgekit/edge/books-signer/version-arn"})
		want := books.HandlerConfig{
			Origins:      []books.OriginRule{{Name: "lambda-function-url", Service: "lambda", HostPattern: "{id}.lambda-url.{region}.on.aws", Regions: []string{"eu-central-1"}}},
			MaxBodyBytes: booksfn.MaxBodyBytes,
		}
		jsonEq(t, "handler config", a.books.Signer.HandlerConfig, want)
		var baked books.HandlerConfig
		if err := json.Unmarshal(a.books.Signer.Function.Bundle.ConfigJSON, &baked); err != nil {
			t.Fatal(err)
		}
		jsonEq(t, "config baked into the bundle", baked, want)
	})

	t.Run("signer_may_invoke_exactly_the_books_function", func(t *testing.T) {
		arn := functionArn("eu-central-1")
		var lambdaStmts []map[string]any
		for _, s := range statements(edge, "AWS::IAM::Policy") {
			for _, act := range actions(s) {
				if strings.HasPrefix(act, "lambda:") {
					lambdaStmts = append(lambdaStmts, s)
					break
				}
			}
		}
		jsonEq(t, "lambda statements of the Edge stack", lambdaStmts, []map[string]any{
			{"Action": "lambda:InvokeFunctionUrl", "Condition": map[string]any{"StringEquals": map[string]any{"lambda:FunctionUrlAuthType": "AWS_IAM"}},
				"Effect": "Allow", "Resource": arn, "Sid": "InvokeFunctionUrl"},
			{"Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": arn, "Sid": "InvokeFunction"},
		})
		// The name the policy is scoped to is the name the Api stack gives the function.
		api.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{"FunctionName": "edgekit-books-api"})
	})

	t.Run("table", func(t *testing.T) {
		api.ResourceCountIs(jsii.String("AWS::DynamoDB::Table"), jsii.Number(1))
		api.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
			"Properties": map[string]any{
				"KeySchema":                        []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}},
				"AttributeDefinitions":             []any{map[string]any{"AttributeName": "id", "AttributeType": "S"}, map[string]any{"AttributeName": "author", "AttributeType": "S"}},
				"BillingMode":                      "PAY_PER_REQUEST",
				"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
				"SSESpecification":                 map[string]any{"SSEEnabled": true},
				"GlobalSecondaryIndexes": []any{map[string]any{
					"IndexName": "byAuthor",
					"KeySchema": []any{
						map[string]any{"AttributeName": "author", "KeyType": "HASH"},
						map[string]any{"AttributeName": "id", "KeyType": "RANGE"},
					},
					"Projection": map[string]any{"ProjectionType": "ALL"},
				}},
			},
		})
	})

	t.Run("function_and_url", func(t *testing.T) {
		tableRef := map[string]any{"Ref": a.Api.GetLogicalId(a.books.Api.Table.Node().DefaultChild().(awscdk.CfnElement))}
		api.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"FunctionName": "edgekit-books-api", "Runtime": "provided.al2023", "Handler": "bootstrap",
			"Architectures": []any{"arm64"}, "MemorySize": 256, "Timeout": 10,
			"Environment": map[string]any{"Variables": map[string]any{
				"BOOKS_AUTHOR_INDEX": "byAuthor", "BOOKS_BASE_PATH": "/api/books", "BOOKS_TABLE_NAME": tableRef,
			}},
		})
		api.HasResourceProperties(jsii.String("AWS::Lambda::Url"), map[string]any{"AuthType": "AWS_IAM", "InvokeMode": "BUFFERED", "Cors": assertions.Match_Absent()})
		api.ResourceCountIs(jsii.String("AWS::Lambda::Url"), jsii.Number(1))
		// No resource policy: same-account callers are authorized by their own
		// identity policies (the signer's role), and nothing else may call.
		api.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(0))
	})

	t.Run("function_may_use_exactly_the_table_and_index", func(t *testing.T) {
		tableArn := map[string]any{"Fn::GetAtt": []any{a.Api.GetLogicalId(a.books.Api.Table.Node().DefaultChild().(awscdk.CfnElement)), "Arn"}}
		var dynamo []map[string]any
		for _, s := range append(statements(api, "AWS::IAM::Policy"), statements(api, "AWS::IAM::Role")...) {
			for _, act := range actions(s) {
				if strings.HasPrefix(act, "dynamodb:") || strings.Contains(act, "*") {
					dynamo = append(dynamo, s)
					break
				}
			}
		}
		jsonEq(t, "dynamodb statements of the Api stack", dynamo, []map[string]any{
			{"Action": []any{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan", "dynamodb:UpdateItem"},
				"Effect": "Allow", "Resource": tableArn, "Sid": "Books"},
			{"Action": "dynamodb:Query", "Effect": "Allow", "Resource": map[string]any{"Fn::Join": []any{"", []any{tableArn, "/index/byAuthor"}}}, "Sid": "BooksByAuthor"},
		})
	})

	t.Run("behavior", func(t *testing.T) {
		b := a.books.Behavior
		policyID := a.Cdn.GetLogicalId(b.OriginRequestPolicy.Node().DefaultChild().(awscdk.CfnElement))
		cdn.HasResourceProperties(jsii.String("AWS::CloudFront::OriginRequestPolicy"), map[string]any{
			"OriginRequestPolicyConfig": assertions.Match_ObjectLike(&map[string]any{
				"HeadersConfig":      map[string]any{"HeaderBehavior": "whitelist", "Headers": []any{"Content-Type", "If-Match"}},
				"CookiesConfig":      map[string]any{"CookieBehavior": "none"},
				"QueryStringsConfig": map[string]any{"QueryStringBehavior": "all"},
			}),
		})
		dist := distributionConfig(t, cdn)
		behavior := findBehavior(t, dist, "/api/*")
		version := behavior["LambdaFunctionAssociations"].([]any)[0].(map[string]any)
		jsonEq(t, "association kind", map[string]any{"EventType": version["EventType"], "IncludeBody": version["IncludeBody"]},
			map[string]any{"EventType": "origin-request", "IncludeBody": true})
		for k, want := range map[string]any{
			"AllowedMethods":          []any{"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"},
			"CachePolicyId":           "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", // managed CachingDisabled
			"OriginRequestPolicyId":   map[string]any{"Ref": policyID},
			"ViewerProtocolPolicy":    "https-only",
			"ResponseHeadersPolicyId": map[string]any{"Ref": a.Cdn.GetLogicalId(a.Cdn.Node().FindChild(jsii.String("SecurityHeaders")).Node().DefaultChild().(awscdk.CfnElement))},
		} {
			jsonEq(t, "behaviour "+k, behavior[k], want)
		}
		origin := findOrigin(t, dist, behavior["TargetOriginId"].(string))
		domain, _ := json.Marshal(origin["DomainName"])
		if !strings.Contains(string(domain), `"Fn::Select":[2,{"Fn::Split":["/",{"Fn::GetStackOutput":{"OutputName":"PublishOutputFnGetAttBooksFunction`) {
			t.Errorf("origin domain %s is not the host of the imported function URL", domain)
		}
		jsonEq(t, "origin protocol", origin["CustomOriginConfig"].(map[string]any)["OriginProtocolPolicy"], "https-only")
		if _, ok := origin["OriginAccessControlId"]; ok {
			t.Error("the signed origin also has OAC")
		}
		cdn.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(0))
		cdn.ResourceCountIs(jsii.String("AWS::CloudFront::OriginAccessControl"), jsii.Number(1)) // the site bucket's
	})

	t.Run("outputs", func(t *testing.T) {
		api.HasOutput(jsii.String("BooksFunctionUrl"), map[string]any{})
		api.HasOutput(jsii.String("BooksTableName"), map[string]any{})
	})

	t.Run("cdk_nag_clean", func(t *testing.T) {
		for _, s := range a.All() {
			for _, f := range testenv.NagFindings(s) {
				t.Errorf("%s: cdk-nag: %s", *s.StackName(), f)
			}
		}
	})
}

func TestOACApp(t *testing.T) {
	a := oacApp(t)
	edge, cdn := a.tpl["Edge"], a.tpl["Cdn"]
	if a.books.Signer != nil {
		t.Fatal("a signer was built with OAC")
	}
	edge.ResourcePropertiesCountIs(jsii.String("AWS::Lambda::Function"), map[string]any{"FunctionName": "edgekit-edge-books-signer"}, jsii.Number(0))
	for _, s := range statements(edge, "AWS::IAM::Policy") {
		for _, act := range actions(s) {
			if strings.HasPrefix(act, "lambda:Invoke") {
				t.Errorf("Edge stack grants %s with OAC", act)
			}
		}
	}

	b := a.books.Behavior
	oacID := a.Cdn.GetLogicalId(b.OriginAccessControl.Node().DefaultChild().(awscdk.CfnElement))
	distID := a.Cdn.GetLogicalId(a.Distribution.Node().DefaultChild().(awscdk.CfnElement))
	cdn.HasResourceProperties(jsii.String("AWS::CloudFront::OriginAccessControl"), map[string]any{
		"OriginAccessControlConfig": assertions.Match_ObjectLike(&map[string]any{
			"OriginAccessControlOriginType": "lambda", "SigningBehavior": "always", "SigningProtocol": "sigv4",
		}),
	})
	dist := distributionConfig(t, cdn)
	behavior := findBehavior(t, dist, "/api/*")
	if _, ok := behavior["LambdaFunctionAssociations"]; ok {
		t.Error("the OAC behaviour has an edge function")
	}
	origin := findOrigin(t, dist, behavior["TargetOriginId"].(string))
	jsonEq(t, "origin OAC", origin["OriginAccessControlId"], map[string]any{"Fn::GetAtt": []any{oacID, "Id"}})
	cdn.HasResourceProperties(jsii.String("AWS::CloudFront::OriginRequestPolicy"), map[string]any{
		"OriginRequestPolicyConfig": assertions.Match_ObjectLike(&map[string]any{
			"HeadersConfig": map[string]any{"HeaderBehavior": "whitelist", "Headers": []any{"Content-Type", "If-Match", "X-Amz-Content-Sha256"}},
		}),
	})

	t.Run("both_permissions_for_this_distribution_only", func(t *testing.T) {
		sourceArn := map[string]any{"Fn::Join": []any{"", []any{
			"arn:", map[string]any{"Ref": "AWS::Partition"}, ":cloudfront::", map[string]any{"Ref": "AWS::AccountId"},
			":distribution/", map[string]any{"Ref": distID},
		}}}
		var got []any
		for _, res := range *cdn.FindResources(jsii.String("AWS::Lambda::Permission"), nil) {
			got = append(got, (*res)["Properties"])
		}
		sort.Slice(got, func(i, j int) bool {
			return got[i].(map[string]any)["Action"].(string) > got[j].(map[string]any)["Action"].(string)
		})
		jsonEq(t, "permissions", got, []any{
			map[string]any{"Action": "lambda:InvokeFunctionUrl", "FunctionName": functionArn("eu-central-1"), "FunctionUrlAuthType": "AWS_IAM",
				"Principal": "cloudfront.amazonaws.com", "SourceArn": sourceArn},
			map[string]any{"Action": "lambda:InvokeFunction", "FunctionName": functionArn("eu-central-1"), "InvokedViaFunctionUrl": true,
				"Principal": "cloudfront.amazonaws.com", "SourceArn": sourceArn},
		})
		// And nothing in the Api stack names the distribution (no cycle).
		a.tpl["Api"].ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(0))
	})

	t.Run("cdk_nag_clean", func(t *testing.T) {
		for _, s := range a.All() {
			for _, f := range testenv.NagFindings(s) {
				t.Errorf("%s: cdk-nag: %s", *s.StackName(), f)
			}
		}
	})
}

func distributionConfig(t *testing.T, tpl assertions.Template) map[string]any {
	t.Helper()
	dists := *tpl.FindResources(jsii.String("AWS::CloudFront::Distribution"), nil)
	if len(dists) != 1 {
		t.Fatalf("%d distributions", len(dists))
	}
	for _, d := range dists {
		return (*d)["Properties"].(map[string]any)["DistributionConfig"].(map[string]any)
	}
	return nil
}

func findBehavior(t *testing.T, dist map[string]any, path string) map[string]any {
	t.Helper()
	for _, b := range dist["CacheBehaviors"].([]any) {
		if m := b.(map[string]any); m["PathPattern"] == path {
			return m
		}
	}
	t.Fatalf("no behaviour %s", path)
	return nil
}

func findOrigin(t *testing.T, dist map[string]any, id string) map[string]any {
	t.Helper()
	for _, o := range dist["Origins"].([]any) {
		if m := o.(map[string]any); m["Id"] == id {
			return m
		}
	}
	t.Fatalf("no origin %s", id)
	return nil
}

// The JS suites and the bench load the config the signer bakes in with the
// app's defaults from functions/books/testdata/handler-config.json.
func TestHandlerConfigFile(t *testing.T) {
	var c books.Config
	app := config.App{AppName: "edgekit", HomeRegion: "eu-central-1", LogRetentionDays: 30}
	c.SetDefaults(app)
	p := &books.Pattern{Config: c}
	p.BuildEdge(&pattern.Edge{App: &pattern.App{Config: app}, Stack: newStack("us-east-1")})
	handlerconfig.Check(t, "books", p.Signer.HandlerConfig)
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		ctx  map[string]any
		want []string
	}{
		{"defaults", nil, nil},
		{"oac", map[string]any{"edgekit:books:originAuth": "oac"}, nil},
		{"other_base_path", map[string]any{"edgekit:books:basePath": "/v2/books", "edgekit:books:pathPattern": "/v2/*"}, nil},
		{"exact_pattern", map[string]any{"edgekit:books:pathPattern": "/api/books*"}, nil},
		{"fails_origin_auth", map[string]any{"edgekit:books:originAuth": "none"}, []string{`edgekit:books:originAuth="none": must be "signer" or "oac"`}},
		{"fails_base_path_trailing_slash", map[string]any{"edgekit:books:basePath": "/api/books/"}, []string{`edgekit:books:basePath="/api/books/"`}},
		{"fails_pattern_misses_base_path", map[string]any{"edgekit:books:pathPattern": "/v2/*"},
			[]string{`edgekit:books:pathPattern="/v2/*": does not match /api/books:`, "does not match /api/books/0b7c"}},
		{"fails_pattern_misses_books", map[string]any{"edgekit:books:pathPattern": "/api/books"}, []string{"does not match /api/books/0b7c"}},
		{"fails_pattern_takes_over_site", map[string]any{"edgekit:books:pathPattern": "/*"}, []string{"matches the site path /: the API behaviour would take over the site"}},
		{"fails_pattern_takes_over_spa", map[string]any{"edgekit:books:basePath": "/books/api", "edgekit:books:pathPattern": "/books/*"},
			[]string{"matches the site path /books/"}},
		{"fails_pattern_characters", map[string]any{"edgekit:books:pathPattern": "/api/<x>"}, []string{"must be a CloudFront path pattern"}},
		{"fails_function_name", map[string]any{"edgekit:books:functionName": "books api"}, []string{`edgekit:books:functionName="books api"`}},
		{"fails_memory", map[string]any{"edgekit:books:memorySizeMB": 64}, []string{"edgekit:books:memorySizeMB=64"}},
		{"fails_every_problem_at_once", map[string]any{"edgekit:books:originAuth": "x", "edgekit:books:memorySizeMB": 1, "edgekit:books:functionName": ""},
			[]string{"originAuth", "memorySizeMB", "functionName"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c books.Config
			_, err := config.Load(tt.ctx, &c)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("Load accepted the values")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
	t.Run("default_function_name_follows_the_app", func(t *testing.T) {
		var c books.Config
		if _, err := config.Load(map[string]any{"edgekit:appName": "shop"}, &c); err != nil || c.FunctionName != "shop-books-api" {
			t.Fatalf("FunctionName %q, err %v", c.FunctionName, err)
		}
	})
}

func newStack(region string) awscdk.Stack {
	return awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(region)}})
}

func panicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

func TestPropsValidation(t *testing.T) {
	tests := []struct {
		name string
		f    func()
		want []string
	}{
		{"fails_signer_without_origins", func() { books.NewEdgeSigner(newStack("us-east-1"), "S", &books.EdgeSignerProps{}) }, []string{"Origins is empty"}},
		{"fails_signer_bad_rules", func() {
			books.NewEdgeSigner(newStack("us-east-1"), "S", &books.EdgeSignerProps{Origins: []books.OriginRule{
				{Name: "a", Service: "Lambda", HostPattern: "{id}.lambda-url.on.aws", Regions: []string{"Frankfurt"}},
				{Name: "a", Service: "lambda", HostPattern: "{id}.{id}.{region}.example.com", Regions: nil},
				{Name: "b c", Service: "execute-api", HostPattern: "{id}.execute-api.{region}.amazonaws.com/x", Regions: []string{"eu-west-1", "eu-west-1"}},
			}, MaxBodyBytes: 2 << 20})
		}, []string{
			`Origins[0].Service "Lambda"`, `Origins[0].HostPattern "{id}.lambda-url.on.aws"`, `Origins[0].Regions contains "Frankfurt"`,
			`Origins[1].Name "a" is used twice`, `Origins[1].HostPattern`, "Origins[1].Regions is empty",
			`Origins[2].Name "b c"`, `Origins[2].HostPattern`, `Origins[2].Regions contains "eu-west-1" twice`, "MaxBodyBytes 2097152",
		}},
		{"fails_signer_outside_us_east_1", func() {
			books.NewEdgeSigner(newStack("eu-central-1"), "S", &books.EdgeSignerProps{Origins: []books.OriginRule{books.FunctionURLRule("eu-central-1")}})
		}, []string{`stack region is "eu-central-1"`}},
		{"fails_api_props", func() {
			books.NewBooksApi(newStack("eu-central-1"), "B", &books.BooksApiProps{BasePath: "api", FunctionName: "x/y"})
		}, []string{`BasePath "api"`, `FunctionName "x/y"`}},
		{"fails_behavior_props", func() {
			books.AddApiBehavior(nil, &books.ApiBehaviorProps{PathPattern: "api", OriginAuth: "iam"})
		}, []string{"the distribution is nil", `PathPattern "api"`, "FunctionUrl is required", `OriginAuth "iam"`}},
		{"fails_behavior_signer_missing", func() { books.AddApiBehavior(nil, &books.ApiBehaviorProps{}) }, []string{"Signer is required"}},
		{"fails_behavior_oac_function_missing", func() { books.AddApiBehavior(nil, &books.ApiBehaviorProps{OriginAuth: "oac"}) }, []string{"Function is required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := panicMessage(tt.f)
			if msg == "" {
				t.Fatal("no panic, want a validation error")
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("panic lacks %q:\n%s", w, msg)
				}
			}
		})
	}
}
