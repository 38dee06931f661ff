package books_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/edgekit/edgekit/functions/books"
)

// fixtureID is the book id the fixtures in testdata name.
const fixtureID = "3f1c2a4e-8b7d-4c6e-9f10-2a3b4c5d6e7f"

var testCfg = books.Config{TableName: "books-test", AuthorIndex: books.DefaultAuthorIndex, BasePath: books.DefaultBasePath}

var fixedNow = time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)

// fixture loads testdata/<name>.json, a function URL event in the shape the
// AWS documentation gives.
func fixture(t testing.TB, name string) events.LambdaFunctionURLRequest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	var ev events.LambdaFunctionURLRequest
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&ev); err != nil {
		t.Fatalf("decode fixture %s: %v", name, err)
	}
	return ev
}

// syncBuffer is a log sink safe for concurrent requests.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newService builds a Service on db with a fixed clock and a captured log.
func newService(t testing.TB, db books.DB, cfg books.Config) (*books.Service, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	svc, err := books.New(cfg, db, books.Options{
		Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		Now:    func() time.Time { return fixedNow },
	})
	if err != nil {
		t.Fatalf("books.New: %v", err)
	}
	return svc, logs
}

func invoke(t testing.TB, svc *books.Service, ev events.LambdaFunctionURLRequest) events.LambdaFunctionURLResponse {
	t.Helper()
	resp, err := svc.Handle(context.Background(), ev)
	if err != nil {
		t.Fatalf("Handle returned an error (function URL would answer 502): %v", err)
	}
	return resp
}

type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// decodeError checks the error body's shape: exactly {error, message}, both set.
func decodeError(t testing.TB, resp events.LambdaFunctionURLResponse) errorBody {
	t.Helper()
	var e errorBody
	dec := json.NewDecoder(strings.NewReader(resp.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Error == "" || e.Message == "" {
		t.Fatalf("status %d: error body %q is not {error, message}: %v", resp.StatusCode, resp.Body, err)
	}
	if ct := resp.Headers["content-type"]; ct != "application/json; charset=utf-8" {
		t.Errorf("error content-type = %q", ct)
	}
	return e
}

func decodeBook(t testing.TB, resp events.LambdaFunctionURLResponse) books.Book {
	t.Helper()
	var b books.Book
	dec := json.NewDecoder(strings.NewReader(resp.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("status %d: body %q is not a book: %v", resp.StatusCode, resp.Body, err)
	}
	return b
}

type listBody struct {
	Items []books.Book `json:"items"`
	Next  string       `json:"next"`
}

func decodeList(t testing.TB, resp events.LambdaFunctionURLResponse) listBody {
	t.Helper()
	var l listBody
	dec := json.NewDecoder(strings.NewReader(resp.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil || l.Items == nil {
		t.Fatalf("status %d: body %q is not a page: %v", resp.StatusCode, resp.Body, err)
	}
	return l
}

// seedItem stores a book directly in the fake, as a previous create would.
func seedItem(db *memDB, id, title, author string, version string) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.items[id] = map[string]types.AttributeValue{
		"id":        &types.AttributeValueMemberS{Value: id},
		"title":     &types.AttributeValueMemberS{Value: title},
		"author":    &types.AttributeValueMemberS{Value: author},
		"year":      &types.AttributeValueMemberN{Value: "1937"},
		"version":   &types.AttributeValueMemberN{Value: version},
		"createdAt": &types.AttributeValueMemberS{Value: "2026-01-01T00:00:00.000Z"},
		"updatedAt": &types.AttributeValueMemberS{Value: "2026-01-01T00:00:00.000Z"},
	}
}

// jsonEvent returns the create fixture with another method, path and body.
func jsonEvent(t testing.TB, method, path, body string) events.LambdaFunctionURLRequest {
	t.Helper()
	ev := fixture(t, "create")
	ev.RequestContext.HTTP.Method = method
	ev.RawPath = path
	ev.RequestContext.HTTP.Path = path
	ev.Body = body
	delete(ev.Headers, "content-length")
	return ev
}
