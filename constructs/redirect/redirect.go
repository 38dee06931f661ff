package redirect

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/edgekit/edgekit/constructs/edgefunction"
	redirectfn "github.com/edgekit/edgekit/functions/redirect"
)

// HandlerConfig is the redirect handler's synth-time configuration, baked
// into the bundle as "edgekit:config" (Lambda@Edge has no environment
// variables). The JSON names are the contract with functions/redirect/index.js,
// which refuses to start without them.
type HandlerConfig struct {
	// Rules in match order.
	Rules []Rule `json:"rules"`
}

// EdgeRedirectProps configures NewEdgeRedirect.
type EdgeRedirectProps struct {
	// Rules are the redirects, first match wins. Default: none (every request
	// passes through).
	Rules []Rule
	// FunctionName of the Lambda function. Default: derived from the stack
	// name and construct path (edgefunction).
	FunctionName string
	// ParameterName of the SSM parameter receiving the version ARN.
	// Default: derived from the function name (edgefunction).
	ParameterName string
	// LogRetention of the function's us-east-1 log group. Default: one month.
	LogRetention awslogs.RetentionDays
	// Sources holds the handler modules. Default: functions/redirect.
	Sources fs.FS
	// Lib holds the shared edge library. Default: functions/edgelib.
	Lib fs.FS
}

// NewEdgeRedirect creates the viewer-request redirect function in a us-east-1
// stack: the construct at (scope, id) is the edgefunction.EdgeFunction
// itself. Attach its version to a default behaviour as a VIEWER_REQUEST edge
// lambda (edgefunction.ImportVersion in another region). It panics with one
// message naming every invalid rule.
func NewEdgeRedirect(scope constructs.Construct, id string, props *EdgeRedirectProps) *edgefunction.EdgeFunction {
	if props == nil {
		props = &EdgeRedirectProps{}
	}
	p := *props
	if p.Sources == nil {
		p.Sources = redirectfn.Sources
	}
	var errs []string
	for i, r := range p.Rules {
		for _, e := range r.problems(p.Rules[:i]) {
			errs = append(errs, fmt.Sprintf("Rules[%d]%s = %q: %s", i, e.field, fmt.Sprint(e.value), e.why))
		}
	}
	if len(errs) > 0 {
		panic(fmt.Sprintf("redirect.NewEdgeRedirect %q: invalid props:\n  - %s", id, strings.Join(errs, "\n  - ")))
	}
	rules := p.Rules
	if rules == nil {
		rules = []Rule{}
	}
	return edgefunction.NewEdgeFunction(scope, id, &edgefunction.EdgeFunctionProps{
		Sources:       p.Sources,
		Lib:           p.Lib,
		Entry:         "index.js",
		Config:        HandlerConfig{Rules: rules},
		EventTypes:    []awscloudfront.LambdaEdgeEventType{awscloudfront.LambdaEdgeEventType_VIEWER_REQUEST},
		FunctionName:  p.FunctionName,
		Description:   "edgekit viewer-request redirects",
		LogRetention:  p.LogRetention,
		ParameterName: p.ParameterName,
	})
}
