package books

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Options are the service's replaceable collaborators; the zero value is
// what the function uses in Lambda.
type Options struct {
	// Logger receives one JSON line per request and one per dependency
	// failure. Default: slog JSON handler on stdout (CloudWatch Logs).
	Logger *slog.Logger
	// Now is the clock for createdAt and updatedAt. Default: time.Now.
	Now func() time.Time
	// NewID generates book ids; it must return lower-case UUID v4 strings.
	// Default: random UUID v4 from crypto/rand.
	NewID func() (string, error)
}

// Service is the books API behind one Lambda function URL.
type Service struct {
	cfg    Config
	db     DB
	log    *slog.Logger
	now    func() time.Time
	newID  func() (string, error)
	tokens tokenSealer
}

// New validates cfg and returns a Service using db for storage.
func New(cfg Config, db DB, opts Options) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if db == nil {
		return nil, errors.New("books: nil DB")
	}
	s := &Service{cfg: cfg, db: db, log: opts.Logger, now: opts.Now, newID: opts.NewID, tokens: newTokenSealer(cfg)}
	if s.log == nil {
		s.log = slog.New(slog.NewJSONHandler(os.Stdout, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.newID == nil {
		s.newID = newID
	}
	return s, nil
}

// replyMargin is kept free before the Lambda deadline: DynamoDB calls are cut
// off this early so the function still answers 503 itself, instead of being
// killed and leaving the client a bare 502 from the function URL.
const replyMargin = 250 * time.Millisecond

// createAttempts bounds retries when a generated id already exists.
const createAttempts = 3

// result is a successful response before serialization.
type result struct {
	status  int
	headers map[string]string
	body    any
}

// Handle is the Lambda entry point for function URL events. It always returns
// a nil error: every outcome, panics included, is an HTTP response, because a
// returned error reaches the client as an opaque 502.
func (s *Service) Handle(ctx context.Context, ev events.LambdaFunctionURLRequest) (resp events.LambdaFunctionURLResponse, _ error) {
	start := time.Now()
	r := newRequest(ev)
	route := "unknown"
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic", "requestId", r.requestID, "route", route, "panic", fmt.Sprint(p))
			resp = errorResponse(newError(500, codeInternal, "internal error"))
		}
		s.log.Info("request",
			"requestId", r.requestID,
			"method", logMethod(r.method),
			"route", route,
			"status", resp.StatusCode,
			"durationMs", float64(time.Since(start).Microseconds())/1000)
	}()

	if dl, ok := ctx.Deadline(); ok && time.Until(dl) > 2*replyMargin {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-replyMargin))
		defer cancel()
	}

	var res result
	var aerr *apiError
	route, res, aerr = s.dispatch(ctx, r)
	if aerr != nil {
		return errorResponse(aerr), nil
	}
	return jsonResponse(res), nil
}

// dispatch routes on the raw path: BasePath is the collection, BasePath/{id}
// one book; nothing else exists.
func (s *Service) dispatch(ctx context.Context, r request) (string, result, *apiError) {
	base := s.cfg.BasePath
	switch {
	case r.path == base:
		switch r.method {
		case "GET":
			res, err := s.list(ctx, r)
			return "list", res, err
		case "POST":
			res, err := s.create(ctx, r)
			return "create", res, err
		default:
			return "collection", result{}, methodNotAllowed("GET, POST")
		}
	case strings.HasPrefix(r.path, base+"/"):
		id := r.path[len(base)+1:]
		if id == "" || strings.Contains(id, "/") {
			return "unknown", result{}, notFound("no such resource")
		}
		var route string
		switch r.method {
		case "GET":
			route = "get"
		case "PUT":
			route = "update"
		case "DELETE":
			route = "delete"
		default:
			return "item", result{}, methodNotAllowed("GET, PUT, DELETE")
		}
		if !validID(id) {
			return route, result{}, newError(400, codeInvalidID, "the book id is not valid")
		}
		var res result
		var err *apiError
		switch route {
		case "get":
			res, err = s.get(ctx, r, id)
		case "update":
			res, err = s.update(ctx, r, id)
		default:
			res, err = s.delete(ctx, r, id)
		}
		return route, res, err
	default:
		return "unknown", result{}, notFound("no such resource")
	}
}

func methodNotAllowed(allow string) *apiError {
	return newError(405, codeMethodNotAllowed, "method not allowed; allowed: "+allow).withHeader("allow", allow)
}

func notFound(msg string) *apiError { return newError(404, codeNotFound, msg) }

func bookResult(status int, b Book) result {
	return result{status: status, headers: map[string]string{"etag": etag(b.Version)}, body: b}
}

// fail logs a dependency error with context and returns what the client sees.
func (s *Service) fail(ctx context.Context, r request, op, id string, err error, write bool) *apiError {
	s.log.Error("dynamodb call failed", "requestId", r.requestID, "op", op, "bookId", id, "error", err.Error())
	return dependencyError(ctx, err, write)
}

// internal logs an invariant violation (a stored item or key the contract
// does not allow) and returns a 500.
func (s *Service) internal(r request, what string, err error) *apiError {
	s.log.Error(what, "requestId", r.requestID, "error", err.Error())
	return newError(500, codeInternal, "internal error")
}

func (s *Service) get(ctx context.Context, r request, id string) (result, *apiError) {
	b, found, err := s.load(ctx, id)
	if err != nil {
		return result{}, s.loadFailed(ctx, r, id, err)
	}
	if !found {
		return result{}, notFound("no book with this id")
	}
	return bookResult(200, b), nil
}

// load reads a book with a strongly consistent read, so a GET after a
// successful PUT always sees that PUT's version.
func (s *Service) load(ctx context.Context, id string) (Book, bool, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.cfg.TableName),
		Key:            keyOf(id),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return Book{}, false, fmt.Errorf("get book %s: %w", id, err)
	}
	if out.Item == nil {
		return Book{}, false, nil
	}
	b, err := itemToBook(out.Item)
	if err != nil {
		return Book{}, false, &corruptItemError{fmt.Errorf("book %s: %w", id, err)}
	}
	return b, true, nil
}

// corruptItemError marks a stored item that breaks the table contract.
type corruptItemError struct{ err error }

func (e *corruptItemError) Error() string { return e.err.Error() }
func (e *corruptItemError) Unwrap() error { return e.err }

func (s *Service) loadFailed(ctx context.Context, r request, id string, err error) *apiError {
	var ce *corruptItemError
	if errors.As(err, &ce) {
		return s.internal(r, "stored item breaks the table contract", err)
	}
	return s.fail(ctx, r, "GetItem", id, err, false)
}

func keyOf(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{AttrID: &types.AttributeValueMemberS{Value: id}}
}

func (s *Service) create(ctx context.Context, r request) (result, *apiError) {
	body, aerr := readBody(r)
	if aerr != nil {
		return result{}, aerr
	}
	var in createInput
	if aerr := decodeObject(body, &in, createFieldNames); aerr != nil {
		return result{}, aerr
	}
	f, aerr := validateFields(in.Title, in.Author, in.Year, in.ISBN)
	if aerr != nil {
		return result{}, aerr
	}
	now := formatTime(s.now())
	for attempt := 1; ; attempt++ {
		id, err := s.newID()
		if err != nil {
			return result{}, s.internal(r, "generate id", err)
		}
		if !validID(id) {
			return result{}, s.internal(r, "generate id", fmt.Errorf("generated id %q is not a UUID v4", id))
		}
		b := Book{ID: id, Title: f.Title, Author: f.Author, Year: f.Year, ISBN: f.ISBN, Version: 1, CreatedAt: now, UpdatedAt: now}
		// attribute_not_exists: a create never overwrites, even on an id
		// collision; the item is written whole in one call or not at all.
		_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                aws.String(s.cfg.TableName),
			Item:                     bookToItem(b),
			ConditionExpression:      aws.String("attribute_not_exists(#id)"),
			ExpressionAttributeNames: map[string]string{"#id": AttrID},
		})
		var ccf *types.ConditionalCheckFailedException
		switch {
		case err == nil:
			res := bookResult(201, b)
			res.headers["location"] = s.cfg.BasePath + "/" + id
			return res, nil
		case errors.As(err, &ccf) && attempt < createAttempts:
			s.log.Warn("generated id already exists; retrying", "requestId", r.requestID, "bookId", id)
			continue
		default:
			return result{}, s.fail(ctx, r, "PutItem", id, fmt.Errorf("put book %s: %w", id, err), true)
		}
	}
}

// precondition resolves the expected version of a PUT from If-Match and the
// body's version. ifMatch tells which one the client used, for the status of
// a mismatch (412 for the header, 409 for the body, as RFC 9110 reserves 412
// for failed header preconditions).
func precondition(header *int64, bodyVersion *int64) (expected int64, ifMatch bool, aerr *apiError) {
	if bodyVersion != nil && (*bodyVersion < 1 || *bodyVersion > MaxVersion) {
		return 0, false, newError(400, codeInvalidField, fmt.Sprintf("version must be an integer from 1 to %d", int64(MaxVersion)))
	}
	switch {
	case header != nil && bodyVersion != nil && *header != *bodyVersion:
		return 0, false, newError(400, codePreconditionConflict, "If-Match and the body's version name different versions")
	case header != nil:
		return *header, true, nil
	case bodyVersion != nil:
		return *bodyVersion, false, nil
	default:
		return 0, false, newError(428, codePreconditionRequired, `updates must name the version they replace: send If-Match: "<version>" (the ETag of a GET) or "version" in the body`)
	}
}

func (s *Service) update(ctx context.Context, r request, id string) (result, *apiError) {
	var header *int64
	if v, ok := r.headers["if-match"]; ok {
		n, aerr := parseIfMatch(v)
		if aerr != nil {
			return result{}, aerr
		}
		header = &n
	}
	body, aerr := readBody(r)
	if aerr != nil {
		return result{}, aerr
	}
	var in updateInput
	if aerr := decodeObject(body, &in, updateFieldNames); aerr != nil {
		return result{}, aerr
	}
	f, aerr := validateFields(in.Title, in.Author, in.Year, in.ISBN)
	if aerr != nil {
		return result{}, aerr
	}
	expected, viaHeader, aerr := precondition(header, in.Version)
	if aerr != nil {
		return result{}, aerr
	}

	set := "SET #title = :title, #author = :author, #year = :year, #version = :next, #updatedAt = :now"
	names := map[string]string{
		"#id": AttrID, "#title": AttrTitle, "#author": AttrAuthor, "#year": AttrYear,
		"#version": AttrVersion, "#updatedAt": AttrUpdatedAt, "#isbn": AttrISBN,
	}
	values := map[string]types.AttributeValue{
		":title":    &types.AttributeValueMemberS{Value: f.Title},
		":author":   &types.AttributeValueMemberS{Value: f.Author},
		":year":     &types.AttributeValueMemberN{Value: strconv.Itoa(f.Year)},
		":next":     &types.AttributeValueMemberN{Value: strconv.FormatInt(expected+1, 10)},
		":expected": &types.AttributeValueMemberN{Value: strconv.FormatInt(expected, 10)},
		":now":      &types.AttributeValueMemberS{Value: formatTime(s.now())},
	}
	expr := set + " REMOVE #isbn"
	if f.ISBN != "" {
		expr = set + ", #isbn = :isbn"
		values[":isbn"] = &types.AttributeValueMemberS{Value: f.ISBN}
	}
	// One conditional write: DynamoDB evaluates the version check and applies
	// the whole update atomically, so of N concurrent writers naming the same
	// version exactly one succeeds and no update is lost.
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           aws.String(s.cfg.TableName),
		Key:                                 keyOf(id),
		UpdateExpression:                    aws.String(expr),
		ConditionExpression:                 aws.String("attribute_exists(#id) AND #version = :expected"),
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           values,
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		cur, found, aerr := s.current(ctx, r, id, ccf)
		if aerr != nil {
			return result{}, aerr
		}
		if !found {
			return result{}, notFound("no book with this id")
		}
		if viaHeader {
			return result{}, newError(412, codePreconditionFailed,
				fmt.Sprintf("the book is at version %d, not %d; GET it and reapply your change", cur.Version, expected)).
				withHeader("etag", etag(cur.Version))
		}
		return result{}, newError(409, codeVersionConflict,
			fmt.Sprintf("the book is at version %d, not %d; GET it and reapply your change", cur.Version, expected)).
			withHeader("etag", etag(cur.Version))
	}
	if err != nil {
		return result{}, s.fail(ctx, r, "UpdateItem", id, fmt.Errorf("update book %s: %w", id, err), true)
	}
	b, err := itemToBook(out.Attributes)
	if err != nil {
		// The write succeeded; only its echo is unreadable. Report 500 (the
		// client re-reads), never a 2xx with a body that is not the book.
		return result{}, s.internal(r, "updated item breaks the table contract", fmt.Errorf("book %s: %w", id, err))
	}
	return bookResult(200, b), nil
}

// current is the item a failed condition saw: DynamoDB returns it with the
// exception (ReturnValuesOnConditionCheckFailure); emulators and a missing
// item return none, so fall back to a consistent read.
func (s *Service) current(ctx context.Context, r request, id string, ccf *types.ConditionalCheckFailedException) (Book, bool, *apiError) {
	if ccf.Item != nil {
		b, err := itemToBook(ccf.Item)
		if err != nil {
			return Book{}, false, s.internal(r, "stored item breaks the table contract", fmt.Errorf("book %s: %w", id, err))
		}
		return b, true, nil
	}
	b, found, err := s.load(ctx, id)
	if err != nil {
		return Book{}, false, s.loadFailed(ctx, r, id, err)
	}
	return b, found, nil
}

// delete is idempotent: 204 whether the book existed or not, so a retried
// DELETE (its first reply lost) succeeds. With If-Match the book is deleted
// only at that version; an already absent book still gives 204 for the same
// reason.
func (s *Service) delete(ctx context.Context, r request, id string) (result, *apiError) {
	in := &dynamodb.DeleteItemInput{TableName: aws.String(s.cfg.TableName), Key: keyOf(id)}
	var expected int64
	if v, ok := r.headers["if-match"]; ok {
		n, aerr := parseIfMatch(v)
		if aerr != nil {
			return result{}, aerr
		}
		expected = n
		in.ConditionExpression = aws.String("attribute_not_exists(#id) OR #version = :expected")
		in.ExpressionAttributeNames = map[string]string{"#id": AttrID, "#version": AttrVersion}
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":expected": &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}}
		in.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	}
	_, err := s.db.DeleteItem(ctx, in)
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		cur, found, aerr := s.current(ctx, r, id, ccf)
		if aerr != nil {
			return result{}, aerr
		}
		if !found {
			return result{status: 204}, nil
		}
		return result{}, newError(412, codePreconditionFailed,
			fmt.Sprintf("the book is at version %d, not %d; it was not deleted", cur.Version, expected)).
			withHeader("etag", etag(cur.Version))
	}
	if err != nil {
		return result{}, s.fail(ctx, r, "DeleteItem", id, fmt.Errorf("delete book %s: %w", id, err), true)
	}
	return result{status: 204}, nil
}

// page is the list response body.
type page struct {
	Items []Book `json:"items"`
	// Next is the token for the following page; absent on the last page.
	Next string `json:"next,omitempty"`
}

// list pages through the author index (Query) when filtered by author, else
// through the table (Scan). Limit bounds the items DynamoDB reads per call,
// so a page costs at most limit items of read capacity.
func (s *Service) list(ctx context.Context, r request) (result, *apiError) {
	q, aerr := parseListQuery(r.query)
	if aerr != nil {
		return result{}, aerr
	}
	var start map[string]types.AttributeValue
	if q.next != "" {
		if start, aerr = s.tokens.open(q.next, q.author); aerr != nil {
			return result{}, aerr
		}
	}
	var items []map[string]types.AttributeValue
	var last map[string]types.AttributeValue
	var op string
	var err error
	if q.author != "" {
		op = "Query"
		var out *dynamodb.QueryOutput
		out, err = s.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(s.cfg.TableName),
			IndexName:                 aws.String(s.cfg.AuthorIndex),
			KeyConditionExpression:    aws.String("#author = :author"),
			ExpressionAttributeNames:  map[string]string{"#author": AttrAuthor},
			ExpressionAttributeValues: map[string]types.AttributeValue{":author": &types.AttributeValueMemberS{Value: q.author}},
			Limit:                     aws.Int32(q.limit),
			ExclusiveStartKey:         start,
		})
		if out != nil {
			items, last = out.Items, out.LastEvaluatedKey
		}
	} else {
		op = "Scan"
		var out *dynamodb.ScanOutput
		out, err = s.db.Scan(ctx, &dynamodb.ScanInput{
			TableName:         aws.String(s.cfg.TableName),
			Limit:             aws.Int32(q.limit),
			ExclusiveStartKey: start,
		})
		if out != nil {
			items, last = out.Items, out.LastEvaluatedKey
		}
	}
	if err != nil {
		return result{}, s.fail(ctx, r, op, "", fmt.Errorf("list books: %w", err), false)
	}
	p := page{Items: make([]Book, 0, len(items))}
	for _, it := range items {
		b, err := itemToBook(it)
		if err != nil {
			return result{}, s.internal(r, "stored item breaks the table contract", err)
		}
		p.Items = append(p.Items, b)
	}
	if len(last) > 0 {
		if p.Next, err = s.tokens.seal(q.author, last); err != nil {
			return result{}, s.internal(r, "seal page token", err)
		}
	}
	return result{status: 200, body: p}, nil
}

// baseHeaders go on every response: JSON, never cached by CloudFront or the
// browser (the cache behavior disables caching too; this keeps any other
// cache honest), and no content sniffing.
func baseHeaders() map[string]string {
	return map[string]string{
		"content-type":           "application/json; charset=utf-8",
		"cache-control":          "no-store",
		"x-content-type-options": "nosniff",
	}
}

func jsonResponse(res result) events.LambdaFunctionURLResponse {
	h := baseHeaders()
	for k, v := range res.headers {
		h[k] = v
	}
	if res.status == 204 {
		delete(h, "content-type")
		return events.LambdaFunctionURLResponse{StatusCode: 204, Headers: h}
	}
	body, err := json.Marshal(res.body)
	if err != nil {
		// Only Book and page are marshalled; neither can fail.
		return errorResponse(newError(500, codeInternal, "internal error"))
	}
	return events.LambdaFunctionURLResponse{StatusCode: res.status, Headers: h, Body: string(body)}
}

func errorResponse(e *apiError) events.LambdaFunctionURLResponse {
	h := baseHeaders()
	for k, v := range e.Headers {
		h[k] = v
	}
	body, _ := json.Marshal(struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}{e.Code, e.Message})
	return events.LambdaFunctionURLResponse{StatusCode: e.Status, Headers: h, Body: string(body)}
}

// logMethod keeps client-chosen bytes out of the log: known methods are
// logged as is, anything else as "other".
func logMethod(m string) string {
	switch m {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
		return m
	}
	return "other"
}
