// Package books will hold the books pattern's constructs (seed 001, first
// article): the home-region DynamoDB table and the Go service on a function
// URL (AWS_IAM) built by constructs/gofunction from functions/books/cmd/books,
// the origin-request SigV4 signer at the edge, and the /api/* behaviour. The
// handler (functions/books) is built and tested; these constructs are not yet,
// and the pattern is not registered in stacks.Patterns.
//
// Contract the constructs must meet (from functions/books):
//   - table: partition key "id" (S); GSI "byAuthor" with "author" (S) and
//     "id" (S), projection ALL; on-demand, point-in-time recovery, RETAIN;
//   - IAM: dynamodb:GetItem, PutItem, UpdateItem, DeleteItem, Scan on the
//     table and Query on the index;
//   - environment: BOOKS_TABLE_NAME (required), BOOKS_AUTHOR_INDEX and
//     BOOKS_BASE_PATH (optional);
//   - CloudFront: all methods, caching disabled, forward Content-Type and
//     If-Match but not Host; the signer needs include-body for POST and PUT.
package books
