package books

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// The service uses exactly six DynamoDB calls, one narrow interface each, so a
// test double implements only what a test exercises and the IAM policy the
// construct grants can be read off this file.

// ItemGetter reads one book (GET, and the 404/412 decision after a failed update).
type ItemGetter interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

// ItemPutter creates a book.
type ItemPutter interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// ItemUpdater replaces a book's fields under a version condition.
type ItemUpdater interface {
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// ItemDeleter deletes a book.
type ItemDeleter interface {
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

// IndexQuerier lists the books of one author through the author index.
type IndexQuerier interface {
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

// TableScanner lists all books.
type TableScanner interface {
	Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// DB is every call the service makes; *dynamodb.Client satisfies it.
type DB interface {
	ItemGetter
	ItemPutter
	ItemUpdater
	ItemDeleter
	IndexQuerier
	TableScanner
}

var _ DB = (*dynamodb.Client)(nil)
