// Command images-objectlambda is the legacy S3 Object Lambda mode of the
// images pattern (S3 Object Lambda is closed to new customers since
// 2025-11-07). It only wires configuration, the S3 client used for
// WriteGetObjectResponse, the HTTP client for inputS3Url and the Lambda
// runtime; the logic is package images.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/edgekit/edgekit/functions/images"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	h, err := setup(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("images-objectlambda: start-up failed", slog.Any("error", err))
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

// setup loads configuration and creates the clients once per container.
// With an endpoint override (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3) the
// WriteGetObjectResponse host prefix ("{route}.") is disabled: a local fake
// cannot be reached under a prefixed host name.
func setup(ctx context.Context, getenv func(string) string, log *slog.Logger) (*images.ObjectLambdaHandler, error) {
	cfg, err := images.ConfigFromEnv(getenv, images.ObjectLambda)
	if err != nil {
		return nil, err
	}
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		o.UsePathStyle = cfg.S3PathStyle
		if o.BaseEndpoint != nil {
			o.APIOptions = append(o.APIOptions, disableHostPrefix)
		}
	})
	return images.NewObjectLambdaHandler(cfg, client, images.NewInputClient(cfg.FetchTimeout), log)
}

func disableHostPrefix(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("DisableHostPrefix",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
		}), middleware.Before)
}
