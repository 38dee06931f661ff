// Package crossregion passes a string from a stack in one region to a stack in
// another without CloudFormation exports.
//
// The producer writes the value to an SSM parameter in its own region (Publish);
// the consumer reads it through a custom resource that calls ssm:GetParameter in
// the producer's region (NewReader). A refresh token, chosen by the producer,
// is part of the reader's properties, so CloudFormation re-reads exactly when
// the producer says the value can have changed.
//
// Why not `crossRegionReferences`: strong references are exports, and an export
// cannot change while it is imported. A Lambda@Edge version ARN changes on every
// code change, so such deployments fail with "Exports cannot be updated"
// (aws/aws-cdk#22842, #28200). A weak reference through SSM has no such lock.
package crossregion
