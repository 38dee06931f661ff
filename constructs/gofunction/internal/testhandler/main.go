// Command testhandler is the smallest real Lambda handler: the package
// gofunction's tests build by import path. It answers every event with a
// greeting and the event's name, so a run under an emulator can be checked.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Name string `json:"name"`
}

type reply struct {
	Greeting string `json:"greeting"`
}

func handle(_ context.Context, e event) (reply, error) {
	return reply{Greeting: "hello " + e.Name}, nil
}

func main() {
	lambda.Start(handle)
}
