package crossregion_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/constructs/crossregion"
	"github.com/edgekit/edgekit/internal/testenv"
)

func TestMain(m *testing.M) {
	testenv.Pin()
	os.Exit(m.Run())
}

func stacks() (producer, consumer awscdk.Stack) {
	app := awscdk.NewApp(nil)
	producer = awscdk.NewStack(app, jsii.String("Producer"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("us-east-1")}})
	consumer = awscdk.NewStack(app, jsii.String("Consumer"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}})
	return producer, consumer
}

func TestPublishAndRead(t *testing.T) {
	producer, consumer := stacks()
	pub := crossregion.Publish(producer, "Greeting", &crossregion.PublishProps{ParameterName: "/app/greeting", Value: jsii.String("hello")})
	if pub.Reference.Region != "us-east-1" || pub.Reference.ParameterName != "/app/greeting" || len(pub.Reference.RefreshToken) != 64 {
		t.Fatalf("reference %+v", pub.Reference)
	}
	r := crossregion.NewReader(consumer, "Greeting", &crossregion.ReaderProps{Reference: pub.Reference})
	if !*awscdk.Token_IsUnresolved(r.Value()) {
		t.Fatalf("reader value %q is not a deploy-time token", *r.Value())
	}
	assertions.Template_FromStack(producer, nil).HasResourceProperties(jsii.String("AWS::SSM::Parameter"),
		map[string]any{"Name": "/app/greeting", "Value": "hello", "Type": "String"})
	res := *assertions.Template_FromStack(consumer, nil).FindResources(jsii.String("Custom::EdgekitCrossRegionParameter"), nil)
	if len(res) != 1 {
		t.Fatalf("%d readers", len(res))
	}
	for _, v := range res {
		props := (*v)["Properties"].(map[string]any)
		for _, phase := range []string{"Create", "Update"} {
			var call map[string]any
			if err := json.Unmarshal([]byte(props[phase].(string)), &call); err != nil {
				t.Fatal(err)
			}
			if call["region"] != "us-east-1" || call["action"] != "GetParameter" ||
				call["physicalResourceId"].(map[string]any)["id"] != "/app/greeting@"+pub.Reference.RefreshToken {
				t.Errorf("%s call %v", phase, call)
			}
		}
		if props["Delete"] != nil {
			t.Errorf("reader must not act on delete: %v", props["Delete"])
		}
	}
}

func TestRefreshTokenFollowsValue(t *testing.T) {
	a, _ := stacks()
	b, _ := stacks()
	x := crossregion.Publish(a, "P", &crossregion.PublishProps{ParameterName: "/p", Value: jsii.String("one")})
	y := crossregion.Publish(b, "P", &crossregion.PublishProps{ParameterName: "/p", Value: jsii.String("two")})
	if x.Reference.RefreshToken == y.Reference.RefreshToken {
		t.Fatal("different values, same refresh token")
	}
	c, _ := stacks()
	z := crossregion.Publish(c, "P", &crossregion.PublishProps{ParameterName: "/p", Value: jsii.String("one")})
	if x.Reference.RefreshToken != z.Reference.RefreshToken {
		t.Fatal("same value, different refresh token")
	}
}

func TestValidation(t *testing.T) {
	tests := []struct {
		name string
		run  func()
		want []string
	}{
		{"fails_env_agnostic_region", func() {
			app := awscdk.NewApp(nil)
			crossregion.Publish(awscdk.NewStack(app, jsii.String("S"), nil), "P", &crossregion.PublishProps{ParameterName: "/p", Value: jsii.String("v")})
		}, []string{"region is not set"}},
		{"fails_token_without_refresh", func() {
			p, _ := stacks()
			crossregion.Publish(p, "P", &crossregion.PublishProps{ParameterName: "/p", Value: p.StackId()})
		}, []string{`RefreshToken is required because Value for "/p"`}},
		{"fails_bad_name", func() {
			p, _ := stacks()
			crossregion.Publish(p, "P", &crossregion.PublishProps{ParameterName: "no-slash", Value: jsii.String("v")})
		}, []string{`ParameterName "no-slash"`}},
		{"fails_reader_without_token", func() {
			_, c := stacks()
			crossregion.NewReader(c, "R", &crossregion.ReaderProps{Reference: crossregion.Reference{ParameterName: "/p", Region: "us-east-1"}})
		}, []string{"RefreshToken is empty"}},
		{"fails_reader_bad_region_and_name", func() {
			_, c := stacks()
			crossregion.NewReader(c, "R", &crossregion.ReaderProps{Reference: crossregion.Reference{ParameterName: "p", RefreshToken: "x"}})
		}, []string{`ParameterName "p"`, `Region ""`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := func() (m string) {
				defer func() {
					if r := recover(); r != nil {
						m = fmt.Sprint(r)
					}
				}()
				tt.run()
				return ""
			}()
			if msg == "" {
				t.Fatal("no panic, want a synth error")
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("panic %q does not contain %q", msg, w)
				}
			}
		})
	}
}
