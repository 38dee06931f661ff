package books

import (
	"io/fs"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/config"
	"github.com/edgekit/edgekit/constructs/edgefunction"
	"github.com/edgekit/edgekit/constructs/pattern"
	booksfn "github.com/edgekit/edgekit/functions/books"
)

// Pattern is the books API (seed 001, first article) as the app hosts it: the
// table and the Go service on a function URL in the home region's Api stack,
// the SigV4 signer in the Edge stack (or origin access control instead), and
// the API behaviour on PathPattern. The single-page app that uses it is part
// of the site (site/files/books/).
type Pattern struct {
	pattern.Base
	// Config is the edgekit:books:* section.
	Config Config
	// Sources and Lib override the signer and library sources (tests).
	// Default: functions/books/signer and functions/edgelib.
	Sources, Lib fs.FS

	// Signer is the edge signer (Edge stack); nil when disabled or with OAC.
	Signer *EdgeSigner
	// Api is the table, function and URL (Api stack); nil when disabled.
	Api *BooksApi
	// Behavior is the API behaviour (Cdn stack); nil when disabled.
	Behavior *ApiBehavior
}

// Name implements pattern.Pattern.
func (p *Pattern) Name() string { return "books" }

// Sections implements pattern.Pattern.
func (p *Pattern) Sections() []config.Section { return []config.Section{&p.Config} }

// functionArn is the books function's ARN in the home region, formatted in
// stack from the configured name. The Edge stack deploys before the Api stack
// and in another region, so it cannot reference the function; the explicit
// name makes the ARN known up front.
func (p *Pattern) functionArn(stack awscdk.Stack, app *pattern.App) *string {
	return stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("lambda"),
		Region:       jsii.String(app.Config.HomeRegion),
		Resource:     jsii.String("function"),
		ResourceName: jsii.String(p.Config.FunctionName),
		ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
}

// BuildEdge implements pattern.Pattern: the signer, allowed to invoke the
// books function and to sign for function URLs of the home region only.
func (p *Pattern) BuildEdge(e *pattern.Edge) {
	if !p.Config.Enabled || p.Config.OriginAuth != OriginAuthSigner {
		return
	}
	fn := awslambda.Function_FromFunctionAttributes(e.Stack, jsii.String("BooksApiFunction"), &awslambda.FunctionAttributes{
		FunctionArn: p.functionArn(e.Stack, e.App),
		// The function lives in another region: nothing may be added to it from here.
		SkipPermissions: jsii.Bool(true),
	})
	p.Signer = NewEdgeSigner(e.Stack, "BooksSigner", &EdgeSignerProps{
		Origins:   []OriginRule{FunctionURLRule(e.Config.HomeRegion)},
		Functions: []awslambda.IFunction{fn},
		// The service's own limit: a larger body is refused at the edge
		// before the function is invoked, with the same 413.
		MaxBodyBytes:  booksfn.MaxBodyBytes,
		FunctionName:  e.EdgeFunctionName("books-signer"),
		ParameterName: e.EdgeParameterName("books-signer"),
		LogRetention:  e.LogRetention(),
		Sources:       p.Sources,
		Lib:           p.Lib,
	})
}

// BuildHome implements pattern.Pattern: the table and the service in the Api stack.
func (p *Pattern) BuildHome(h *pattern.Home) {
	if !p.Config.Enabled {
		return
	}
	stack := h.Api()
	p.Api = NewBooksApi(stack, "Books", &BooksApiProps{
		FunctionName: p.Config.FunctionName,
		BasePath:     p.Config.BasePath,
		MemorySize:   float64(p.Config.MemorySizeMB),
		LogRetention: h.LogRetention(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("BooksFunctionUrl"), &awscdk.CfnOutputProps{
		Value:       p.Api.Url.Url(),
		Description: jsii.String("books API function URL (AWS_IAM: only SigV4-signed requests)"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("BooksTableName"), &awscdk.CfnOutputProps{Value: p.Api.Table.TableName()})
}

// BuildCdn implements pattern.Pattern: the API behaviour, signed at the edge
// or through origin access control.
func (p *Pattern) BuildCdn(c *pattern.Cdn) {
	if p.Api == nil {
		return
	}
	props := &ApiBehaviorProps{
		PathPattern:           p.Config.PathPattern,
		FunctionUrl:           p.Api.Url,
		OriginAuth:            p.Config.OriginAuth,
		ResponseHeadersPolicy: c.ResponseHeadersPolicy,
	}
	if p.Signer != nil {
		props.Signer = edgefunction.ImportVersion(c.Stack, "BooksSignerVersion", p.Signer.Reference)
	} else {
		// Imported by its deterministic ARN: the permissions naming the
		// distribution belong in this stack, not the function's.
		props.Function = awslambda.Function_FromFunctionAttributes(c.Stack, jsii.String("BooksApiFunction"), &awslambda.FunctionAttributes{
			FunctionArn:     p.functionArn(c.Stack, c.App),
			SameEnvironment: jsii.Bool(true),
		})
	}
	p.Behavior = AddApiBehavior(c.Distribution, props)
}
