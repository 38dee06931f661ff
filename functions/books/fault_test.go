package books_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/edgekit/edgekit/functions/books"
)

// sdkErr wraps err the way the SDK returns it after its retries.
func sdkErr(op string, err error) error {
	return &smithy.OperationError{ServiceID: "DynamoDB", OperationName: op, Err: &retry.MaxAttemptsError{Attempt: 3, Err: err}}
}

// TestDependencyFaults injects each DynamoDB failure into each route and
// checks the HTTP mapping, that the client sees none of the dependency's
// text, that the log does, and that nothing was written.
func TestDependencyFaults(t *testing.T) {
	faults := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
	}{
		{"provisioned_throughput_exceeded", &types.ProvisionedThroughputExceededException{Message: aws.String("secret-detail-1")}, 503, "unavailable"},
		{"throttling_exception_typed", &types.ThrottlingException{Message: aws.String("secret-detail-2")}, 503, "unavailable"},
		{"throttling_exception_generic_code", &smithy.GenericAPIError{Code: "ThrottlingException", Message: "secret-detail-3"}, 503, "unavailable"},
		{"request_limit_exceeded", &types.RequestLimitExceeded{Message: aws.String("secret-detail-4")}, 503, "unavailable"},
		{"internal_server_error", &types.InternalServerError{Message: aws.String("secret-detail-5")}, 503, "unavailable"},
		{"retry_quota_exhausted", fmt.Errorf("secret-detail-6: %w", ratelimit.QuotaExceededError{Available: 0, Requested: 5}), 503, "unavailable"},
		{"deadline_exceeded", fmt.Errorf("secret-detail-7: %w", context.DeadlineExceeded), 503, "timeout"},
		{"validation_exception", &smithy.GenericAPIError{Code: "ValidationException", Message: "secret-detail-8"}, 500, "internal"},
		{"resource_not_found", &types.ResourceNotFoundException{Message: aws.String("secret-detail-9")}, 500, "internal"},
		{"connection_reset", errors.New("read tcp: connection reset by peer secret-detail-10"), 500, "internal"},
	}
	routes := []struct {
		name  string
		op    string
		event func(t *testing.T) events.LambdaFunctionURLRequest
		setup func(db *memDB)
	}{
		{"create", "PutItem", func(t *testing.T) events.LambdaFunctionURLRequest { return fixture(t, "create") }, nil},
		{"get", "GetItem", func(t *testing.T) events.LambdaFunctionURLRequest { return fixture(t, "get") }, nil},
		{"update", "UpdateItem", func(t *testing.T) events.LambdaFunctionURLRequest { return fixture(t, "update") }, nil},
		{"update_stale_then_read", "GetItem", func(t *testing.T) events.LambdaFunctionURLRequest { return fixture(t, "update") },
			func(db *memDB) { db.items[fixtureID]["version"] = &types.AttributeValueMemberN{Value: "9"} }},
		{"delete", "DeleteItem", func(t *testing.T) events.LambdaFunctionURLRequest { return fixture(t, "delete") }, nil},
		{"list", "Scan", func(t *testing.T) events.LambdaFunctionURLRequest { return fixture(t, "list") }, nil},
		{"list_author", "Query", func(t *testing.T) events.LambdaFunctionURLRequest { return fixture(t, "list-author") }, nil},
	}
	for _, r := range routes {
		for _, f := range faults {
			t.Run("fails_"+r.name+"_"+f.name, func(t *testing.T) {
				db := newMemDB()
				seedItem(db, fixtureID, "The Hobbit", "J. R. R. Tolkien", "1")
				if r.setup != nil {
					r.setup(db)
				}
				db.faults[r.op] = sdkErr(r.op, f.err)
				svc, logs := newService(t, db, testCfg)
				before := db.snapshot()
				resp := invoke(t, svc, r.event(t))
				if resp.StatusCode != f.wantStatus {
					t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, f.wantStatus, resp.Body)
				}
				e := decodeError(t, resp)
				if e.Error != f.wantCode {
					t.Errorf("error = %q, want %q", e.Error, f.wantCode)
				}
				if strings.Contains(resp.Body, "secret-detail") || strings.Contains(resp.Body, "DynamoDB") {
					t.Errorf("dependency error reached the client: %s", resp.Body)
				}
				if got := resp.Headers["retry-after"]; (f.wantStatus == 503) != (got == "1") {
					t.Errorf("retry-after = %q for status %d", got, f.wantStatus)
				}
				if !strings.Contains(logs.String(), "secret-detail") || !strings.Contains(logs.String(), `"op":"`+r.op+`"`) {
					t.Errorf("dependency error not logged with its operation:\n%s", logs.String())
				}
				if after := db.snapshot(); !reflect.DeepEqual(before, after) {
					t.Errorf("failed request changed the table")
				}
			})
		}
	}
}

// TestLostReply covers writes that DynamoDB applied but whose reply never
// arrived: the client gets 503 timeout (never a 2xx it cannot trust, never a
// claim that nothing happened), and retrying with the same precondition is
// safe.
func TestLostReply(t *testing.T) {
	t.Run("update_applied_then_timeout_retry_gets_412", func(t *testing.T) {
		db := newMemDB()
		seedItem(db, fixtureID, "The Hobbit", "J. R. R. Tolkien", "1")
		db.after["UpdateItem"] = sdkErr("UpdateItem", context.DeadlineExceeded)
		svc, _ := newService(t, db, testCfg)
		resp := invoke(t, svc, fixture(t, "update"))
		if e := decodeError(t, resp); resp.StatusCode != 503 || e.Error != "timeout" || !strings.Contains(e.Message, "may or may not have been applied") {
			t.Fatalf("status %d %+v", resp.StatusCode, e)
		}
		delete(db.after, "UpdateItem")
		resp = invoke(t, svc, fixture(t, "update"))
		if resp.StatusCode != 412 || resp.Headers["etag"] != `"2"` {
			t.Errorf("retry: status %d etag %q, want 412 with the applied version", resp.StatusCode, resp.Headers["etag"])
		}
		if v := nval(db.snapshot()[fixtureID]["version"]); v != "2" {
			t.Errorf("version = %s after one applied update, want 2", v)
		}
	})
	t.Run("delete_applied_then_timeout_retry_gets_204", func(t *testing.T) {
		db := newMemDB()
		seedItem(db, fixtureID, "The Hobbit", "J. R. R. Tolkien", "1")
		db.after["DeleteItem"] = sdkErr("DeleteItem", context.DeadlineExceeded)
		svc, _ := newService(t, db, testCfg)
		ev := fixture(t, "delete")
		ev.Headers["if-match"] = `"1"`
		if resp := invoke(t, svc, ev); resp.StatusCode != 503 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		delete(db.after, "DeleteItem")
		if resp := invoke(t, svc, ev); resp.StatusCode != 204 {
			t.Errorf("retry: status %d, want 204", resp.StatusCode)
		}
	})
}

// TestConditionFailureSources checks both ways a failed condition reports
// the current item: inside the exception (DynamoDB) and by a follow-up read
// (emulators, and an absent item).
func TestConditionFailureSources(t *testing.T) {
	for _, returnOld := range []bool{true, false} {
		t.Run(fmt.Sprintf("return_old_%v", returnOld), func(t *testing.T) {
			db := newMemDB()
			db.returnOld = returnOld
			seedItem(db, fixtureID, "The Hobbit", "J. R. R. Tolkien", "3")
			svc, _ := newService(t, db, testCfg)
			resp := invoke(t, svc, fixture(t, "update"))
			if resp.StatusCode != 412 || resp.Headers["etag"] != `"3"` {
				t.Fatalf("status %d etag %q", resp.StatusCode, resp.Headers["etag"])
			}
			wantReads := 1
			if returnOld {
				wantReads = 0
			}
			if got := db.callCount("GetItem"); got != wantReads {
				t.Errorf("GetItem calls = %d, want %d", got, wantReads)
			}
			in := db.lastInput["UpdateItem"].(*dynamodb.UpdateItemInput)
			if in.ReturnValuesOnConditionCheckFailure != types.ReturnValuesOnConditionCheckFailureAllOld {
				t.Error("UpdateItem does not ask for the old item on condition failure")
			}
		})
	}
}

// TestCorruptItems: an item that breaks the table contract is a 500 with a
// log line, never a partial book.
func TestCorruptItems(t *testing.T) {
	// An update rewrites title, author, year and isbn, which repairs those;
	// it is checked only with corruptions it leaves in place.
	corrupt := []struct {
		name   string
		mut    func(it map[string]types.AttributeValue)
		routes []string
	}{
		{"year_as_string", func(it map[string]types.AttributeValue) { it["year"] = &types.AttributeValueMemberS{Value: "1937"} }, []string{"get", "list"}},
		{"missing_title", func(it map[string]types.AttributeValue) { delete(it, "title") }, []string{"get", "list"}},
		{"isbn_as_number", func(it map[string]types.AttributeValue) { it["isbn"] = &types.AttributeValueMemberN{Value: "1"} }, []string{"get", "list"}},
		{"version_garbage", func(it map[string]types.AttributeValue) { it["version"] = &types.AttributeValueMemberN{Value: "x"} }, []string{"get", "list", "update"}},
		{"created_at_missing", func(it map[string]types.AttributeValue) { delete(it, "createdAt") }, []string{"get", "list", "update"}},
	}
	for _, c := range corrupt {
		name, mut := c.name, c.mut
		for _, route := range c.routes {
			t.Run("fails_"+route+"_"+name, func(t *testing.T) {
				db := newMemDB()
				seedItem(db, fixtureID, "The Hobbit", "J. R. R. Tolkien", "1")
				mut(db.items[fixtureID])
				svc, logs := newService(t, db, testCfg)
				resp := invoke(t, svc, fixture(t, route))
				if e := decodeError(t, resp); resp.StatusCode != 500 || e.Error != "internal" {
					t.Errorf("status %d error %q", resp.StatusCode, e.Error)
				}
				if !strings.Contains(logs.String(), "table contract") {
					t.Errorf("no log line:\n%s", logs.String())
				}
			})
		}
	}
}

type panicDB struct{ *memDB }

func (panicDB) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	panic("boom")
}

// blockingDB waits for the context like a call to an unreachable endpoint.
type blockingDB struct{ *memDB }

func (blockingDB) GetItem(ctx context.Context, _ *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	<-ctx.Done()
	return nil, sdkErr("GetItem", ctx.Err())
}

func TestHandlerSafetyNets(t *testing.T) {
	t.Run("fails_panic_becomes_500", func(t *testing.T) {
		svc, logs := newService(t, panicDB{newMemDB()}, testCfg)
		resp := invoke(t, svc, fixture(t, "get"))
		if e := decodeError(t, resp); resp.StatusCode != 500 || e.Error != "internal" {
			t.Errorf("status %d error %q", resp.StatusCode, e.Error)
		}
		if !strings.Contains(logs.String(), `"panic":"boom"`) {
			t.Errorf("panic not logged:\n%s", logs.String())
		}
	})
	t.Run("fails_answers_before_the_lambda_deadline", func(t *testing.T) {
		svc, _ := newService(t, blockingDB{newMemDB()}, testCfg)
		const budget = 600 * time.Millisecond
		ctx, cancel := context.WithTimeout(context.Background(), budget)
		defer cancel()
		start := time.Now()
		resp, err := svc.Handle(ctx, fixture(t, "get"))
		elapsed := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		if e := decodeError(t, resp); resp.StatusCode != 503 || e.Error != "timeout" {
			t.Errorf("status %d error %q", resp.StatusCode, e.Error)
		}
		if elapsed >= budget-100*time.Millisecond {
			t.Errorf("answered after %v of a %v budget: no margin left to reply", elapsed, budget)
		}
	})
	t.Run("create_retries_an_id_collision", func(t *testing.T) {
		db := newMemDB()
		seedItem(db, fixtureID, "Existing", "Someone", "4")
		ids := []string{fixtureID, otherID}
		svc, err := books.New(testCfg, db, books.Options{
			Logger: slog.New(slog.DiscardHandler),
			NewID: func() (string, error) {
				id := ids[0]
				ids = ids[1:]
				return id, nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		resp := invoke(t, svc, fixture(t, "create"))
		if resp.StatusCode != 201 || resp.Headers["location"] != "/api/books/"+otherID {
			t.Fatalf("status %d location %q", resp.StatusCode, resp.Headers["location"])
		}
		if got := db.snapshot()[fixtureID]["title"].(*types.AttributeValueMemberS).Value; got != "Existing" {
			t.Errorf("collision overwrote the existing book: title %q", got)
		}
	})
	t.Run("fails_create_gives_up_after_repeated_collisions", func(t *testing.T) {
		db := newMemDB()
		seedItem(db, fixtureID, "Existing", "Someone", "4")
		svc, err := books.New(testCfg, db, books.Options{
			Logger: slog.New(slog.DiscardHandler),
			NewID:  func() (string, error) { return fixtureID, nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		before := db.snapshot()
		resp := invoke(t, svc, fixture(t, "create"))
		if resp.StatusCode != 500 || db.callCount("PutItem") != 3 {
			t.Errorf("status %d after %d puts", resp.StatusCode, db.callCount("PutItem"))
		}
		if !maps.EqualFunc(before, db.snapshot(), func(a, b map[string]types.AttributeValue) bool { return reflect.DeepEqual(a, b) }) {
			t.Error("table changed")
		}
	})
	t.Run("fails_bad_generated_id", func(t *testing.T) {
		db := newMemDB()
		svc, err := books.New(testCfg, db, books.Options{
			Logger: slog.New(slog.DiscardHandler),
			NewID:  func() (string, error) { return "not-a-uuid", nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		if resp := invoke(t, svc, fixture(t, "create")); resp.StatusCode != 500 || db.writes() != 0 {
			t.Errorf("status %d writes %d", resp.StatusCode, db.writes())
		}
	})
}
