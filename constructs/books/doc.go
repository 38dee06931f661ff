// Package books provides the constructs of the books pattern (seed 001, first
// article): a JSON CRUD API on DynamoDB served by one Go Lambda function
// through a function URL that only accepts SigV4-signed requests, behind
// CloudFront, with a single-page app on the same distribution.
//
//	browser ─/api/books─► CloudFront ─► Lambda@Edge signer (origin request, include-body)
//	                                      │ SigV4 for "lambda", region from the origin host
//	                                      ▼
//	                      function URL (AWS_IAM) ─► Go service ─► DynamoDB table
//
// Three pieces, for three kinds of stack:
//
//   - NewBooksApi, in a stack of the API's region: the table (partition key
//     "id", GSI "byAuthor" on (author, id) with projection ALL; on demand,
//     point-in-time recovery, AWS managed encryption, RETAIN) and the Go
//     service (functions/books/cmd/books, arm64, built by gofunction) on a
//     BUFFERED function URL with AWS_IAM auth. The function's role may call
//     exactly GetItem, PutItem, UpdateItem, DeleteItem and Scan on the table
//     and Query on the index, as functions/books documents.
//   - NewEdgeSigner, in the us-east-1 stack (Lambda@Edge functions must be
//     created there): the origin-request signer (functions/books/signer) and
//     its role, allowed lambda:InvokeFunctionUrl (only for AWS_IAM URLs) and
//     lambda:InvokeFunction on the given functions, both required for every
//     function URL since 2026-11-01. Which origins it signs for, under which
//     SigV4 service and in which regions, is configuration (OriginRule), so
//     the same signer can front API Gateway ("execute-api").
//   - AddApiBehavior, in the distribution's stack: every method, caching
//     disabled, Content-Type and If-Match and all query strings forwarded
//     (never Host), HTTPS only, the signer on origin request with
//     include-body, or origin access control with both lambda permissions for
//     this distribution.
//
// # Cross-region and deploy order
//
// The Edge stack (us-east-1) deploys before the Api stack and lives in
// another region, so the signer's policy cannot reference the function: the
// pattern gives the function an explicit name ("<app>-books-api" by default)
// and both stacks format the same ARN. The Cdn stack is in the API's region
// and deploys after it, so it takes the function URL as a plain export.
//
// # Origin access control instead of the signer
//
// With OriginAuth "oac" there is no edge function: CloudFront signs with OAC.
// OAC does not hash request bodies, so clients must send
// x-amz-content-sha256 (the hex SHA-256 of the body) with POST and PUT, and
// the origin request policy forwards it. The permissions for
// cloudfront.amazonaws.com (InvokeFunctionUrl for AWS_IAM URLs, and
// InvokeFunction only via the URL, both for this distribution's ARN) are
// written in the distribution's stack on the imported function: the CDK's
// FunctionUrlOrigin.withOriginAccessControl grants only the first
// (aws/aws-cdk #35872), and a grant in the function's stack naming the
// distribution would be a cross-stack cycle.
package books
