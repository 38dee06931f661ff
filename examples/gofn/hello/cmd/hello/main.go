// Command hello wires the hello handler for Lambda: configuration from the
// environment once per container, then the runtime loop.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/edgekit/edgekit/examples/gofn/hello"
)

func main() {
	greeting := os.Getenv("GREETING")
	if greeting == "" {
		greeting = "hello"
	}
	lambda.Start(hello.Handler{Greeting: greeting}.Handle)
}
