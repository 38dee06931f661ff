package basicauth

import (
	"io/fs"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/config"
	"github.com/edgekit/edgekit/constructs/edgefunction"
	"github.com/edgekit/edgekit/constructs/pattern"
)

// Pattern is private content behind HTTP Basic auth (seed 003) as the app
// hosts it: the private bucket in the Storage stack, the viewer-request
// function in the Edge stack, and in the Cdn stack the bucket's policy and
// the behaviour on Config.Path.
type Pattern struct {
	pattern.Base
	// Config is the edgekit:basicauth:* section.
	Config Config
	// Sources and Lib override the handler and library sources (tests).
	// Default: functions/basicauth and functions/edgelib.
	Sources, Lib fs.FS

	// Edge is the Basic-auth function (Edge stack), nil when disabled.
	Edge *EdgeBasicAuth
	// Bucket is the private bucket (Storage stack), nil when disabled.
	Bucket awss3.Bucket
	// Version is the function's version imported into the Cdn stack, nil when disabled.
	Version awslambda.IVersion
	// Policy is the private bucket's policy (Cdn stack), nil when disabled.
	Policy awss3.BucketPolicy
}

// Name implements pattern.Pattern.
func (p *Pattern) Name() string { return "basicauth" }

// Sections implements pattern.Pattern.
func (p *Pattern) Sections() []config.Section { return []config.Section{&p.Config} }

// BuildEdge implements pattern.Pattern.
func (p *Pattern) BuildEdge(e *pattern.Edge) {
	if !p.Config.Enabled {
		return
	}
	p.Edge = NewEdgeBasicAuth(e.Stack, "BasicAuth", &EdgeBasicAuthProps{
		UsersParameterName:   p.Config.ParameterName,
		Realm:                p.Config.Realm,
		UsersTTLSeconds:      p.Config.UsersTTLSeconds,
		FunctionName:         e.EdgeFunctionName("basicauth"),
		VersionParameterName: e.EdgeParameterName("basicauth"),
		LogRetention:         e.LogRetention(),
		Sources:              p.Sources,
		Lib:                  p.Lib,
	})
	awscdk.NewCfnOutput(e.Stack, jsii.String("BasicAuthUsersParameter"), &awscdk.CfnOutputProps{
		Value:       jsii.String(p.Config.ParameterName),
		Description: jsii.String("SSM SecureString with the Basic-auth users: go run ./cmd/edgekit users add <name>"),
	})
}

// BuildHome implements pattern.Pattern.
func (p *Pattern) BuildHome(h *pattern.Home) {
	if !p.Config.Enabled {
		return
	}
	p.Bucket = NewPrivateBucket(h.Storage, "Private", &PrivateBucketProps{AccessLogs: h.Logs})
	awscdk.NewCfnOutput(h.Storage, jsii.String("PrivateBucketName"), &awscdk.CfnOutputProps{
		Value:       p.Bucket.BucketName(),
		Description: jsii.String("Private content, served on " + p.Config.Path + " behind Basic auth"),
	})
}

// BuildCdn implements pattern.Pattern.
func (p *Pattern) BuildCdn(c *pattern.Cdn) {
	if p.Edge == nil || p.Bucket == nil {
		return
	}
	// Imported, like the site bucket: the Cdn stack must not edit the
	// Storage stack's bucket (a cycle); AttachPrivateBucket writes its policy.
	bucket := awss3.Bucket_FromBucketAttributes(c.Stack, jsii.String("PrivateBucket"), &awss3.BucketAttributes{
		BucketName:               p.Bucket.BucketName(),
		BucketArn:                p.Bucket.BucketArn(),
		BucketRegionalDomainName: p.Bucket.BucketRegionalDomainName(),
	})
	p.Policy = AttachPrivateBucket(c.Stack, &AttachPrivateBucketProps{Bucket: bucket, Distribution: c.Distribution})
	p.Version = edgefunction.ImportVersion(c.Stack, "BasicAuthVersion", p.Edge.Function.Reference)
	AddBehavior(c.Distribution, &BehaviorProps{
		Path:                  p.Config.Path,
		Bucket:                bucket,
		Version:               p.Version,
		ResponseHeadersPolicy: c.ResponseHeadersPolicy,
	})
}
