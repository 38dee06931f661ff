// Command images is the function URL origin of the images pattern: it reads
// originals from a private bucket and returns them without metadata, or
// their EXIF as JSON with ?showExif=true. It only wires configuration, the
// S3 client and the Lambda runtime; the logic is package images.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/edgekit/edgekit/functions/images"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	h, err := setup(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("images: start-up failed", slog.Any("error", err))
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

// setup loads configuration and creates the S3 client once per container.
// The SDK's standard endpoint overrides (AWS_ENDPOINT_URL,
// AWS_ENDPOINT_URL_S3) apply, and IMAGES_S3_PATH_STYLE=true selects
// path-style addressing for local S3 fakes.
func setup(ctx context.Context, getenv func(string) string, log *slog.Logger) (*images.Handler, error) {
	cfg, err := images.ConfigFromEnv(getenv, images.FunctionURL)
	if err != nil {
		return nil, err
	}
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		o.UsePathStyle = cfg.S3PathStyle
	})
	return images.NewHandler(cfg, client, log)
}
