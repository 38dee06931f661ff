// Command books is the Lambda function behind the books API's function URL.
// It only wires: configuration and the DynamoDB client are built once per
// container, then every event goes to books.Service.Handle.
//
// Build for Lambda (provided.al2023, arm64):
//
//	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -tags lambda.norpc -trimpath -ldflags "-s -w" -o bootstrap ./functions/books/cmd/books
//
// The SDK's standard endpoint overrides (AWS_ENDPOINT_URL,
// AWS_ENDPOINT_URL_DYNAMODB) are honoured by config.LoadDefaultConfig, which
// is how the tests run this binary against a local DynamoDB emulator.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/edgekit/edgekit/functions/books"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg, err := books.LoadConfig(os.Getenv)
	if err != nil {
		logger.Error("invalid configuration", "error", err.Error())
		os.Exit(1)
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		logger.Error("load AWS configuration", "error", err.Error())
		os.Exit(1)
	}
	svc, err := books.New(cfg, dynamodb.NewFromConfig(awsCfg), books.Options{Logger: logger})
	if err != nil {
		logger.Error("create books service", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(svc.Handle)
}
