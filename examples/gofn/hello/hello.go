// Package hello is the logic of the example's function URL handler: it greets
// the caller by the name in the query string. It has no AWS dependency and is
// tested with function URL events from testdata/.
package hello

import (
	"context"
	"encoding/json"
	"net/http"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// MaxNameLength bounds the name echoed back.
const MaxNameLength = 64

// Handler answers function URL requests.
type Handler struct {
	// Greeting starts every answer, e.g. "hello".
	Greeting string
}

type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

type greetingBody struct {
	Message string `json:"message"`
}

// Handle answers GET /?name=<name> with {"message": "<greeting> <name>"}.
// Anything else is a 4xx with a JSON error body.
func (h Handler) Handle(_ context.Context, req events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
	if m := req.RequestContext.HTTP.Method; m != http.MethodGet {
		return reply(http.StatusMethodNotAllowed, errorBody{"method_not_allowed", "only GET is supported"}), nil
	}
	name := req.QueryStringParameters["name"]
	switch {
	case name == "":
		return reply(http.StatusBadRequest, errorBody{"missing_name", "the name query parameter is required"}), nil
	case !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxNameLength:
		return reply(http.StatusBadRequest, errorBody{"invalid_name", "name must be valid UTF-8 of at most 64 characters"}), nil
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ' ' && r != '-' {
			return reply(http.StatusBadRequest, errorBody{"invalid_name", "name may hold letters, digits, spaces and '-'"}), nil
		}
	}
	return reply(http.StatusOK, greetingBody{h.Greeting + " " + name}), nil
}

func reply(status int, body any) events.LambdaFunctionURLResponse {
	b, _ := json.Marshal(body) // plain structs of strings: cannot fail
	return events.LambdaFunctionURLResponse{
		StatusCode: status,
		Headers:    map[string]string{"content-type": "application/json", "cache-control": "no-store"},
		Body:       string(b),
	}
}
