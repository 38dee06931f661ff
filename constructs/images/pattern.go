package images

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/edgekit/edgekit/config"
	"github.com/edgekit/edgekit/constructs/pattern"
)

// Pattern is the images pattern (seed 004) as the app hosts it: the private
// images bucket (Storage stack), the Go origin on a function URL (Api
// stack), and the images behaviour on the distribution (Cdn stack). With
// edgekit:images:objectLambda the origin is the legacy S3 Object Lambda
// access point instead (supporting access point in Storage, function and
// Object Lambda access point in Api).
type Pattern struct {
	pattern.Base
	// Config is the edgekit:images:* section.
	Config Config

	// Bucket holds the originals (Storage stack), nil when disabled.
	Bucket awss3.Bucket
	// Origin is the function URL origin (Api stack), nil when disabled or
	// in Object Lambda mode.
	Origin *Origin
	// SupportingAccessPoint (Storage stack) and ObjectLambda (Api stack)
	// make the Object Lambda origin, nil unless edgekit:images:objectLambda.
	SupportingAccessPoint *SupportingAccessPoint
	// ObjectLambda is the Object Lambda function and access point.
	ObjectLambda *ObjectLambdaOrigin
	// FunctionURLOrigin (function URL mode) or ObjectLambdaAttachment
	// (Object Lambda mode) is the origin side in the Cdn stack.
	FunctionURLOrigin *FunctionURLOrigin
	// ObjectLambdaAttachment is the Object Lambda origin in the Cdn stack.
	ObjectLambdaAttachment *ObjectLambdaAttachment
	// Behavior is the images behaviour (Cdn stack), nil when disabled.
	Behavior *Behavior
}

// Name implements pattern.Pattern.
func (p *Pattern) Name() string { return "images" }

// Sections implements pattern.Pattern.
func (p *Pattern) Sections() []config.Section { return []config.Section{&p.Config} }

// handlerProps turns the section into the origin function's settings.
func (p *Pattern) handlerProps(app *pattern.App) HandlerProps {
	return HandlerProps{
		MaxObjectBytes: p.Config.MaxObjectBytes,
		CacheControl:   p.Config.CacheControl,
		DropIccProfile: !p.Config.KeepIccProfile,
		LogRetention:   app.LogRetention(),
	}
}

// BuildHome implements pattern.Pattern.
func (p *Pattern) BuildHome(h *pattern.Home) {
	if !p.Config.Enabled {
		return
	}
	p.Bucket = NewBucket(h.Storage, "Images", &BucketProps{AccessLogs: h.Logs})
	awscdk.NewCfnOutput(h.Storage, jsii.String("ImagesBucketName"), &awscdk.CfnOutputProps{
		Value:       p.Bucket.BucketName(),
		Description: jsii.String("Upload originals here: s3://<this>/<key> is served at https://<distribution>/<key>"),
	})
	if p.Config.ObjectLambda {
		p.SupportingAccessPoint = NewSupportingAccessPoint(h.Storage, "ImagesAccessPoint", &SupportingAccessPointProps{
			Bucket: p.Bucket,
			Name:   h.ResourceName("images"),
		})
		p.ObjectLambda = NewObjectLambdaOrigin(h.Api(), "ImagesObjectLambda", &ObjectLambdaOriginProps{
			HandlerProps:             p.handlerProps(h.App),
			SupportingAccessPointArn: p.SupportingAccessPoint.Arn,
			Name:                     h.ResourceName("images-ol"),
		})
		return
	}
	p.Origin = NewOrigin(h.Api(), "Images", &OriginProps{
		HandlerProps: p.handlerProps(h.App),
		Bucket:       p.Bucket,
	})
}

// BuildCdn implements pattern.Pattern.
func (p *Pattern) BuildCdn(c *pattern.Cdn) {
	if !p.Config.Enabled {
		return
	}
	var origin awscloudfront.IOrigin
	if p.ObjectLambda != nil {
		p.ObjectLambdaAttachment = AttachObjectLambdaOrigin(c.Stack, "ImagesObjectLambdaOrigin", &ObjectLambdaAttachProps{
			AccessPointName:   p.ObjectLambda.Name,
			AccessPointAlias:  p.ObjectLambda.AccessPoint.AttrAliasValue(),
			FunctionArn:       p.ObjectLambda.Function.Function.FunctionArn(),
			Distribution:      c.Distribution,
			AccessControlName: c.ResourceName("images-object-lambda"),
		})
		origin = p.ObjectLambdaAttachment.Origin
	} else {
		p.FunctionURLOrigin = AttachFunctionURLOrigin(c.Stack, "ImagesOrigin", &FunctionURLOriginProps{
			URL:               p.Origin.URL,
			Distribution:      c.Distribution,
			AccessControlName: c.ResourceName("images-function-url"),
		})
		origin = p.FunctionURLOrigin.Origin
	}
	p.Behavior = NewBehavior(c.Stack, "ImagesBehavior", &BehaviorProps{
		Distribution:            c.Distribution,
		Origin:                  origin,
		Path:                    p.Config.Path,
		ResponseHeadersPolicy:   c.ResponseHeadersPolicy,
		CachePolicyName:         c.ResourceName("images"),
		OriginRequestPolicyName: c.ResourceName("images"),
		FunctionName:            c.ResourceName("images-normalize"),
	})
	awscdk.NewCfnOutput(c.Stack, jsii.String("ImagesBaseUrl"), &awscdk.CfnOutputProps{
		Value:       jsii.String("https://" + *c.Distribution.DistributionDomainName() + p.Config.Path[:len(p.Config.Path)-1]),
		Description: jsii.String("GET <this><name> serves the original " + p.Config.Path[1:len(p.Config.Path)-1] + "<name> without metadata; ?showExif=true returns its EXIF as JSON"),
	})
}
