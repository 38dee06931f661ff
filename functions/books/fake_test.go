package books_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/edgekit/edgekit/functions/books"
)

// memDB is an in-memory stand-in for the six DynamoDB calls, with the
// semantics the service relies on (conditional create, version-conditioned
// update and delete, Limit/ExclusiveStartKey paging ordered by id) and fault
// injection per operation. It mirrors the service's own expressions; the
// integration tests check the real expressions against dynalite.
type memDB struct {
	mu    sync.Mutex
	items map[string]map[string]types.AttributeValue
	calls []string

	// faults[op] is returned by op instead of doing it; after[op] is
	// returned after doing it (a reply lost after the write was applied).
	faults map[string]error
	after  map[string]error
	// returnOld makes failed conditions carry the current item, as DynamoDB
	// does with ReturnValuesOnConditionCheckFailure; dynalite does not.
	returnOld bool
	// lastInput keeps the most recent input of each op for assertions.
	lastInput map[string]any
}

var _ books.DB = (*memDB)(nil)

func newMemDB() *memDB {
	return &memDB{
		items:     map[string]map[string]types.AttributeValue{},
		faults:    map[string]error{},
		after:     map[string]error{},
		lastInput: map[string]any{},
	}
}

func (m *memDB) begin(op string, in any) error {
	m.calls = append(m.calls, op)
	m.lastInput[op] = in
	return m.faults[op]
}

func (m *memDB) callCount(op string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, c := range m.calls {
		if c == op {
			n++
		}
	}
	return n
}

// snapshot is a deep enough copy of the table to compare before and after.
func (m *memDB) snapshot() map[string]map[string]types.AttributeValue {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]map[string]types.AttributeValue, len(m.items))
	for k, v := range m.items {
		out[k] = maps.Clone(v)
	}
	return out
}

func idOf(key map[string]types.AttributeValue) string {
	return key["id"].(*types.AttributeValueMemberS).Value
}

func nval(v types.AttributeValue) string { return v.(*types.AttributeValueMemberN).Value }

func (m *memDB) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.begin("GetItem", in); err != nil {
		return nil, err
	}
	it, ok := m.items[idOf(in.Key)]
	if !ok {
		return &dynamodb.GetItemOutput{}, m.after["GetItem"]
	}
	return &dynamodb.GetItemOutput{Item: maps.Clone(it)}, m.after["GetItem"]
}

func (m *memDB) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.begin("PutItem", in); err != nil {
		return nil, err
	}
	id := idOf(in.Item)
	if _, exists := m.items[id]; exists && in.ConditionExpression != nil {
		return nil, &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
	}
	m.items[id] = maps.Clone(in.Item)
	return &dynamodb.PutItemOutput{}, m.after["PutItem"]
}

func (m *memDB) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.begin("UpdateItem", in); err != nil {
		return nil, err
	}
	id := idOf(in.Key)
	cur, exists := m.items[id]
	v := in.ExpressionAttributeValues
	if !exists || nval(cur["version"]) != nval(v[":expected"]) {
		ccf := &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
		if exists && m.returnOld {
			ccf.Item = maps.Clone(cur)
		}
		return nil, ccf
	}
	next := maps.Clone(cur)
	next["title"], next["author"], next["year"] = v[":title"], v[":author"], v[":year"]
	next["version"], next["updatedAt"] = v[":next"], v[":now"]
	delete(next, "isbn")
	if isbn, ok := v[":isbn"]; ok {
		next["isbn"] = isbn
	}
	m.items[id] = next
	return &dynamodb.UpdateItemOutput{Attributes: maps.Clone(next)}, m.after["UpdateItem"]
}

func (m *memDB) DeleteItem(_ context.Context, in *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.begin("DeleteItem", in); err != nil {
		return nil, err
	}
	id := idOf(in.Key)
	cur, exists := m.items[id]
	if exists && in.ConditionExpression != nil && nval(cur["version"]) != nval(in.ExpressionAttributeValues[":expected"]) {
		ccf := &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
		if m.returnOld {
			ccf.Item = maps.Clone(cur)
		}
		return nil, ccf
	}
	delete(m.items, id)
	return &dynamodb.DeleteItemOutput{}, m.after["DeleteItem"]
}

// page returns up to limit items ordered by id after start, filtered by
// author, and a LastEvaluatedKey whenever the page is full (as DynamoDB does,
// even if nothing follows).
func (m *memDB) page(author string, limit *int32, start map[string]types.AttributeValue) ([]map[string]types.AttributeValue, map[string]types.AttributeValue) {
	ids := slices.Sorted(maps.Keys(m.items))
	var out []map[string]types.AttributeValue
	after := ""
	if start != nil {
		after = idOf(start)
	}
	for _, id := range ids {
		it := m.items[id]
		if id <= after || (author != "" && it["author"].(*types.AttributeValueMemberS).Value != author) {
			continue
		}
		out = append(out, maps.Clone(it))
		if limit != nil && int32(len(out)) == *limit {
			lek := map[string]types.AttributeValue{"id": it["id"]}
			if author != "" {
				lek["author"] = it["author"]
			}
			return out, lek
		}
	}
	return out, nil
}

func (m *memDB) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.begin("Query", in); err != nil {
		return nil, err
	}
	author := in.ExpressionAttributeValues[":author"].(*types.AttributeValueMemberS).Value
	if in.ExclusiveStartKey != nil && in.ExclusiveStartKey["author"].(*types.AttributeValueMemberS).Value != author {
		return nil, errors.New("ValidationException: The provided starting key does not match the range key predicate")
	}
	items, lek := m.page(author, in.Limit, in.ExclusiveStartKey)
	return &dynamodb.QueryOutput{Items: items, LastEvaluatedKey: lek, Count: int32(len(items))}, m.after["Query"]
}

func (m *memDB) Scan(_ context.Context, in *dynamodb.ScanInput, _ ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.begin("Scan", in); err != nil {
		return nil, err
	}
	items, lek := m.page("", in.Limit, in.ExclusiveStartKey)
	return &dynamodb.ScanOutput{Items: items, LastEvaluatedKey: lek, Count: int32(len(items))}, m.after["Scan"]
}

// writes counts the write calls made so far.
func (m *memDB) writes() int {
	return m.callCount("PutItem") + m.callCount("UpdateItem") + m.callCount("DeleteItem")
}
